package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// documentedExamples are every example query of config-data-and-query.md
// §C.2 (the developer guide, the schema README and the API reference), as
// written there; the limitation examples also as the guide lays them out,
// on several lines.
var documentedExamples = []string{
	// example-query.md
	"SELECT resourceId, resourceType, configuration.instanceType, configuration.placement.tenancy, configuration.imageId, availabilityZone WHERE resourceType = 'AWS::EC2::Instance' AND configuration.imageId = 'ami-12345'",
	"SELECT configuration.complianceType, COUNT(*) WHERE resourceType = 'AWS::Config::ResourceCompliance' GROUP BY configuration.complianceType",
	"SELECT resourceId, resourceName, resourceType, configuration.complianceType WHERE resourceType = 'AWS::Config::ConformancePackCompliance'",
	"SELECT COUNT(*), accountId group by accountId",
	"SELECT resourceId, accountId, awsRegion, resourceType, configuration.volumeType, configuration.size, resourceCreationTime, tags, configuration.encrypted, configuration.availabilityZone, configuration.state.value WHERE resourceType = 'AWS::EC2::Volume' AND configuration.state.value = 'available'",
	// query-components.md, query-using-sql-editor-cli.md
	"SELECT resourceId WHERE resourceType='AWS::EC2::Instance'",
	"SELECT *",
	// examplerelationshipqueries.md
	"SELECT resourceId WHERE resourceType = 'AWS::EC2::EIP' AND relationships.resourceId = 'i-abcd1234'",
	"SELECT resourceId WHERE resourceType = 'AWS::EC2::EIP' AND relationships.resourceId = 'eni-abcd1234'",
	"SELECT resourceId WHERE resourceType IN ('AWS::EC2::Instance', 'AWS::EC2::NetworkInterface') AND relationships.resourceId = 'sg-abcd1234'",
	"SELECT resourceId WHERE resourceType IN ('AWS::EC2::Instance', 'AWS::EC2::NetworkACL', 'AWS::EC2::NetworkInterface', 'AWS::EC2::RouteTable') AND relationships.resourceId = 'subnet-abcd1234'",
	"SELECT resourceId WHERE resourceType IN ('AWS::EC2::Instance', 'AWS::EC2::InternetGateway', 'AWS::EC2::NetworkACL', 'AWS::EC2::NetworkInterface', 'AWS::EC2::RouteTable', 'AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup') AND relationships.resourceId = 'vpc-abcd1234'",
	"SELECT resourceId WHERE resourceType = 'AWS::EC2::RouteTable' AND relationships.resourceId = 'vgw-abcd1234'",
	// querying-AWS-resources.md, limitations
	"SELECT * WHERE resourceType = 'AWS::EC2::SecurityGroup' AND configuration.ipPermissions.ipRanges BETWEEN '10.0.0.0' AND '10.0.0.255' AND NOT configuration.ipPermissions.ipRanges < '10.0.0.0' AND NOT configuration.ipPermissions.ipRanges > '10.0.0.255'",
	"SELECT * WHERE resourceType = 'AWS::EC2::SecurityGroup'\n  AND configuration.ipPermissions.ipRanges BETWEEN '10.0.0.0'\n  AND '10.0.0.255'\n  AND NOT configuration.ipPermissions.ipRanges < '10.0.0.0'\n  AND NOT configuration.ipPermissions.ipRanges > '10.0.0.255'",
	"SELECT * WHERE resourceType = 'AWS::EC2::SecurityGroup' AND configuration.ipPermissions.ipRanges = '192.168.0.2' AND NOT configuration.ipPermissions.ipRanges > '192.168.0.2' AND NOT configuration.ipPermissions.ipRanges < '192.168.0.2'",
	"SELECT * WHERE resourceType = 'AWS::EC2::SecurityGroup'\n  AND configuration.ipPermissions.ipRanges = '192.168.0.2'\n  AND NOT configuration.ipPermissions.ipRanges > '192.168.0.2'\n  AND NOT configuration.ipPermissions.ipRanges < '192.168.0.2'",
	"SELECT configuration WHERE configuration.configRuleList.complianceType = 'non_compliant' AND configuration.configRuleList.configRuleName = 'A'",
	"SELECT configuration WHERE configuration.configRuleList.complianceType = 'non_compliant' \nAND configuration.configRuleList.configRuleName = 'A'",
	// awslabs/aws-config-resource-schema README.md
	"SELECT resourceId WHERE resourceType='AWS::S3::Bucket' AND awsRegion='ap-northeast-1' AND resourceName LIKE 'quicksilver%' AND tags.tag='CostCenter=12345'",
	"SELECT COUNT(resourceId) WHERE resourceType='AWS::EC2::Instance' AND availabilityZone='us-east-1a' AND configuration.imageId='ami-12345' AND tags.key='Stage'",
	// SelectAggregateResourceConfig API reference
	"SELECT resourceId, COUNT(*) WHERE resourceType = 'AWS::IAM::Role' GROUP BY resourceId",
	"SELECT * WHERE resourceType = 'AWS::IAM::Role'",
}

