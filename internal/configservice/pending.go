package configservice

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// kindSourceRequest is the index of aggregation requests: in the global
// tenant of a source account (store.Tenant{AccountID: source}), one record
// per account aggregator that lists the account, keyed by
// "<aggregator account>/<aggregator region>/<aggregator name>". It is how a
// source account finds the aggregators that want its data, and so its
// pending requests, without scanning every aggregator.
const kindSourceRequest store.Kind = "AggregationRequest"

// sourceRequest is the stored form of one aggregator's request to a source
// account.
type sourceRequest struct {
	// Regions are the source regions the aggregator reads; AllRegions means
	// every region.
	Regions    []string `json:"regions,omitempty"`
	AllRegions bool     `json:"allRegions,omitempty"`
	// RequestedAt is when the aggregator started listing the account. The
	// request is pending for pendingRequestLifetime after that, unless the
	// source answered it since.
	RequestedAt time.Time `json:"requestedAt"`
}

// pendingRequestLifetime is how long an unanswered aggregation request stays
// pending: "visible for 7 days" (spec §4.2).
const pendingRequestLifetime = 7 * 24 * time.Hour

// describePendingMax is the largest and default page of
// DescribePendingAggregationRequests (model: Limit 0..20).
const describePendingMax = 20

func sourceIndexTenant(account string) store.Tenant { return store.Tenant{AccountID: account} }

func sourceRequestID(owner store.Tenant, name string) string {
	return owner.AccountID + "/" + owner.Region + "/" + name
}

// parseSourceRequestID splits a kindSourceRequest id into the requester key
// (aggregator account and region) and the aggregator name.
func parseSourceRequestID(id string) (requester string, name string) {
	account, rest, _ := strings.Cut(id, "/")
	region, name, _ := strings.Cut(rest, "/")
	return requesterKey(account, region), name
}

func (r *sourceRequest) covers(region string) bool {
	return r.AllRegions || slices.Contains(r.Regions, region)
}

// indexSources brings the request index in line with an account
// aggregator's sources: accounts it no longer lists lose their request,
// accounts it newly lists get one made now, and accounts it keeps listing
// keep theirs, rewritten only if the regions changed. A nil aggregator
// (deleted, or an organization aggregator) lists no accounts.
func indexSources(tx store.Tx, owner store.Tenant, name string, before, after *configapi.ConfigurationAggregator, now time.Time) error {
	id := sourceRequestID(owner, name)
	old := requestsOf(before)
	for account, req := range requestsOf(after) {
		prev, kept := old[account]
		delete(old, account)
		if kept && prev.AllRegions == req.AllRegions && slices.Equal(prev.Regions, req.Regions) {
			continue // unchanged: no I/O
		}
		req.RequestedAt = now
		if kept {
			var stored sourceRequest
			err := store.GetJSON(tx, sourceIndexTenant(account), kindSourceRequest, id, &stored)
			switch {
			case err == nil:
				req.RequestedAt = stored.RequestedAt
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		if err := store.PutJSON(tx, sourceIndexTenant(account), kindSourceRequest, id, &req); err != nil {
			return err
		}
	}
	for account := range old {
		if err := tx.Delete(sourceIndexTenant(account), kindSourceRequest, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// requestsOf returns, for each account an aggregator lists, the regions it
// requests (RequestedAt unset).
func requestsOf(agg *configapi.ConfigurationAggregator) map[string]sourceRequest {
	m := map[string]sourceRequest{}
	for _, src := range accountSourcesOf(agg) {
		req := sourceRequest{Regions: src.AwsRegions, AllRegions: src.AllAwsRegions != nil && *src.AllAwsRegions}
		for _, a := range src.AccountIds {
			m[a] = req
		}
	}
	return m
}

func accountSourcesOf(agg *configapi.ConfigurationAggregator) []configapi.AccountAggregationSource {
	if agg == nil {
		return nil
	}
	return agg.AccountAggregationSources
}

// requestState is where an aggregator's request for a source account and
// region stands.
type requestState int

const (
	requestAuthorized requestState = iota // the source has authorized the aggregator
	requestPending                        // waiting for the source to answer
	requestRejected                       // the source deleted the pending request
	requestRevoked                        // the source authorized, then deleted the authorization
	requestExpired                        // unanswered for pendingRequestLifetime
)

// requestStateOf decides where a request made at requestedAt by the
// requester (aggregator account and region) stands in the source account and
// region.
func requestStateOf(tx store.Tx, source store.Tenant, requester string, requestedAt, now time.Time) (requestState, error) {
	authorized, err := store.Exists(tx, source, kindAuthorization, requester)
	if err != nil || authorized {
		return requestAuthorized, err
	}
	var ans requestAnswer
	err = store.GetJSON(tx, source, kindRequestAnswer, requester, &ans)
	answered := err == nil && !ans.At.Before(requestedAt)
	switch {
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return 0, err
	case answered && ans.Accepted:
		return requestRevoked, nil
	case answered:
		return requestRejected, nil
	case now.Sub(requestedAt) >= pendingRequestLifetime:
		return requestExpired, nil
	}
	return requestPending, nil
}

// DescribePendingAggregationRequests lists the aggregator accounts and
// regions waiting for the caller to authorize them in this region.
func (s *Service) DescribePendingAggregationRequests(ctx context.Context, in *configapi.DescribePendingAggregationRequestsRequest) (*configapi.DescribePendingAggregationRequestsResponse, error) {
	t, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("DescribePendingAggregationRequests", t.AccountID, t.Region)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, describePendingMax)
	now := s.clock.Now()
	var pending []string
	err = s.store.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(sourceIndexTenant(t.AccountID), kindSourceRequest, "", 0)
		if err != nil {
			return err
		}
		reqs, err := store.DecodeItems[sourceRequest](items, kindSourceRequest)
		if err != nil {
			return err
		}
		for i, req := range reqs {
			requester, _ := parseSourceRequestID(items[i].ID)
			if requester <= after || !req.covers(t.Region) || slices.Contains(pending, requester) {
				continue
			}
			st, err := requestStateOf(tx, t, requester, req.RequestedAt, now)
			if err != nil {
				return err
			}
			if st == requestPending {
				pending = append(pending, requester)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(pending)
	out := &configapi.DescribePendingAggregationRequestsResponse{PendingAggregationRequests: []configapi.PendingAggregationRequest{}}
	if len(pending) > limit {
		pending = pending[:limit]
		tok := s.tokens.Encode(scope, pending[limit-1])
		out.NextToken = &tok
	}
	for _, key := range pending {
		account, region, _ := strings.Cut(key, "/")
		out.PendingAggregationRequests = append(out.PendingAggregationRequests,
			configapi.PendingAggregationRequest{RequesterAccountId: ptr(account), RequesterAwsRegion: ptr(region)})
	}
	return out, nil
}

// DeletePendingAggregationRequest rejects the requests of an aggregator
// account and region for the caller's data in this region. Rejecting a
// request that is not pending succeeds (spec Appendix B #12).
func (s *Service) DeletePendingAggregationRequest(ctx context.Context, in *configapi.DeletePendingAggregationRequestRequest) (*shape.Empty, error) {
	t, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	key := requesterKey(*in.RequesterAccountId, *in.RequesterAwsRegion)
	now := s.clock.Now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, t, kindRequestAnswer, key, &requestAnswer{At: now, Accepted: false})
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}
