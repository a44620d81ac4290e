package eval

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/catalog"
)

func TestMatch(t *testing.T) {
	const (
		inst    = "AWS::EC2::Instance"
		vol     = "AWS::EC2::Volume"
		sg      = "AWS::EC2::SecurityGroup"
		cluster = "AWS::RDS::DBCluster"
		role    = "AWS::IAM::Role"
		comp    = "AWS::Config::ResourceCompliance"
	)
	for _, c := range []struct {
		rt, id, cond string
		want         bool
	}{
		// Strings: exact, case-sensitive.
		{vol, "vol-0aaa", "configuration.volumeType = 'gp2'", true},
		{vol, "vol-0aaa", "configuration.volumeType = 'GP2'", false},
		{vol, "vol-0aaa", "configuration.volumeType > 'gp1'", true},
		{vol, "vol-0aaa", "configuration.volumeType BETWEEN 'gp1' AND 'gp3'", true},
		{vol, "vol-0aaa", "configuration.volumeType IN ('io1', 'gp2')", true},
		{vol, "vol-0aaa", "configuration.volumeType IN ('io1', 'gp3')", false},

		// Numbers: numerically, quoted or not.
		{vol, "vol-0aaa", "configuration.size = 8", true},
		{vol, "vol-0aaa", "configuration.size = '8'", true},
		{vol, "vol-0aaa", "configuration.size = 8.0", true},
		{vol, "vol-0aaa", "configuration.size = 8e0", true},
		{vol, "vol-0aaa", "configuration.size < 10", true},    // as text "8" > "10"
		{vol, "vol-0aaa", "configuration.size > '10'", false}, // as text "8" > "10"
		{vol, "vol-0aaa", "configuration.size <= 8", true},
		{vol, "vol-0aaa", "configuration.size >= 8.5", false},
		{vol, "vol-0aaa", "configuration.size BETWEEN 8 AND 8", true},
		{vol, "vol-0aaa", "configuration.size BETWEEN 1 AND 7", false},
		{vol, "vol-0aaa", "configuration.size BETWEEN 10 AND 1", false},
		{vol, "vol-0aaa", "configuration.size = 'eight'", false},
		{vol, "vol-0aaa", "configuration.size != 'eight'", true},
		{vol, "vol-0aaa", "configuration.size = TRUE", false},
		{vol, "vol-0aaa", "configuration.size = '0x8'", false},
		{inst, "i-0a1", "configuration.state.code = 16", true},    // string-typed in the schema: as text
		{inst, "i-0a1", "configuration.state.code = 16.0", false}, // "16" != "16.0"

		// Booleans.
		{vol, "vol-0174de9c962f6581c", "configuration.encrypted = false", true},
		{vol, "vol-0174de9c962f6581c", "configuration.encrypted = 'false'", true},
		{vol, "vol-0174de9c962f6581c", "configuration.encrypted = 'FALSE'", true},
		{vol, "vol-0174de9c962f6581c", "configuration.encrypted = true", false},
		{vol, "vol-0174de9c962f6581c", "configuration.encrypted = 0", false},
		{vol, "vol-0174de9c962f6581c", "configuration.encrypted < true", true},
		{vol, "vol-0174de9c962f6581c", "configuration.encrypted != true", true},
		{"AWS::S3::Bucket", "quicksilver-logs", "supplementaryConfiguration.IsRequesterPaysEnabled = false", true},
		{"AWS::S3::Bucket", "quicksilver-logs", "supplementaryConfiguration.PublicAccessBlockConfiguration.blockPublicAcls = 'true'", true},
		{"AWS::S3::Bucket", "quicksilver-logs", "supplementaryConfiguration.BucketVersioningConfiguration.status = 'Enabled'", true},
		{"AWS::S3::Bucket", "quicksilver-logs", "supplementaryConfiguration.BucketVersioningConfiguration.isMfaDeleteEnabled = false", false},
		{"AWS::S3::Bucket", "quicksilver-logs", "NOT supplementaryConfiguration.BucketVersioningConfiguration.isMfaDeleteEnabled = true", true},

		// Dates: instants when both sides are, across forms.
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime = 1645468867743", true},
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime = '2022-02-21T18:41:07.743Z'", true},
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime = '2022-02-21T18:41:07.743+0000'", true},
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime = '2022-02-21T19:41:07.743+01:00'", true},
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime > '2022-02-21'", true},
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime < '2022-02-21T18:41:07.744Z'", true},
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime BETWEEN '2022-02-21T18:41:07.743Z' AND '2022-02-21T18:41:07.743Z'", true},
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime BETWEEN '2022-01-01' AND 1645468867742", false},
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime = 'yesterday'", false}, // as text
		{cluster, "cluster-ABCDEFGHIJ", "configuration.clusterCreateTime < 'a'", true},          // as text "1645…" < "a"
		{role, "AROAAPPROLE", "configuration.createDate = '2018-08-20T14:19:28Z'", true},
		{role, "AROAAPPROLE", "configuration.createDate > 1534774767999", true},
		{role, "AROAAPPROLE", "configuration.createDate > 1534774768000", false},
		// Top-level times are strings in the schema: compared as text.
		{role, "AROAAPPROLE", "resourceCreationTime = '2018-08-20T14:19:28.000Z'", true},
		{role, "AROAAPPROLE", "resourceCreationTime = '2018-08-20T14:19:28Z'", false},
		{role, "AROAAPPROLE", "resourceCreationTime BETWEEN '2018-08-01T00:00:00.000Z' AND '2018-08-31T23:59:59.000Z'", true},
		{role, "AROAAPPROLE", "configurationItemCaptureTime > '2024-05-01T12:00:00.122Z'", true},
		{role, "AROAAPPROLE", "configurationStateId = '1714564800123'", true},
		{role, "AROAAPPROLE", "configurationStateId = 1714564800123", true},

		// IP addresses and CIDR blocks (C.3).
		{inst, "i-0a1", "configuration.privateIpAddress = '10.0.0.12'", true},
		{inst, "i-0a1", "configuration.privateIpAddress = '10.0.0.0/24'", true}, // a literal block: overlap
		{inst, "i-0a1", "configuration.privateIpAddress > '10.0.0.9'", true},    // as text "10.0.0.12" < "10.0.0.9"
		{inst, "i-0a1", "configuration.privateIpAddress BETWEEN '10.0.0.2' AND '10.0.0.100'", true},
		{inst, "i-0a1", "configuration.privateIpAddress BETWEEN '10.0.0.13' AND '10.0.0.100'", false},
		{inst, "i-0a1", "configuration.networkInterfaces.privateIpAddresses.privateIpAddress = '10.0.0.13'", true},
		{inst, "i-0a1", "configuration.privateIpAddress = 'ten'", false},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges = '10.0.0.5'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges = '10.0.1.0'", false},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges = '10.0.0.0/24'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges < '10.0.0.0'", false},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges <= '10.0.0.0'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges < '10.0.0.1'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges > '10.0.0.255'", false},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges >= '10.0.0.255'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges > '10.0.0.254'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges BETWEEN '10.0.0.255' AND '10.0.1.9'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges BETWEEN '10.0.1.0' AND '10.0.1.9'", false},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges BETWEEN '10.0.0.9' AND '10.0.0.1'", false}, // empty range
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipv4Ranges.cidrIp = '10.0.0.200'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissionsEgress.ipRanges = '8.8.8.8'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges = '::ffff:10.0.0.5'", true}, // IPv4-mapped
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges = '::1'", false},            // another family
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges < '::1'", false},
		{sg, "sg-0open", "configuration.ipPermissions.ipv6Ranges.cidrIpv6 = '2001:db8::1'", true},
		{sg, "sg-0open", "configuration.ipPermissions.ipv6Ranges.cidrIpv6 = '10.0.0.1'", false},
		{sg, "sg-0host", "configuration.ipPermissions.ipv6Ranges.cidrIpv6 > '2001:db8::1'", true},
		{sg, "sg-0host", "configuration.ipPermissions.ipv6Ranges.cidrIpv6 > '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'", false},
		{"AWS::EC2::Subnet", "subnet-abcd1234", "configuration.cidrBlock = '10.0.0.77'", true},
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges = '10.0.0.0/24x'", false}, // not a block: as text
		{sg, "sg-abcd1234", "configuration.ipPermissions.ipRanges LIKE '10.0.0.%'", true},   // LIKE is textual

		// Arrays: existential, predicates independent (C.3).
		{comp, "AWS::EC2::Instance/i-0a1", "configuration.configRuleList.complianceType = 'NON_COMPLIANT' AND configuration.configRuleList.configRuleName = 'A'", true},
		{comp, "AWS::EC2::Instance/i-0a1", "configuration.configRuleList.complianceType = 'COMPLIANT' AND configuration.configRuleList.configRuleName = 'B'", true},
		{comp, "AWS::EC2::Volume/vol-0aaa", "configuration.configRuleList.complianceType = 'NON_COMPLIANT' AND configuration.configRuleList.configRuleName = 'A'", false},
		{inst, "i-0a1", "relationships.resourceType = 'AWS::EC2::VPC'", true},
		{inst, "i-0a1", "relationships.relationshipName = 'Is attached to Volume'", true}, // not in the schema: by JSON type
		{"AWS::RDS::DBCluster", "cluster-ABCDEFGHIJ", "relationships.resourceName = 'test-cluster-2-instance-1'", true},
		{"AWS::RDS::DBCluster", "cluster-ABCDEFGHIJ", "relationships.resourceId = 'x'", false},
		{"AWS::RDS::DBCluster", "cluster-ABCDEFGHIJ", "configuration.availabilityZones.value = 'us-east-2b'", true},
		{"AWS::RDS::DBCluster", "cluster-ABCDEFGHIJ", "configuration.availabilityZones = 'us-east-2b'", false}, // wrapped: objects
		{"AWS::RDS::DBCluster", "cluster-ABCDEFGHIJ", "configuration.dbclusterMembers.isClusterWriter = true", true},

		// Tags.
		{inst, "i-0a1", "tags.key = 'Stage'", true},
		{inst, "i-0a1", "tags.value = 'web-1'", true},
		{inst, "i-0a1", "tags.tag = 'Stage=prod'", true},
		{inst, "i-0a1", "tags.tag = 'Stage=dev'", false},
		{inst, "i-0a1", "tags.key = 'Stage' AND tags.value = 'web-1'", true}, // independent
		{inst, "i-0a1", "tags.key != 'Stage'", false},                        // NOT (some tag has key Stage)
		{inst, "i-0c3", "tags.key != 'Name'", true},
		{inst, "i-0a1", "tags.key <> 'Owner'", true},

		// Missing properties: no positive predicate holds, every negated
		// form does.
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId = 'k'", false},
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId != 'k'", true},
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId < 'k'", false},
		{vol, "vol-0174de9c962f6581c", "NOT configuration.kmsKeyId < 'k'", true},
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId IN ('k')", false},
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId NOT IN ('k')", true},
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId BETWEEN 'a' AND 'z'", false},
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId NOT BETWEEN 'a' AND 'z'", true},
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId LIKE 'arn%'", false},
		{vol, "vol-0174de9c962f6581c", "configuration.kmsKeyId NOT LIKE 'arn%'", true},
		{vol, "vol-0dead", "configuration.size != 8", true},
		{vol, "vol-0dead", "resourceName = 'x' OR NOT resourceName = 'x'", true},
		{vol, "vol-0aaa", "configuration.kmsKeyId NOT LIKE 'arn%'", false},
		{vol, "vol-0aaa", "configuration.size NOT BETWEEN 1 AND 10", false},
		{vol, "vol-0aaa", "configuration.size NOT IN (8, 9)", false},

		// Objects are not values; names are case-sensitive.
		{inst, "i-0a1", "configuration.state = 'running'", false},
		{inst, "i-0a1", "configuration.state.name = 'running'", true},
		{inst, "i-0a1", "configuration.State.name = 'running'", false},
		{vol, "vol-0aaa", "configuration.state = 'in-use'", false},
		{vol, "vol-0aaa", "configuration.state.value = 'in-use'", true},

		// LIKE.
		{inst, "i-0a1", "resourceType LIKE 'AWS::EC2::%'", true},
		{inst, "i-0a1", "resourceType LIKE 'AWS::EC2::Instanc_'", true},
		{inst, "i-0a1", "resourceType LIKE 'AWS::EC2::_'", false},
		{inst, "i-0a1", "resourceType LIKE 'aws::ec2::%'", false},
		{inst, "i-0a1", "resourceType NOT LIKE 'AWS::S3::%'", true},

		// Logic.
		{vol, "vol-0aaa", "configuration.size = 8 AND (configuration.volumeType = 'io1' OR configuration.encrypted = true)", true},
		{vol, "vol-0aaa", "NOT (configuration.size = 8 AND configuration.volumeType = 'io1')", true},
		{vol, "vol-0aaa", "configuration.size = 9 OR configuration.volumeType = 'io1'", false},
	} {
		q, err := query.Parse("SELECT resourceId WHERE " + c.cond)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.cond, err)
			continue
		}
		doc := docOf(t, c.rt, c.id)
		if got := Match(q.Where, doc, c.rt); got != c.want {
			t.Errorf("%s %s: %s = %v, want %v", c.rt, c.id, c.cond, got, c.want)
		}
	}
	if !Match(nil, map[string]any{}, "") {
		t.Error("Match(nil) = false")
	}
}

