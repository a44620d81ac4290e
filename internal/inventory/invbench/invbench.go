// Package invbench generates the configuration items that the inventory
// backends' benchmarks write and read: simple but realistic ones (AWS-like
// ids, ARNs, names, a configuration document of about 1 KB, tags,
// relationships, some supplementary configuration and a few deletions), in
// sources of PerSource resources each, written in batches of Batch. The
// same i and version always give the same item, so the backends' figures
// compare.
//
// It is for tests and benchmarks only.
package invbench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// The shape of a generated store.
const (
	Batch      = 1000 // CIs per Write
	PerSource  = 5000 // resources per (account, region)
	RegionsPer = 2    // regions per account
)

// CIsEnv names the environment variable that sets how many resources a
// benchmark's store holds.
const CIsEnv = "STARLING_BENCH_CIS"

// CIs returns the number of resources that STARLING_BENCH_CIS sets, or def
// if it is not set; it fails b for a value that is not a positive number.
func CIs(b testing.TB, def int) int {
	if s := os.Getenv(CIsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number", CIsEnv, s)
		}
		return n
	}
	return def
}

var regions = []string{"us-east-1", "eu-west-1"}

var types = []struct{ typ, prefix, service, arnPath string }{
	{"AWS::EC2::Instance", "i-", "ec2", "instance/"},
	{"AWS::EC2::Volume", "vol-", "ec2", "volume/"},
	{"AWS::EC2::SecurityGroup", "sg-", "ec2", "security-group/"},
	{"AWS::EC2::NetworkInterface", "eni-", "ec2", "network-interface/"},
	{"AWS::EC2::Subnet", "subnet-", "ec2", "subnet/"},
	{"AWS::EC2::VPC", "vpc-", "ec2", "vpc/"},
	{"AWS::S3::Bucket", "", "s3", ""},
	{"AWS::IAM::Role", "AROA", "iam", "role/"},
	{"AWS::Lambda::Function", "", "lambda", "function:"},
	{"AWS::RDS::DBInstance", "db-", "rds", "db:"},
}

// Source returns the source of the i-th resource: resources
// [s*PerSource, (s+1)*PerSource) share one, and RegionsPer sources in a
// row share an account.
func Source(i int) inventory.Source {
	s := i / PerSource
	return inventory.Source{
		AccountID: fmt.Sprintf("%012d", 100000000000+s/RegionsPer),
		Region:    regions[s%RegionsPer],
	}
}

// Key returns the key of the i-th resource.
func Key(i int) inventory.Key {
	t := types[i%len(types)]
	r := rand.New(rand.NewPCG(uint64(i), 7))
	var id string
	switch t.prefix {
	case "":
		id = fmt.Sprintf("%s-%s-%06d", []string{"app", "logs", "data", "web"}[i%4], t.service, i)
	case "AROA":
		id = fmt.Sprintf("AROA%016X", r.Uint64())
	default:
		id = fmt.Sprintf("%s%017x", t.prefix, r.Uint64()>>4)
	}
	return inventory.Key{Source: Source(i), ResourceType: t.typ, ResourceID: id}
}

// base is the capture time of the first version of resource 0.
var base = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Item returns version v (0, 1, …) of the i-th resource; version v > 0 of
// every 50th resource records its deletion.
func Item(i, v int) inventory.Item {
	k := Key(i)
	t := types[i%len(types)]
	capture := base.Add(time.Duration(i)*time.Second + time.Duration(v)*time.Hour)
	name := fmt.Sprintf("%s-%s-%d", []string{"prod", "staging", "dev"}[i%3], strings.ToLower(t.service), i)
	awsRegion := k.Region
	if t.service == "iam" {
		awsRegion = "global"
	}
	it := inventory.Item{
		Key:                  k,
		StateID:              capture.UnixMilli(),
		CaptureTime:          capture,
		Status:               inventory.StatusOK,
		Version:              "1.3",
		AWSRegion:            awsRegion,
		ResourceName:         name,
		ARN:                  fmt.Sprintf("arn:aws:%s:%s:%s:%s%s", t.service, awsRegion, k.AccountID, t.arnPath, k.ResourceID),
		AvailabilityZone:     k.Region + string(rune('a'+i%3)),
		ResourceCreationTime: base.Add(-time.Duration(i) * time.Minute),
		Tags:                 map[string]string{"Name": name, "env": []string{"prod", "staging", "dev"}[i%3], "team": "team-" + strconv.Itoa(i%17)},
		Relationships: []inventory.Relationship{
			{ResourceType: "AWS::EC2::VPC", ResourceID: fmt.Sprintf("vpc-%017x", i%97), Name: "Is contained in Vpc"},
			{ResourceType: "AWS::EC2::SecurityGroup", ResourceID: fmt.Sprintf("sg-%017x", i%89), Name: "Is associated with SecurityGroup"},
		},
	}
	if i%5 == 0 {
		it.SupplementaryConfiguration = map[string]json.RawMessage{
			"IsRequesterPaysEnabled":        json.RawMessage("false"),
			"BucketVersioningConfiguration": json.RawMessage(`{"status":"Enabled","isMfaDeleteEnabled":null}`),
		}
	}
	it.Configuration = json.RawMessage(fmt.Sprintf(`{"resourceId":%q,"name":%q,"state":{"code":16,"name":"running"},"version":%d,`+
		`"instanceType":"m5.large","imageId":"ami-0abcdef1234567890","subnetId":"subnet-%08x","vpcId":"vpc-%08x",`+
		`"privateIpAddress":"10.%d.%d.%d","blockDeviceMappings":[{"deviceName":"/dev/xvda","ebs":{"volumeId":"vol-%017x","status":"attached","deleteOnTermination":true}}],`+
		`"securityGroups":[{"groupName":"default","groupId":"sg-%08x"}],"tags":[{"key":"Name","value":%q},{"key":"env","value":"prod"}],`+
		`"monitoring":{"state":"disabled"},"placement":{"availabilityZone":%q,"tenancy":"default"},"hypervisor":"xen","architecture":"x86_64",`+
		`"rootDeviceType":"ebs","rootDeviceName":"/dev/xvda","ebsOptimized":false,"enaSupport":true,"sourceDestCheck":true,`+
		`"iamInstanceProfile":{"arn":"arn:aws:iam::%s:instance-profile/app","id":"AIPA%016X"},"launchTime":"2025-01-01T00:00:00.000Z",`+
		`"cpuOptions":{"coreCount":1,"threadsPerCore":2},"metadataOptions":{"httpTokens":"required","httpPutResponseHopLimit":2,"httpEndpoint":"enabled"}}`,
		k.ResourceID, name, v, i%4096, i%4096, i%200, (i/200)%250, i%250+1, i, i%89, name, it.AvailabilityZone, k.AccountID, i))
	if v > 0 && i%50 == 0 {
		it.Status = inventory.StatusResourceDeleted
		it.Configuration = json.RawMessage("null")
	}
	return it
}

// BatchItems returns, in dst's memory, the CIs of batch number batch of a
// store of n resources: the first version of resources [batch*Batch, …),
// and for every tenth resource a second version as well (so about 10% of
// the CIs are history and 1 in 500 resources is deleted).
func BatchItems(batch, n int, dst []inventory.Item) []inventory.Item {
	dst = dst[:0]
	for i := batch * Batch; i < (batch+1)*Batch && i < n; i++ {
		dst = append(dst, Item(i, 0))
		if i%10 == 0 {
			dst = append(dst, Item(i, 1))
		}
	}
	return dst
}

// Batches returns the number of batches of a store of n resources.
func Batches(n int) int { return (n + Batch - 1) / Batch }
