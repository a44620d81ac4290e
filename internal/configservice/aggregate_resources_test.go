package configservice

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/inventory"
)

func TestAggregateView(t *testing.T) {
	a1 := inventory.Source{AccountID: "111111111111", Region: "eu-west-1"}
	a2 := inventory.Source{AccountID: "111111111111", Region: "us-east-1"}
	b1 := inventory.Source{AccountID: "222222222222", Region: "eu-west-1"}
	open := &aggregateView{scope: &inventory.Scope{Sources: []inventory.Source{a1, a2, b1}}}
	filtered := &aggregateView{
		scope: open.scope,
		types: filterTypes(&configapi.AggregatorFilters{ResourceType: &configapi.AggregatorFilterResourceType{
			Type: ptr("INCLUDE"), Value: []string{"AWS::S3::Bucket", "AWS::EC2::VPC", "AWS::S3::Bucket"},
		}}),
	}
	key := func(src inventory.Source, typ string) inventory.Key {
		return inventory.Key{Source: src, ResourceType: typ, ResourceID: "x"}
	}
	for _, tc := range []struct {
		name string
		v    *aggregateView
		k    inventory.Key
		want bool
	}{
		{"readable source", open, key(a2, "AWS::EC2::Instance"), true},
		{"last readable source", open, key(b1, "AWS::EC2::Instance"), true},
		{"region not read", open, key(inventory.Source{AccountID: "222222222222", Region: "us-east-1"}, "AWS::EC2::Instance"), false},
		{"account not read", open, key(inventory.Source{AccountID: "333333333333", Region: "eu-west-1"}, "AWS::EC2::Instance"), false},
		{"type included", filtered, key(a1, "AWS::EC2::VPC"), true},
		{"type filtered out", filtered, key(a1, "AWS::EC2::Instance"), false},
		{"no sources", &aggregateView{scope: &inventory.Scope{}}, key(a1, "AWS::EC2::VPC"), false},
	} {
		if got := tc.v.admits(tc.k); got != tc.want {
			t.Errorf("%s: admits(%v) = %v, want %v", tc.name, tc.k, got, tc.want)
		}
	}

	for _, tc := range []struct {
		name  string
		v     *aggregateView
		asked []string
		want  []string
	}{
		{"no filter, all types", open, nil, nil},
		{"no filter, one type", open, []string{"AWS::EC2::Instance"}, []string{"AWS::EC2::Instance"}},
		{"filter, all types", filtered, nil, []string{"AWS::EC2::VPC", "AWS::S3::Bucket"}},
		{"filter, an included type", filtered, []string{"AWS::S3::Bucket"}, []string{"AWS::S3::Bucket"}},
		{"filter, an excluded type", filtered, []string{"AWS::EC2::Instance"}, []string{}},
	} {
		got := tc.v.narrow(tc.asked)
		if !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%s: narrow(%v) = %#v, want %#v", tc.name, tc.asked, got, tc.want)
		}
	}

	for _, f := range []*configapi.AggregatorFilters{
		nil,
		{},
		{ServicePrincipal: &configapi.AggregatorFilterServicePrincipal{Type: ptr("INCLUDE"), Value: []string{"config.amazonaws.com"}}},
	} {
		if got := filterTypes(f); got != nil {
			t.Errorf("filterTypes(%+v) = %v, want nil (no type filter)", f, got)
		}
	}
}

// TestMayExceed checks that an item mayExceed passes is within
// maxItemBytes however its strings escape.
func TestMayExceed(t *testing.T) {
	for _, fill := range []string{"a", "<", "\"", "\x01", "é"} {
		for _, n := range []int{1000, 100_000, 170_000, 175_000, 400_000} {
			body := strings.Repeat(fill, n/len(fill))
			it := inventory.Item{
				Key:                        inventory.Key{Source: inventory.Source{AccountID: "111111111111", Region: "us-east-1"}, ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1"},
				Status:                     inventory.StatusOK,
				Configuration:              []byte(`{"v":"` + body + `"}`),
				Tags:                       map[string]string{"k": body[:min(len(body), 100)]},
				SupplementaryConfiguration: map[string]json.RawMessage{"s": json.RawMessage(`"` + body[:min(len(body), 100)] + `"`)},
			}
			ci := configurationItem(&it)
			size, err := itemSize(&ci)
			if err != nil {
				t.Fatal(err)
			}
			if !mayExceed(&it) && size > maxItemBytes {
				t.Errorf("%q × %d: encodes to %d bytes, over %d, but mayExceed is false", fill, n, size, maxItemBytes)
			}
		}
	}
}
