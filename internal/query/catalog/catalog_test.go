package catalog

import (
	"slices"
	"strings"
	"testing"
)

// The facts below are those of config-data-and-query.md §C.7 and §C.8
// (awslabs/aws-config-resource-schema at adf5513).

func TestQueryable(t *testing.T) {
	tests := []struct {
		typ  string
		want bool
	}{
		{"AWS::EC2::Instance", true},
		{"AWS::EC2::SecurityGroup", true},
		{"AWS::S3::Bucket", true},
		{"AWS::ElasticLoadBalancingV2::Listener", true},
		// Schema files that the ResourceType enum lacks (§C.7).
		{"AWS::Config::ConfigurationRecorder", true},
		{"AWS::Route53::HealthCheck", true},
		{"AWS::SageMaker::NotebookInstance", true},
		// Recordable but not queryable (§C.7).
		{"AWS::Cognito::UserPool", false},
		{"AWS::IAM::InstanceProfile", false},
		{"AWS::ElasticLoadBalancingV2::TargetGroup", false},
		{"AWS::Config::ConformancePack", false},
		{"AWS::Glue::Database", false},
		// Not types at all, or misspelt.
		{"", false},
		{"*", false},
		{"aws::ec2::instance", false},
		{"AWS::EC2::Instance ", false},
	}
	for _, tt := range tests {
		if got := Queryable(tt.typ); got != tt.want {
			t.Errorf("Queryable(%q) = %v, want %v", tt.typ, got, tt.want)
		}
	}
}

func TestTypes(t *testing.T) {
	types := Types()
	if len(types) != 413 {
		t.Errorf("len(Types()) = %d, want 413", len(types))
	}
	if !slices.IsSorted(types) {
		t.Error("Types() is not sorted")
	}
	for _, typ := range types {
		if !Queryable(typ) {
			t.Errorf("Queryable(%q) = false for a listed type", typ)
		}
	}
	types[0] = "changed"
	if Types()[0] == "changed" {
		t.Error("Types() returns the catalogue's own slice")
	}
}

func TestPropertyCounts(t *testing.T) {
	tests := []struct {
		typ  string
		want int
	}{
		{"AWS::KinesisFirehose::DeliveryStream", 270},
		{"AWS::DMS::Endpoint", 249},
		{"AWS::Pinpoint::Campaign", 246},
		{"AWS::IoTEvents::DetectorModel", 211},
		{"AWS::CloudFront::Distribution", 175},
		{"AWS::EC2::Instance", 135},
		{"AWS::SSM::PatchCompliance", 20},
		{"AWS::Cognito::UserPool", 0},
	}
	for _, tt := range tests {
		ps := Properties(tt.typ)
		if len(ps) != tt.want {
			t.Errorf("len(Properties(%q)) = %d, want %d", tt.typ, len(ps), tt.want)
		}
		if !slices.IsSorted(ps) {
			t.Errorf("Properties(%q) is not sorted", tt.typ)
		}
	}
	lo, hi := 1<<30, 0
	for _, typ := range Types() {
		n := len(Properties(typ))
		lo, hi = min(lo, n), max(hi, n)
	}
	if lo != 20 || hi != 270 {
		t.Errorf("properties per type range over [%d, %d], want [20, 270]", lo, hi)
	}
}

func TestCommonProperties(t *testing.T) {
	common := map[string]Type{
		"accountId": String, "arn": String, "availabilityZone": String, "awsRegion": String,
		"configurationItemCaptureTime": String, "configurationItemDeliveryTime": Date,
		"configurationItemStatus": String, "configurationStateId": String,
		"recordingFrequency": String, "relationships.resourceId": String,
		"relationships.resourceName": String, "relationships.resourceType": String,
		"resourceCreationTime": String, "resourceId": String, "resourceName": String,
		"resourceType": String, "tags.key": String, "tags.tag": String, "tags.value": String,
		"version": String,
	}
	for _, typ := range Types() {
		n := 0
		for _, p := range Properties(typ) {
			if !strings.HasPrefix(p, "configuration.") && !strings.HasPrefix(p, "supplementaryConfiguration.") {
				n++
			}
		}
		if n != len(common) {
			t.Errorf("%s has %d properties outside configuration and supplementaryConfiguration, want %d", typ, n, len(common))
		}
		for p, want := range common {
			if got, ok := PropertyType(typ, p); !ok || got != want {
				t.Errorf("PropertyType(%q, %q) = %v, %v; want %v, true", typ, p, got, ok, want)
			}
		}
	}
}

