package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"golang.org/x/sync/errgroup"

	"github.com/starlingcfg/starling/internal/inventory"
)

// API is the part of AWS Config's API that FromAPI reads with, as
// *configservice.Client has it: a client of the source's account (its
// credentials) and region.
type API interface {
	configservice.GetDiscoveredResourceCountsAPIClient
	configservice.ListDiscoveredResourcesAPIClient
	configservice.GetResourceConfigHistoryAPIClient
}

// DefaultConcurrency is how many requests FromAPI has in flight at once
// unless told otherwise.
const DefaultConcurrency = 8

// APIOptions tune FromAPI.
type APIOptions struct {
	// Concurrency is the number of requests in flight at once; zero or
	// less means DefaultConcurrency.
	Concurrency int
}

// FromAPI returns the Reader of a running server, or of AWS Config itself,
// through AWS Config's public API, with api a client of the source's
// account and region:
//
//  1. the resource types: those GetDiscoveredResourceCounts counts and,
//     for a past time, every value of the ResourceType enum too (a type
//     whose resources are all deleted now is not counted, but may have had
//     resources then);
//  2. each type's resources: ListDiscoveredResources to the last page,
//     with IncludeDeletedResources for a past time (a resource deleted
//     since then is listed only so); one deleted at or before that time
//     is left out right away;
//  3. each resource's version then: GetResourceConfigHistory with Limit 1,
//     and LaterTime the past time if there is one; a resource whose
//     version then records its deletion, or without one (it came later),
//     is left out.
//
// The items come in order of resource type, then id, whatever order the
// answers arrive in; only the listed resource identifiers, and the items
// of the requests in flight, are in memory at once.
//
// A resource type that is neither counted nor in the SDK's ResourceType
// enum is not found: a custom (third-party) type, or a type newer than the
// SDK, whose resources are all deleted now is left out of a snapshot of a
// past time, even if it had resources then.
func FromAPI(api API, opts APIOptions) Reader {
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	return &apiReader{api: api, n: n}
}

type apiReader struct {
	api API
	n   int
}

// resource is one resource that the reader asks the version of.
type resource struct {
	typ, id string
}

func (r *apiReader) Items(ctx context.Context, src inventory.Source, at time.Time) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		types, err := r.types(ctx, at)
		if err != nil {
			yield(inventory.Item{}, err)
			return
		}
		res, err := r.resources(ctx, types, at)
		if err != nil {
			yield(inventory.Item{}, err)
			return
		}
		r.versions(ctx, cancel, src, res, at, yield)
	}
}

// types returns the resource types to list, sorted.
func (r *apiReader) types(ctx context.Context, at time.Time) ([]string, error) {
	set := map[string]bool{}
	p := configservice.NewGetDiscoveredResourceCountsPaginator(r.api, &configservice.GetDiscoveredResourceCountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("GetDiscoveredResourceCounts: %w", err)
		}
		for _, c := range page.ResourceCounts {
			if c.ResourceType != "" {
				set[string(c.ResourceType)] = true
			}
		}
	}
	if !at.IsZero() {
		for _, t := range cstypes.ResourceType("").Values() {
			set[string(t)] = true
		}
	}
	types := make([]string, 0, len(set))
	for t := range set {
		types = append(types, t)
	}
	slices.Sort(types)
	return types, nil
}

