package configservice

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
)

// The reads of a source account's own resources: what its recorder has
// recorded in the caller's region, nothing else. They answer from what was
// recorded even when the region has no recorder (docs/deviations.md).

// Page sizes: the default and largest of each operation (AWS Config API
// Reference, the operations' limit members).
const (
	listDiscoveredMax    = 100 // ListDiscoveredResources: "The default is 100."
	historyDefault       = 10  // GetResourceConfigHistory: "The default is 10."
	discoveredCountsMax  = 100 // GetDiscoveredResourceCounts: "The default is 100."
	maxListedResourceIDs = 20  // ListDiscoveredResources, resourceIds: "a maximum of 20"
)

// Messages of the resource reads.
const (
	// moto (getmoto/moto, moto/config/exceptions.py,
	// InvalidResourceParameters): the AWS Config API Reference says "You
	// can specify either resource IDs or a resource name, but not both, in
	// the same request" (ListDiscoveredResources).
	msgIDsAndName = "Both Resource ID and Resource Name cannot be specified in the request"
	// moto (TooManyResourceIds); the model does not bound the list.
	msgTooManyIDs = "The specified list had more than 20 resource ID's. It must have '20' or less items"
	// The model's description of InvalidTimeRangeException.
	msgInvalidTimeRange = "The specified time range is not valid. The earlier time is not chronologically before the later time."
	// Real AWS (aws-solutions/workload-discovery-on-aws#137, its logs), the
	// model's description of ResourceNotDiscoveredException.
	msgResourceNotDiscovered = "You have specified a resource that is either unknown or has not been discovered."
)

func resourceNotDiscovered() error {
	return configapi.ResourceNotDiscovered(msgResourceNotDiscovered)
}

// ListDiscoveredResources lists the caller's resources of one type, by id,
// optionally only those with the given ids or name, and deleted ones too on
// request (AWS Config API Reference, ListDiscoveredResources).
func (s *Service) ListDiscoveredResources(ctx context.Context, in *configapi.ListDiscoveredResourcesRequest) (*configapi.ListDiscoveredResourcesResponse, error) {
	src, err := callerSource(ctx)
	if err != nil {
		return nil, err
	}
	name := deref(in.ResourceName)
	switch {
	case len(in.ResourceIds) > 0 && in.ResourceName != nil:
		return nil, configapi.Validation(msgIDsAndName)
	case len(in.ResourceIds) > maxListedResourceIDs:
		return nil, configapi.Validation(msgTooManyIDs)
	}
	if err := checkResourceName(in.ResourceName, "resourceName"); err != nil {
		return nil, err
	}
	ids := slices.Clone(in.ResourceIds)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	deleted := in.IncludeDeletedResources != nil && *in.IncludeDeletedResources
	scope := pagetoken.Scope("ListDiscoveredResources", src.AccountID, src.Region, *in.ResourceType,
		pagetoken.Scope(ids...), name, strconv.FormatBool(deleted))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	page, err := s.inv.List(ctx, inventory.ListQuery{
		Scope: inventory.OneSource(src),
		Filter: inventory.Filter{
			ResourceTypes:  []string{*in.ResourceType},
			ResourceIDs:    ids,
			ResourceName:   name,
			IncludeDeleted: deleted,
		},
		Limit:  pageLimit(in.Limit, listDiscoveredMax),
		Cursor: inventory.Cursor(after),
		// Identifiers are all it answers, but for a deletion's time.
		KeysOnly: !deleted,
	})
	if err != nil {
		return nil, inventoryErr(err)
	}
	out := &configapi.ListDiscoveredResourcesResponse{ResourceIdentifiers: make([]configapi.ResourceIdentifier, 0, len(page.Items))}
	for i := range page.Items {
		it := &page.Items[i]
		id := configapi.ResourceIdentifier{
			ResourceType: ptr(it.ResourceType),
			ResourceId:   ptr(it.ResourceID),
			ResourceName: optString(it.ResourceName),
		}
		if it.Deleted() {
			id.ResourceDeletionTime = shape.NewTimestamp(it.CaptureTime)
		}
		out.ResourceIdentifiers = append(out.ResourceIdentifiers, id)
	}
	if page.Next != "" {
		out.NextToken = ptr(s.tokens.Encode(scope, string(page.Next)))
	}
	return out, nil
}

