package query

import (
	"reflect"
	"testing"
)

func str(s string) Literal { return Literal{Kind: LitString, Text: s} }

func eq(path, v string) Expr { return &Compare{Path: Path{path}, Op: OpEq, Value: str(v)} }

func TestNarrow(t *testing.T) {
	for _, tc := range []struct {
		name string
		cond Expr
		want Narrowing
	}{
		{"no condition", nil, Narrowing{Exact: true}},
		{"a type", eq("resourceType", "AWS::EC2::Instance"), Narrowing{ResourceTypes: []string{"AWS::EC2::Instance"}, Exact: true}},
		{"types in a list", &In{Path: Path{"resourceType"}, Values: []Literal{str("b"), str("a"), str("b")}}, Narrowing{ResourceTypes: []string{"a", "b"}, Exact: true}},
		{"conjuncts intersect", &And{
			L: &In{Path: Path{"resourceType"}, Values: []Literal{str("a"), str("b")}},
			R: &And{L: eq("resourceType", "b"), R: eq("accountId", "111111111111")},
		}, Narrowing{ResourceTypes: []string{"b"}, AccountIDs: []string{"111111111111"}, Exact: true}},
		{"contradiction admits nothing", &And{L: eq("resourceId", "i-1"), R: eq("resourceId", "i-2")}, Narrowing{ResourceIDs: []string{}, Exact: true}},
		{"OR narrows nothing", &Or{L: eq("resourceType", "a"), R: eq("resourceType", "b")}, Narrowing{}},
		{"NOT narrows nothing", &Not{X: eq("resourceType", "a")}, Narrowing{}},
		{"NOT IN narrows nothing", &In{Path: Path{"resourceType"}, Not: true, Values: []Literal{str("a")}}, Narrowing{}},
		{"!= narrows nothing", &Compare{Path: Path{"resourceType"}, Op: OpNe, Value: str("a")}, Narrowing{}},
		{"nested paths narrow nothing", &Compare{Path: Path{"configuration", "resourceType"}, Op: OpEq, Value: str("a")}, Narrowing{}},
		{"a number is no id", &Compare{Path: Path{"resourceId"}, Op: OpEq, Value: Literal{Kind: LitNumber, Text: "1"}}, Narrowing{ResourceIDs: []string{}}},
		{"other properties ride along", &And{L: eq("awsRegion", "global"), R: eq("resourceType", "AWS::IAM::Role")}, Narrowing{ResourceTypes: []string{"AWS::IAM::Role"}}},
	} {
		if got := Narrow(tc.cond); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Narrow = %#v, want %#v", tc.name, got, tc.want)
		}
	}
}

func TestIsAggregate(t *testing.T) {
	for _, tc := range []struct {
		q    Query
		want bool
	}{
		{Query{Select: []SelectItem{{Star: true}}}, false},
		{Query{Select: []SelectItem{{Aggregate: &Aggregate{Func: FuncCount, Star: true}}}}, true},
		{Query{Select: []SelectItem{{Path: Path{"resourceType"}}}, GroupBy: []Path{{"resourceType"}}}, true},
	} {
		if got := tc.q.IsAggregate(); got != tc.want {
			t.Errorf("%s: IsAggregate = %v, want %v", tc.q.String(), got, tc.want)
		}
	}
}