// resources lists the resources of the types, r.n types at a time, and
// returns them sorted by type, then id.
func (r *apiReader) resources(ctx context.Context, types []string, at time.Time) ([]resource, error) {
	lists := make([][]resource, len(types))
	err := forEach(ctx, r.n, len(types), func(ctx context.Context, i int) error {
		in := &configservice.ListDiscoveredResourcesInput{ResourceType: cstypes.ResourceType(types[i])}
		if !at.IsZero() {
			in.IncludeDeletedResources = true
		}
		seen := map[string]bool{}
		p := configservice.NewListDiscoveredResourcesPaginator(r.api, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("ListDiscoveredResources %s: %w", types[i], err)
			}
			for _, id := range page.ResourceIdentifiers {
				rid := aws.ToString(id.ResourceId)
				if rid == "" || seen[rid] {
					continue
				}
				if d := id.ResourceDeletionTime; d != nil && !at.IsZero() && !d.After(at) {
					// Its deletion is its latest version, captured by
					// then: its version then.
					continue
				}
				seen[rid] = true
				lists[i] = append(lists[i], resource{typ: types[i], id: rid})
			}
		}
		slices.SortFunc(lists[i], func(a, b resource) int { return strings.Compare(a.id, b.id) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(lists...), nil
}

// forEach calls fn(ctx, i) for i in [0, n), with at most par calls at
// once, and returns the first error, after which it starts no more calls.
func forEach(ctx context.Context, par, n int, fn func(context.Context, int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(par)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(gctx, i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// result is the answer for one resource: its item, or none (ok false).
type result struct {
	it  inventory.Item
	ok  bool
	err error
}

// versions asks each resource's version, r.n at a time, and yields the
// items in the order of res. It returns once every request it started has
// ended.
func (r *apiReader) versions(ctx context.Context, cancel context.CancelFunc, src inventory.Source, res []resource, at time.Time, yield func(inventory.Item, error) bool) {
	// pending holds each started request's answer channel, in the order of
	// res: at most r.n requests in flight, and r.n answers waiting.
	pending := make(chan chan result, r.n)
	slots := make(chan struct{}, r.n)
	var wg sync.WaitGroup
	go func() {
		defer close(pending)
		for _, rs := range res {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			ch := make(chan result, 1)
			select {
			case pending <- ch:
			case <-ctx.Done():
				<-slots
				return
			}
			wg.Go(func() {
				it, ok, err := r.version(ctx, src, rs, at)
				ch <- result{it, ok, err}
				<-slots
			})
		}
	}()
	defer func() {
		cancel()
		for range pending { // the feeder ends
		}
		wg.Wait()
	}()
	for ch := range pending {
		a := <-ch
		switch {
		case a.err != nil:
			yield(inventory.Item{}, a.err)
			return
		case !a.ok:
			continue
		case !yield(a.it, nil):
			return
		}
	}
	if err := ctx.Err(); err != nil {
		yield(inventory.Item{}, err)
	}
}

// version returns the resource's version at at (zero: its latest), and
// false if it has none then or that version records its deletion.
func (r *apiReader) version(ctx context.Context, src inventory.Source, rs resource, at time.Time) (inventory.Item, bool, error) {
	in := &configservice.GetResourceConfigHistoryInput{
		ResourceType: cstypes.ResourceType(rs.typ),
		ResourceId:   aws.String(rs.id),
		Limit:        1,
	}
	if !at.IsZero() {
		in.LaterTime = aws.Time(at)
	}
	out, err := r.api.GetResourceConfigHistory(ctx, in)
	var notDiscovered *cstypes.ResourceNotDiscoveredException
	switch {
	case errors.As(err, &notDiscovered):
		return inventory.Item{}, false, nil // gone since it was listed
	case err != nil:
		return inventory.Item{}, false, fmt.Errorf("GetResourceConfigHistory %s %s: %w", rs.typ, rs.id, err)
	case len(out.ConfigurationItems) == 0:
		return inventory.Item{}, false, nil
	}
	it, err := itemFromAPI(src, &out.ConfigurationItems[0])
	if err != nil {
		return inventory.Item{}, false, fmt.Errorf("GetResourceConfigHistory %s %s: %w", rs.typ, rs.id, err)
	}
	if it.ResourceType != rs.typ || it.ResourceID != rs.id {
		return inventory.Item{}, false, fmt.Errorf("GetResourceConfigHistory %s %s: the answer is the item of %s %s", rs.typ, rs.id, it.ResourceType, it.ResourceID)
	}
	if it.Deleted() {
		return inventory.Item{}, false, nil
	}
	return it, true, nil
}

// itemFromAPI converts the API form of a configuration item
// (GetResourceConfigHistory's) to an Item of src, field for field: the
// configuration and the supplementary configuration values, JSON text in
// strings, become raw JSON as they are (compacted), configurationStateId a
// number, times UTC to the millisecond, and the relationship's
// relationshipName its Name. Its account must be src's.
func itemFromAPI(src inventory.Source, ci *cstypes.ConfigurationItem) (inventory.Item, error) {
	it := inventory.Item{
		Key: inventory.Key{
			Source:       src,
			ResourceType: string(ci.ResourceType),
			ResourceID:   aws.ToString(ci.ResourceId),
		},
		Status:           string(ci.ConfigurationItemStatus),
		Version:          aws.ToString(ci.Version),
		AWSRegion:        aws.ToString(ci.AwsRegion),
		ResourceName:     aws.ToString(ci.ResourceName),
		ARN:              aws.ToString(ci.Arn),
		AvailabilityZone: aws.ToString(ci.AvailabilityZone),
	}
	if it.ResourceType == "" || it.ResourceID == "" {
		return it, errors.New("the item has no resourceType or resourceId")
	}
	if acct := aws.ToString(ci.AccountId); acct != "" && acct != src.AccountID {
		return it, fmt.Errorf("the item is of account %s, not %s: the credentials are not the account's", acct, src.AccountID)
	}
	if s := aws.ToString(ci.ConfigurationStateId); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return it, fmt.Errorf("configurationStateId %q is not a number", s)
		}
		it.StateID = n
	}
	it.CaptureTime = apiTime(ci.ConfigurationItemCaptureTime)
	it.ResourceCreationTime = apiTime(ci.ResourceCreationTime)
	conf := []byte("null")
	if ci.Configuration != nil && *ci.Configuration != "" {
		conf = []byte(*ci.Configuration)
	}
	if !json.Valid(conf) {
		return it, errors.New("the configuration is not JSON")
	}
	it.Configuration = compact(conf)
	if len(ci.SupplementaryConfiguration) > 0 {
		it.SupplementaryConfiguration = make(map[string]json.RawMessage, len(ci.SupplementaryConfiguration))
		for k, v := range ci.SupplementaryConfiguration {
			if json.Valid([]byte(v)) {
				it.SupplementaryConfiguration[k] = compact([]byte(v))
			} else {
				// Not JSON text: the string itself.
				b, _ := json.Marshal(v)
				it.SupplementaryConfiguration[k] = b
			}
		}
	}
	if len(ci.Tags) > 0 {
		it.Tags = make(map[string]string, len(ci.Tags))
		for k, v := range ci.Tags {
			it.Tags[k] = v
		}
	}
	for _, rel := range ci.Relationships {
		it.Relationships = append(it.Relationships, inventory.Relationship{
			ResourceType: string(rel.ResourceType),
			ResourceID:   aws.ToString(rel.ResourceId),
			ResourceName: aws.ToString(rel.ResourceName),
			Name:         aws.ToString(rel.RelationshipName),
		})
	}
	return it, nil
}

// apiTime returns t in UTC to the millisecond (the API's precision), or the
// zero time for nil.
func apiTime(t *time.Time) time.Time {
	if t == nil || t.IsZero() {
		return time.Time{}
	}
	return t.Round(time.Millisecond).UTC()
}

// compact returns the valid JSON v without insignificant white space,
// keeping the order of keys and the text of numbers and strings.
func compact(v []byte) json.RawMessage {
	var b bytes.Buffer
	b.Grow(len(v))
	if err := json.Compact(&b, v); err != nil {
		return json.RawMessage(bytes.Clone(v)) // not reached: v is valid
	}
	return b.Bytes()
}