// BatchGetResourceConfig returns the current configuration of each of the
// caller's resources named, in the order named. A resource that was never
// recorded, or whose latest version records its deletion, is left out: "The
// API does not return results for deleted resources." (AWS Config API
// Reference, BatchGetResourceConfig). Every key is processed, so
// unprocessedResourceKeys is always empty.
func (s *Service) BatchGetResourceConfig(ctx context.Context, in *configapi.BatchGetResourceConfigRequest) (*configapi.BatchGetResourceConfigResponse, error) {
	src, err := callerSource(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]inventory.Key, 0, len(in.ResourceKeys))
	seen := make(map[inventory.Key]bool, len(in.ResourceKeys))
	for _, rk := range in.ResourceKeys {
		k := inventory.Key{Source: src, ResourceType: *rk.ResourceType, ResourceID: *rk.ResourceId}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	items, err := s.inv.BatchGetBase(ctx, keys) // a BaseConfigurationItem has no tags nor relationships
	if err != nil {
		return nil, err
	}
	out := &configapi.BatchGetResourceConfigResponse{
		BaseConfigurationItems:  make([]configapi.BaseConfigurationItem, 0, len(items)),
		UnprocessedResourceKeys: []configapi.ResourceKey{},
	}
	for i := range items {
		if !items[i].Deleted() {
			out.BaseConfigurationItems = append(out.BaseConfigurationItems, baseConfigurationItem(&items[i]))
		}
	}
	return out, nil
}

// GetDiscoveredResourceCounts counts the caller's current (not deleted)
// resources, in total and by type, optionally of the given types only. The
// counts are "listed in descending order by the number of resources" (AWS
// Config API Reference, GetDiscoveredResourceCounts, resourceCounts), ties
// by type; a page resumes after the last count of the previous one.
func (s *Service) GetDiscoveredResourceCounts(ctx context.Context, in *configapi.GetDiscoveredResourceCountsRequest) (*configapi.GetDiscoveredResourceCountsResponse, error) {
	src, err := callerSource(ctx)
	if err != nil {
		return nil, err
	}
	types := slices.Clone(in.ResourceTypes)
	slices.Sort(types)
	types = slices.Compact(types)
	scope := pagetoken.Scope("GetDiscoveredResourceCounts", src.AccountID, src.Region, pagetoken.Scope(types...))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	var resume *inventory.Group
	if after != "" {
		g, ok := parseCountPosition(after)
		if !ok {
			return nil, invalidNextToken()
		}
		resume = &g
	}
	// The groups are the resource types, a few hundred at most: all of
	// them are read and ordered by count here.
	res, err := s.inv.Count(ctx, inventory.CountQuery{
		Scope:   inventory.OneSource(src),
		Filter:  inventory.Filter{ResourceTypes: types},
		GroupBy: inventory.GroupResourceType,
	})
	if err != nil {
		return nil, inventoryErr(err)
	}
	groups := res.Groups
	slices.SortFunc(groups, compareCounts)
	start := 0
	if resume != nil {
		start, _ = slices.BinarySearchFunc(groups, *resume, compareCounts)
		if start < len(groups) && compareCounts(groups[start], *resume) == 0 {
			start++
		}
	}
	limit := pageLimit(in.Limit, discoveredCountsMax)
	end := min(start+limit, len(groups))
	out := &configapi.GetDiscoveredResourceCountsResponse{
		TotalDiscoveredResources: ptr(res.Total),
		ResourceCounts:           make([]configapi.ResourceCount, 0, end-start),
	}
	for _, g := range groups[start:end] {
		out.ResourceCounts = append(out.ResourceCounts, configapi.ResourceCount{ResourceType: ptr(g.Key), Count: ptr(g.Count)})
	}
	if end < len(groups) {
		out.NextToken = ptr(s.tokens.Encode(scope, countPosition(groups[end-1])))
	}
	return out, nil
}

