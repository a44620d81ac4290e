package eval

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/querytest/golden"
)

type runCase struct {
	name  string
	expr  string
	want  []string
	field []string // SelectFields, when checked
}

func runCases(t *testing.T, cases []runCase) {
	t.Helper()
	items := dataset()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := mustParse(t, c.expr)
			got, err := Run(q, seq(items))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("Run(%s):\n got %s\nwant %s", c.expr, strings.Join(got, "\n     "), strings.Join(c.want, "\n     "))
			}
			if c.field != nil {
				if f := SelectFields(q); !slices.Equal(f, c.field) {
					t.Errorf("SelectFields = %q, want %q", f, c.field)
				}
			}
		})
	}
}

// TestDocumentedQueries runs the golden table: every example query of
// config-data-and-query.md §C.2 over the dataset.
func TestDocumentedQueries(t *testing.T) {
	var cases []runCase
	for _, c := range golden.Documented {
		cases = append(cases, runCase{name: c.Name, expr: c.Expr, want: c.Want, field: c.Fields})
	}
	runCases(t, cases)
}

// TestDocumentedSecurityGroupForm checks the query form of the documented
// security group (B.2) against the spec's text, as JSON (key order is
// Starling's own), and the exact string.
func TestDocumentedSecurityGroupForm(t *testing.T) {
	const spec = `{"accountId":"123456789012","awsRegion":"us-east-2","arn":"arn:aws:ec2:us-east-2:123456789012:security-group/sg-3f1fef43",` +
		`"availabilityZone":"Not Applicable","configurationItemCaptureTime":"2017-01-09T22:50:15.156Z","resourceId":"sg-3f1fef43",` +
		`"resourceType":"AWS::EC2::SecurityGroup","version":"1.2","configuration":{"ownerId":"123456789012","groupName":"example-security-group-2",` +
		`"groupId":"sg-3f1fef43","description":"This is an example security group.","ipPermissions":[],"ipPermissionsEgress":[{"ipProtocol":"-1",` +
		`"userIdGroupPairs":[],"ipRanges":["0.0.0.0/0"],"prefixListIds":[]}],"vpcId":"vpc-14400670","tags":[]},` +
		`"relationships":[{"resourceId":"vpc-14400670","resourceType":"AWS::EC2::VPC","relationshipName":"Is contained in Vpc"}],"tags":[]}`
	const want = `{"accountId":"123456789012","arn":"arn:aws:ec2:us-east-2:123456789012:security-group/sg-3f1fef43","availabilityZone":"Not Applicable",` +
		`"awsRegion":"us-east-2","configuration":{"description":"This is an example security group.","groupId":"sg-3f1fef43",` +
		`"groupName":"example-security-group-2","ipPermissions":[],"ipPermissionsEgress":[{"ipProtocol":"-1","ipRanges":["0.0.0.0/0"],` +
		`"prefixListIds":[],"userIdGroupPairs":[]}],"ownerId":"123456789012","tags":[],"vpcId":"vpc-14400670"},` +
		`"configurationItemCaptureTime":"2017-01-09T22:50:15.156Z","relationships":[{"relationshipName":"Is contained in Vpc",` +
		`"resourceId":"vpc-14400670","resourceType":"AWS::EC2::VPC"}],"resourceId":"sg-3f1fef43","resourceType":"AWS::EC2::SecurityGroup",` +
		`"tags":[],"version":"1.2"}`
	got, err := Run(mustParse(t, "SELECT *, configuration, relationships, tags WHERE resourceId = 'sg-3f1fef43'"), seq(dataset()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	var a, b any
	if err := json.Unmarshal([]byte(got[0]), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(spec), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("not the spec's content:\n got %s\nspec %s", got[0], spec)
	}
}

// TestRecordScope checks which items take part: not the not-recorded
// instance, not the non-queryable Cognito pool, but the deleted volume.
func TestRecordScope(t *testing.T) {
	runCases(t, []runCase{
		{"not recorded", "SELECT resourceId WHERE resourceId = 'i-0nr'", nil, nil},
		{"not queryable", "SELECT resourceId WHERE resourceType = 'AWS::Cognito::UserPool'", nil, nil},
		{
			"deleted included", "SELECT resourceId, configurationItemStatus WHERE resourceType = 'AWS::EC2::Volume'",
			[]string{
				`{"configurationItemStatus":"OK","resourceId":"vol-0174de9c962f6581c"}`, `{"configurationItemStatus":"OK","resourceId":"vol-0aaa"}`,
				`{"configurationItemStatus":"ResourceDeleted","resourceId":"vol-0dead"}`, `{"configurationItemStatus":"OK","resourceId":"vol-0bbb"}`,
			}, nil,
		},
		{
			"deleted filtered out", "SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume' AND configurationItemStatus != 'ResourceDeleted'",
			golden.IDs("vol-0174de9c962f6581c", "vol-0aaa", "vol-0bbb"), nil,
		},
	})
	got, err := Run(mustParse(t, "SELECT configurationItemStatus, configurationStateId WHERE resourceId = 'vol-0aaa'"), seq(dataset()))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"configurationItemStatus":"OK","configurationStateId":"1714564800123"}`; len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
	it := dataset()[0]
	for _, c := range []struct {
		status, rt string
		want       bool
	}{
		{inventory.StatusOK, "AWS::EC2::Instance", true},
		{inventory.StatusResourceDiscovered, "AWS::EC2::Instance", true},
		{inventory.StatusResourceDeleted, "AWS::EC2::Instance", true},
		{inventory.StatusResourceNotRecorded, "AWS::EC2::Instance", false},
		{inventory.StatusResourceDeletedNotRecorded, "AWS::EC2::Instance", false},
		{inventory.StatusOK, "AWS::Cognito::UserPool", false},
		{inventory.StatusOK, "AWS::IAM::InstanceProfile", false},
	} {
		it.Status, it.ResourceType = c.status, c.rt
		if got := Admits(&it); got != c.want {
			t.Errorf("Admits(%s, %s) = %v, want %v", c.status, c.rt, got, c.want)
		}
	}
}

func TestPlainProjectionAndOrder(t *testing.T) {
	runCases(t, []runCase{
		{
			// Through an array: each element keeps the selected members,
			// together; an element with none of them is left out (the
			// egress rule of sg-abcd1234 has no ports).
			name: "through arrays",
			expr: "SELECT configuration.ipPermissions.fromPort, configuration.ipPermissions.toPort, configuration.ipPermissionsEgress.fromPort " +
				"WHERE resourceId IN ('sg-abcd1234', 'sg-0open')",
			want: []string{
				`{"configuration":{"ipPermissions":[{"fromPort":80.0,"toPort":80.0},{"fromPort":443.0,"toPort":443.0}]}}`,
				`{}`,
			},
		},
		{
			name: "whole objects and a path inside one",
			expr: "SELECT supplementaryConfiguration, supplementaryConfiguration.IsRequesterPaysEnabled, tags WHERE resourceId = 'quicksilver-logs'",
			want: []string{
				`{"supplementaryConfiguration":{"AccessControlList":"{\"grantSet\":null,\"grantList\":[],\"owner\":{\"displayName\":null,\"id\":\"abc123\"},\"isRequesterCharged\":false}",` +
					`"BucketLoggingConfiguration":{},"BucketPolicy":{},"BucketVersioningConfiguration":{"status":"Enabled"},"IsRequesterPaysEnabled":false,` +
					`"PublicAccessBlockConfiguration":{"blockPublicAcls":true,"blockPublicPolicy":true,"ignorePublicAcls":true,"restrictPublicBuckets":true}},` +
					`"tags":[{"key":"CostCenter","value":"12345"}]}`,
			},
		},
		{
			name: "wrapped values, epoch-ms numbers",
			expr: "SELECT configuration.availabilityZones, configuration.endpoint.value, configuration.clusterCreateTime, configuration.port, relationships " +
				"WHERE resourceType = 'AWS::RDS::DBCluster'",
			want: []string{
				`{"configuration":{"availabilityZones":[{"value":"us-east-2a"},{"value":"us-east-2b"},{"value":"us-east-2c"}],"clusterCreateTime":1.645468867743E12,` +
					`"endpoint":{"value":"test-cluster-2.cluster-cxyz.us-east-2.rds.amazonaws.com"},"port":3306.0},` +
					`"relationships":[{"relationshipName":"Contains DBInstance","resourceName":"test-cluster-2-instance-1","resourceType":"AWS::RDS::DBInstance"}]}`,
			},
		},
		{
			name: "tags.tag and tags.key",
			expr: "SELECT tags.tag, tags.key WHERE resourceId = 'i-0a1'",
			want: []string{`{"tags":[{"key":"Name","tag":"Name\u003dweb-1"},{"key":"Stage","tag":"Stage\u003dprod"}]}`},
		},
		{
			name: "Gson escaping in results",
			expr: "SELECT tags WHERE resourceId = 'i-0b2'",
			want: []string{`{"tags":[{"key":"Name","value":"batch \u003c1\u003e \u0026 \u0027co\u0027"},{"key":"Stage","value":"dev"}]}`},
		},
		{
			// AJarombek's query shape; items without resourceCreationTime
			// come last, in the default order.
			name: "ORDER BY a top-level time DESC",
			expr: "SELECT resourceId, resourceCreationTime WHERE resourceType IN ('AWS::EC2::Volume', 'AWS::RDS::DBCluster') ORDER BY resourceCreationTime DESC",
			want: []string{
				`{"resourceCreationTime":"2022-07-04T00:00:00.000Z","resourceId":"vol-0bbb"}`,
				`{"resourceCreationTime":"2022-02-21T18:41:07.743Z","resourceId":"cluster-ABCDEFGHIJ"}`,
				`{"resourceCreationTime":"2021-03-01T10:00:01.000Z","resourceId":"vol-0aaa"}`,
				`{"resourceCreationTime":"2020-02-21T07:39:43.771Z","resourceId":"vol-0174de9c962f6581c"}`,
				`{"resourceId":"vol-0dead"}`,
			},
		},
		{
			// Numbers sort by value (8 < 100 < 200, not as text); the
			// deleted volume has no size and comes last.
			name: "ORDER BY a number ASC, multi-key",
			expr: "SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume' ORDER BY configuration.encrypted DESC, configuration.size",
			want: golden.IDs("vol-0aaa", "vol-0bbb", "vol-0174de9c962f6581c", "vol-0dead"),
		},
		{
			// Multi-valued: ascending by the least value, descending by the
			// greatest, numerically. sg-0lan's ports are 389; sg-abcd1234's
			// 80 and 443 (as text, "443" < "80"); sg-0wide's 0 and 65535.
			name: "ORDER BY an array path",
			expr: "SELECT resourceId WHERE resourceName IN ('web', 'wide', 'lan') ORDER BY configuration.ipPermissions.fromPort",
			want: golden.IDs("sg-0wide", "sg-abcd1234", "sg-0lan"),
		},
		{
			name: "ORDER BY an array path DESC",
			expr: "SELECT resourceId WHERE resourceName IN ('web', 'wide', 'lan') ORDER BY configuration.ipPermissions.toPort DESC",
			want: golden.IDs("sg-0wide", "sg-abcd1234", "sg-0lan"),
		},
		{
			// Addresses order as addresses (10.0.1.7 < 172.31.5.9, as text
			// too; 10.0.0.12 < 10.0.1.7, though "10.0.0.12" > "10.0.0.1").
			name: "ORDER BY an IP",
			expr: "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance' ORDER BY configuration.privateIpAddress DESC",
			want: golden.IDs("i-0c3", "i-0b2", "i-0a1", "i-0d4"),
		},
	})
}

func TestAggregates(t *testing.T) {
	runCases(t, []runCase{
		{
			// kyhau's list_resource_types_of_all_accounts.sql shape.
			name: "GROUP BY two keys",
			expr: "SELECT COUNT(*), resourceType, accountId WHERE resourceType LIKE 'AWS::EC2::%' AND resourceType NOT IN ('AWS::EC2::EIP', 'AWS::EC2::SecurityGroup') " +
				"GROUP BY resourceType, accountId",
			want: []string{
				`{"COUNT(*)":2,"accountId":"111122223333","resourceType":"AWS::EC2::Instance"}`,
				`{"COUNT(*)":2,"accountId":"444455556666","resourceType":"AWS::EC2::Instance"}`,
				`{"COUNT(*)":1,"accountId":"111122223333","resourceType":"AWS::EC2::InternetGateway"}`,
				`{"COUNT(*)":1,"accountId":"111122223333","resourceType":"AWS::EC2::NetworkAcl"}`,
				`{"COUNT(*)":1,"accountId":"111122223333","resourceType":"AWS::EC2::NetworkInterface"}`,
				`{"COUNT(*)":1,"accountId":"111122223333","resourceType":"AWS::EC2::RouteTable"}`,
				`{"COUNT(*)":1,"accountId":"111122223333","resourceType":"AWS::EC2::Subnet"}`,
				`{"COUNT(*)":1,"accountId":"111122223333","resourceType":"AWS::EC2::VPC"}`,
				`{"COUNT(*)":3,"accountId":"111122223333","resourceType":"AWS::EC2::Volume"}`,
				`{"COUNT(*)":1,"accountId":"444455556666","resourceType":"AWS::EC2::Volume"}`,
			},
		},
		{
			name: "ORDER BY COUNT(*) DESC, then group key",
			expr: "SELECT resourceType, COUNT(*) WHERE accountId = '111122223333' AND resourceType LIKE 'AWS::EC2::%' GROUP BY resourceType ORDER BY COUNT(*) DESC",
			want: []string{
				`{"COUNT(*)":4,"resourceType":"AWS::EC2::SecurityGroup"}`,
				`{"COUNT(*)":3,"resourceType":"AWS::EC2::Volume"}`,
				`{"COUNT(*)":2,"resourceType":"AWS::EC2::EIP"}`,
				`{"COUNT(*)":2,"resourceType":"AWS::EC2::Instance"}`,
				`{"COUNT(*)":1,"resourceType":"AWS::EC2::InternetGateway"}`,
				`{"COUNT(*)":1,"resourceType":"AWS::EC2::NetworkAcl"}`,
				`{"COUNT(*)":1,"resourceType":"AWS::EC2::NetworkInterface"}`,
				`{"COUNT(*)":1,"resourceType":"AWS::EC2::RouteTable"}`,
				`{"COUNT(*)":1,"resourceType":"AWS::EC2::Subnet"}`,
				`{"COUNT(*)":1,"resourceType":"AWS::EC2::VPC"}`,
			},
		},
		{
			// vol-0dead has no size: COUNT(path) skips it, COUNT(*) does
			// not. SUM and AVG are doubles; MIN and MAX the values.
			name: "MIN MAX SUM AVG COUNT",
			expr: "SELECT COUNT(*), COUNT(configuration.size), MIN(configuration.size), MAX(configuration.size), SUM(configuration.size), AVG(configuration.size), " +
				"MIN(resourceCreationTime), MAX(configuration.volumeType) WHERE resourceType = 'AWS::EC2::Volume'",
			want: []string{
				`{"AVG(configuration.size)":102.66666666666667,"COUNT(*)":4,"COUNT(configuration.size)":3,"MAX(configuration.size)":200.0,` +
					`"MAX(configuration.volumeType)":"gp3","MIN(configuration.size)":8.0,"MIN(resourceCreationTime)":"2020-02-21T07:39:43.771Z",` +
					`"SUM(configuration.size)":308.0}`,
			},
			field: []string{"COUNT(*)", "COUNT(configuration.size)", "MIN(configuration.size)", "MAX(configuration.size)", "SUM(configuration.size)",
				"AVG(configuration.size)", "MIN(resourceCreationTime)", "MAX(configuration.volumeType)"},
		},
		{
			// Epoch-ms dates are numbers: rendered as Java doubles.
			name: "MIN and MAX of epoch-ms dates",
			expr: "SELECT MIN(configuration.instanceCreateTime), MAX(configuration.latestRestorableTime) WHERE resourceType = 'AWS::RDS::DBInstance'",
			want: []string{`{"MAX(configuration.latestRestorableTime)":1.609308615222E12,"MIN(configuration.instanceCreateTime)":1.611066134335E12}`},
		},
		{
			name: "no match, no GROUP BY: one row",
			expr: "SELECT COUNT(*), SUM(configuration.size), MAX(resourceId) WHERE resourceType = 'AWS::EC2::Nothing'",
			want: []string{`{"COUNT(*)":0}`},
		},
		{
			name: "no match, GROUP BY: no row",
			expr: "SELECT COUNT(*), accountId WHERE resourceType = 'AWS::EC2::Nothing' GROUP BY accountId",
			want: nil,
		},
		{
			// Each instance joins the group of each of its tag keys;
			// i-0d4's Name and i-0b2's Name fall in one group.
			name: "GROUP BY a multi-valued path",
			expr: "SELECT tags.key, COUNT(*) WHERE resourceType = 'AWS::EC2::Instance' GROUP BY tags.key",
			want: []string{
				`{"COUNT(*)":3,"tags":{"key":"Name"}}`,
				`{"COUNT(*)":3,"tags":{"key":"Stage"}}`,
			},
		},
		{
			// Items without the property group under the absent key, which
			// is left out of the row and sorts last.
			name: "GROUP BY with absent keys",
			expr: "SELECT configuration.volumeType, COUNT(*), SUM(configuration.iops) WHERE resourceType = 'AWS::EC2::Volume' GROUP BY configuration.volumeType",
			want: []string{
				`{"COUNT(*)":2,"SUM(configuration.iops)":400.0,"configuration":{"volumeType":"gp2"}}`,
				`{"COUNT(*)":1,"SUM(configuration.iops)":3000.0,"configuration":{"volumeType":"gp3"}}`,
				`{"COUNT(*)":1}`,
			},
		},
		{
			// Numbers group by value and order numerically.
			name: "GROUP BY a number, ORDER BY it DESC",
			expr: "SELECT configuration.cpuOptions.coreCount, COUNT(*) WHERE resourceType = 'AWS::EC2::Instance' " +
				"GROUP BY configuration.cpuOptions.coreCount ORDER BY configuration.cpuOptions.coreCount DESC",
			want: []string{
				`{"COUNT(*)":1,"configuration":{"cpuOptions":{"coreCount":2.0}}}`,
				`{"COUNT(*)":2,"configuration":{"cpuOptions":{"coreCount":1.0}}}`,
				`{"COUNT(*)":1}`,
			},
		},
		{
			// sg-abcd1234 has two tcp rules but is one item of the tcp
			// group; sg-3f1fef43 has no rules.
			name: "GROUP BY a path repeated within an item",
			expr: "SELECT configuration.ipPermissions.ipProtocol, COUNT(*) WHERE resourceType = 'AWS::EC2::SecurityGroup' GROUP BY configuration.ipPermissions.ipProtocol",
			want: []string{
				`{"COUNT(*)":1,"configuration":{"ipPermissions":{"ipProtocol":"-1"}}}`,
				`{"COUNT(*)":4,"configuration":{"ipPermissions":{"ipProtocol":"tcp"}}}`,
				`{"COUNT(*)":1}`,
			},
		},
		{
			name: "ORDER BY an aggregate not selected, ASC",
			expr: "SELECT accountId GROUP BY accountId ORDER BY COUNT(*)",
			want: []string{`{"accountId":"123456789012"}`, `{"accountId":"444455556666"}`, `{"accountId":"111122223333"}`},
		},
		{
			name: "GROUP BY three keys",
			expr: "SELECT awsRegion, COUNT(*) WHERE resourceType = 'AWS::IAM::Role' GROUP BY awsRegion, accountId, resourceName",
			want: []string{`{"COUNT(*)":2,"awsRegion":"global"}`, `{"COUNT(*)":1,"awsRegion":"global"}`},
		},
	})
}

func TestEvalErrors(t *testing.T) {
	p := func(s string) query.Path { return strings.Split(s, ".") }
	for _, c := range []struct {
		name string
		q    *query.Query
	}{
		{"empty select", &query.Query{}},
		{"star in aggregate", &query.Query{Select: []query.SelectItem{{Star: true}, {Aggregate: &query.Aggregate{Func: "COUNT", Star: true}}}}},
		{"ungrouped path", &query.Query{Select: []query.SelectItem{{Path: p("resourceId")}}, GroupBy: []query.Path{p("accountId")}}},
		{"ungrouped order", &query.Query{
			Select:  []query.SelectItem{{Aggregate: &query.Aggregate{Func: "COUNT", Star: true}}},
			OrderBy: []query.OrderItem{{Path: p("resourceId")}},
		}},
		{"SUM(*)", &query.Query{Select: []query.SelectItem{{Aggregate: &query.Aggregate{Func: "SUM", Star: true}}}}},
		{"unknown function", &query.Query{Select: []query.SelectItem{{Aggregate: &query.Aggregate{Func: "MEDIAN", Path: p("x")}}}}},
		{"four GROUP BY", &query.Query{
			Select:  []query.SelectItem{{Aggregate: &query.Aggregate{Func: "COUNT", Star: true}}},
			GroupBy: []query.Path{p("a"), p("b"), p("c"), p("d")},
		}},
	} {
		if _, err := Run(c.q, seq(dataset())); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", c.name, err)
		}
	}

	// The items' error ends the run.
	boom := errors.New("boom")
	items := func(yield func(inventory.Item, error) bool) {
		if yield(dataset()[0], nil) {
			yield(inventory.Item{}, boom)
		}
	}
	if _, err := Run(mustParse(t, "SELECT resourceId"), items); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}
