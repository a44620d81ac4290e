package eval

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

func TestDocument(t *testing.T) {
	for _, c := range []struct {
		name, rt, id, want string
	}{
		{
			// Nulls dropped (kmsKeyId), state wrapped, empty string kept
			// (snapshotId), empty collections present.
			"EBS volume", "AWS::EC2::Volume", "vol-0174de9c962f6581c",
			`{"accountId":"111122223333","arn":"arn:aws:ec2:us-west-2:111122223333:vol-0174de9c962f6581c","availabilityZone":"us-west-2a",` +
				`"awsRegion":"us-west-2","configuration":{"attachments":[],"availabilityZone":"us-west-2a","createTime":"2020-02-21T07:39:43.771Z",` +
				`"encrypted":false,"iops":300.0,"size":100.0,"snapshotId":"","state":{"value":"available"},"tags":[],"volumeId":"vol-0174de9c962f6581c",` +
				`"volumeType":"gp2"},"configurationItemCaptureTime":"2024-05-01T12:00:00.123Z","configurationItemStatus":"OK",` +
				`"configurationStateId":"1714564800123","relationships":[],"resourceCreationTime":"2020-02-21T07:39:43.771Z",` +
				`"resourceId":"vol-0174de9c962f6581c","resourceType":"AWS::EC2::Volume","supplementaryConfiguration":{},"tags":[],"version":"1.3"}`,
		},
		{
			// A deleted resource: no configuration, no name.
			"deleted", "AWS::EC2::Volume", "vol-0dead",
			`{"accountId":"111122223333","arn":"arn:aws:ec2:us-west-2:111122223333:vol-0dead","availabilityZone":"us-west-2a","awsRegion":"us-west-2",` +
				`"configurationItemCaptureTime":"2024-05-01T12:00:00.123Z","configurationItemStatus":"ResourceDeleted","configurationStateId":"1714564800123",` +
				`"relationships":[],"resourceId":"vol-0dead","resourceType":"AWS::EC2::Volume","supplementaryConfiguration":{},"tags":[],"version":"1.3"}`,
		},
		{
			// availabilityZones and endpoint wrapped (B.3 item 7), nulls
			// dropped, a relationship with only a name.
			"RDS cluster", "AWS::RDS::DBCluster", "cluster-ABCDEFGHIJ",
			`{"accountId":"444455556666","arn":"arn:aws:rds:us-east-2:444455556666:cluster-ABCDEFGHIJ","availabilityZone":"Multiple Availability Zones",` +
				`"awsRegion":"us-east-2","configuration":{"allocatedStorage":1.0,"availabilityZones":[{"value":"us-east-2a"},{"value":"us-east-2b"},` +
				`{"value":"us-east-2c"}],"clusterCreateTime":1.645468867743E12,"dbclusterIdentifier":"test-cluster-2","dbclusterMembers":` +
				`[{"dbinstanceIdentifier":"test-cluster-2-instance-1","isClusterWriter":true}],"endpoint":{"value":"test-cluster-2.cluster-cxyz.us-east-2.rds.amazonaws.com"},` +
				`"engine":"aurora-mysql","port":3306.0,"storageEncrypted":true},"configurationItemCaptureTime":"2024-05-01T12:00:00.123Z",` +
				`"configurationItemStatus":"OK","configurationStateId":"1714564800123","relationships":[{"relationshipName":"Contains DBInstance",` +
				`"resourceName":"test-cluster-2-instance-1","resourceType":"AWS::RDS::DBInstance"}],"resourceCreationTime":"2022-02-21T18:41:07.743Z",` +
				`"resourceId":"cluster-ABCDEFGHIJ","resourceName":"test-cluster-2","resourceType":"AWS::RDS::DBCluster","supplementaryConfiguration":{},"tags":[],"version":"1.3"}`,
		},
	} {
		if got := Render(Row(docOf(t, c.rt, c.id))); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// TestDocumentConfiguration checks the configuration part alone.
func TestDocumentConfiguration(t *testing.T) {
	for _, c := range []struct {
		name, rt, conf, want string
	}{
		// EC2 instance state is an object: kept; nulls in objects dropped,
		// "" kept.
		{"instance state", "AWS::EC2::Instance", `{"state":{"code":16,"name":"running"},"kernelId":null,"placement":{"groupName":"","hostId":null}}`,
			`{"placement":{"groupName":""},"state":{"code":16.0,"name":"running"}}`},
		{"volume state", "AWS::EC2::Volume", `{"state":"in-use"}`, `{"state":{"value":"in-use"}}`},
		{"subnet state", "AWS::EC2::Subnet", `{"state":"available","cidrBlock":"10.0.0.0/24"}`, `{"cidrBlock":"10.0.0.0/24","state":{"value":"available"}}`},
		// Not queryable: no catalogue, no wrapping.
		{"not queryable", "AWS::Cognito::UserPool", `{"state":"available"}`, `{"state":"available"}`},
		// DBInstance's endpoint is an object (endpoint.address, …).
		{"DBInstance endpoint", "AWS::RDS::DBInstance", `{"endpoint":{"address":"a","port":5432}}`, `{"endpoint":{"address":"a","port":5432.0}}`},
		// A list of objects where the catalogue wants X.value: not wrapped.
		{"list of objects", "AWS::RDS::DBCluster", `{"availabilityZones":[{"zone":"a"}]}`, `{"availabilityZones":[{"zone":"a"}]}`},
		{"empty list", "AWS::RDS::DBCluster", `{"availabilityZones":[]}`, `{"availabilityZones":[]}`},
		// Nulls in arrays dropped, at depth; nested arrays kept.
		{"array nulls", "AWS::EC2::Volume", `{"a":[null,1,null,[null,{"b":null,"c":2}]]}`, `{"a":[1.0,[{"c":2.0}]]}`},
		{"empty object kept", "AWS::EC2::Volume", `{"a":{"b":null}}`, `{"a":{}}`},
		{"invalid", "AWS::EC2::Volume", `{"a":`, ``},
		{"trailing data", "AWS::EC2::Volume", `{"a":1} {}`, ``},
		{"null", "AWS::EC2::Volume", ` null `, ``},
		{"empty", "AWS::EC2::Volume", ``, ``},
		// Exact numbers are kept in the document.
		{"big number", "AWS::EC2::Volume", `{"n":12345678901234567890}`, `{"n":1.2345678901234567E19}`},
	} {
		it := inventory.Item{Key: inventory.Key{ResourceType: c.rt}, Configuration: json.RawMessage(c.conf)}
		doc := Document(&it)
		v, ok := doc["configuration"]
		got := ""
		if ok {
			got = Render(Row{"c": v})
			got = got[len(`{"c":`) : len(got)-1]
		}
		if got != c.want {
			t.Errorf("%s: configuration %s, want %s", c.name, got, c.want)
		}
	}

	it := inventory.Item{Key: inventory.Key{ResourceType: "AWS::EC2::Volume"}, Configuration: json.RawMessage(`{"n":12345678901234567890}`)}
	if n := Document(&it)["configuration"].(map[string]any)["n"]; n != json.Number("12345678901234567890") {
		t.Errorf("number %v, want as recorded", n)
	}
}

func TestDocumentTopLevel(t *testing.T) {
	it := inventory.Item{
		Key:         inventory.Key{Source: inventory.Source{AccountID: "1", Region: "eu-west-1"}, ResourceType: "AWS::EC2::Volume", ResourceID: "v"},
		StateID:     0,
		CaptureTime: time.Date(2024, 1, 2, 4, 4, 5, 6e6, time.FixedZone("x", 3600)),
		SupplementaryConfiguration: map[string]json.RawMessage{
			"Gone": json.RawMessage(`null`), "Bad": json.RawMessage(`{`), "Str": json.RawMessage(`"{\"a\":null}"`), "Obj": json.RawMessage(`{"a":null,"b":[1]}`),
		},
		Tags:          map[string]string{"b": "", "a": "x=y"},
		Relationships: []inventory.Relationship{{ResourceType: "AWS::IAM::Role", ResourceName: "r", Name: "Is associated with Role"}},
	}
	const want = `{"accountId":"1","configurationItemCaptureTime":"2024-01-02T03:04:05.006Z","configurationStateId":"0",` +
		`"relationships":[{"relationshipName":"Is associated with Role","resourceName":"r","resourceType":"AWS::IAM::Role"}],` +
		`"resourceId":"v","resourceType":"AWS::EC2::Volume","supplementaryConfiguration":{"Obj":{"b":[1.0]},"Str":"{\"a\":null}"},` +
		`"tags":[{"key":"a","value":"x\u003dy"},{"key":"b","value":""}]}`
	if got := Render(Row(Document(&it))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