// TestMatchHandBuilt covers what the parser refuses (short LIKE prefixes)
// and paths the catalogue does not know (typed by their JSON values).
func TestMatchHandBuilt(t *testing.T) {
	doc := map[string]any{
		"resourceType": "AWS::Custom::Thing",
		"configuration": map[string]any{
			"n":    json.Number("22"),
			"b":    true,
			"s":    "com.amazonaws.us-east-1.s3",
			"list": []any{json.Number("1"), []any{json.Number("5")}},
		},
	}
	p := func(s string) query.Path { return strings.Split(s, ".") }
	str := func(s string) query.Literal { return query.Literal{Kind: query.LitString, Text: s} }
	num := func(s string) query.Literal { return query.Literal{Kind: query.LitNumber, Text: s} }
	for _, c := range []struct {
		e    query.Expr
		want bool
	}{
		{&query.Compare{Path: p("configuration.n"), Op: "=", Value: str("22.0")}, true}, // a JSON number: numerically
		{&query.Compare{Path: p("configuration.n"), Op: ">", Value: num("3")}, true},
		{&query.Compare{Path: p("configuration.b"), Op: "=", Value: str("true")}, true},
		{&query.Compare{Path: p("configuration.s"), Op: "=", Value: num("1")}, false},
		{&query.Compare{Path: p("configuration.list"), Op: "=", Value: num("5")}, true}, // nested arrays flatten
		{&query.Compare{Path: p("configuration.list"), Op: "<>", Value: num("5")}, false},
		{&query.Like{Path: p("configuration.s"), Pattern: "com.amazonaws.%.s3"}, true},
		{&query.Like{Path: p("configuration.s"), Pattern: "%s3"}, true},
		{&query.Like{Path: p("configuration.s"), Pattern: "%S3"}, false},
		{&query.Like{Path: p("configuration.n"), Pattern: "2_"}, true},
		{&query.Like{Path: p("configuration.b"), Pattern: "tr%"}, true},
		{&query.Compare{Path: p("configuration.n"), Op: "~", Value: num("22")}, false},
	} {
		if got := Match(c.e, doc, "AWS::Custom::Thing"); got != c.want {
			t.Errorf("%s = %v, want %v", c.e, got, c.want)
		}
	}
}