func TestPropertyType(t *testing.T) {
	tests := []struct {
		typ, path string
		want      Type
		ok        bool
	}{
		{"AWS::EC2::SecurityGroup", "configuration.ipPermissions.ipRanges", CIDRBlock, true},
		{"AWS::EC2::SecurityGroup", "configuration.ipPermissionsEgress.ipRanges", CIDRBlock, true},
		{"AWS::EC2::SecurityGroup", "configuration.ipPermissions.ipv4Ranges.cidrIp", CIDRBlock, true},
		{"AWS::EC2::SecurityGroup", "configuration.ipPermissionsEgress.ipv6Ranges.cidrIpv6", CIDRBlock, true},
		{"AWS::EC2::Instance", "configuration.privateIpAddress", IP, true},
		{"AWS::EC2::Instance", "configuration.publicIpAddress", IP, true},
		{"AWS::EC2::Instance", "configuration.networkInterfaces.privateIpAddresses.privateIpAddress", IP, true},
		{"AWS::EC2::Instance", "configuration.launchTime", Date, true},
		{"AWS::EC2::Instance", "configuration.amiLaunchIndex", Integer, true},
		{"AWS::EC2::Instance", "configuration.ebsOptimized", Boolean, true},
		{"AWS::EC2::Instance", "configuration.state.name", String, true},
		{"AWS::EC2::Instance", "configurationItemDeliveryTime", Date, true},
		{"AWS::EC2::Instance", "configurationItemCaptureTime", String, true},
		{"AWS::EC2::VPC", "configuration.cidrBlock", CIDRBlock, true},
		{"AWS::EC2::RouteTable", "configuration.routes.destinationCidrBlock", CIDRBlock, true},
		{"AWS::ApiGatewayV2::Stage", "configuration.defaultRouteSettings.throttlingRateLimit", Float, true},
		{"AWS::S3::Bucket", "supplementaryConfiguration.BucketLifecycleConfiguration.rules.expirationDate", Date, true},
		// A path of another type, a prefix, a wrong case, an unknown path.
		{"AWS::EC2::Instance", "configuration.ipPermissions.ipRanges", 0, false},
		{"AWS::EC2::Instance", "configuration.state", 0, false},
		{"AWS::EC2::Instance", "configuration.PrivateIpAddress", 0, false},
		{"AWS::EC2::Instance", "configuration.noSuchThing", 0, false},
		{"AWS::EC2::Instance", "", 0, false},
		// In AWS.properties.json only, not in the per-type file.
		{"AWS::EC2::Instance", "configuration.metadataOptions.instanceMetadataTags", 0, false},
		// Types that are not queryable.
		{"AWS::Cognito::UserPool", "resourceId", 0, false},
		{"", "resourceId", 0, false},
	}
	for _, tt := range tests {
		got, ok := PropertyType(tt.typ, tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("PropertyType(%q, %q) = %v, %v; want %v, %v", tt.typ, tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTypeCounts(t *testing.T) {
	want := map[Type]int{
		String: 13594, Integer: 954, Boolean: 683, Date: 623, Float: 92, IP: 64, CIDRBlock: 50,
	}
	got := map[Type]int{}
	supplementary := 0
	for _, typ := range Types() {
		sup := false
		for _, p := range Properties(typ) {
			k, ok := PropertyType(typ, p)
			if !ok {
				t.Fatalf("PropertyType(%q, %q) fails for a listed property", typ, p)
			}
			if a, _ := AnyType(p); a != k {
				t.Errorf("AnyType(%q) = %v, PropertyType(%q, …) = %v", p, a, typ, k)
			}
			got[k]++
			sup = sup || strings.HasPrefix(p, "supplementaryConfiguration.")
		}
		if sup {
			supplementary++
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v properties over all types: %d, want %d", k, got[k], n)
		}
	}
	if supplementary != 29 {
		t.Errorf("%d types have supplementaryConfiguration paths, want 29", supplementary)
	}
	// 6,430 paths of AWS.properties.json, and 76 paths that only per-type
	// files have.
	if n := len(load().paths); n != 6506 {
		t.Errorf("the catalogue has %d paths, want 6506", n)
	}
}

func TestAnyType(t *testing.T) {
	tests := []struct {
		path string
		want Type
		ok   bool
	}{
		{"resourceId", String, true},
		{"configurationItemDeliveryTime", Date, true},
		{"configuration.ipPermissions.ipRanges", CIDRBlock, true},
		{"configuration.privateIpAddress", IP, true},
		{"configuration.launchTime", Date, true},
		{"configuration.AbortConfig.CriteriaList.ThresholdPercentage", Float, true},
		{"configuration.AbleToUpdateBundle", Boolean, true},
		// In AWS.properties.json only.
		{"configuration.metadataOptions.instanceMetadataTags", String, true},
		// In a per-type file only (AWS::ACMPCA::CertificateAuthority).
		{"configuration.Subject.CommonName", String, true},
		// Prefixes, case, unknown paths.
		{"configuration", 0, false},
		{"configuration.ipPermissions", 0, false},
		{"ResourceId", 0, false},
		{"configuration.noSuchThing", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := AnyType(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("AnyType(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHasPrefix(t *testing.T) {
	tests := []struct {
		typ, path string
		want      bool // TypeHasPrefix(typ, path)
		any       bool // HasPrefix(path)
	}{
		{"AWS::EC2::Instance", "configuration", true, true},
		{"AWS::EC2::Instance", "configuration.state", true, true},
		{"AWS::EC2::Instance", "configuration.networkInterfaces.privateIpAddresses", true, true},
		{"AWS::EC2::Instance", "relationships", true, true},
		{"AWS::EC2::Instance", "tags", true, true},
		{"AWS::S3::Bucket", "supplementaryConfiguration", true, true},
		// Leaves are not prefixes.
		{"AWS::EC2::Instance", "configuration.state.name", false, false},
		{"AWS::EC2::Instance", "resourceId", false, false},
		// Not at a segment boundary.
		{"AWS::EC2::Instance", "configuration.sta", false, false},
		{"AWS::EC2::Instance", "config", false, false},
		// A prefix for another type only.
		{"AWS::EC2::Instance", "configuration.ipPermissions", false, true},
		{"AWS::EC2::Instance", "supplementaryConfiguration", false, true},
		// Case, unknown type, empty path.
		{"AWS::EC2::Instance", "Configuration", false, false},
		{"AWS::Cognito::UserPool", "configuration", false, true},
		{"AWS::EC2::Instance", "", false, false},
	}
	for _, tt := range tests {
		if got := TypeHasPrefix(tt.typ, tt.path); got != tt.want {
			t.Errorf("TypeHasPrefix(%q, %q) = %v, want %v", tt.typ, tt.path, got, tt.want)
		}
		if got := HasPrefix(tt.path); got != tt.any {
			t.Errorf("HasPrefix(%q) = %v, want %v", tt.path, got, tt.any)
		}
	}
}

func TestTypeString(t *testing.T) {
	tests := []struct {
		t    Type
		want string
	}{
		{String, "string"}, {Integer, "integer"}, {Boolean, "boolean"}, {Date, "date"},
		{Float, "float"}, {IP, "ip"}, {CIDRBlock, "cidr_block"},
		{0, "Type(0)"}, {CIDRBlock + 1, "Type(8)"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("Type(%d).String() = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	good := "# comment\npaths 4\n0 a s\n0 b.c i\n1 d.e c\n2 f p\ntypes 2\n* 0\nT1 1+1\nT2 2+1\n"
	c, err := parse(good)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if want := []string{"a", "b.c", "b.d.e", "b.d.f"}; !slices.Equal(c.paths, want) {
		t.Errorf("paths = %q, want %q", c.paths, want)
	}
	if want := []Type{String, Integer, CIDRBlock, IP}; !slices.Equal(c.kinds, want) {
		t.Errorf("kinds = %v, want %v", c.kinds, want)
	}
	if got, want := c.types["T1"], []int32{0, 1, 2}; !slices.Equal(got, want) {
		t.Errorf("T1 = %v, want %v", got, want)
	}
	if got, want := c.types["T2"], []int32{0, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("T2 = %v, want %v", got, want)
	}

	bad := []struct{ name, text string }{
		{"empty", ""},
		{"no types", "paths 1\n0 a s\n"},
		{"short paths", "paths 2\n0 a s\ntypes 0\n*\n"},
		{"unknown type code", "paths 1\n0 a x\ntypes 0\n*\n"},
		{"too many shared segments", "paths 2\n0 a s\n2 b s\ntypes 0\n*\n"},
		{"unsorted paths", "paths 2\n0 b s\n0 a s\ntypes 0\n*\n"},
		{"duplicate path", "paths 2\n0 a s\n0 a s\ntypes 0\n*\n"},
		{"no star line", "paths 1\n0 a s\ntypes 1\nT 0\n"},
		{"run past the table", "paths 1\n0 a s\ntypes 1\n*\nT 0+1\n"},
		{"bad run", "paths 1\n0 a s\ntypes 1\n*\nT x\n"},
		{"common path repeated", "paths 1\n0 a s\ntypes 1\n* 0\nT 0\n"},
		{"unsorted types", "paths 1\n0 a s\ntypes 2\n*\nU 0\nT 0\n"},
		{"missing types", "paths 1\n0 a s\ntypes 2\n*\nT 0\n"},
		{"trailing data", "paths 1\n0 a s\ntypes 0\n*\nT 0\n"},
	}
	for _, tt := range bad {
		if _, err := parse(tt.text); err == nil {
			t.Errorf("%s: parse succeeded", tt.name)
		}
	}
}

func BenchmarkPropertyType(b *testing.B) {
	load()
	for b.Loop() {
		PropertyType("AWS::EC2::Instance", "configuration.networkInterfaces.privateIpAddresses.privateIpAddress")
	}
}
