package exec

import (
	"encoding/json"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/eval"
)

func TestPrefilter(t *testing.T) {
	instance := func(conf string) *inventory.Item {
		return &inventory.Item{Key: inventory.Key{ResourceType: "AWS::EC2::Instance"}, Configuration: json.RawMessage(conf)}
	}
	const conf = `{"instanceType":"t3.micro","imageId":"ami-1","state":{"name":"running"}}`
	for _, tc := range []struct {
		name  string
		where string
		item  *inventory.Item
		want  bool // rejected
	}{
		{"literal absent", "configuration.instanceType = 't2.micro'", instance(conf), true},
		{"literal present", "configuration.instanceType = 't3.micro'", instance(conf), false},
		{"present elsewhere is enough to read it", "configuration.instanceType = 'ami-1'", instance(conf), false},
		{"IN, one present", "configuration.instanceType IN ('m5.large', 't3.micro')", instance(conf), false},
		{"IN, none present", "configuration.instanceType IN ('m5.large', 't2.micro')", instance(conf), true},
		{"a conjunct rejects", "resourceType = 'AWS::EC2::Instance' AND configuration.imageId = 'ami-2'", instance(conf), true},
		{"OR is not read", "configuration.instanceType = 't2.micro' OR resourceId = 'x'", instance(conf), false},
		{"NOT IN is not read", "configuration.instanceType NOT IN ('t3.micro')", instance(conf), false},
		{"!= is not read", "configuration.instanceType != 't2.micro'", instance(conf), false},
		{"escapes: never rejected", "configuration.instanceType = 't3.micro'", instance(`{"instanceType":"t3\u002emicro"}`), false},
		{"escapes elsewhere: never rejected", "configuration.instanceType = 't2.micro'", instance(`{"instanceType":"t3.micro","note":"a\"b"}`), false},
		{"a path the catalogue does not know", "configuration.noSuchProperty = 'x'", instance(conf), false},
		{"a date: other spellings of the same instant", "configuration.launchTime = '2024-01-01'", instance(`{"launchTime":"2023-12-31T23:00:00-01:00"}`), false},
		{"a number: other spellings of the same value", "configuration.amiLaunchIndex = '5'", instance(`{"amiLaunchIndex":5.0e0}`), false},
		{"tags are not read", "tags.key = 'Name'", instance(conf), false},
	} {
		q, err := query.Parse("SELECT resourceId WHERE " + tc.where)
		if err != nil {
			t.Fatal(err)
		}
		if got := newPrefilter(q.Where).rejects(tc.item); got != tc.want {
			t.Errorf("%s: rejects = %v, want %v", tc.name, got, tc.want)
		}
		// Never wrong: an item the prefilter rejects does not match.
		if tc.want && eval.Match(q.Where, eval.Document(tc.item), tc.item.ResourceType) {
			t.Errorf("%s: rejected, but the condition admits it", tc.name)
		}
	}
}