func TestLike(t *testing.T) {
	for _, c := range []struct {
		s, pattern string
		want       bool
	}{
		{"AWS::EC2::Instance", "AWS::EC2::%", true},
		{"AWS::EC2::", "AWS::EC2::%", true},
		{"AWS::EC2::Instance", "AWS::EC2::_", false},
		{"AWS::EC2::I", "AWS::EC2::_", true},
		{"com.amazonaws.us-east-1.s3", "com.amazonaws.%.s3", true},
		{"com.amazonaws.us-east-1.s3express", "com.amazonaws.%.s3", false},
		{"com.amazonaws.s3.s3", "com.amazonaws.%.s3", true},
		{"abc", "a_c", true},
		{"ac", "a_c", false},
		{"aéc", "a_c", true}, // one character, two bytes
		{"abc", "abc", true},
		{"abcd", "abc", false},
		{"ab", "abc", false},
		{"", "%", true},
		{"", "_", false},
		{"abc", "%%%", true},
		{"abcabc", "%bc%bc", true},
		{"abcab", "%bc%bc", false},
		{"50%", "50%", true},
		{"x_y", "x_y", true},
		{"ABC", "abc", false},
		{"aXbXc", "a%b%c", true},
		{"mississippi", "m%iss%ppi", true},
	} {
		if got := Like(c.s, c.pattern); got != c.want {
			t.Errorf("Like(%q, %q) = %v, want %v", c.s, c.pattern, got, c.want)
		}
	}
}

