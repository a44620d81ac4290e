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
// namespace of a source account (store.Global(source)), one record
// per account aggregator that lists the account, keyed by
// "<aggregator account>/<aggregator region>/<aggregator name>". It is how a
// source account finds the aggregators that want its data, and so its
// pending requests, without scanning every aggregator.
//
// A record holds only when the aggregator started listing the account. The
// regions the aggregator requests are kept once per aggregator, in
// kindRequestRegions, so that an aggregator's records grow with its accounts
// plus its regions, not with their product.
const kindSourceRequest store.Kind = "AggregationRequest"

// kindRequestRegions holds, in an account aggregator's namespace and under its
// name, the source regions it requests: what a source account reads to know
// whether a request covers its region.
const kindRequestRegions store.Kind = "AggregationRequestRegions"

// sourceRequest is the stored form of one aggregator's request to a source
// account. Records written before the regions moved to kindRequestRegions
// also hold "regions" and "allRegions" members, which decoding ignores.
type sourceRequest struct {
	// RequestedAt is when the aggregator started listing the account. The
	// request is pending for pendingRequestLifetime after that, unless the
	// source answered it since.
	RequestedAt time.Time `json:"requestedAt"`
}

// requestRegions is the stored form of kindRequestRegions.
type requestRegions struct {
	// Regions are the source regions the aggregator reads, sorted, each
	// once; AllRegions means every region (see Service.regionsOf).
	Regions    []string `json:"regions,omitempty"`
	AllRegions bool     `json:"allRegions,omitempty"`
}

// pendingRequestLifetime is how long an unanswered aggregation request stays
// pending: the AWS Config Developer Guide keeps a pending request visible for
// 7 days ("Authorizing Aggregator Accounts to Collect AWS Config
// Configuration and Compliance Data", Authorize a Pending Request).
const pendingRequestLifetime = 7 * 24 * time.Hour

// describePendingMax is the largest and default page of
// DescribePendingAggregationRequests (model: Limit 0..20).
const describePendingMax = 20

// maxPendingBatch caps how many index records DescribePendingAggregationRequests
// lists at a time.
const maxPendingBatch = 256

func sourceIndexNamespace(account string) store.Namespace { return store.Global(account) }

func sourceRequestID(owner store.Namespace, name string) string {
	return owner.Owner + "/" + owner.Region + "/" + name
}

// parseSourceRequestID splits a kindSourceRequest id into the aggregator's
// tenant and name.
func parseSourceRequestID(id string) (owner store.Namespace, name string) {
	account, rest, _ := strings.Cut(id, "/")
	region, name, _ := strings.Cut(rest, "/")
	return store.Regional(account, region), name
}

// afterRequester returns the index id that a listing resumes after to skip
// every record of the requester (aggregator account and region): the ids of
// its aggregators all begin with requester + "/", and "0" is the byte after
// "/", so they all sort before requester + "0" and every other id after it
// sorts after it too.
func afterRequester(requester string) string { return requester + "0" }

