package configservice

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/query/exec"
	"github.com/starlingcfg/starling/internal/store"
)

// The aggregated inventory: the reads of an aggregator over the
// configuration items of the sources it may read. Each request computes the
// set of readable sources once (aggregateView), in the one place that
// decides it (walkSources), and hands it to the CI store as one scope.

// Page sizes of the aggregate reads (AWS Config API Reference, their Limit
// members).
const (
	listAggregateMax   = 100  // ListAggregateDiscoveredResources: "You cannot specify a number greater than 100."
	aggregateCountsMax = 1000 // GetAggregateDiscoveredResourceCounts: "The default is 1000."
)

// maxItemBytes is the size, as the API encodes it, above which a
// configuration item is refused with OversizedConfigurationItemException
// (GetAggregateResourceConfig) or left unprocessed
// (BatchGetAggregateResourceConfig). AWS does not publish its limit; this
// one is Starling's (docs/deviations.md): 1 MiB, an eighth of the largest
// request body Starling takes by default, so that one answer stays
// reasonable to hold and send.
const maxItemBytes = 1 << 20

// The message of OversizedConfigurationItemException: the model's
// description of the error.
const msgOversizedItem = "The configuration item size is outside the allowable range."

// aggregateView is what one request of an aggregated-data operation may
// read.
type aggregateView struct {
	// scope holds the aggregator's readable sources, sorted.
	scope *inventory.Scope
	// types are the resource types its AggregatorFilters include, sorted;
	// nil admits every type.
	types []string
	// gen is the control plane's write generation the view was computed
	// at (store.Store.Generation): what is derived from the view is
	// current while the generation is.
	gen uint64
}

// admits reports whether the view may read the resource k.
func (v *aggregateView) admits(k inventory.Key) bool {
	if v.types != nil {
		if _, ok := slices.BinarySearch(v.types, k.ResourceType); !ok {
			return false
		}
	}
	_, ok := slices.BinarySearchFunc(v.scope.Sources, k.Source, inventory.CompareSources)
	return ok
}

// narrow returns the resource types a read for the types asked (nil: all)
// may see: all of them, or those of them the aggregator's filter includes.
// An empty, non-nil result admits none.
func (v *aggregateView) narrow(asked []string) []string {
	return exec.AllowedTypes(asked, v.types)
}

// aggregateView returns the view of the caller's aggregator name:
// NoSuchConfigurationAggregatorException if it has none of that name. The
// view is computed again when the control plane has changed since it was
// last computed (viewCache), and is shared: callers must not modify it.
func (s *Service) aggregateView(ctx context.Context, t store.Namespace, name string) (*aggregateView, error) {
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	key := viewKey{owner: t, name: name}
	if v := s.views.get(gen, key); v != nil {
		return v, nil
	}
	v, err := s.computeView(ctx, t, name)
	if err != nil {
		return nil, err
	}
	v.gen = gen
	s.views.put(gen, key, v)
	return v, nil
}