func TestOrder(t *testing.T) {
	n := func(s string) any { return json.Number(s) }
	for _, c := range []struct {
		a    any
		ta   catalog.Type
		b    any
		tb   catalog.Type
		want int
	}{
		{n("8"), catalog.Integer, n("100"), catalog.Integer, -1},
		{n("8"), catalog.String, n("100"), catalog.String, 1},      // as text
		{n("22"), catalog.Integer, n("22.0"), catalog.Integer, -1}, // equal values: by text
		{n("22"), catalog.Integer, "22", catalog.Integer, -1},      // then number before string
		{n("22"), catalog.Integer, n("22"), catalog.Integer, 0},
		{"2021-01-01T00:00:00Z", catalog.Date, n("1700000000000"), catalog.Date, -1}, // instants (text would say +1)
		{"soon", catalog.Date, n("1700000000000"), catalog.Date, 1},                  // instants before text
		{"10.0.0.12", catalog.IP, "10.0.0.9", catalog.IP, 1},
		{"10.0.0.0/24", catalog.CIDRBlock, "10.0.0.0/16", catalog.CIDRBlock, -1}, // same first, smaller last
		{"10.0.0.1", catalog.IP, "::1", catalog.IP, -1},
		{false, catalog.Boolean, true, catalog.Boolean, -1},
		{n("5"), 0, "a", 0, -1},
		{int64(3), 0, 2.5, 0, 1},
		{"a", catalog.String, "b", catalog.String, -1},
	} {
		if got := Order(c.a, c.ta, c.b, c.tb); got != c.want {
			t.Errorf("Order(%v %v, %v %v) = %d, want %d", c.a, c.ta, c.b, c.tb, got, c.want)
		}
		if got := Order(c.b, c.tb, c.a, c.ta); got != -c.want {
			t.Errorf("Order(%v %v, %v %v) = %d, want %d", c.b, c.tb, c.a, c.ta, got, -c.want)
		}
	}
}