// indexSources brings the request index in line with an account
// aggregator's sources: accounts it no longer lists lose their request,
// accounts it newly lists get one made now, and accounts it keeps listing
// keep theirs untouched, whatever happens to the regions. The regions are
// written once, to kindRequestRegions. A nil aggregator (deleted, or an
// organization aggregator) lists no accounts.
func indexSources(tx store.Tx, owner store.Namespace, name string, before, after *configapi.ConfigurationAggregator, now time.Time) error {
	id := sourceRequestID(owner, name)
	old := listedAccounts(before)
	for account := range listedAccounts(after) {
		if _, kept := old[account]; kept {
			delete(old, account)
			continue // no I/O: its request time stands
		}
		if err := store.PutJSON(tx, sourceIndexNamespace(account), kindSourceRequest, id, &sourceRequest{RequestedAt: now}); err != nil {
			return err
		}
	}
	for account := range old {
		if err := tx.Delete(sourceIndexNamespace(account), kindSourceRequest, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if len(accountSourcesOf(after)) == 0 {
		if len(accountSourcesOf(before)) == 0 {
			return nil
		}
		if err := tx.Delete(owner, kindRequestRegions, name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	}
	regions := requestRegionsOf(after)
	if len(accountSourcesOf(before)) > 0 && requestRegionsOf(before).equal(regions) {
		// Unchanged: no I/O. (An aggregator stored before kindRequestRegions
		// existed has no such record; loadRequestRegions reads its own.)
		return nil
	}
	return store.PutJSON(tx, owner, kindRequestRegions, name, &regions)
}

func (rr requestRegions) equal(o requestRegions) bool {
	return rr.AllRegions == o.AllRegions && slices.Equal(rr.Regions, o.Regions)
}

// listedAccounts returns the set of accounts an aggregator lists.
func listedAccounts(agg *configapi.ConfigurationAggregator) map[string]struct{} {
	m := map[string]struct{}{}
	for _, src := range accountSourcesOf(agg) {
		for _, a := range src.AccountIds {
			m[a] = struct{}{}
		}
	}
	return m
}

// requestRegionsOf returns the regions an account aggregator requests. The
// model allows one account source; were there several, the last would win,
// as in Service.regionsOf.
func requestRegionsOf(agg *configapi.ConfigurationAggregator) requestRegions {
	var rr requestRegions
	for _, src := range accountSourcesOf(agg) {
		rr = requestRegions{Regions: src.AwsRegions, AllRegions: src.AllAwsRegions != nil && *src.AllAwsRegions}
	}
	rr.Regions = slices.Clone(rr.Regions)
	slices.Sort(rr.Regions)
	rr.Regions = slices.Compact(rr.Regions)
	return rr
}

func accountSourcesOf(agg *configapi.ConfigurationAggregator) []configapi.AccountAggregationSource {
	if agg == nil {
		return nil
	}
	return agg.AccountAggregationSources
}

// loadRequestRegions returns the regions the owner's aggregator requests, and
// false if it has no account sources (any more). An aggregator written before
// kindRequestRegions existed has none; its own record answers instead.
func loadRequestRegions(tx store.Tx, owner store.Namespace, name string) (requestRegions, bool, error) {
	var rr requestRegions
	err := store.GetJSON(tx, owner, kindRequestRegions, name, &rr)
	if !errors.Is(err, store.ErrNotFound) {
		return rr, err == nil, err
	}
	rec, err := loadAggregator(tx, owner, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return rr, false, nil
	case err != nil:
		return rr, false, err
	}
	return requestRegionsOf(&rec.Aggregator), len(accountSourcesOf(&rec.Aggregator)) > 0, nil
}

// covers reports whether an aggregator of owner that requests rr reads the
// region: the regions walkSources walks.
func (s *Service) covers(rr requestRegions, owner store.Namespace, region string) bool {
	if rr.AllRegions {
		return region == owner.Region || slices.Contains(s.regions, region)
	}
	_, found := slices.BinarySearch(rr.Regions, region)
	return found
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

// answers is what a source account and region has done about the requests
// of one requester (aggregator account and region).
type answers struct {
	authorized bool
	answered   bool
	last       requestAnswer // the latest answer, when answered
}

// loadAnswers reads what the source account and region has done about the
// requester's requests.
func loadAnswers(tx store.Tx, source store.Namespace, requester string) (answers, error) {
	authorized, err := store.Exists(tx, source, kindAuthorization, requester)
	if err != nil || authorized {
		return answers{authorized: authorized}, err
	}
	var a answers
	err = store.GetJSON(tx, source, kindRequestAnswer, requester, &a.last)
	switch {
	case err == nil:
		a.answered = true
	case !errors.Is(err, store.ErrNotFound):
		return answers{}, err
	}
	return a, nil
}

// stateOf decides where a request made at requestedAt stands.
func (a answers) stateOf(requestedAt, now time.Time) requestState {
	answered := a.answered && !a.last.At.Before(requestedAt)
	switch {
	case a.authorized:
		return requestAuthorized
	case answered && a.last.Accepted:
		return requestRevoked
	case answered:
		return requestRejected
	case now.Sub(requestedAt) >= pendingRequestLifetime:
		return requestExpired
	}
	return requestPending
}

// DescribePendingAggregationRequests lists the aggregator accounts and
// regions waiting for the caller to authorize them in this region, in the
// order of the request index (by account, then region).
func (s *Service) DescribePendingAggregationRequests(ctx context.Context, in *configapi.DescribePendingAggregationRequestsRequest) (*configapi.DescribePendingAggregationRequestsResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("DescribePendingAggregationRequests", t.Owner, t.Region)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, describePendingMax)
	var pending []string
	err = s.store.View(ctx, func(tx store.Tx) error {
		pending, err = s.pendingRequests(ctx, tx, t, after, limit+1)
		return err
	})
	if err != nil {
		return nil, err
	}
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

// pendingRequests returns the first max requesters (aggregator account and
// region) after the requester after whose request is pending in the tenant.
// It reads the index from where after left it, a batch at a time, and stops
// as soon as it has max; it reads each record at most once, and the
// tenant's answers once per requester.
func (s *Service) pendingRequests(ctx context.Context, tx store.Tx, t store.Namespace, after string, max int) ([]string, error) {
	var out []string
	cursor := ""
	if after != "" {
		cursor = afterRequester(after)
	}
	now := s.clock.Now()
	// The index ids of one requester are consecutive: the requester whose
	// records are being read, its answers, and whether it is decided
	// (pending, or authorized).
	var requester string
	var ans answers
	decided := false
	batch := max
	for {
		items, err := tx.List(sourceIndexNamespace(t.Owner), kindSourceRequest, cursor, batch)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			owner, name := parseSourceRequestID(it.ID)
			if key := requesterKey(owner.Owner, owner.Region); key != requester {
				requester, decided = key, false
				if ans, err = loadAnswers(tx, t, requester); err != nil {
					return nil, err
				}
				decided = ans.authorized
			}
			if decided {
				continue
			}
			pending, err := s.requestPending(tx, t, it, owner, name, ans, now)
			if err != nil {
				return nil, err
			}
			if pending {
				out, decided = append(out, requester), true
				if len(out) == max {
					return out, nil
				}
			}
		}
		if len(items) < batch {
			return out, nil
		}
		cursor = items[len(items)-1].ID
		batch = min(2*batch, maxPendingBatch)
	}
}

// requestPending decides whether the request of the owner's aggregator
// name, listed in the source's index as it, is pending in the source
// tenant t.
func (s *Service) requestPending(tx store.Tx, t store.Namespace, it store.Item, owner store.Namespace, name string, ans answers, now time.Time) (bool, error) {
	reqs, err := store.DecodeItems[sourceRequest]([]store.Item{it}, kindSourceRequest)
	if err != nil || ans.stateOf(reqs[0].RequestedAt, now) != requestPending {
		return false, err
	}
	rr, ok, err := loadRequestRegions(tx, owner, name)
	if err != nil || !ok {
		return false, err
	}
	return s.covers(rr, owner, t.Region), nil
}

// DeletePendingAggregationRequest rejects the requests of an aggregator
// account and region for the caller's data in this region. Rejecting a
// request that is not pending succeeds: the AWS Config API Reference
// (DeletePendingAggregationRequest, Errors) names no error for it, and moto
// answers so.
func (s *Service) DeletePendingAggregationRequest(ctx context.Context, in *configapi.DeletePendingAggregationRequestRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
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