// observedExamples are the community forms of §C.1 "Observed in real use".
var observedExamples = []string{
	"select resourceId, configuration, supplementaryConfiguration where resourceType = 'AWS::EC2::Instance' and configurationItemStatus != 'ResourceDeleted'",
	"SELECT * ORDER BY resourceCreationTime DESC",
	"SELECT COUNT(*), resourceType, accountId GROUP BY resourceType, accountId",
	"SELECT *, configuration, configurationItemStatus, relationships, supplementaryConfiguration, tags",
	"SELECT *, relationships, configuration, tags WHERE resourceType = 'AWS::ElasticLoadBalancingV2::Listener'",
	"SELECT resourceId WHERE resourceType NOT IN ('AWS::RDS:DbInstance','AWS::EC2::VPC')",
	"SELECT resourceId WHERE configurationItemStatus != 'ResourceDeleted'",
	"SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume' AND configuration.encrypted = false",
	"SELECT resourceId, configuration.serviceName WHERE resourceType = 'AWS::EC2::VPCEndpoint' AND configuration.serviceName LIKE 'com.amazonaws.%.s3'",
	"SELECT resourceId WHERE resourceCreationTime BETWEEN '2023-07-01T00:00:00.000Z' AND '2023-07-31T23:59:59.000Z'",
}

// Tree builders.
func tPath(s string) Path    { return Path(strings.Split(s, ".")) }
func tStr(s string) Literal  { return Literal{Kind: LitString, Text: s} }
func tNum(s string) Literal  { return Literal{Kind: LitNumber, Text: s} }
func tBool(s string) Literal { return Literal{Kind: LitBool, Text: s} }
func tCmp(p, op string, v Literal) *Compare {
	return &Compare{Path: tPath(p), Op: op, Value: v}
}
func tEq(p string, v Literal) *Compare { return tCmp(p, OpEq, v) }
func tItems(ps ...string) []SelectItem {
	var its []SelectItem
	for _, p := range ps {
		switch {
		case p == "*":
			its = append(its, SelectItem{Star: true})
		case p == "COUNT(*)":
			its = append(its, SelectItem{Aggregate: &Aggregate{Func: FuncCount, Star: true}})
		default:
			its = append(its, SelectItem{Path: tPath(p)})
		}
	}
	return its
}

// roundTrip checks that q prints to an expression that parses back to q
// and prints the same again.
func roundTrip(t *testing.T, q *Query) {
	t.Helper()
	s := q.String()
	q2, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q) (printed) = %v", s, err)
	}
	if !reflect.DeepEqual(q, q2) {
		t.Fatalf("Parse(%q) = %#v; want %#v", s, q2, q)
	}
	if s2 := q2.String(); s2 != s {
		t.Fatalf("printing is not a fixed point: %q then %q", s, s2)
	}
}

func TestParseExamples(t *testing.T) {
	for _, src := range append(append([]string{}, documentedExamples...), observedExamples...) {
		t.Run(src, func(t *testing.T) {
			q, err := Parse(src)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			roundTrip(t, q)
		})
	}
}