// compareCounts orders groups by count, largest first, then by key.
func compareCounts(a, b inventory.Group) int {
	if c := cmp.Compare(b.Count, a.Count); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

// countPosition and parseCountPosition write and read the position a
// GetDiscoveredResourceCounts page ends at: a count and a type.
func countPosition(g inventory.Group) string {
	return strconv.FormatInt(g.Count, 10) + "/" + g.Key
}

func parseCountPosition(s string) (inventory.Group, bool) {
	n, key, ok := strings.Cut(s, "/")
	count, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil {
		return inventory.Group{}, false
	}
	return inventory.Group{Key: key, Count: count}, true
}

// GetResourceConfigHistory returns the versions of one of the caller's
// resources captured in [earlierTime, laterTime], newest first unless
// chronologicalOrder is Forward (AWS Config API Reference,
// GetResourceConfigHistory). A missing laterTime is now ("If not
// specified, current time is taken"); a missing earlierTime reaches back to
// the first version. A deleted resource keeps its history, its deletion
// first, with configuration "null" (a recorded AWS response:
// cloud-custodian/cloud-custodian, tests/data/placebo/
// test_ebs_health_events_filter/config.GetResourceConfigHistory_1.json); a
// resource never recorded is ResourceNotDiscoveredException.
// History older than the retention period is pruned first (retention.go).
func (s *Service) GetResourceConfigHistory(ctx context.Context, in *configapi.GetResourceConfigHistoryRequest) (*configapi.GetResourceConfigHistoryResponse, error) {
	src, err := callerSource(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var earlier time.Time
	later := now
	if in.EarlierTime != nil {
		earlier = in.EarlierTime.Time
	}
	if in.LaterTime != nil {
		later = in.LaterTime.Time
	}
	if earlier.After(later) {
		return nil, configapi.InvalidTimeRange(msgInvalidTimeRange)
	}
	forward := deref(in.ChronologicalOrder) == configapi.ChronologicalOrderForward
	key := inventory.Key{Source: src, ResourceType: *in.ResourceType, ResourceID: *in.ResourceId}
	scope := pagetoken.Scope("GetResourceConfigHistory", src.AccountID, src.Region, key.ResourceType, key.ResourceID,
		timeScope(in.EarlierTime), timeScope(in.LaterTime), strconv.FormatBool(forward))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	if err := s.maybePrune(ctx, src); err != nil {
		return nil, err
	}
	page, err := s.inv.History(ctx, inventory.HistoryQuery{
		Key:           key,
		Earlier:       earlier,
		Later:         later,
		Chronological: forward,
		Limit:         pageLimit(in.Limit, historyDefault),
		Cursor:        inventory.Cursor(after),
	})
	switch {
	case errors.Is(err, inventory.ErrNotFound):
		return nil, resourceNotDiscovered()
	case err != nil:
		return nil, inventoryErr(err)
	}
	if len(page.Items) == 0 && after == "" {
		// An empty first page: a resource with no version in the range,
		// or (for a store that does not say so) none at all.
		if _, err := s.inv.Get(ctx, key); errors.Is(err, inventory.ErrNotFound) {
			return nil, resourceNotDiscovered()
		} else if err != nil {
			return nil, err
		}
	}
	out := &configapi.GetResourceConfigHistoryResponse{ConfigurationItems: make([]configapi.ConfigurationItem, 0, len(page.Items))}
	for i := range page.Items {
		out.ConfigurationItems = append(out.ConfigurationItems, configurationItem(&page.Items[i]))
	}
	if page.Next != "" {
		out.NextToken = ptr(s.tokens.Encode(scope, string(page.Next)))
	}
	return out, nil
}

// timeScope renders an optional request time for a token's scope.
func timeScope(t *shape.Timestamp) string {
	if t == nil {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}
