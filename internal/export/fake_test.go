package export

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/starlingcfg/starling/internal/inventory"
)

// fakeAPI answers AWS Config's reads of one source from a list of
// versions, as Starling does, in pages of two.
type fakeAPI struct {
	src       inventory.Source
	resources map[inventory.Key][]inventory.Item // by StateID, ascending
	keys      []inventory.Key                    // sorted by type, id
	jitter    bool                               // answer after a random pause
	fail      string                             // the resource id whose history fails

	inFlight, maxInFlight atomic.Int64
}

const fakePage = 2

func newFakeAPI(src inventory.Source, items []inventory.Item) *fakeAPI {
	f := &fakeAPI{src: src, resources: map[inventory.Key][]inventory.Item{}}
	for _, it := range items {
		if it.Source != src {
			continue
		}
		if f.resources[it.Key] == nil {
			f.keys = append(f.keys, it.Key)
		}
		f.resources[it.Key] = append(f.resources[it.Key], it)
	}
	for _, v := range f.resources {
		slices.SortFunc(v, func(a, b inventory.Item) int { return cmp.Compare(a.StateID, b.StateID) })
	}
	slices.SortFunc(f.keys, func(a, b inventory.Key) int {
		return cmp.Or(strings.Compare(a.ResourceType, b.ResourceType), strings.Compare(a.ResourceID, b.ResourceID))
	})
	return f
}

func (f *fakeAPI) enter() func() {
	n := f.inFlight.Add(1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if f.jitter {
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
	}
	return func() { f.inFlight.Add(-1) }
}

func (f *fakeAPI) latest(k inventory.Key) *inventory.Item {
	v := f.resources[k]
	return &v[len(v)-1]
}

// page returns the page of n things that token starts.
func page(n int, token *string) (start, end int, next *string) {
	if token != nil {
		start, _ = strconv.Atoi(*token)
	}
	end = min(start+fakePage, n)
	if end < n {
		next = aws.String(strconv.Itoa(end))
	}
	return start, end, next
}

func (f *fakeAPI) GetDiscoveredResourceCounts(ctx context.Context, in *configservice.GetDiscoveredResourceCountsInput, _ ...func(*configservice.Options)) (*configservice.GetDiscoveredResourceCountsOutput, error) {
	defer f.enter()()
	counts := map[string]int64{}
	var total int64
	for _, k := range f.keys {
		if !f.latest(k).Deleted() {
			counts[k.ResourceType]++
			total++
		}
	}
	var rc []cstypes.ResourceCount
	for t, n := range counts {
		rc = append(rc, cstypes.ResourceCount{ResourceType: cstypes.ResourceType(t), Count: n})
	}
	slices.SortFunc(rc, func(a, b cstypes.ResourceCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(string(a.ResourceType), string(b.ResourceType)))
	})
	start, end, next := page(len(rc), in.NextToken)
	return &configservice.GetDiscoveredResourceCountsOutput{ResourceCounts: rc[start:end], TotalDiscoveredResources: total, NextToken: next}, nil
}

func (f *fakeAPI) ListDiscoveredResources(ctx context.Context, in *configservice.ListDiscoveredResourcesInput, _ ...func(*configservice.Options)) (*configservice.ListDiscoveredResourcesOutput, error) {
	defer f.enter()()
	var ids []cstypes.ResourceIdentifier
	for _, k := range f.keys {
		if k.ResourceType != string(in.ResourceType) {
			continue
		}
		last := f.latest(k)
		if last.Deleted() && !in.IncludeDeletedResources {
			continue
		}
		id := cstypes.ResourceIdentifier{ResourceType: in.ResourceType, ResourceId: aws.String(k.ResourceID)}
		if last.Deleted() {
			id.ResourceDeletionTime = aws.Time(last.CaptureTime)
		}
		ids = append(ids, id)
	}
	// Answered in reverse order: the reader sorts.
	slices.Reverse(ids)
	start, end, next := page(len(ids), in.NextToken)
	return &configservice.ListDiscoveredResourcesOutput{ResourceIdentifiers: ids[start:end], NextToken: next}, nil
}

func (f *fakeAPI) GetResourceConfigHistory(ctx context.Context, in *configservice.GetResourceConfigHistoryInput, _ ...func(*configservice.Options)) (*configservice.GetResourceConfigHistoryOutput, error) {
	defer f.enter()()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := aws.ToString(in.ResourceId)
	if id == f.fail {
		return nil, errors.New("fake failure")
	}
	v := f.resources[inventory.Key{Source: f.src, ResourceType: string(in.ResourceType), ResourceID: id}]
	if len(v) == 0 {
		return nil, &cstypes.ResourceNotDiscoveredException{Message: aws.String("unknown")}
	}
	var out []cstypes.ConfigurationItem
	for i := len(v) - 1; i >= 0; i-- {
		if in.LaterTime != nil && v[i].CaptureTime.After(*in.LaterTime) {
			continue
		}
		out = append(out, apiItem(&v[i]))
		if in.Limit > 0 && len(out) == int(in.Limit) {
			break
		}
	}
	return &configservice.GetResourceConfigHistoryOutput{ConfigurationItems: out}, nil
}

// apiItem is the API form of an item, as Starling answers it.
func apiItem(it *inventory.Item) cstypes.ConfigurationItem {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return aws.String(s)
	}
	ci := cstypes.ConfigurationItem{
		Version:                      opt(it.Version),
		AccountId:                    aws.String(it.AccountID),
		ConfigurationItemCaptureTime: aws.Time(it.CaptureTime),
		ConfigurationItemStatus:      cstypes.ConfigurationItemStatus(it.Status),
		ConfigurationStateId:         aws.String(strconv.FormatInt(it.StateID, 10)),
		ConfigurationItemMD5Hash:     aws.String(""),
		Arn:                          opt(it.ARN),
		ResourceType:                 cstypes.ResourceType(it.ResourceType),
		ResourceId:                   aws.String(it.ResourceID),
		ResourceName:                 opt(it.ResourceName),
		AwsRegion:                    opt(it.AWSRegion),
		AvailabilityZone:             opt(it.AvailabilityZone),
		Tags:                         map[string]string{},
		RelatedEvents:                []string{},
		Configuration:                aws.String(string(it.Configuration)),
		SupplementaryConfiguration:   map[string]string{},
	}
	if !it.ResourceCreationTime.IsZero() {
		ci.ResourceCreationTime = aws.Time(it.ResourceCreationTime)
	}
	for k, v := range it.Tags {
		ci.Tags[k] = v
	}
	for k, v := range it.SupplementaryConfiguration {
		ci.SupplementaryConfiguration[k] = string(v)
	}
	for _, r := range it.Relationships {
		ci.Relationships = append(ci.Relationships, cstypes.Relationship{
			ResourceType: cstypes.ResourceType(r.ResourceType), ResourceId: opt(r.ResourceID),
			ResourceName: opt(r.ResourceName), RelationshipName: aws.String(r.Name),
		})
	}
	return ci
}

// sortItems sorts items by type, then id.
func sortItems(items []inventory.Item) {
	slices.SortFunc(items, func(a, b inventory.Item) int {
		return cmp.Or(strings.Compare(a.ResourceType, b.ResourceType), strings.Compare(a.ResourceID, b.ResourceID))
	})
}
