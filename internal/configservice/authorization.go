package configservice

import (
	"context"
	"errors"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// kindAuthorization holds the AggregationAuthorizations of a source account
// and region, keyed by requesterKey(authorized account, authorized region).
const kindAuthorization store.Kind = "AggregationAuthorization"

// kindRequestAnswer records, in a source account and region, when it last
// answered an aggregator account and region's request for its data: by
// authorizing it or by deleting the pending request. A request made before
// the answer is no longer pending.
const kindRequestAnswer store.Kind = "AggregationRequestAnswer"

// requestAnswer is the stored form of an answer.
type requestAnswer struct {
	At       time.Time `json:"at"`
	Accepted bool      `json:"accepted"`
}

// describeAuthorizationsMax is the largest and default page of
// DescribeAggregationAuthorizations (model: Limit 0..100, "the default is maximum").
const describeAuthorizationsMax = 100

// requesterKey identifies an aggregator account and region: the key of
// authorizations, pending requests and answers in a source account.
func requesterKey(account, region string) string { return account + "/" + region }

// authorizationARN is
// arn:aws:config:<source-region>:<source-account>:aggregation-authorization/<account>/<region>,
// as in the example of the AWS CloudFormation User Guide's
// AWS::Config::AggregationAuthorization page (Return values, Ref).
func authorizationARN(source store.Namespace, account, region string) string {
	return "arn:aws:config:" + source.Region + ":" + source.Owner + ":aggregation-authorization/" + account + "/" + region
}

// PutAggregationAuthorization lets an aggregator account and region collect
// the caller's data in this region. It is idempotent: a repeat keeps the
// authorization's ARN, creation time and tags. Authorizing answers the
// aggregator's pending request.
func (s *Service) PutAggregationAuthorization(ctx context.Context, in *configapi.PutAggregationAuthorizationRequest) (*configapi.PutAggregationAuthorizationResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	account, region := *in.AuthorizedAccountId, *in.AuthorizedAwsRegion
	key := requesterKey(account, region)
	now := s.clock.Now()
	var out configapi.AggregationAuthorization
	err = s.store.Update(ctx, func(tx store.Tx) error {
		err := store.GetJSON(tx, t, kindAuthorization, key, &out)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		arn := authorizationARN(t, account, region)
		out = configapi.AggregationAuthorization{
			AggregationAuthorizationArn: &arn,
			AuthorizedAccountId:         &account,
			AuthorizedAwsRegion:         &region,
			CreationTime:                shape.NewTimestamp(now),
		}
		if err := createTaggable(tx, t, arn, kindAuthorization, key, in.Tags); err != nil {
			return err
		}
		if err := store.PutJSON(tx, t, kindRequestAnswer, key, &requestAnswer{At: now, Accepted: true}); err != nil {
			return err
		}
		return store.PutJSON(tx, t, kindAuthorization, key, &out)
	})
	if err != nil {
		return nil, err
	}
	return &configapi.PutAggregationAuthorizationResponse{AggregationAuthorization: &out}, nil
}

// DescribeAggregationAuthorizations lists the caller's authorizations in
// this region, by authorized account and region.
func (s *Service) DescribeAggregationAuthorizations(ctx context.Context, in *configapi.DescribeAggregationAuthorizationsRequest) (*configapi.DescribeAggregationAuthorizationsResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("DescribeAggregationAuthorizations", t.Owner, t.Region)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, describeAuthorizationsMax)
	out := &configapi.DescribeAggregationAuthorizationsResponse{AggregationAuthorizations: []configapi.AggregationAuthorization{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(t, kindAuthorization, after, limit+1)
		if err != nil {
			return err
		}
		if len(items) > limit {
			items = items[:limit]
			tok := s.tokens.Encode(scope, items[limit-1].ID)
			out.NextToken = &tok
		}
		out.AggregationAuthorizations, err = store.DecodeItems[configapi.AggregationAuthorization](items, kindAuthorization)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteAggregationAuthorization revokes an authorization and its tags.
// Deleting one that does not exist succeeds: the AWS Config API Reference
// (DeleteAggregationAuthorization, Errors) names no error for it, and moto
// answers so.
func (s *Service) DeleteAggregationAuthorization(ctx context.Context, in *configapi.DeleteAggregationAuthorizationRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	key := requesterKey(*in.AuthorizedAccountId, *in.AuthorizedAwsRegion)
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var auth configapi.AggregationAuthorization
		err := store.GetJSON(tx, t, kindAuthorization, key, &auth)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := deleteTaggable(tx, t, *auth.AggregationAuthorizationArn); err != nil {
			return err
		}
		return tx.Delete(t, kindAuthorization, key)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// decodeToken returns the key a NextToken resumes after, "" for none.
func (s *Service) decodeToken(scope string, token *string) (string, error) {
	if token == nil || *token == "" {
		return "", nil
	}
	after, err := s.tokens.Decode(scope, *token)
	if err != nil {
		return "", invalidNextToken()
	}
	return after, nil
}