func TestParseTrees(t *testing.T) {
	tests := []struct {
		src   string
		want  *Query
		canon string // q.String(); "" if src itself
	}{
		{
			src: "SELECT resourceId, resourceType, configuration.instanceType, configuration.placement.tenancy, configuration.imageId, availabilityZone WHERE resourceType = 'AWS::EC2::Instance' AND configuration.imageId = 'ami-12345'",
			want: &Query{
				Select: tItems("resourceId", "resourceType", "configuration.instanceType", "configuration.placement.tenancy", "configuration.imageId", "availabilityZone"),
				Where:  &And{tEq("resourceType", tStr("AWS::EC2::Instance")), tEq("configuration.imageId", tStr("ami-12345"))},
			},
		},
		{
			src: "SELECT configuration.complianceType, COUNT(*) WHERE resourceType = 'AWS::Config::ResourceCompliance' GROUP BY configuration.complianceType",
			want: &Query{
				Select:  tItems("configuration.complianceType", "COUNT(*)"),
				Where:   tEq("resourceType", tStr("AWS::Config::ResourceCompliance")),
				GroupBy: []Path{tPath("configuration.complianceType")},
			},
		},
		{
			src:   "SELECT COUNT(*), accountId group by accountId",
			want:  &Query{Select: tItems("COUNT(*)", "accountId"), GroupBy: []Path{tPath("accountId")}},
			canon: "SELECT COUNT(*), accountId GROUP BY accountId",
		},
		{
			src:   "SELECT resourceId WHERE resourceType='AWS::EC2::Instance'",
			want:  &Query{Select: tItems("resourceId"), Where: tEq("resourceType", tStr("AWS::EC2::Instance"))},
			canon: "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'",
		},
		{src: "SELECT *", want: &Query{Select: tItems("*")}},
		{
			src: "SELECT * WHERE resourceType = 'AWS::EC2::SecurityGroup' AND configuration.ipPermissions.ipRanges BETWEEN '10.0.0.0' AND '10.0.0.255' AND NOT configuration.ipPermissions.ipRanges < '10.0.0.0' AND NOT configuration.ipPermissions.ipRanges > '10.0.0.255'",
			want: &Query{
				Select: tItems("*"),
				Where: &And{
					&And{
						&And{
							tEq("resourceType", tStr("AWS::EC2::SecurityGroup")),
							&Between{Path: tPath("configuration.ipPermissions.ipRanges"), Lo: tStr("10.0.0.0"), Hi: tStr("10.0.0.255")},
						},
						&Not{tCmp("configuration.ipPermissions.ipRanges", OpLt, tStr("10.0.0.0"))},
					},
					&Not{tCmp("configuration.ipPermissions.ipRanges", OpGt, tStr("10.0.0.255"))},
				},
			},
		},
		{
			src: "SELECT resourceId WHERE resourceType IN ('AWS::EC2::Instance', 'AWS::EC2::NetworkInterface') AND relationships.resourceId = 'sg-abcd1234'",
			want: &Query{
				Select: tItems("resourceId"),
				Where: &And{
					&In{Path: tPath("resourceType"), Values: []Literal{tStr("AWS::EC2::Instance"), tStr("AWS::EC2::NetworkInterface")}},
					tEq("relationships.resourceId", tStr("sg-abcd1234")),
				},
			},
		},
		{
			src: "SELECT COUNT(resourceId) WHERE resourceName LIKE 'quicksilver%'",
			want: &Query{
				Select: []SelectItem{{Aggregate: &Aggregate{Func: FuncCount, Path: tPath("resourceId")}}},
				Where:  &Like{Path: tPath("resourceName"), Pattern: "quicksilver%"},
			},
		},
		// §C.1 "Observed in real use".
		{
			src: "select resourceId, configuration where resourceType = 'AWS::EC2::Instance' and configurationItemStatus != 'ResourceDeleted'",
			want: &Query{
				Select: tItems("resourceId", "configuration"),
				Where:  &And{tEq("resourceType", tStr("AWS::EC2::Instance")), tCmp("configurationItemStatus", OpNe, tStr("ResourceDeleted"))},
			},
			canon: "SELECT resourceId, configuration WHERE resourceType = 'AWS::EC2::Instance' AND configurationItemStatus != 'ResourceDeleted'",
		},
		{
			src:  "SELECT * ORDER BY resourceCreationTime DESC",
			want: &Query{Select: tItems("*"), OrderBy: []OrderItem{{Path: tPath("resourceCreationTime"), Desc: true}}},
		},
		{
			src:  "SELECT COUNT(*), resourceType, accountId GROUP BY resourceType, accountId",
			want: &Query{Select: tItems("COUNT(*)", "resourceType", "accountId"), GroupBy: []Path{tPath("resourceType"), tPath("accountId")}},
		},
		{
			src:  "SELECT *, configuration, configurationItemStatus, relationships, supplementaryConfiguration, tags",
			want: &Query{Select: tItems("*", "configuration", "configurationItemStatus", "relationships", "supplementaryConfiguration", "tags")},
		},
		{
			src: "SELECT resourceId WHERE resourceType NOT IN ('AWS::RDS:DbInstance','AWS::EC2::VPC')",
			want: &Query{
				Select: tItems("resourceId"),
				Where:  &In{Path: tPath("resourceType"), Not: true, Values: []Literal{tStr("AWS::RDS:DbInstance"), tStr("AWS::EC2::VPC")}},
			},
			canon: "SELECT resourceId WHERE resourceType NOT IN ('AWS::RDS:DbInstance', 'AWS::EC2::VPC')",
		},
		{
			src:   "SELECT resourceId WHERE configuration.encrypted = false",
			want:  &Query{Select: tItems("resourceId"), Where: tEq("configuration.encrypted", tBool("false"))},
			canon: "SELECT resourceId WHERE configuration.encrypted = FALSE",
		},
		{
			src:  "SELECT resourceId WHERE configuration.serviceName LIKE 'com.amazonaws.%.s3'",
			want: &Query{Select: tItems("resourceId"), Where: &Like{Path: tPath("configuration.serviceName"), Pattern: "com.amazonaws.%.s3"}},
		},
		// Precedence: OR < AND < NOT < predicate; AND and OR group left.
		{
			src:  "SELECT a WHERE a = 1 OR b = 2 AND c = 3",
			want: &Query{Select: tItems("a"), Where: &Or{tEq("a", tNum("1")), &And{tEq("b", tNum("2")), tEq("c", tNum("3"))}}},
		},
		{
			src:  "SELECT a WHERE a = 1 AND b = 2 OR c = 3",
			want: &Query{Select: tItems("a"), Where: &Or{&And{tEq("a", tNum("1")), tEq("b", tNum("2"))}, tEq("c", tNum("3"))}},
		},
		{
			src:  "SELECT a WHERE NOT a = 1 AND b = 2",
			want: &Query{Select: tItems("a"), Where: &And{&Not{tEq("a", tNum("1"))}, tEq("b", tNum("2"))}},
		},
		{
			src:  "SELECT a WHERE NOT (a = 1 AND b = 2)",
			want: &Query{Select: tItems("a"), Where: &Not{&And{tEq("a", tNum("1")), tEq("b", tNum("2"))}}},
		},
		{
			src:  "SELECT a WHERE (a = 1 OR b = 2) AND c = 3",
			want: &Query{Select: tItems("a"), Where: &And{&Or{tEq("a", tNum("1")), tEq("b", tNum("2"))}, tEq("c", tNum("3"))}},
		},
		{
			src:  "SELECT a WHERE a = 1 OR (b = 2 OR c = 3)",
			want: &Query{Select: tItems("a"), Where: &Or{tEq("a", tNum("1")), &Or{tEq("b", tNum("2")), tEq("c", tNum("3"))}}},
		},
		{
			src:   "SELECT a WHERE (a = 1 OR b = 2) OR c = 3",
			want:  &Query{Select: tItems("a"), Where: &Or{&Or{tEq("a", tNum("1")), tEq("b", tNum("2"))}, tEq("c", tNum("3"))}},
			canon: "SELECT a WHERE a = 1 OR b = 2 OR c = 3",
		},
		{
			src:   "SELECT a WHERE ((a = 1))",
			want:  &Query{Select: tItems("a"), Where: tEq("a", tNum("1"))},
			canon: "SELECT a WHERE a = 1",
		},
		{
			src:   "SELECT a WHERE not not a = 1 or not (b = 2)",
			want:  &Query{Select: tItems("a"), Where: &Or{&Not{&Not{tEq("a", tNum("1"))}}, &Not{tEq("b", tNum("2"))}}},
			canon: "SELECT a WHERE NOT NOT a = 1 OR NOT b = 2",
		},
		{
			src: "SELECT a WHERE a BETWEEN 1 AND 2 AND b NOT BETWEEN -1.5 AND 2e3 OR c NOT LIKE 'abc_'",
			want: &Query{Select: tItems("a"), Where: &Or{
				&And{
					&Between{Path: tPath("a"), Lo: tNum("1"), Hi: tNum("2")},
					&Between{Path: tPath("b"), Not: true, Lo: tNum("-1.5"), Hi: tNum("2e3")},
				},
				&Like{Path: tPath("c"), Not: true, Pattern: "abc_"},
			}},
		},
		// Operators, literals, keywords after a dot, ordering.
		{
			src: "SELECT a WHERE a <> 'x' AND b < 1 AND c <= 2 AND d > 3 AND e >= 4 AND f = TRUE AND g IN (1, 'two', true)",
			want: &Query{Select: tItems("a"), Where: &And{&And{&And{&And{&And{&And{
				tCmp("a", OpNe, tStr("x")), tCmp("b", OpLt, tNum("1"))}, tCmp("c", OpLe, tNum("2"))},
				tCmp("d", OpGt, tNum("3"))}, tCmp("e", OpGe, tNum("4"))}, tEq("f", tBool("true"))},
				&In{Path: tPath("g"), Values: []Literal{tNum("1"), tStr("two"), tBool("true")}}}},
			canon: "SELECT a WHERE a != 'x' AND b < 1 AND c <= 2 AND d > 3 AND e >= 4 AND f = TRUE AND g IN (1, 'two', TRUE)",
		},
		{
			src:  "SELECT a WHERE a = 'it''s' AND b = '' AND c = 'true'",
			want: &Query{Select: tItems("a"), Where: &And{&And{tEq("a", tStr("it's")), tEq("b", tStr(""))}, tEq("c", tStr("true"))}},
		},
		{
			src:   "SELECT configuration.Order, configuration.select.from, count WHERE configuration.ruleSet.FROM = 1 ORDER BY configuration.Order asc, count DESC",
			want:  &Query{Select: tItems("configuration.Order", "configuration.select.from", "count"), Where: tEq("configuration.ruleSet.FROM", tNum("1")), OrderBy: []OrderItem{{Path: tPath("configuration.Order")}, {Path: tPath("count"), Desc: true}}},
			canon: "SELECT configuration.Order, configuration.select.from, count WHERE configuration.ruleSet.FROM = 1 ORDER BY configuration.Order, count DESC",
		},
		{
			src: "SELECT resourceType, count(*), Sum(configuration.size), avg(configuration.size), MIN(a), max(a) GROUP BY resourceType ORDER BY COUNT(*) DESC, resourceType",
			want: &Query{
				Select: []SelectItem{
					{Path: tPath("resourceType")},
					{Aggregate: &Aggregate{Func: FuncCount, Star: true}},
					{Aggregate: &Aggregate{Func: FuncSum, Path: tPath("configuration.size")}},
					{Aggregate: &Aggregate{Func: FuncAvg, Path: tPath("configuration.size")}},
					{Aggregate: &Aggregate{Func: FuncMin, Path: tPath("a")}},
					{Aggregate: &Aggregate{Func: FuncMax, Path: tPath("a")}},
				},
				GroupBy: []Path{tPath("resourceType")},
				OrderBy: []OrderItem{{Aggregate: &Aggregate{Func: FuncCount, Star: true}, Desc: true}, {Path: tPath("resourceType")}},
			},
			canon: "SELECT resourceType, COUNT(*), SUM(configuration.size), AVG(configuration.size), MIN(a), MAX(a) GROUP BY resourceType ORDER BY COUNT(*) DESC, resourceType",
		},
		{
			src:  "SELECT a, b, c, COUNT(*) GROUP BY a, b, c ORDER BY a",
			want: &Query{Select: tItems("a", "b", "c", "COUNT(*)"), GroupBy: []Path{tPath("a"), tPath("b"), tPath("c")}, OrderBy: []OrderItem{{Path: tPath("a")}}},
		},
		{
			src:  "SELECT *, *",
			want: &Query{Select: tItems("*", "*")},
		},
		{
			src:   "  SELECT\n\ta\r\nWHERE\n  b = 1\n",
			want:  &Query{Select: tItems("a"), Where: tEq("b", tNum("1"))},
			canon: "SELECT a WHERE b = 1",
		},
		// Paths that repeat or extend one another in the same case.
		{
			src:  "SELECT tags, tags.key WHERE tags.key = 'a' AND configuration.ipAddress = 'x' AND configuration.ipAddressPermissions = 'y'",
			want: &Query{Select: tItems("tags", "tags.key"), Where: &And{&And{tEq("tags.key", tStr("a")), tEq("configuration.ipAddress", tStr("x"))}, tEq("configuration.ipAddressPermissions", tStr("y"))}},
		},
		// LIKE patterns the wildcard rules allow.
		{
			src: "SELECT a WHERE a LIKE 'AWS::EC2::%' OR a LIKE 'AWS::EC2::_' OR a LIKE 'abc%' OR a LIKE 'abc_' OR a LIKE 'ab' OR a LIKE '' OR a LIKE 'éèê%'",
			want: &Query{Select: tItems("a"), Where: &Or{&Or{&Or{&Or{&Or{&Or{
				&Like{Path: tPath("a"), Pattern: "AWS::EC2::%"}, &Like{Path: tPath("a"), Pattern: "AWS::EC2::_"}},
				&Like{Path: tPath("a"), Pattern: "abc%"}}, &Like{Path: tPath("a"), Pattern: "abc_"}},
				&Like{Path: tPath("a"), Pattern: "ab"}}, &Like{Path: tPath("a"), Pattern: ""}},
				&Like{Path: tPath("a"), Pattern: "éèê%"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			q, err := Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if !reflect.DeepEqual(q, tt.want) {
				t.Fatalf("Parse =\n%#v\nwant\n%#v", q, tt.want)
			}
			canon := tt.canon
			if canon == "" {
				canon = tt.src
			}
			if s := q.String(); s != canon {
				t.Errorf("String = %q; want %q", s, canon)
			}
			roundTrip(t, q)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		// Syntax errors: AWS's text, at the offending token.
		{"empty", "", "syntax error at line 1, column 1"},
		{"blank", "  \n ", "syntax error at line 2, column 2"},
		{"no SELECT", "resourceId WHERE resourceType = 'x'", "syntax error at line 1, column 1"},
		{"SELECT alone", "SELECT", "syntax error at line 1, column 7"},
		// The query of awslabs/backstage-plugins-for-aws PR #182: a missing
		// AND between predicates, reported by AWS at column 51.
		{"missing AND", "SELECT arn WHERE tags.tag='component=backstage-x' resourceType='AWS::Lambda::Function'", "syntax error at line 1, column 51"},
		{"trailing semicolon", "SELECT * WHERE resourceType = 'AWS::EC2::Instance';", "syntax error at line 1, column 51"},
		{"newline then garbage", "SELECT *\n  garbage", "syntax error at line 2, column 3"},
		{"garbage lines later", "SELECT resourceId\nWHERE resourceType = 'x'\n\n;", "syntax error at line 4, column 1"},
		{"WHERE at end", "SELECT resourceId WHERE", "syntax error at line 1, column 24"},
		{"operator at end of line", "SELECT a WHERE b =\n", "syntax error at line 2, column 1"},
		{"unterminated string", "SELECT a WHERE b = 'abc", "syntax error at line 1, column 20"},
		{"double-quoted string", `SELECT a WHERE b = "x"`, "syntax error at line 1, column 20"},
		{"path compared to path", "SELECT a WHERE b = c", "syntax error at line 1, column 20"},
		{"double equals", "SELECT a WHERE b == 1", "syntax error at line 1, column 19"},
		{"minus apart from its number", "SELECT a WHERE b = - 1", "syntax error at line 1, column 20"},
		{"trailing comma", "SELECT a, WHERE b = 1", "syntax error at line 1, column 11"},
		{"empty IN", "SELECT a WHERE b IN ()", "syntax error at line 1, column 22"},
		{"BETWEEN OR", "SELECT a WHERE b BETWEEN 1 OR 2", "syntax error at line 1, column 28"},
		{"NOT before =", "SELECT a WHERE b NOT = 1", "syntax error at line 1, column 22"},
		{"NOT at end", "SELECT a WHERE NOT", "syntax error at line 1, column 19"},
		{"unclosed parenthesis", "SELECT a WHERE (b = 1", "syntax error at line 1, column 22"},
		{"extra parenthesis", "SELECT a WHERE b = 1)", "syntax error at line 1, column 21"},
		{"GROUP without BY", "SELECT a GROUP a", "syntax error at line 1, column 16"},
		{"ORDER without BY", "SELECT a ORDER a", "syntax error at line 1, column 16"},
		{"keyword as a path", "SELECT a WHERE order = 1", "syntax error at line 1, column 16"},
		{"SELECT select", "SELECT select", "syntax error at line 1, column 8"},
		{"dot at end of path", "SELECT a. WHERE b = 1", "syntax error at line 1, column 11"},
		{"blank before a dot", "SELECT a .b", "syntax error at line 1, column 10"},
		{"blank after a dot", "SELECT a. b", "syntax error at line 1, column 11"},
		{"newline after a dot", "SELECT a.\nb", "syntax error at line 2, column 1"},
		{"dot at end", "SELECT a.", "syntax error at line 1, column 10"},
		{"digit after a dot", "SELECT a.5", "syntax error at line 1, column 10"},
		{"LIKE a number", "SELECT a WHERE b LIKE 5", "syntax error at line 1, column 23"},
		{"method call on a path", "SELECT a WHERE tags.tag('Environment') = 'x'", "syntax error at line 1, column 24"},
		{"literal on the left", "SELECT a WHERE 1 = b", "syntax error at line 1, column 16"},
		{"predicate without operator", "SELECT a WHERE b", "syntax error at line 1, column 17"},
		{"COUNT()", "SELECT COUNT()", "syntax error at line 1, column 14"},
		{"unclosed COUNT", "SELECT COUNT(*", "syntax error at line 1, column 15"},
		{"clauses out of order", "SELECT a ORDER BY a WHERE b = 1", "syntax error at line 1, column 21"},
		{"two WHEREs", "SELECT a WHERE b = 1 WHERE c = 2", "syntax error at line 1, column 22"},
		{"ASC twice", "SELECT a ORDER BY a ASC DESC", "syntax error at line 1, column 25"},
		{"comment", "SELECT a -- all", "syntax error at line 1, column 10"},
		{"columns count characters", "SELECT a WHERE b = 'é' ;", "syntax error at line 1, column 24"},
		{"CRLF", "SELECT a\r\n;", "syntax error at line 2, column 1"},
		// Keywords AWS does not support.
		{"FROM", "SELECT resourceId FROM resources", "FROM is not supported (line 1, column 19)"},
		{"from in lower case", "select * from config where resourceType = 'x'", "FROM is not supported (line 1, column 10)"},
		{"AS", "SELECT resourceId AS id", "AS is not supported (line 1, column 19)"},
		{"DISTINCT", "SELECT DISTINCT resourceType", "DISTINCT is not supported (line 1, column 8)"},
		{"DISTINCT in COUNT", "SELECT COUNT(DISTINCT resourceType)", "DISTINCT is not supported (line 1, column 14)"},
		{"HAVING", "SELECT COUNT(*), resourceType GROUP BY resourceType HAVING COUNT(*) > 1", "HAVING is not supported (line 1, column 53)"},
		{"JOIN", "SELECT a JOIN b", "JOIN is not supported (line 1, column 10)"},
		{"UNION", "SELECT a UNION SELECT b", "UNION is not supported (line 1, column 10)"},
		{"ALL", "SELECT ALL a", "ALL is not supported (line 1, column 8)"},
		{"LIMIT", "SELECT * LIMIT 10", "LIMIT is not supported (line 1, column 10)"},
		{"IS NULL", "SELECT a WHERE b IS NULL", "IS NULL is not supported (line 1, column 18)"},
		{"is not null", "SELECT a WHERE b is not null", "IS NOT NULL is not supported (line 1, column 18)"},
		{"IS alone", "SELECT a WHERE b IS 1", "IS is not supported (line 1, column 18)"},
		{"NULL literal", "SELECT a WHERE b = NULL", "NULL is not supported (line 1, column 20)"},
		{"NULL in IN", "SELECT a WHERE b IN ('x', null)", "NULL is not supported (line 1, column 27)"},
		// Functions and aggregates.
		{"other function", "SELECT LOWER(resourceId)", "function LOWER is not supported (line 1, column 8)"},
		{"other function in WHERE", "SELECT a WHERE upper(b) = 'X'", "function UPPER is not supported (line 1, column 16)"},
		{"nested aggregate", "SELECT COUNT(MAX(x))", "nested aggregate functions are not supported (line 1, column 14)"},
		{"nested aggregate in ORDER BY", "SELECT a GROUP BY a ORDER BY max(sum(b))", "nested aggregate functions are not supported (line 1, column 34)"},
		{"two arguments", "SELECT COUNT(a, b)", "aggregate functions with more than one argument are not supported (line 1, column 15)"},
		{"aggregate in WHERE", "SELECT a WHERE COUNT(*) > 1", "aggregate functions are not supported in WHERE (line 1, column 16)"},
		{"aggregate in WHERE, nested", "SELECT a WHERE b = 1 AND (NOT sum(c) > 1)", "aggregate functions are not supported in WHERE (line 1, column 31)"},
		{"aggregate in GROUP BY", "SELECT a GROUP BY COUNT(*)", "aggregate functions are not supported in GROUP BY (line 1, column 19)"},
		// * outside the select list and COUNT(*).
		{"SUM(*)", "SELECT SUM(*)", "* is supported only as a select item and in COUNT(*) (line 1, column 12)"},
		{"* in WHERE", "SELECT a WHERE * = 1", "* is supported only as a select item and in COUNT(*) (line 1, column 16)"},
		{"* in GROUP BY", "SELECT a GROUP BY *", "* is supported only as a select item and in COUNT(*) (line 1, column 19)"},
		{"* in ORDER BY", "SELECT a ORDER BY *", "* is supported only as a select item and in COUNT(*) (line 1, column 19)"},
		{"* after a dot", "SELECT configuration.*", "* is supported only as a select item and in COUNT(*) (line 1, column 22)"},
		// GROUP BY limits.
		{"four GROUP BY properties", "SELECT COUNT(*) GROUP BY a, b, c, d", "GROUP BY with more than 3 properties is not supported (line 1, column 35)"},
		{"ORDER BY aggregate with two GROUP BY properties", "SELECT COUNT(*), a, b GROUP BY a, b ORDER BY COUNT(*) DESC", "ORDER BY an aggregate function with more than one GROUP BY property is not supported (line 1, column 46)"},
		// LIKE wildcard rules.
		{"leading %", "SELECT a WHERE b LIKE '%::EC2::Instance'", "LIKE pattern '%::EC2::Instance' begins with a wildcard: only suffix wildcards are supported (line 1, column 23)"},
		{"leading _", "SELECT a WHERE b LIKE '_::EC2::Instance'", "LIKE pattern '_::EC2::Instance' begins with a wildcard: only suffix wildcards are supported (line 1, column 23)"},
		{"two characters then %", "SELECT a WHERE b LIKE 'ab%'", "LIKE pattern 'ab%' needs at least 3 characters before its first wildcard: wildcard matches must be at least three characters long (line 1, column 23)"},
		{"two characters then _", "SELECT a WHERE b NOT LIKE 'ab_'", "LIKE pattern 'ab_' needs at least 3 characters before its first wildcard: wildcard matches must be at least three characters long (line 1, column 27)"},
		{"underscore inside the prefix", "SELECT a WHERE b LIKE 'a_bcd%'", "LIKE pattern 'a_bcd%' needs at least 3 characters before its first wildcard: wildcard matches must be at least three characters long (line 1, column 23)"},
		{"wildcard in a key", "SELECT a WHERE 'someKey%' LIKE 'someValue%'", "LIKE on a string is not supported: wildcards are supported only in property values, not in property keys (line 1, column 16)"},
		// Mismatched identifiers.
		{"same path, other case", "SELECT configuration.dbclusterIdentifier WHERE configuration.dBClusterIdentifier = 'x'", "mismatched identifiers configuration.dbclusterIdentifier and configuration.dBClusterIdentifier are not supported: property names must not differ only in case (line 1, column 48)"},
		{"case-variant prefix", "SELECT configuration.ipAddress WHERE configuration.ipaddressPermissions = 'x'", "mismatched identifiers configuration.ipAddress and configuration.ipaddressPermissions are not supported: property names must not differ only in case (line 1, column 38)"},
		{"mismatch in an aggregate", "SELECT resourceId, COUNT(resourceID)", "mismatched identifiers resourceId and resourceID are not supported: property names must not differ only in case (line 1, column 26)"},
		{"mismatch in GROUP BY", "SELECT COUNT(*) WHERE Tags.key = 'a' GROUP BY tags", "mismatched identifiers Tags.key and tags are not supported: property names must not differ only in case (line 1, column 47)"},
		// Nesting.
		{"parentheses nested too deeply", "SELECT a WHERE " + strings.Repeat("(", maxNesting+1) + "b = 1" + strings.Repeat(")", maxNesting+1), "conditions nested more than 1000 levels deep are not supported (line 1, column 1016)"},
		{"NOTs nested too deeply", "SELECT a WHERE " + strings.Repeat("NOT ", maxNesting+1) + "b = 1", "conditions nested more than 1000 levels deep are not supported (line 1, column 4016)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.src)
			if err == nil {
				t.Fatalf("Parse(%q) = %v; want error %q", tt.src, q, tt.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not *Error", tt.src, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q) error\n got %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestParseNestingLimit(t *testing.T) {
	// maxNesting levels are fine, and print back.
	src := "SELECT a WHERE " + strings.Repeat("NOT (", maxNesting/2) + "b = 1" + strings.Repeat(")", maxNesting/2)
	q, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	roundTrip(t, q)
}

func TestErrorFields(t *testing.T) {
	_, err := Parse("SELECT a\nWHERE b = ;")
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not *Error", err)
	}
	if want := (Error{Line: 2, Column: 11, Msg: MsgSyntax}); *pe != want {
		t.Errorf("error = %+v; want %+v", *pe, want)
	}
	_, err = Parse("SELECT a FROM b")
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not *Error", err)
	}
	if want := (Error{Line: 1, Column: 10, Msg: "FROM is not supported"}); *pe != want {
		t.Errorf("error = %+v; want %+v", *pe, want)
	}
}
