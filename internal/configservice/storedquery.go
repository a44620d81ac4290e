package configservice

import (
	"context"
	"errors"
	"strconv"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// Stored queries: named advanced-query expressions, one set per account and
// region (AWS Config API Reference, PutStoredQuery, GetStoredQuery,
// ListStoredQueries, DeleteStoredQuery).

// kindStoredQuery holds a configapi.StoredQuery per query, keyed by name.
const kindStoredQuery store.Kind = "StoredQuery"

// maxStoredQueries is the quota of stored queries per account and region:
// "Maximum number of saved queries: 300" (AWS Config Developer Guide,
// "Service Limits"); PutStoredQuery answers ValidationException beyond it
// (AWS Config API Reference, ValidationException: "You are trying to
// create more than 300 queries.").
const maxStoredQueries = 300

// listStoredQueriesMax is ListStoredQueries' largest and default page
// (model: MaxResults 0..100).
const listStoredQueriesMax = 100

// queryIDLength is the length of the random part of a query id,
// query-<id>, as in the ARN the model's pattern describes
// (arn:aws…:config:region:account:stored-query/name/query-id).
const queryIDLength = 16

func storedQueryNotFound(name string) error {
	// ours: AWS's text is unknown.
	return configapi.ResourceNotFound("The stored query '" + name + "' does not exist.")
}

func storedQueryARN(t store.Namespace, name, id string) string {
	return "arn:aws:config:" + t.Region + ":" + t.Owner + ":stored-query/" + name + "/" + id
}

// PutStoredQuery saves a query under its name, or updates the expression
// and description of the query of that name, which keeps its id, ARN and
// tags (tags are set only when the query is created, as for every AWS
// Config resource). The expression is stored as it is: PutStoredQuery does
// not model InvalidExpressionException, and a stored query is checked
// when it runs.
func (s *Service) PutStoredQuery(ctx context.Context, in *configapi.PutStoredQueryRequest) (*configapi.PutStoredQueryResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	q := in.StoredQuery
	if q.Expression == nil {
		var v shape.Validator
		v.Null("storedQuery.expression")
		return nil, v.Err()
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTagsPerResource {
		return nil, configapi.TooManyTags("The stored query would have " + strconv.Itoa(len(in.Tags)) +
			" tags; a resource can have at most " + strconv.Itoa(maxTagsPerResource) + ".")
	}
	name := *q.QueryName
	newID, err := s.randomID(queryIDLength)
	if err != nil {
		return nil, err
	}
	var arn string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var rec configapi.StoredQuery
		err := store.GetJSON(tx, t, kindStoredQuery, name, &rec)
		switch {
		case err == nil:
			rec.Expression, rec.Description = q.Expression, q.Description
		case errors.Is(err, store.ErrNotFound):
			n, err := tx.Count(t, kindStoredQuery)
			if err != nil {
				return err
			}
			if n >= maxStoredQueries {
				// The model's description of ValidationException for
				// PutStoredQuery.
				return configapi.Validation("You are trying to create more than " + strconv.Itoa(maxStoredQueries) + " queries.")
			}
			id := "query-" + newID
			a := storedQueryARN(t, name, id)
			rec = configapi.StoredQuery{QueryId: &id, QueryArn: &a, QueryName: &name, Description: q.Description, Expression: q.Expression}
			if err := createTaggable(tx, t, a, kindStoredQuery, name, in.Tags); err != nil {
				return err
			}
		default:
			return err
		}
		arn = *rec.QueryArn
		return store.PutJSON(tx, t, kindStoredQuery, name, &rec)
	})
	if err != nil {
		return nil, err
	}
	return &configapi.PutStoredQueryResponse{QueryArn: &arn}, nil
}

// GetStoredQuery returns the caller's query of that name.
func (s *Service) GetStoredQuery(ctx context.Context, in *configapi.GetStoredQueryRequest) (*configapi.GetStoredQueryResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	var rec configapi.StoredQuery
	err = s.store.View(ctx, func(tx store.Tx) error {
		err := store.GetJSON(tx, t, kindStoredQuery, *in.QueryName, &rec)
		if errors.Is(err, store.ErrNotFound) {
			return storedQueryNotFound(*in.QueryName)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &configapi.GetStoredQueryResponse{StoredQuery: &rec}, nil
}

// ListStoredQueries lists the caller's queries by name, without their
// expressions.
func (s *Service) ListStoredQueries(ctx context.Context, in *configapi.ListStoredQueriesRequest) (*configapi.ListStoredQueriesResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("ListStoredQueries", t.Owner, t.Region)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.MaxResults, listStoredQueriesMax)
	out := &configapi.ListStoredQueriesResponse{StoredQueryMetadata: []configapi.StoredQueryMetadata{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(t, kindStoredQuery, after, limit+1)
		if err != nil {
			return err
		}
		if len(items) > limit {
			items = items[:limit]
			out.NextToken = ptr(s.tokens.Encode(scope, items[limit-1].ID))
		}
		queries, err := store.DecodeItems[configapi.StoredQuery](items, kindStoredQuery)
		if err != nil {
			return err
		}
		for _, q := range queries {
			out.StoredQueryMetadata = append(out.StoredQueryMetadata, configapi.StoredQueryMetadata{
				QueryId: q.QueryId, QueryArn: q.QueryArn, QueryName: q.QueryName, Description: q.Description,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteStoredQuery deletes the caller's query of that name and its tags.
func (s *Service) DeleteStoredQuery(ctx context.Context, in *configapi.DeleteStoredQueryRequest) (*configapi.DeleteStoredQueryResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.QueryName
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var rec configapi.StoredQuery
		if err := store.GetJSON(tx, t, kindStoredQuery, name, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return storedQueryNotFound(name)
			}
			return err
		}
		if err := tx.Delete(t, kindStoredQuery, name); err != nil {
			return err
		}
		return deleteTaggable(tx, t, *rec.QueryArn)
	})
	if err != nil {
		return nil, err
	}
	return &configapi.DeleteStoredQueryResponse{}, nil
}
