package console

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/identity"
)

// withCaller returns ctx acting as the session's account and region.
func withCaller(ctx context.Context, s *session) context.Context {
	return identity.WithCaller(ctx, s.caller())
}

// The inventory pages: a filterable, paged resource list, and a resource
// with its configuration, relationships and history.

// resourcesPage is the model of the resource list.
type resourcesPage struct {
	Types                           []string
	Type, Account, Region, ID, Name string
	Resources                       []configapi.AggregateResourceIdentifier
	Next                            string
}

// historyPage is how many versions the timeline shows a page.
const historyPage = 20

func (c *Console) resources(w http.ResponseWriter, r *http.Request, s *session) {
	ctx, name := r.Context(), r.PathValue("name")
	p := &resourcesPage{Type: r.FormValue("type"), Account: r.FormValue("account"), Region: r.FormValue("region"),
		ID: r.FormValue("id"), Name: r.FormValue("resourceName")}
	// The type choices: the types the aggregator has resources of.
	var counts configapi.GetAggregateDiscoveredResourceCountsResponse
	err := c.call(ctx, s, "GetAggregateDiscoveredResourceCounts", &configapi.GetAggregateDiscoveredResourceCountsRequest{
		ConfigurationAggregatorName: &name, GroupByKey: ptr("RESOURCE_TYPE"), Limit: ptr(int32(1000)),
	}, &counts)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	for _, g := range counts.GroupedResourceCounts {
		p.Types = append(p.Types, deref(g.GroupName))
	}
	sort.Strings(p.Types)
	if p.Type == "" && len(p.Types) > 0 {
		p.Type = p.Types[0]
	}
	if p.Type != "" {
		var out configapi.ListAggregateDiscoveredResourcesResponse
		err := c.call(ctx, s, "ListAggregateDiscoveredResources", &configapi.ListAggregateDiscoveredResourcesRequest{
			ConfigurationAggregatorName: &name, ResourceType: &p.Type, Limit: ptr(int32(pageSize)), NextToken: opt(r.FormValue("token")),
			Filters: &configapi.ResourceFilters{AccountId: opt(p.Account), Region: opt(p.Region), ResourceId: opt(p.ID), ResourceName: opt(p.Name)},
		}, &out)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		p.Resources, p.Next = out.ResourceIdentifiers, deref(out.NextToken)
	}
	c.render(w, r, s, http.StatusOK, "resources", p)
}

// version is one entry of a resource's timeline: the version, and what
// changed from the one before it.
type version struct {
	Item    configapi.ConfigurationItem
	Changes []change
	First   bool // the oldest version recorded: nothing to compare
}

// resourcePage is the model of a resource's page.
type resourcePage struct {
	Account, Region, Type, ID string
	Item                      configapi.ConfigurationItem
	Configuration             string
	Supplementary             map[string]string
	Versions                  []version
	HistoryNext               string
	HistoryToken              string
}

func (c *Console) resource(w http.ResponseWriter, r *http.Request, s *session) {
	ctx, name := r.Context(), r.PathValue("name")
	p := &resourcePage{Account: r.FormValue("account"), Region: r.FormValue("region"), Type: r.FormValue("type"), ID: r.FormValue("id"),
		HistoryToken: r.FormValue("token")}
	id := configapi.AggregateResourceIdentifier{SourceAccountId: &p.Account, SourceRegion: &p.Region, ResourceType: &p.Type, ResourceId: &p.ID}
	var out configapi.GetAggregateResourceConfigResponse
	if err := c.call(ctx, s, "GetAggregateResourceConfig", &configapi.GetAggregateResourceConfigRequest{
		ConfigurationAggregatorName: &name, ResourceIdentifier: &id,
	}, &out); err != nil {
		c.fail(w, r, s, err)
		return
	}
	p.Item = deref(out.ConfigurationItem)
	p.Configuration = pretty(deref(p.Item.Configuration))
	p.Supplementary = p.Item.SupplementaryConfiguration

	h, err := c.svc.AggregateResourceHistory(withCaller(ctx, s), name, id, historyPage, p.HistoryToken)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	p.HistoryNext = h.NextToken
	// The page's oldest version is compared with the next page's first.
	var before *configapi.ConfigurationItem
	if h.NextToken != "" {
		prev, err := c.svc.AggregateResourceHistory(withCaller(ctx, s), name, id, 1, h.NextToken)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		if len(prev.Items) > 0 {
			before = &prev.Items[0]
		}
	}
	for i := range h.Items {
		v := version{Item: h.Items[i]}
		switch {
		case i+1 < len(h.Items):
			v.Changes = diffItems(&h.Items[i+1], &h.Items[i])
		case before != nil:
			v.Changes = diffItems(before, &h.Items[i])
		default:
			v.First = true
		}
		p.Versions = append(p.Versions, v)
	}
	c.render(w, r, s, http.StatusOK, "resource", p)
}

// pretty indents a JSON document, or returns it as it is if it is not
// JSON.
func pretty(doc string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(doc), "", "  ") != nil {
		return doc
	}
	return b.String()
}
