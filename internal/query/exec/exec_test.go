package exec

import (
	"reflect"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
)

func TestPlanQuery(t *testing.T) {
	inst, vol := "AWS::EC2::Instance", "AWS::EC2::Volume"
	for _, tt := range []struct {
		name, expr string
		types      []string
		want       Plan
	}{
		{"no condition", "SELECT resourceId", nil, Plan{Filter: inventory.Filter{IncludeDeleted: true}}},
		{"type", "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'", nil,
			Plan{Filter: inventory.Filter{IncludeDeleted: true, ResourceTypes: []string{inst}}}},
		{"type the aggregator filters out", "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'", []string{vol},
			Plan{Filter: inventory.Filter{IncludeDeleted: true, ResourceTypes: []string{}}, None: true}},
		{"the aggregator's types", "SELECT resourceId WHERE configuration.x = 1", []string{inst, vol},
			Plan{Filter: inventory.Filter{IncludeDeleted: true, ResourceTypes: []string{inst, vol}}}},
		{"an equality the terms decide", "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance' AND configuration.instanceType = 't3.micro'", nil,
			Plan{Filter: inventory.Filter{IncludeDeleted: true, ResourceTypes: []string{inst}},
				Match: [][]inventory.Term{{{Path: "configuration.instanceType", Text: "t3.micro"}}}}},
		{"IN, and a wrapped value", "SELECT resourceId WHERE configuration.state.value IN ('available', 'in-use') AND tags.key = 'env'", []string{vol},
			Plan{Filter: inventory.Filter{IncludeDeleted: true, ResourceTypes: []string{vol}},
				Match: [][]inventory.Term{
					{{Path: "configuration.state.value", Text: "available"}, {Path: "configuration.state", Text: "available"},
						{Path: "configuration.state.value", Text: "in-use"}, {Path: "configuration.state", Text: "in-use"}},
					{{Path: "tags.key", Text: "env"}}}}},
		{"every type", "SELECT resourceId WHERE configuration.instanceType = 't3.micro'", nil,
			Plan{Filter: inventory.Filter{IncludeDeleted: true},
				Match: [][]inventory.Term{{{Path: "configuration.instanceType", Text: "t3.micro"}}}}},
		{"numbers, OR, NOT IN and != are the evaluator's",
			"SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume' AND configuration.size = '7' AND (configuration.volumeType = 'gp3' OR configuration.iops = 3)" +
				" AND configuration.volumeType NOT IN ('io1') AND configuration.volumeType != 'gp2'", nil,
			Plan{Filter: inventory.Filter{IncludeDeleted: true, ResourceTypes: []string{vol}}}},
		{"one account", "SELECT resourceId WHERE accountId = '111111111111' AND resourceId IN ('a', 'b')", nil,
			Plan{Filter: inventory.Filter{IncludeDeleted: true, AccountID: "111111111111", ResourceIDs: []string{"a", "b"}}}},
		{"two accounts are the evaluator's", "SELECT resourceId WHERE accountId IN ('111111111111', '222222222222')", nil,
			Plan{Filter: inventory.Filter{IncludeDeleted: true}}},
		{"contradiction", "SELECT resourceId WHERE accountId = '111111111111' AND accountId = '222222222222'", nil,
			Plan{Filter: inventory.Filter{IncludeDeleted: true}, None: true}},
		{"OR narrows nothing", "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance' OR resourceId = 'x'", nil,
			Plan{Filter: inventory.Filter{IncludeDeleted: true}}},
	} {
		q, err := query.Parse(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := PlanQuery(q, tt.types); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