// computeView computes the view of the caller's aggregator name, in a
// snapshot of the control plane.
func (s *Service) computeView(ctx context.Context, t store.Namespace, name string) (*aggregateView, error) {
	v := &aggregateView{}
	srcs := []inventory.Source{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		rec, err := loadAggregator(tx, t, name)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return noSuchAggregator(1)
			}
			return err
		}
		v.types = filterTypes(rec.Aggregator.AggregatorFilters)
		return s.walkSources(ctx, tx, t, rec, "", walkData, func(row sourceRow, vd verdict) (bool, error) {
			if row.typ == sourceAccount && vd.ok() {
				srcs = append(srcs, inventory.Source{AccountID: row.id, Region: row.region})
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	// The walk visits accounts in order, each in its regions in order:
	// the sources come sorted, and NewScope only checks that.
	v.scope = inventory.NewScope(srcs)
	return v, nil
}

// filterTypes returns the resource types an aggregator's filters include,
// sorted, or nil when they do not filter by type. Only INCLUDE exists
// (AggregatorFilterType). The ServicePrincipal filter selects among
// service-linked recorders, which Starling does not have: every item
// Starling holds comes from a customer-managed recorder, which that filter
// does not concern (docs/deviations.md).
func filterTypes(f *configapi.AggregatorFilters) []string {
	if f == nil || f.ResourceType == nil || f.ResourceType.Value == nil {
		return nil
	}
	types := slices.Clone(f.ResourceType.Value)
	slices.Sort(types)
	return slices.Compact(types)
}

// ListAggregateDiscoveredResources lists the resources of one type that the
// aggregator reads, source by source, optionally of one account, region,
// id or name. Deleted resources are left out.
func (s *Service) ListAggregateDiscoveredResources(ctx context.Context, in *configapi.ListAggregateDiscoveredResourcesRequest) (*configapi.ListAggregateDiscoveredResourcesResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	var f configapi.ResourceFilters
	if in.Filters != nil {
		f = *in.Filters
	}
	if err := checkResourceName(f.ResourceName, "filters.resourceName"); err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("ListAggregateDiscoveredResources", t.Owner, t.Region, name, *in.ResourceType,
		deref(f.AccountId), deref(f.Region), deref(f.ResourceId), deref(f.ResourceName))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	v, err := s.aggregateView(ctx, t, name)
	if err != nil {
		return nil, err
	}
	out := &configapi.ListAggregateDiscoveredResourcesResponse{ResourceIdentifiers: []configapi.AggregateResourceIdentifier{}}
	types := v.narrow([]string{*in.ResourceType})
	if len(types) == 0 {
		return out, nil
	}
	filter := inventory.Filter{
		ResourceTypes: types,
		ResourceName:  deref(f.ResourceName),
		AccountID:     deref(f.AccountId),
		Region:        deref(f.Region),
	}
	if f.ResourceId != nil {
		filter.ResourceIDs = []string{*f.ResourceId}
	}
	page, err := s.inv.List(ctx, inventory.ListQuery{
		Scope:    v.scope,
		Filter:   filter,
		Limit:    pageLimit(in.Limit, listAggregateMax),
		Cursor:   inventory.Cursor(after),
		KeysOnly: true, // identifiers are all it answers
	})
	if err != nil {
		return nil, inventoryErr(err)
	}
	out.ResourceIdentifiers = make([]configapi.AggregateResourceIdentifier, 0, len(page.Items))
	for i := range page.Items {
		out.ResourceIdentifiers = append(out.ResourceIdentifiers, aggregateIdentifier(&page.Items[i]))
	}
	if page.Next != "" {
		out.NextToken = ptr(s.tokens.Encode(scope, string(page.Next)))
	}
	return out, nil
}

// aggregateIdentifier names an item's resource as the aggregate reads do.
func aggregateIdentifier(it *inventory.Item) configapi.AggregateResourceIdentifier {
	return configapi.AggregateResourceIdentifier{
		SourceAccountId: ptr(it.AccountID),
		SourceRegion:    ptr(it.Region),
		ResourceId:      ptr(it.ResourceID),
		ResourceType:    ptr(it.ResourceType),
		ResourceName:    optString(it.ResourceName),
	}
}

// countGroups maps GroupByKey values to the store's groupings.
var countGroups = map[string]inventory.GroupBy{
	"RESOURCE_TYPE": inventory.GroupResourceType,
	"ACCOUNT_ID":    inventory.GroupAccountID,
	"AWS_REGION":    inventory.GroupRegion,
}

// GetAggregateDiscoveredResourceCounts counts the resources the aggregator
// reads, optionally of one type, account or region, and grouped by type,
// account or region, a page of groups at a time. Deleted resources are not
// counted. Without a GroupByKey, only the total is given ("If GroupByKey is
// not provided, the result will be empty.").
func (s *Service) GetAggregateDiscoveredResourceCounts(ctx context.Context, in *configapi.GetAggregateDiscoveredResourceCountsRequest) (*configapi.GetAggregateDiscoveredResourceCountsResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	var f configapi.ResourceCountFilters
	if in.Filters != nil {
		f = *in.Filters
	}
	group := inventory.GroupNone
	if in.GroupByKey != nil {
		group = countGroups[*in.GroupByKey]
	}
	scope := pagetoken.Scope("GetAggregateDiscoveredResourceCounts", t.Owner, t.Region, name, deref(in.GroupByKey),
		deref(f.ResourceType), deref(f.AccountId), deref(f.Region))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	v, err := s.aggregateView(ctx, t, name)
	if err != nil {
		return nil, err
	}
	out := &configapi.GetAggregateDiscoveredResourceCountsResponse{
		TotalDiscoveredResources: ptr(int64(0)),
		GroupByKey:               in.GroupByKey,
		GroupedResourceCounts:    []configapi.GroupedResourceCount{},
	}
	var asked []string
	if f.ResourceType != nil {
		asked = []string{*f.ResourceType}
	}
	types := v.narrow(asked)
	if types != nil && len(types) == 0 {
		return out, nil
	}
	res, err := s.inv.Count(ctx, inventory.CountQuery{
		Scope:   v.scope,
		Filter:  inventory.Filter{ResourceTypes: types, AccountID: deref(f.AccountId), Region: deref(f.Region)},
		GroupBy: group,
		Limit:   pageLimit(in.Limit, aggregateCountsMax),
		Cursor:  inventory.Cursor(after),
	})
	if err != nil {
		return nil, inventoryErr(err)
	}
	out.TotalDiscoveredResources = ptr(res.Total)
	for _, g := range res.Groups {
		out.GroupedResourceCounts = append(out.GroupedResourceCounts, configapi.GroupedResourceCount{
			GroupName: ptr(g.Key), ResourceCount: ptr(g.Count),
		})
	}
	if res.Next != "" {
		out.NextToken = ptr(s.tokens.Encode(scope, string(res.Next)))
	}
	return out, nil
}

// aggregateKey returns the resource an AggregateResourceIdentifier names.
func aggregateKey(id *configapi.AggregateResourceIdentifier) inventory.Key {
	return inventory.Key{
		Source:       inventory.Source{AccountID: deref(id.SourceAccountId), Region: deref(id.SourceRegion)},
		ResourceType: deref(id.ResourceType),
		ResourceID:   deref(id.ResourceId),
	}
}

// GetAggregateResourceConfig returns the current configuration item of one
// resource the aggregator reads. A resource of a source the aggregator may
// not read, of a type its filters leave out, never recorded, or whose
// latest version records its deletion ("The API does not return results
// for deleted resources.") is ResourceNotDiscoveredException. A resource
// named by its id is found whatever the ResourceName given.
func (s *Service) GetAggregateResourceConfig(ctx context.Context, in *configapi.GetAggregateResourceConfigRequest) (*configapi.GetAggregateResourceConfigResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.aggregateView(ctx, t, *in.ConfigurationAggregatorName)
	if err != nil {
		return nil, err
	}
	k := aggregateKey(in.ResourceIdentifier)
	if !v.admits(k) {
		return nil, resourceNotDiscovered()
	}
	it, err := s.inv.Get(ctx, k)
	switch {
	case errors.Is(err, inventory.ErrNotFound):
		return nil, resourceNotDiscovered()
	case err != nil:
		return nil, err
	case it.Deleted():
		return nil, resourceNotDiscovered()
	}
	ci := configurationItem(&it)
	if mayExceed(&it) {
		if size, err := itemSize(&ci); err != nil {
			return nil, err
		} else if size > maxItemBytes {
			return nil, configapi.OversizedConfigurationItem(msgOversizedItem)
		}
	}
	return &configapi.GetAggregateResourceConfigResponse{ConfigurationItem: &ci}, nil
}

// mayExceed reports whether an item's API encoding may be larger than
// maxItemBytes, by a bound that needs no encoding: JSON writes a byte of a
// string in at most 6 (\u00XX), the configuration and the supplementary
// values being strings themselves, and each member or entry adds its name
// and punctuation. Only an item that may exceed is encoded to be measured,
// so that the common item is encoded once, in the answer.
func mayExceed(it *inventory.Item) bool {
	n, entries := 0, 16 // the fixed members
	for _, s := range []string{it.ResourceType, it.ResourceID, it.ResourceName, it.ARN, it.AccountID,
		it.Region, it.AWSRegion, it.AvailabilityZone, it.Version, it.Status} {
		n += len(s)
	}
	n += len(it.Configuration)
	for k, v := range it.SupplementaryConfiguration {
		n, entries = n+len(k)+len(v), entries+1
	}
	for k, v := range it.Tags {
		n, entries = n+len(k)+len(v), entries+1
	}
	for _, r := range it.Relationships {
		n, entries = n+len(r.ResourceType)+len(r.ResourceID)+len(r.ResourceName)+len(r.Name), entries+4
	}
	return 6*n+64*entries+1024 > maxItemBytes
}

// itemSize returns the size of a configuration item as the API sends it.
func itemSize(ci *configapi.ConfigurationItem) (int, error) {
	b, err := json.Marshal(wireItem(ci))
	return len(b), err
}

// BatchGetAggregateResourceConfig returns the current configuration of
// each resource named that the aggregator reads, in the order named, each
// once. An identifier that names no such resource (a source the
// aggregator may not read, a type its filters leave out, a resource never
// recorded or deleted, or one too large to send) is returned in
// UnprocessedResourceIdentifiers instead, as AWS returns it, once.
func (s *Service) BatchGetAggregateResourceConfig(ctx context.Context, in *configapi.BatchGetAggregateResourceConfigRequest) (*configapi.BatchGetAggregateResourceConfigResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.aggregateView(ctx, t, *in.ConfigurationAggregatorName)
	if err != nil {
		return nil, err
	}
	out := &configapi.BatchGetAggregateResourceConfigResponse{
		BaseConfigurationItems:         []configapi.BaseConfigurationItem{},
		UnprocessedResourceIdentifiers: []configapi.AggregateResourceIdentifier{},
	}
	var keys []inventory.Key
	seen := make(map[inventory.Key]bool, len(in.ResourceIdentifiers))
	for i := range in.ResourceIdentifiers {
		id := &in.ResourceIdentifiers[i]
		k := aggregateKey(id)
		if seen[k] {
			continue
		}
		seen[k] = true
		if v.admits(k) {
			keys = append(keys, k)
		}
	}
	items, err := s.inv.BatchGetBase(ctx, keys) // a BaseConfigurationItem has no tags nor relationships
	if err != nil {
		return nil, err
	}
	found := make(map[inventory.Key]*configapi.BaseConfigurationItem, len(items))
	for i := range items {
		it := &items[i]
		if it.Deleted() {
			continue
		}
		b := baseConfigurationItem(it)
		if mayExceed(it) {
			if size, err := baseItemSize(&b); err != nil {
				return nil, err
			} else if size > maxItemBytes {
				continue
			}
		}
		found[it.Key] = &b
	}
	clear(seen)
	for i := range in.ResourceIdentifiers {
		id := in.ResourceIdentifiers[i]
		k := aggregateKey(&id)
		if seen[k] {
			continue
		}
		seen[k] = true
		if b, ok := found[k]; ok {
			out.BaseConfigurationItems = append(out.BaseConfigurationItems, *b)
		} else {
			out.UnprocessedResourceIdentifiers = append(out.UnprocessedResourceIdentifiers, id)
		}
	}
	return out, nil
}

// baseItemSize returns the size of a base configuration item as the API
// sends it.
func baseItemSize(b *configapi.BaseConfigurationItem) (int, error) {
	enc, err := json.Marshal(wireBaseConfigurationItem{BaseConfigurationItem: b, SupplementaryConfiguration: b.SupplementaryConfiguration})
	return len(enc), err
}

// encodeBatchGetAggregate encodes BatchGetAggregateResourceConfig's answer
// with each item's empty supplementary configuration present, as
// encodeBatchGet does for the source read.
func encodeBatchGetAggregate(out *configapi.BatchGetAggregateResourceConfigResponse) (shape.RawJSON, error) {
	return appendBatchAnswer("BaseConfigurationItems", out.BaseConfigurationItems, "UnprocessedResourceIdentifiers", out.UnprocessedResourceIdentifiers)
}

// encodeAggregateConfig encodes GetAggregateResourceConfig's answer with the
// item's empty collections present, as GetResourceConfigHistory's.
func encodeAggregateConfig(out *configapi.GetAggregateResourceConfigResponse) (shape.RawJSON, error) {
	w := wireItem(out.ConfigurationItem)
	return json.Marshal(struct {
		ConfigurationItem wireConfigurationItem `json:"ConfigurationItem"`
	}{w})
}

// aggregateOperations returns the handlers of the aggregate reads whose
// answers hold configuration items, encoded with their empty collections
// present (encodeAggregateConfig, encodeBatchGetAggregate).
func aggregateOperations(svc *Service) map[string]shape.Handler {
	return map[string]shape.Handler{
		"GetAggregateResourceConfig": shape.HandleRawOp("GetAggregateResourceConfig", invalidRequest,
			func(ctx context.Context, in *configapi.GetAggregateResourceConfigRequest) (shape.RawJSON, error) {
				out, err := svc.GetAggregateResourceConfig(ctx, in)
				if err != nil {
					return nil, err
				}
				return encodeAggregateConfig(out)
			}),
		"BatchGetAggregateResourceConfig": shape.HandleRawOp("BatchGetAggregateResourceConfig", invalidRequest,
			func(ctx context.Context, in *configapi.BatchGetAggregateResourceConfigRequest) (shape.RawJSON, error) {
				out, err := svc.BatchGetAggregateResourceConfig(ctx, in)
				if err != nil {
					return nil, err
				}
				return encodeBatchGetAggregate(out)
			}),
	}
}
