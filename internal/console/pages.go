package console

import (
	"net/http"
	"slices"
	"sort"
	"sync"

	"github.com/starlingcfg/starling/internal/api/configapi"
)

// The aggregator pages: the list, and one aggregator's sources and counts.

// pageSize is the size of the console's list pages.
const pageSize = 100

// countGroups is how many groups of each count the overview charts show;
// the table beside each chart pages through the rest.
const countGroups = 20

func ptr[T any](v T) *T { return &v }

// opt returns a pointer to s, or nil for "": an absent member of a request.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// homePage is the list of the session's aggregators.
type homePage struct {
	Aggregators []configapi.ConfigurationAggregator
	Next        string
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) {
	var out configapi.DescribeConfigurationAggregatorsResponse
	err := c.call(r.Context(), s, "DescribeConfigurationAggregators", &configapi.DescribeConfigurationAggregatorsRequest{
		Limit: ptr(int32(pageSize)), NextToken: opt(r.FormValue("token")),
	}, &out)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, http.StatusOK, "home", &homePage{Aggregators: out.ConfigurationAggregators, Next: deref(out.NextToken)})
}

// sourceCell is one (account, region) source of the grid.
type sourceCell struct {
	State string // readable, pending or failed
	Code  string
	Why   string
}

// sourceRow is one account (or organization) of the grid.
type sourceRow struct {
	Source string
	Type   string
	Cells  []*sourceCell // by Regions; nil where the page has no status
}

// overviewPage is an aggregator's sources and counts.
type overviewPage struct {
	Regions    []string
	Rows       []sourceRow
	Readable   int
	Pending    int
	Failed     int
	Next       string
	Token      string
	Total      int64
	ByType     []configapi.GroupedResourceCount
	ByAccount  []configapi.GroupedResourceCount
	ByRegion   []configapi.GroupedResourceCount
	MoreGroups bool
}

// stateOf returns what the grid says of a source status: readable when
// the aggregator reads it, pending when its authorization is asked for but
// not given, failed otherwise.
func stateOf(st *configapi.AggregatedSourceStatus) string {
	switch {
	case deref(st.LastUpdateStatus) == "SUCCEEDED":
		return "readable"
	case deref(st.LastErrorCode) == "AUTHORIZATION_PENDING":
		return "pending"
	}
	return "failed"
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request, s *session) {
	ctx, name := r.Context(), r.PathValue("name")
	var st configapi.DescribeConfigurationAggregatorSourcesStatusResponse
	err := c.call(ctx, s, "DescribeConfigurationAggregatorSourcesStatus", &configapi.DescribeConfigurationAggregatorSourcesStatusRequest{
		ConfigurationAggregatorName: &name, Limit: ptr(int32(100)), NextToken: opt(r.FormValue("token")),
	}, &st)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	p := &overviewPage{Next: deref(st.NextToken), Token: r.FormValue("token")}
	rows := map[string]*sourceRow{}
	var order []string
	cells := map[[2]string]*sourceCell{}
	for i := range st.AggregatedSourceStatusList {
		ss := &st.AggregatedSourceStatusList[i]
		src, region := deref(ss.SourceId), deref(ss.AwsRegion)
		if rows[src] == nil {
			rows[src] = &sourceRow{Source: src, Type: deref(ss.SourceType)}
			order = append(order, src)
		}
		if !slices.Contains(p.Regions, region) {
			p.Regions = append(p.Regions, region)
		}
		cell := &sourceCell{State: stateOf(ss), Code: deref(ss.LastErrorCode), Why: deref(ss.LastErrorMessage)}
		switch cell.State {
		case "readable":
			p.Readable++
		case "pending":
			p.Pending++
		default:
			p.Failed++
		}
		cells[[2]string{src, region}] = cell
	}
	sort.Strings(p.Regions)
	for _, src := range order {
		row := rows[src]
		for _, region := range p.Regions {
			row.Cells = append(row.Cells, cells[[2]string{src, region}])
		}
		p.Rows = append(p.Rows, *row)
	}

	// The three counts are independent reads: ask them at once.
	groups := []struct {
		key string
		out *[]configapi.GroupedResourceCount
	}{{"RESOURCE_TYPE", &p.ByType}, {"ACCOUNT_ID", &p.ByAccount}, {"AWS_REGION", &p.ByRegion}}
	counts := make([]configapi.GetAggregateDiscoveredResourceCountsResponse, len(groups))
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i := range groups {
		wg.Go(func() {
			errs[i] = c.call(ctx, s, "GetAggregateDiscoveredResourceCounts", &configapi.GetAggregateDiscoveredResourceCountsRequest{
				ConfigurationAggregatorName: &name, GroupByKey: &groups[i].key, Limit: ptr(int32(1000)),
			}, &counts[i])
		})
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		c.fail(w, r, s, err)
		return
	}
	for i, g := range groups {
		p.Total = deref(counts[i].TotalDiscoveredResources)
		gs := counts[i].GroupedResourceCounts
		sort.SliceStable(gs, func(i, j int) bool { return deref(gs[i].ResourceCount) > deref(gs[j].ResourceCount) })
		if len(gs) > countGroups {
			gs, p.MoreGroups = gs[:countGroups], true
		}
		*g.out = gs
	}
	c.render(w, r, s, http.StatusOK, "overview", p)
}

// firstError returns the first of errs that is not nil.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var z T
		return z
	}
	return *p
}
