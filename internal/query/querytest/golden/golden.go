// Package golden is advanced query's golden table: a fixed dataset, in
// the shapes AWS records configuration items, and every example query of
// the AWS Config developer guide (config-data-and-query.md §C.2) with its
// exact results over it. The reference evaluator's tests run it item by
// item; every backend runs it through the executor (package
// query/querytest).
package golden

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// Case is one query of the table, its results in order, and its
// QueryInfo.SelectFields when checked.
type Case struct {
	Name   string
	Expr   string
	Want   []string
	Fields []string
}

// Documented are the developer guide's example queries over Dataset.
var Documented = []Case{
	{
		Name: "example-query 1: EC2 instances with an AMI",
		Expr: "SELECT resourceId, resourceType, configuration.instanceType, configuration.placement.tenancy, configuration.imageId, availabilityZone " +
			"WHERE resourceType = 'AWS::EC2::Instance' AND configuration.imageId = 'ami-12345'",
		Want: []string{
			`{"availabilityZone":"us-west-2c","configuration":{"imageId":"ami-12345","instanceType":"t2.micro","placement":{"tenancy":"default"}},"resourceId":"i-0a1","resourceType":"AWS::EC2::Instance"}`,
			`{"availabilityZone":"us-west-2a","configuration":{"imageId":"ami-12345","instanceType":"m5.large","placement":{"tenancy":"dedicated"}},"resourceId":"i-0b2","resourceType":"AWS::EC2::Instance"}`,
			`{"availabilityZone":"us-east-1a","configuration":{"imageId":"ami-12345","instanceType":"t3.small","placement":{"tenancy":"default"}},"resourceId":"i-0c3","resourceType":"AWS::EC2::Instance"}`,
			`{"availabilityZone":"us-east-1a","configuration":{"imageId":"ami-12345","instanceType":"t3.small","placement":{"tenancy":"default"}},"resourceId":"i-0d4","resourceType":"AWS::EC2::Instance"}`,
		},
		Fields: []string{"resourceId", "resourceType", "configuration.instanceType", "configuration.placement.tenancy", "configuration.imageId", "availabilityZone"},
	},
	{
		Name: "example-query 2: count by compliance status",
		Expr: "SELECT configuration.complianceType, COUNT(*) WHERE resourceType = 'AWS::Config::ResourceCompliance' GROUP BY configuration.complianceType",
		Want: []string{
			`{"COUNT(*)":2,"configuration":{"complianceType":"COMPLIANT"}}`,
			`{"COUNT(*)":3,"configuration":{"complianceType":"NON_COMPLIANT"}}`,
		},
		Fields: []string{"configuration.complianceType", "COUNT(*)"},
	},
	{
		Name: "example-query 3: conformance pack compliance",
		Expr: "SELECT resourceId, resourceName, resourceType, configuration.complianceType WHERE resourceType = 'AWS::Config::ConformancePackCompliance'",
		Want: []string{
			`{"configuration":{"complianceType":"COMPLIANT"},"resourceId":"conformance-pack-ID","resourceName":"MyConformancePack1","resourceType":"AWS::Config::ConformancePackCompliance"}`,
		},
	},
	{
		Name: "example-query 4: aggregator counts per account",
		Expr: "SELECT COUNT(*), accountId group by accountId",
		Want: []string{
			`{"COUNT(*)":26,"accountId":"111122223333"}`,
			`{"COUNT(*)":1,"accountId":"123456789012"}`,
			`{"COUNT(*)":9,"accountId":"444455556666"}`,
		},
		Fields: []string{"COUNT(*)", "accountId"},
	},
	{
		Name: "example-query 5: unattached EBS volumes",
		Expr: "SELECT resourceId, accountId, awsRegion, resourceType, configuration.volumeType, configuration.size, resourceCreationTime, tags, " +
			"configuration.encrypted, configuration.availabilityZone, configuration.state.value " +
			"WHERE resourceType = 'AWS::EC2::Volume' AND configuration.state.value = 'available'",
		Want: []string{
			`{"accountId":"111122223333","awsRegion":"us-west-2","configuration":{"availabilityZone":"us-west-2a","encrypted":false,"size":100.0,"state":{"value":"available"},"volumeType":"gp2"},` +
				`"resourceCreationTime":"2020-02-21T07:39:43.771Z","resourceId":"vol-0174de9c962f6581c","resourceType":"AWS::EC2::Volume","tags":[]}`,
			`{"accountId":"444455556666","awsRegion":"us-east-1","configuration":{"availabilityZone":"us-east-1b","encrypted":true,"size":200.0,"state":{"value":"available"},"volumeType":"gp3"},` +
				`"resourceCreationTime":"2022-07-04T00:00:00.000Z","resourceId":"vol-0bbb","resourceType":"AWS::EC2::Volume","tags":[]}`,
		},
	},
	{
		Name: "query-components / sql-editor-cli: instance ids",
		Expr: "SELECT resourceId WHERE resourceType='AWS::EC2::Instance'",
		Want: IDs("i-0a1", "i-0b2", "i-0c3", "i-0d4"),
	},
	{
		Name: "relationships: EIP of an instance",
		Expr: "SELECT resourceId WHERE resourceType = 'AWS::EC2::EIP' AND relationships.resourceId = 'i-abcd1234'",
		Want: IDs("eipalloc-0e1"),
	},
	{
		Name: "relationships: EIP of a network interface",
		Expr: "SELECT resourceId WHERE resourceType = 'AWS::EC2::EIP' AND relationships.resourceId = 'eni-abcd1234'",
		Want: IDs("eipalloc-0e1"),
	},
	{
		Name: "relationships: resources of a security group",
		Expr: "SELECT resourceId WHERE resourceType IN ('AWS::EC2::Instance', 'AWS::EC2::NetworkInterface') AND relationships.resourceId = 'sg-abcd1234'",
		Want: IDs("i-0a1", "eni-abcd1234"),
	},
	{
		// The documented NetworkACL spelling is not the type's
		// (AWS::EC2::NetworkAcl), so acl-0n1 is not returned.
		Name: "relationships: resources of a subnet",
		Expr: "SELECT resourceId WHERE resourceType IN ('AWS::EC2::Instance', 'AWS::EC2::NetworkACL', 'AWS::EC2::NetworkInterface', 'AWS::EC2::RouteTable') " +
			"AND relationships.resourceId = 'subnet-abcd1234'",
		Want: IDs("i-0a1", "eni-abcd1234", "rtb-0r1"),
	},
	{
		Name: "relationships: resources of a VPC",
		Expr: "SELECT resourceId WHERE resourceType IN ('AWS::EC2::Instance', 'AWS::EC2::InternetGateway', 'AWS::EC2::NetworkACL', 'AWS::EC2::NetworkInterface', " +
			"'AWS::EC2::RouteTable', 'AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup') AND relationships.resourceId = 'vpc-abcd1234'",
		Want: IDs("i-0a1", "igw-0g1", "eni-abcd1234", "rtb-0r1", "sg-abcd1234", "subnet-abcd1234"),
	},
	{
		Name: "relationships: route tables of a VPN gateway",
		Expr: "SELECT resourceId WHERE resourceType = 'AWS::EC2::RouteTable' AND relationships.resourceId = 'vgw-abcd1234'",
		Want: IDs("rtb-0r1"),
	},
	{
		// Only sg-abcd1234's ranges all lie within 10.0.0.0-10.0.0.255:
		// sg-0wide (10.0.0.0/16) has addresses above, sg-0open
		// (0.0.0.0/0) below, sg-0host and sg-0lan none in it.
		Name: "limitations: exact CIDR block 10.0.0.0/24",
		Expr: "SELECT * WHERE resourceType = 'AWS::EC2::SecurityGroup' AND configuration.ipPermissions.ipRanges BETWEEN '10.0.0.0' AND '10.0.0.255' " +
			"AND NOT configuration.ipPermissions.ipRanges < '10.0.0.0' AND NOT configuration.ipPermissions.ipRanges > '10.0.0.255'",
		Want:   []string{SecurityGroupStar("sg-abcd1234", "web")},
		Fields: []string{"*"},
	},
	{
		// sg-0lan (192.168.0.0/24) and sg-0open (0.0.0.0/0) contain the
		// address but are wider.
		Name: "limitations: exact address 192.168.0.2",
		Expr: "SELECT * WHERE resourceType = 'AWS::EC2::SecurityGroup' AND configuration.ipPermissions.ipRanges = '192.168.0.2' " +
			"AND NOT configuration.ipPermissions.ipRanges > '192.168.0.2' AND NOT configuration.ipPermissions.ipRanges < '192.168.0.2'",
		Want: []string{SecurityGroupStar("sg-0host", "host")},
	},
	{
		// As documented, with the docs' illustrative lower-case value:
		// values compare case-sensitively, and the dataset holds
		// NON_COMPLIANT, so nothing matches.
		Name: "limitations: array conditions, documented case",
		Expr: "SELECT configuration WHERE configuration.configRuleList.complianceType = 'non_compliant' AND configuration.configRuleList.configRuleName = 'A'",
		Want: nil,
	},
	{
		// The first result's rule A is COMPLIANT and rule B
		// NON_COMPLIANT: it matches because predicates on an array are
		// not correlated (C.3).
		Name: "limitations: array conditions, not correlated",
		Expr: "SELECT configuration WHERE configuration.configRuleList.complianceType = 'NON_COMPLIANT' AND configuration.configRuleList.configRuleName = 'A'",
		Want: []string{
			`{"configuration":{"complianceType":"NON_COMPLIANT","configRuleList":[{"complianceType":"COMPLIANT","configRuleName":"A"},` +
				`{"complianceType":"NON_COMPLIANT","configRuleName":"B"}],"targetResourceId":"i-0a1","targetResourceType":"AWS::EC2::Instance"}}`,
			`{"configuration":{"complianceType":"NON_COMPLIANT","configRuleList":[{"complianceType":"NON_COMPLIANT","configRuleName":"A"}],` +
				`"targetResourceId":"i-0c3","targetResourceType":"AWS::EC2::Instance"}}`,
		},
	},
	{
		Name: "schema README 1: LIKE and tags.tag",
		Expr: "SELECT resourceId WHERE resourceType='AWS::S3::Bucket' AND awsRegion='ap-northeast-1' AND resourceName LIKE 'quicksilver%' AND tags.tag='CostCenter=12345'",
		Want: IDs("quicksilver-logs"),
	},
	{
		Name:   "schema README 2: COUNT(resourceId)",
		Expr:   "SELECT COUNT(resourceId) WHERE resourceType='AWS::EC2::Instance' AND availabilityZone='us-east-1a' AND configuration.imageId='ami-12345' AND tags.key='Stage'",
		Want:   []string{`{"COUNT(resourceId)":1}`},
		Fields: []string{"COUNT(resourceId)"},
	},
	{
		// app-role is recorded in two source regions (C.10 importer
		// rule 4), so it counts twice.
		Name: "SelectAggregateResourceConfig doc: roles grouped by id",
		Expr: "SELECT resourceId, COUNT(*) WHERE resourceType = 'AWS::IAM::Role' GROUP BY resourceId",
		Want: []string{`{"COUNT(*)":1,"resourceId":"AROAADMINROLE"}`, `{"COUNT(*)":2,"resourceId":"AROAAPPROLE"}`},
	},
	{
		Name: "SelectAggregateResourceConfig doc: SELECT * of roles",
		Expr: "SELECT * WHERE resourceType = 'AWS::IAM::Role'",
		Want: []string{
			`{"accountId":"111122223333","arn":"arn:aws:iam::111122223333:role/app-role","availabilityZone":"Not Applicable","awsRegion":"global",` +
				`"configurationItemCaptureTime":"2024-05-01T12:00:00.123Z","resourceCreationTime":"2018-08-20T14:19:28.000Z","resourceId":"AROAAPPROLE",` +
				`"resourceName":"app-role","resourceType":"AWS::IAM::Role","version":"1.3"}`,
			`{"accountId":"111122223333","arn":"arn:aws:iam::111122223333:role/app-role","availabilityZone":"Not Applicable","awsRegion":"global",` +
				`"configurationItemCaptureTime":"2024-05-01T12:00:00.123Z","resourceCreationTime":"2018-08-20T14:19:28.000Z","resourceId":"AROAAPPROLE",` +
				`"resourceName":"app-role","resourceType":"AWS::IAM::Role","version":"1.3"}`,
			`{"accountId":"444455556666","arn":"arn:aws:iam::444455556666:role/admin-role","availabilityZone":"Not Applicable","awsRegion":"global",` +
				`"configurationItemCaptureTime":"2024-05-01T12:00:00.123Z","resourceCreationTime":"2018-08-20T14:19:28.000Z","resourceId":"AROAADMINROLE",` +
				`"resourceName":"admin-role","resourceType":"AWS::IAM::Role","version":"1.3"}`,
		},
	},
}

