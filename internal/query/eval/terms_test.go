package eval

import (
	"slices"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/query"
)

func TestTextOnly(t *testing.T) {
	str := func(s string) query.Literal { return query.Literal{Kind: query.LitString, Text: s} }
	num := func(s string) query.Literal { return query.Literal{Kind: query.LitNumber, Text: s} }
	for _, tc := range []struct {
		rt, path string
		l        query.Literal
		want     bool
	}{
		{"AWS::EC2::Instance", "configuration.instanceType", str("t3.micro"), true},
		{"AWS::EC2::Instance", "configuration.instanceType", str("42"), true}, // string mode: a number's text
		{"AWS::EC2::Instance", "configuration.instanceType", num("42"), true},
		{"AWS::EC2::Volume", "configuration.size", str("7"), false}, // 7 = 7.0
		{"AWS::EC2::Volume", "configuration.size", str("large"), true},
		{"AWS::EC2::Instance", "configuration.ebsOptimized", str("TRUE"), false},
		{"AWS::EC2::Instance", "configuration.ebsOptimized", str("yes"), true},
		{"AWS::EC2::Instance", "configuration.launchTime", str("2023-11-23"), false},
		{"AWS::EC2::Instance", "configuration.launchTime", str("soon"), true},
		{"AWS::EC2::Instance", "configuration.privateIpAddress", str("10.0.0.0/8"), false},
		{"AWS::EC2::Instance", "configuration.privateIpAddress", str("none"), true},
		// A path no type has: compared by the value's JSON type.
		{"AWS::EC2::Instance", "configuration.notInTheCatalogue", str("x"), true},
		{"AWS::EC2::Instance", "configuration.notInTheCatalogue", str("1e3"), false},
		{"AWS::EC2::Instance", "configuration.notInTheCatalogue", str("False"), false},
	} {
		if got := TextOnly(tc.rt, strings.Split(tc.path, "."), tc.l); got != tc.want {
			t.Errorf("TextOnly(%s, %s, %+v) = %v, want %v", tc.rt, tc.path, tc.l, got, tc.want)
		}
	}
}

func TestTermPaths(t *testing.T) {
	for _, tc := range []struct {
		rt, path string
		want     []string
	}{
		{"AWS::EC2::Instance", "configuration.instanceType", []string{"configuration.instanceType"}},
		{"AWS::EC2::Instance", "configuration", []string{"configuration"}},
		{"AWS::EC2::Volume", "configuration.state.value", []string{"configuration.state.value", "configuration.state"}},
		{"AWS::S3::Bucket", "supplementaryConfiguration.BucketVersioningConfiguration.status",
			[]string{"supplementaryConfiguration.BucketVersioningConfiguration.status"}},
		{"AWS::EC2::Instance", "tags.key", []string{"tags.key"}},
		{"AWS::EC2::Instance", "tags.value", []string{"tags.value"}},
		{"AWS::EC2::Instance", "tags.tag", nil},
		{"AWS::EC2::Instance", "relationships.resourceId", []string{"relationships.resourceId"}},
		{"AWS::EC2::Instance", "relationships.other", nil},
		{"AWS::EC2::Instance", "resourceName", nil},
		{"AWS::EC2::Instance", "arn", nil},
	} {
		if got := TermPaths(tc.rt, strings.Split(tc.path, ".")); !slices.Equal(got, tc.want) {
			t.Errorf("TermPaths(%s, %s) = %q, want %q", tc.rt, tc.path, got, tc.want)
		}
	}
}
