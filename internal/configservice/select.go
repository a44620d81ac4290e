package configservice

import (
	"context"
	"errors"
	"strconv"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/eval"
	"github.com/starlingcfg/starling/internal/query/exec"
)

// Advanced query: SelectResourceConfig over the caller's own source, and
// SelectAggregateResourceConfig over the sources an aggregator reads (the
// same view as the aggregated inventory, aggregateView).

// Page sizes of the Select operations (AWS Config API Reference,
// SelectAggregateResourceConfig): Limit (and MaxResults) 0..100; without
// either, 500 for an aggregation query and 25 for any other.
const (
	selectMax              = 100
	selectDefault          = 25
	selectAggregateDefault = 500
)

// selectPage is one page of a query's results.
type selectPage struct {
	results []string
	fields  []configapi.FieldInfo
	next    *string
}

// runSelect evaluates the parsed query q over the items that the view v
// admits (its scope, and its types), and returns the page after
// the token's position. A token is bound to the operation, the caller, the
// aggregator (in scopeKey) and the query, and holds the offset of the
// page's first result.
//
// The planner and executor (package query/exec) decide what the store
// reads and what the reference evaluator decides.
func (s *Service) runSelect(ctx context.Context, scopeKey string, v *aggregateView,
	q *query.Query, limit *int32, token *string) (*selectPage, error) {
	tokScope := pagetoken.Scope(scopeKey, q.String())
	after, err := s.decodeToken(tokScope, token)
	if err != nil {
		return nil, err
	}
	offset := 0
	if after != "" {
		if offset, err = strconv.Atoi(after); err != nil || offset < 0 {
			return nil, invalidNextToken()
		}
	}
	size := selectDefault
	if q.IsAggregate() {
		size = selectAggregateDefault
	}
	if limit != nil && *limit > 0 {
		size = int(*limit)
	}

	page := &selectPage{results: []string{}}
	for _, f := range eval.SelectFields(q) {
		page.fields = append(page.fields, configapi.FieldInfo{Name: ptr(f)})
	}
	// A later page reads the results its first page computed, while they
	// are kept (selectCache); a first page, or one whose results are gone,
	// runs the query.
	var rows []string
	if after != "" {
		rows = s.selects.get(tokScope, v.gen, s.clock.Now())
	}
	if rows == nil {
		if rows, err = exec.Run(ctx, s.inv, v.scope, v.types, q); err != nil {
			if errors.Is(err, eval.ErrInvalid) {
				return nil, configapi.InvalidExpression(err.Error())
			}
			return nil, err
		}
		if len(rows) > size {
			s.selects.put(tokScope, v.gen, rows, s.clock.Now())
		}
	}
	if offset > len(rows) {
		return nil, invalidNextToken()
	}
	end := min(offset+size, len(rows))
	page.results = append(page.results, rows[offset:end]...)
	if end < len(rows) {
		page.next = ptr(s.tokens.Encode(tokScope, strconv.Itoa(end)))
	}
	return page, nil
}

// parseExpression parses a query, refusing it with InvalidExpressionException.
func parseExpression(expr string) (*query.Query, error) {
	q, err := query.Parse(expr)
	if err != nil {
		return nil, configapi.InvalidExpression(err.Error())
	}
	return q, nil
}

// SelectResourceConfig runs an advanced query over the caller's resources
// in the caller's region.
func (s *Service) SelectResourceConfig(ctx context.Context, in *configapi.SelectResourceConfigRequest) (*configapi.SelectResourceConfigResponse, error) {
	src, err := callerSource(ctx)
	if err != nil {
		return nil, err
	}
	q, err := parseExpression(*in.Expression)
	if err != nil {
		return nil, err
	}
	key := pagetoken.Scope("SelectResourceConfig", src.AccountID, src.Region)
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.runSelect(ctx, key, &aggregateView{scope: inventory.OneSource(src), gen: gen}, q, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &configapi.SelectResourceConfigResponse{
		Results: p.results, QueryInfo: &configapi.QueryInfo{SelectFields: p.fields}, NextToken: p.next,
	}, nil
}

// SelectAggregateResourceConfig runs an advanced query over the resources
// of every source the aggregator reads. Limit and MaxResults are the same
// page size; Limit wins when both are given.
func (s *Service) SelectAggregateResourceConfig(ctx context.Context, in *configapi.SelectAggregateResourceConfigRequest) (*configapi.SelectAggregateResourceConfigResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	q, err := parseExpression(*in.Expression)
	if err != nil {
		return nil, err
	}
	v, err := s.aggregateView(ctx, t, name)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit == nil || *limit == 0 {
		limit = in.MaxResults
	}
	key := pagetoken.Scope("SelectAggregateResourceConfig", t.Owner, t.Region, name)
	p, err := s.runSelect(ctx, key, v, q, limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &configapi.SelectAggregateResourceConfigResponse{
		Results: p.results, QueryInfo: &configapi.QueryInfo{SelectFields: p.fields}, NextToken: p.next,
	}, nil
}