// starSG is the SELECT * row of one of the dataset's security groups.
const starSG = `{"accountId":"111122223333","arn":"arn:aws:ec2:us-west-2:111122223333:security-group/%s","availabilityZone":"Not Applicable",` +
	`"awsRegion":"us-west-2","configurationItemCaptureTime":"2024-05-01T12:00:00.123Z","resourceId":"%s","resourceName":"%s",` +
	`"resourceType":"AWS::EC2::SecurityGroup","version":"1.3"}`

// SecurityGroupStar is the SELECT * row of the dataset's security group id.
func SecurityGroupStar(id, name string) string {
	return strings.NewReplacer("%s", id).Replace(strings.Replace(starSG, `"resourceName":"%s"`, `"resourceName":"`+name+`"`, 1))
}

// IDs are the rows {"resourceId": id} of ids.
func IDs(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = `{"resourceId":"` + id + `"}`
	}
	return out
}

// The accounts of the dataset.
const (
	acctA   = "111122223333"
	acctB   = "444455556666"
	acctDoc = "123456789012" // the SNS security group of config-data-and-query.md A.4/B.2
)

var capture = time.Date(2024, 5, 1, 12, 0, 0, 123e6, time.UTC)

// ci makes an item with the defaults of the dataset: recorded (OK), version
// 1.3, awsRegion the source region, an ARN of the id, captured at capture.
func ci(acct, region, rt, id string, set func(*inventory.Item)) inventory.Item {
	svc := strings.ToLower(strings.Split(rt, "::")[1])
	it := inventory.Item{
		Key: inventory.Key{
			Source:       inventory.Source{AccountID: acct, Region: region},
			ResourceType: rt, ResourceID: id,
		},
		StateID:     capture.UnixMilli(),
		CaptureTime: capture,
		Status:      inventory.StatusOK,
		Version:     "1.3",
		AWSRegion:   region,
		ARN:         "arn:aws:" + svc + ":" + region + ":" + acct + ":" + id,
	}
	if set != nil {
		set(&it)
	}
	return it
}

func conf(s string) json.RawMessage { return json.RawMessage(s) }

func rel(rt, id, name string) inventory.Relationship {
	return inventory.Relationship{ResourceType: rt, ResourceID: id, Name: name}
}

// Dataset returns the fixed items of the golden table, in no particular
// order (the evaluator sorts), in the shapes AWS records them (file form,
// A.3 of config-data-and-query.md).
func Dataset() []inventory.Item {
	return []inventory.Item{
		// EC2 instances: three with ami-12345, one in account B without a
		// Stage tag, and one not recorded.
		ci(acctA, "us-west-2", "AWS::EC2::Instance", "i-0a1", func(it *inventory.Item) {
			it.AvailabilityZone = "us-west-2c"
			it.ResourceCreationTime = time.Date(2021, 3, 1, 10, 0, 0, 0, time.UTC)
			it.Tags = map[string]string{"Name": "web-1", "Stage": "prod"}
			it.Relationships = []inventory.Relationship{
				rel("AWS::EC2::SecurityGroup", "sg-abcd1234", "Is associated with SecurityGroup"),
				rel("AWS::EC2::Subnet", "subnet-abcd1234", "Is contained in Subnet"),
				rel("AWS::EC2::VPC", "vpc-abcd1234", "Is contained in Vpc"),
				rel("AWS::EC2::Volume", "vol-0aaa", "Is attached to Volume"),
			}
			it.Configuration = conf(`{"instanceId":"i-0a1","imageId":"ami-12345","instanceType":"t2.micro","kernelId":null,` +
				`"placement":{"availabilityZone":"us-west-2c","groupName":"","tenancy":"default","hostId":null},` +
				`"state":{"code":16,"name":"running"},"privateIpAddress":"10.0.0.12","publicIpAddress":"54.1.2.3",` +
				`"launchTime":"2021-03-01T10:00:00.000Z","ebsOptimized":false,"cpuOptions":{"coreCount":1,"threadsPerCore":2},` +
				`"securityGroups":[{"groupName":"web","groupId":"sg-abcd1234"}],` +
				`"networkInterfaces":[{"networkInterfaceId":"eni-abcd1234","privateIpAddress":"10.0.0.12",` +
				`"privateIpAddresses":[{"primary":true,"privateIpAddress":"10.0.0.12"},{"primary":false,"privateIpAddress":"10.0.0.13"}]}],` +
				`"tags":[{"key":"Name","value":"web-1"},{"key":"Stage","value":"prod"}]}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::Instance", "i-0b2", func(it *inventory.Item) {
			it.AvailabilityZone = "us-west-2a"
			it.Tags = map[string]string{"Name": "batch <1> & 'co'", "Stage": "dev"}
			it.Configuration = conf(`{"instanceId":"i-0b2","imageId":"ami-12345","instanceType":"m5.large",` +
				`"placement":{"availabilityZone":"us-west-2a","tenancy":"dedicated"},"state":{"code":80,"name":"stopped"},` +
				`"privateIpAddress":"10.0.1.7","cpuOptions":{"coreCount":1,"threadsPerCore":2}}`)
		}),
		ci(acctB, "us-east-1", "AWS::EC2::Instance", "i-0c3", func(it *inventory.Item) {
			it.AvailabilityZone = "us-east-1a"
			it.Tags = map[string]string{"Stage": "prod"}
			it.Configuration = conf(`{"instanceId":"i-0c3","imageId":"ami-12345","instanceType":"t3.small",` +
				`"placement":{"availabilityZone":"us-east-1a","tenancy":"default"},"state":{"code":16,"name":"running"},` +
				`"privateIpAddress":"172.31.5.9","cpuOptions":{"coreCount":2,"threadsPerCore":2}}`)
		}),
		ci(acctB, "us-east-1", "AWS::EC2::Instance", "i-0d4", func(it *inventory.Item) {
			it.AvailabilityZone = "us-east-1a"
			it.Tags = map[string]string{"Name": "no-stage"}
			it.Configuration = conf(`{"instanceId":"i-0d4","imageId":"ami-12345","instanceType":"t3.small",` +
				`"placement":{"availabilityZone":"us-east-1a","tenancy":"default"},"state":{"code":16,"name":"running"}}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::Instance", "i-0nr", func(it *inventory.Item) {
			it.Status = inventory.StatusResourceNotRecorded
			it.AvailabilityZone = "us-west-2a"
			it.Configuration = conf(`{"instanceId":"i-0nr","imageId":"ami-12345","instanceType":"t2.micro"}`)
		}),

		// EBS volumes: the documented unattached one, an attached one, one
		// in account B, and a deleted one.
		ci(acctA, "us-west-2", "AWS::EC2::Volume", "vol-0174de9c962f6581c", func(it *inventory.Item) {
			it.AvailabilityZone = "us-west-2a"
			it.ResourceCreationTime = time.Date(2020, 2, 21, 7, 39, 43, 771e6, time.UTC)
			it.Configuration = conf(`{"attachments":[],"availabilityZone":"us-west-2a","createTime":"2020-02-21T07:39:43.771Z",` +
				`"encrypted":false,"kmsKeyId":null,"size":100,"snapshotId":"","state":"available","volumeId":"vol-0174de9c962f6581c",` +
				`"iops":300,"tags":[],"volumeType":"gp2"}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::Volume", "vol-0aaa", func(it *inventory.Item) {
			it.AvailabilityZone = "us-west-2c"
			it.ResourceCreationTime = time.Date(2021, 3, 1, 10, 0, 1, 0, time.UTC)
			it.Tags = map[string]string{"Name": "web-1-root"}
			it.Relationships = []inventory.Relationship{rel("AWS::EC2::Instance", "i-0a1", "Is attached to Instance")}
			it.Configuration = conf(`{"attachments":[{"attachTime":"2021-03-01T10:00:01.000Z","device":"/dev/xvda","instanceId":"i-0a1",` +
				`"state":"attached","volumeId":"vol-0aaa","deleteOnTermination":true}],"availabilityZone":"us-west-2c",` +
				`"encrypted":true,"kmsKeyId":"arn:aws:kms:us-west-2:111122223333:key/k1","size":8,"state":"in-use","volumeId":"vol-0aaa",` +
				`"iops":100,"volumeType":"gp2"}`)
		}),
		ci(acctB, "us-east-1", "AWS::EC2::Volume", "vol-0bbb", func(it *inventory.Item) {
			it.AvailabilityZone = "us-east-1b"
			it.ResourceCreationTime = time.Date(2022, 7, 4, 0, 0, 0, 0, time.UTC)
			it.Configuration = conf(`{"attachments":[],"availabilityZone":"us-east-1b","encrypted":true,"size":200,` +
				`"state":"available","volumeId":"vol-0bbb","iops":3000,"throughput":125,"volumeType":"gp3"}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::Volume", "vol-0dead", func(it *inventory.Item) {
			it.Status = inventory.StatusResourceDeleted
			it.AvailabilityZone = "us-west-2a"
			it.Configuration = conf(`null`)
		}),

		// Security groups for the CIDR idioms: exactly 10.0.0.0/24, a wider
		// 10.0.0.0/16, exactly 192.168.0.2/32, a wider 192.168.0.0/24, and
		// account B's open default group.
		ci(acctA, "us-west-2", "AWS::EC2::SecurityGroup", "sg-abcd1234", func(it *inventory.Item) {
			it.AvailabilityZone = "Not Applicable"
			it.ResourceName = "web"
			it.ARN = "arn:aws:ec2:us-west-2:111122223333:security-group/sg-abcd1234"
			it.Relationships = []inventory.Relationship{rel("AWS::EC2::VPC", "vpc-abcd1234", "Is contained in Vpc")}
			it.Configuration = conf(`{"description":"web","groupName":"web","groupId":"sg-abcd1234","ownerId":"111122223333",` +
				`"ipPermissions":[{"fromPort":80,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":80,"userIdGroupPairs":[],` +
				`"ipv4Ranges":[{"cidrIp":"10.0.0.0/24"}],"ipRanges":["10.0.0.0/24"]},` +
				`{"fromPort":443,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":443,"userIdGroupPairs":[],` +
				`"ipv4Ranges":[{"cidrIp":"10.0.0.0/24"}],"ipRanges":["10.0.0.0/24"]}],` +
				`"ipPermissionsEgress":[{"ipProtocol":"-1","fromPort":null,"toPort":null,"ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[],` +
				`"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}],"vpcId":"vpc-abcd1234","tags":[]}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::SecurityGroup", "sg-0wide", func(it *inventory.Item) {
			it.AvailabilityZone = "Not Applicable"
			it.ResourceName = "wide"
			it.ARN = "arn:aws:ec2:us-west-2:111122223333:security-group/sg-0wide"
			it.Configuration = conf(`{"groupName":"wide","groupId":"sg-0wide","ipPermissions":[{"fromPort":0,"ipProtocol":"tcp","toPort":65535,` +
				`"ipRanges":["10.0.0.0/16"],"ipv4Ranges":[{"cidrIp":"10.0.0.0/16"}]}],"ipPermissionsEgress":[],"vpcId":"vpc-abcd1234"}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::SecurityGroup", "sg-0host", func(it *inventory.Item) {
			it.AvailabilityZone = "Not Applicable"
			it.ResourceName = "host"
			it.ARN = "arn:aws:ec2:us-west-2:111122223333:security-group/sg-0host"
			it.Configuration = conf(`{"groupName":"host","groupId":"sg-0host","ipPermissions":[{"fromPort":5432,"ipProtocol":"tcp","toPort":5432,` +
				`"ipRanges":["192.168.0.2/32"],"ipv4Ranges":[{"cidrIp":"192.168.0.2/32"}],"ipv6Ranges":[{"cidrIpv6":"2001:db8::/32"}]}],"vpcId":"vpc-abcd1234"}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::SecurityGroup", "sg-0lan", func(it *inventory.Item) {
			it.AvailabilityZone = "Not Applicable"
			it.ResourceName = "lan"
			it.ARN = "arn:aws:ec2:us-west-2:111122223333:security-group/sg-0lan"
			it.Configuration = conf(`{"groupName":"lan","groupId":"sg-0lan","ipPermissions":[{"fromPort":389,"ipProtocol":"tcp","toPort":389,` +
				`"ipRanges":["192.168.0.0/24"],"ipv4Ranges":[{"cidrIp":"192.168.0.0/24"}]}],"vpcId":"vpc-abcd1234"}`)
		}),
		ci(acctB, "us-east-1", "AWS::EC2::SecurityGroup", "sg-0open", func(it *inventory.Item) {
			it.AvailabilityZone = "Not Applicable"
			it.ResourceName = "default"
			it.ARN = "arn:aws:ec2:us-east-1:444455556666:security-group/sg-0open"
			it.Configuration = conf(`{"groupName":"default","groupId":"sg-0open","ipPermissions":[{"ipProtocol":"-1",` +
				`"ipRanges":["0.0.0.0/0"],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipv6Ranges":[{"cidrIpv6":"::/0"}]}],"vpcId":"vpc-0b"}`)
		}),
		// The documented security group (A.4, B.2), file form.
		{
			Key: inventory.Key{
				Source:       inventory.Source{AccountID: acctDoc, Region: "us-east-2"},
				ResourceType: "AWS::EC2::SecurityGroup", ResourceID: "sg-3f1fef43",
			},
			StateID:          1484002215156,
			CaptureTime:      time.Date(2017, 1, 9, 22, 50, 15, 156e6, time.UTC),
			Status:           inventory.StatusResourceDiscovered,
			Version:          "1.2",
			AWSRegion:        "us-east-2",
			ARN:              "arn:aws:ec2:us-east-2:123456789012:security-group/sg-3f1fef43",
			AvailabilityZone: "Not Applicable",
			Configuration: conf(`{"ownerId":"123456789012","groupName":"example-security-group-2","groupId":"sg-3f1fef43",` +
				`"description":"This is an example security group.","ipPermissions":[],"ipPermissionsEgress":[{"ipProtocol":"-1",` +
				`"fromPort":null,"toPort":null,"userIdGroupPairs":[],"ipRanges":["0.0.0.0/0"],"prefixListIds":[]}],"vpcId":"vpc-14400670","tags":[]}`),
			SupplementaryConfiguration: map[string]json.RawMessage{},
			Tags:                       map[string]string{},
			Relationships:              []inventory.Relationship{rel("AWS::EC2::VPC", "vpc-14400670", "Is contained in Vpc")},
		},

		// Network resources for the relationship queries (C.2,
		// examplerelationshipqueries.md).
		ci(acctA, "us-west-2", "AWS::EC2::EIP", "eipalloc-0e1", func(it *inventory.Item) {
			it.Relationships = []inventory.Relationship{
				rel("AWS::EC2::Instance", "i-abcd1234", "Is attached to Instance"),
				rel("AWS::EC2::NetworkInterface", "eni-abcd1234", "Is attached to NetworkInterface"),
			}
			it.Configuration = conf(`{"allocationId":"eipalloc-0e1","domain":"vpc","instanceId":"i-abcd1234","publicIp":"54.9.9.9",` +
				`"privateIpAddress":"10.0.0.12","networkInterfaceId":"eni-abcd1234"}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::EIP", "eipalloc-0e2", func(it *inventory.Item) {
			it.Relationships = []inventory.Relationship{rel("AWS::EC2::NetworkInterface", "eni-0ffff", "Is attached to NetworkInterface")}
			it.Configuration = conf(`{"allocationId":"eipalloc-0e2","domain":"vpc","publicIp":"54.9.9.10","networkInterfaceId":"eni-0ffff"}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::NetworkInterface", "eni-abcd1234", func(it *inventory.Item) {
			it.AvailabilityZone = "us-west-2c"
			it.Relationships = []inventory.Relationship{
				rel("AWS::EC2::SecurityGroup", "sg-abcd1234", "Is associated with SecurityGroup"),
				rel("AWS::EC2::Subnet", "subnet-abcd1234", "Is contained in Subnet"),
				rel("AWS::EC2::VPC", "vpc-abcd1234", "Is contained in Vpc"),
				rel("AWS::EC2::Instance", "i-0a1", "Is attached to Instance"),
			}
			it.Configuration = conf(`{"networkInterfaceId":"eni-abcd1234","privateIpAddress":"10.0.0.12","subnetId":"subnet-abcd1234"}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::Subnet", "subnet-abcd1234", func(it *inventory.Item) {
			it.AvailabilityZone = "us-west-2c"
			it.Relationships = []inventory.Relationship{rel("AWS::EC2::VPC", "vpc-abcd1234", "Is contained in Vpc")}
			it.Configuration = conf(`{"subnetId":"subnet-abcd1234","cidrBlock":"10.0.0.0/24","state":"available","vpcId":"vpc-abcd1234",` +
				`"availableIpAddressCount":250,"defaultForAz":false}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::VPC", "vpc-abcd1234", func(it *inventory.Item) {
			it.AvailabilityZone = "Multiple Availability Zones"
			it.Configuration = conf(`{"vpcId":"vpc-abcd1234","cidrBlock":"10.0.0.0/16","state":"available","isDefault":false}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::RouteTable", "rtb-0r1", func(it *inventory.Item) {
			it.Relationships = []inventory.Relationship{
				rel("AWS::EC2::Subnet", "subnet-abcd1234", "Contains Subnet"),
				rel("AWS::EC2::VPC", "vpc-abcd1234", "Is contained in Vpc"),
				rel("AWS::EC2::VPNGateway", "vgw-abcd1234", "Is attached to VPNGateway"),
			}
			it.Configuration = conf(`{"routeTableId":"rtb-0r1","vpcId":"vpc-abcd1234","routes":[{"destinationCidrBlock":"10.0.0.0/16","gatewayId":"local"},` +
				`{"destinationCidrBlock":"172.16.0.0/12","gatewayId":"vgw-abcd1234"}]}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::NetworkAcl", "acl-0n1", func(it *inventory.Item) {
			it.Relationships = []inventory.Relationship{
				rel("AWS::EC2::Subnet", "subnet-abcd1234", "Is attached to Subnet"),
				rel("AWS::EC2::VPC", "vpc-abcd1234", "Is contained in Vpc"),
			}
			it.Configuration = conf(`{"networkAclId":"acl-0n1","vpcId":"vpc-abcd1234","isDefault":true}`)
		}),
		ci(acctA, "us-west-2", "AWS::EC2::InternetGateway", "igw-0g1", func(it *inventory.Item) {
			it.Relationships = []inventory.Relationship{rel("AWS::EC2::VPC", "vpc-abcd1234", "Is attached to Vpc")}
			it.Configuration = conf(`{"internetGatewayId":"igw-0g1","attachments":[{"state":"available","vpcId":"vpc-abcd1234"}]}`)
		}),

		// S3 buckets (supplementary configuration as recorded: objects,
		// booleans, a string holding JSON, nulls).
		ci(acctA, "ap-northeast-1", "AWS::S3::Bucket", "quicksilver-logs", func(it *inventory.Item) {
			it.ResourceName = "quicksilver-logs"
			it.AvailabilityZone = "Regional"
			it.ARN = "arn:aws:s3:::quicksilver-logs"
			it.ResourceCreationTime = time.Date(2019, 2, 12, 7, 29, 15, 0, time.UTC)
			it.Tags = map[string]string{"CostCenter": "12345"}
			it.Configuration = conf(`{"name":"quicksilver-logs","owner":{"displayName":null,"id":"abc123"},"creationDate":"2019-02-12T07:29:15.000Z"}`)
			it.SupplementaryConfiguration = map[string]json.RawMessage{
				"AccessControlList":              conf(`"{\"grantSet\":null,\"grantList\":[],\"owner\":{\"displayName\":null,\"id\":\"abc123\"},\"isRequesterCharged\":false}"`),
				"BucketLoggingConfiguration":     conf(`{"destinationBucketName":null,"logFilePrefix":null}`),
				"BucketVersioningConfiguration":  conf(`{"status":"Enabled","isMfaDeleteEnabled":null}`),
				"IsRequesterPaysEnabled":         conf(`false`),
				"PublicAccessBlockConfiguration": conf(`{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":true,"restrictPublicBuckets":true}`),
				"BucketPolicy":                   conf(`{"policyText":null}`),
				"BucketAccelerateConfiguration":  conf(`null`),
			}
		}),
		ci(acctA, "ap-northeast-1", "AWS::S3::Bucket", "quicksilver-data", func(it *inventory.Item) {
			it.ResourceName = "quicksilver-data"
			it.AvailabilityZone = "Regional"
			it.Tags = map[string]string{"CostCenter": "99999"}
			it.Configuration = conf(`{"name":"quicksilver-data","creationDate":"2019-03-01T00:00:00.000Z"}`)
			it.SupplementaryConfiguration = map[string]json.RawMessage{
				"BucketVersioningConfiguration": conf(`{"status":"Off","isMfaDeleteEnabled":null}`),
				"IsRequesterPaysEnabled":        conf(`false`),
			}
		}),
		ci(acctA, "ap-northeast-1", "AWS::S3::Bucket", "archive-bucket", func(it *inventory.Item) {
			it.ResourceName = "archive-bucket"
			it.AvailabilityZone = "Regional"
			it.Tags = map[string]string{"CostCenter": "12345"}
			it.Configuration = conf(`{"name":"archive-bucket","creationDate":"2018-01-01T00:00:00.000Z"}`)
		}),

		// RDS: a cluster (epoch-ms dates, wrapped availabilityZones and
		// endpoint) and an instance (endpoint is an object there).
		ci(acctB, "us-east-2", "AWS::RDS::DBCluster", "cluster-ABCDEFGHIJ", func(it *inventory.Item) {
			it.ResourceName = "test-cluster-2"
			it.AvailabilityZone = "Multiple Availability Zones"
			it.ResourceCreationTime = time.Date(2022, 2, 21, 18, 41, 7, 743e6, time.UTC)
			it.Relationships = []inventory.Relationship{{ResourceType: "AWS::RDS::DBInstance", ResourceName: "test-cluster-2-instance-1", Name: "Contains DBInstance"}}
			it.Configuration = conf(`{"allocatedStorage":1,"availabilityZones":["us-east-2a","us-east-2b","us-east-2c"],` +
				`"dbclusterIdentifier":"test-cluster-2","endpoint":"test-cluster-2.cluster-cxyz.us-east-2.rds.amazonaws.com",` +
				`"engine":"aurora-mysql","port":3306,"clusterCreateTime":1645468867743,"storageEncrypted":true,` +
				`"dbclusterMembers":[{"dbinstanceIdentifier":"test-cluster-2-instance-1","isClusterWriter":true}],"earliestBacktrackTime":null}`)
		}),
		ci(acctB, "us-east-2", "AWS::RDS::DBInstance", "db-ABCDEFGHIJKL", func(it *inventory.Item) {
			it.ResourceName = "orders"
			it.AvailabilityZone = "us-east-2a"
			it.Configuration = conf(`{"dBInstanceIdentifier":"orders","dBInstanceClass":"db.t3.micro","engine":"postgres","allocatedStorage":20,` +
				`"endpoint":{"address":"orders.cxyz.us-east-2.rds.amazonaws.com","port":5432,"hostedZoneId":"Z2XHWR1WZ565X2"},` +
				`"instanceCreateTime":1611066134335,"latestRestorableTime":1.609308615222E12,"multiAZ":false}`)
		}),

		// IAM roles (awsRegion global), one recorded in two source regions.
		iamRole(acctA, "us-east-1", "AROAAPPROLE", "app-role"),
		iamRole(acctA, "us-west-2", "AROAAPPROLE", "app-role"),
		iamRole(acctB, "us-east-1", "AROAADMINROLE", "admin-role"),

		// Compliance: 3 NON_COMPLIANT and 2 COMPLIANT resource compliance
		// items (one of them the C.3 array example), and a conformance pack.
		compliance(acctA, "us-west-2", "AWS::EC2::Instance/i-0a1", "NON_COMPLIANT",
			`[{"configRuleName":"A","complianceType":"COMPLIANT"},{"configRuleName":"B","complianceType":"NON_COMPLIANT"}]`),
		compliance(acctA, "us-west-2", "AWS::EC2::Volume/vol-0aaa", "NON_COMPLIANT",
			`[{"configRuleName":"B","complianceType":"NON_COMPLIANT"}]`),
		compliance(acctB, "us-east-1", "AWS::EC2::Instance/i-0c3", "NON_COMPLIANT",
			`[{"configRuleName":"A","complianceType":"NON_COMPLIANT"}]`),
		compliance(acctA, "us-west-2", "AWS::S3::Bucket/quicksilver-logs", "COMPLIANT",
			`[{"configRuleName":"A","complianceType":"COMPLIANT"}]`),
		compliance(acctB, "us-east-1", "AWS::EC2::Volume/vol-0bbb", "COMPLIANT",
			`[{"configRuleName":"C","complianceType":"COMPLIANT"}]`),
		ci(acctA, "us-east-1", "AWS::Config::ConformancePackCompliance", "conformance-pack-ID", func(it *inventory.Item) {
			it.ResourceName = "MyConformancePack1"
			it.Configuration = conf(`{"compliantRuleCount":1,"configRuleList":[{"configRuleName":"RuleName1-conformance-pack-ID","controls":[],` +
				`"complianceType":"INSUFFICIENT_DATA"}],"totalRuleCount":3,"nonCompliantRuleCount":0,"complianceType":"COMPLIANT"}`)
		}),

		// Recorded but not queryable (no schema file, C.7).
		ci(acctA, "us-west-2", "AWS::Cognito::UserPool", "us-west-2_abc", func(it *inventory.Item) {
			it.Configuration = conf(`{"UserPoolName":"users"}`)
		}),
	}
}

func iamRole(acct, srcRegion, id, name string) inventory.Item {
	return ci(acct, srcRegion, "AWS::IAM::Role", id, func(it *inventory.Item) {
		it.AWSRegion = "global"
		it.ResourceName = name
		it.AvailabilityZone = "Not Applicable"
		it.ARN = "arn:aws:iam::" + acct + ":role/" + name
		it.ResourceCreationTime = time.Date(2018, 8, 20, 14, 19, 28, 0, time.UTC)
		it.Configuration = conf(`{"path":"/","roleName":"` + name + `","roleId":"` + id + `","arn":"arn:aws:iam::` + acct + `:role/` + name + `",` +
			`"createDate":"2018-08-20T14:19:28.000Z","assumeRolePolicyDocument":"%7B%22Version%22%3A%222012-10-17%22%7D",` +
			`"attachedManagedPolicies":[{"policyName":"ReadOnlyAccess","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}],"permissionsBoundary":null}`)
	})
}

func compliance(acct, region, target, complianceType, rules string) inventory.Item {
	rt, id, _ := strings.Cut(target, "/")
	return ci(acct, region, "AWS::Config::ResourceCompliance", target, func(it *inventory.Item) {
		it.Configuration = conf(`{"complianceType":"` + complianceType + `","configRuleList":` + rules +
			`,"targetResourceId":"` + id + `","targetResourceType":"` + rt + `"}`)
	})
}
