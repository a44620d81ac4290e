package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

func decodeAll(t testing.TB, data []byte) ([]inventory.Item, error) {
	t.Helper()
	var items []inventory.Item
	err := DecodeFile(bytes.NewReader(data), func(it inventory.Item) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestDecodeFileSnapshot(t *testing.T) {
	data, err := os.ReadFile("testdata/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	items, err := decodeAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 {
		t.Fatalf("got %d items, want 5", len(items))
	}

	s3 := items[0]
	want := inventory.Item{
		Key: inventory.Key{
			Source:       inventory.Source{AccountID: "934654633380", Region: "us-east-1"},
			ResourceType: "AWS::S3::Bucket",
			ResourceID:   "mborch-test-bucket-config-item",
		},
		StateID:              1549956556288,
		CaptureTime:          mustTime("2019-02-12T07:29:16.288Z"),
		Status:               "OK",
		Version:              "1.3",
		AWSRegion:            "us-east-1",
		ResourceName:         "mborch-test-bucket-config-item",
		ARN:                  "arn:aws:s3:::mborch-test-bucket-config-item",
		AvailabilityZone:     "Regional",
		ResourceCreationTime: mustTime("2019-02-12T07:21:45Z"),
		Configuration:        json.RawMessage(`{"name":"mborch-test-bucket-config-item","owner":{"displayName":null,"id":"8ac813c84b8ad4d9f3e35f80aaeb254f85922a902ce87ed6b49ccbfa188f5a12"},"creationDate":"2019-02-12T07:21:45.000Z"}`),
		SupplementaryConfiguration: map[string]json.RawMessage{
			"AccessControlList":               json.RawMessage(`"{\"grantSet\":null,\"grantList\":[{\"grantee\":{\"id\":\"8ac813c84b8ad4d9f3e35f80aaeb254f85922a902ce87ed6b49ccbfa188f5a12\",\"displayName\":null},\"permission\":\"FullControl\"}],\"owner\":{\"displayName\":null,\"id\":\"8ac813c84b8ad4d9f3e35f80aaeb254f85922a902ce87ed6b49ccbfa188f5a12\"},\"isRequesterCharged\":false}"`),
			"BucketAccelerateConfiguration":   json.RawMessage(`{"status":null}`),
			"BucketLoggingConfiguration":      json.RawMessage(`{"destinationBucketName":null,"logFilePrefix":null}`),
			"BucketNotificationConfiguration": json.RawMessage(`{"configurations":{}}`),
			"BucketPolicy":                    json.RawMessage(`{"policyText":"{\"Version\":\"2012-10-17\",\"Id\":\"Policy1478390053757\",\"Statement\":[]}"}`),
			"BucketVersioningConfiguration":   json.RawMessage(`{"status":"Enabled","isMfaDeleteEnabled":null}`),
			"IsRequesterPaysEnabled":          json.RawMessage(`false`),
		},
	}
	if !reflect.DeepEqual(s3, want) {
		t.Errorf("S3 bucket:\n got %+v\nwant %+v", s3, want)
	}

	sg := items[1]
	if sg.ResourceName != "" || !sg.ResourceCreationTime.IsZero() || sg.AvailabilityZone != "Not Applicable" || sg.Version != "1.2" {
		t.Errorf("security group fields: %+v", sg)
	}
	if want := []inventory.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-14400670", Name: "Is contained in Vpc"}}; !reflect.DeepEqual(sg.Relationships, want) {
		t.Errorf("security group relationships = %+v, want %+v", sg.Relationships, want)
	}
	if want := `{"ownerId":"123456789012","groupName":"example-security-group-2","groupId":"sg-3f1fef43","description":"This is an example security group.","ipPermissions":[],"ipPermissionsEgress":[{"ipProtocol":"-1","fromPort":null,"toPort":null,"userIdGroupPairs":[],"ipRanges":["0.0.0.0/0"],"prefixListIds":[]}],"vpcId":"vpc-14400670","tags":[]}`; string(sg.Configuration) != want {
		t.Errorf("security group configuration:\n got %s\nwant %s", sg.Configuration, want)
	}
	if sg.SupplementaryConfiguration != nil || sg.Tags != nil {
		t.Errorf("empty maps should decode to nil: %v %v", sg.SupplementaryConfiguration, sg.Tags)
	}

	efs := items[2]
	if !efs.ResourceCreationTime.IsZero() {
		t.Errorf("EFS without resourceCreationTime: got %v", efs.ResourceCreationTime)
	}
	if !bytes.Contains(efs.Configuration, []byte(`"SizeInBytes":{"Value":6144,"ValueInIA":0`)) {
		t.Errorf("EFS configuration keeps PascalCase keys and numbers: %s", efs.Configuration)
	}
	if len(efs.Tags) != 3 || efs.Tags["aws:elasticfilesystem:default-backup"] != "enabled" {
		t.Errorf("EFS tags = %v", efs.Tags)
	}

	role := items[3]
	if role.AWSRegion != "global" || role.Region != "" || role.AccountID != "123456789012" {
		t.Errorf("global IAM role: AWSRegion %q, Source %+v", role.AWSRegion, role.Source)
	}
	if !role.CaptureTime.Equal(mustTime("2021-05-04T10:20:00Z")) {
		t.Errorf("+0000 offset: capture time %v", role.CaptureTime)
	}

	vol := items[4]
	if !vol.Deleted() || string(vol.Configuration) != "null" || vol.AvailabilityZone != "" || vol.Relationships != nil {
		t.Errorf("deleted volume: %+v", vol)
	}
}

func TestDecodeFileConsoleForm(t *testing.T) {
	data, err := os.ReadFile("testdata/console-form.json")
	if err != nil {
		t.Fatal(err)
	}
	items, err := decodeAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("got %d items", len(items))
	}
	it := items[0]
	want := inventory.Item{
		Key: inventory.Key{
			Source:       inventory.Source{AccountID: "123456789012", Region: "us-east-1"},
			ResourceType: "AWS::EC2::Volume",
			ResourceID:   "vol-0b1c2d3e4f5a6b7c8",
		},
		StateID:              1614641951442,
		CaptureTime:          time.Unix(1614641951, 442e6).UTC(),
		Status:               "OK",
		Version:              "1.3",
		AWSRegion:            "us-east-1",
		ARN:                  "arn:aws:ec2:us-east-1:123456789012:volume/vol-0b1c2d3e4f5a6b7c8",
		AvailabilityZone:     "us-east-1a",
		ResourceCreationTime: time.Unix(1614641000, 0).UTC(),
		Configuration:        json.RawMessage(`{"volumeId":"vol-0b1c2d3e4f5a6b7c8","size":8,"iops":100.0}`),
		Tags:                 map[string]string{"Name": "data"},
		Relationships:        []inventory.Relationship{{ResourceType: "AWS::EC2::Instance", ResourceID: "i-0123456789abcdef0", Name: "Is attached to Instance"}},
	}
	if !reflect.DeepEqual(it, want) {
		t.Errorf("console form:\n got %+v\nwant %+v", it, want)
	}
}

// item is a minimal valid file-form item with the given members replaced
// (a nil value removes the member).
func item(over map[string]any) string {
	m := map[string]any{
		"configurationItemVersion":     "1.3",
		"configurationItemCaptureTime": "2024-01-02T03:04:05.678Z",
		"configurationStateId":         1704164645678,
		"awsAccountId":                 "111122223333",
		"configurationItemStatus":      "OK",
		"resourceType":                 "AWS::EC2::Instance",
		"resourceId":                   "i-0123456789abcdef0",
		"awsRegion":                    "eu-west-1",
		"configuration":                map[string]any{"instanceId": "i-0123456789abcdef0"},
	}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func file(items ...string) string {
	return `{"fileVersion":"1.0","configurationItems":[` + strings.Join(items, ",") + `]}`
}

func TestDecodeFileFields(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	for _, tc := range []struct {
		name  string
		over  map[string]any
		check func(inventory.Item) bool
	}{
		{"stateId as string", map[string]any{"configurationStateId": "42"}, func(it inventory.Item) bool { return it.StateID == 42 }},
		{"epoch capture time", map[string]any{"configurationItemCaptureTime": raw("1484002215.156")}, func(it inventory.Item) bool {
			return it.CaptureTime.Equal(time.Unix(1484002215, 156e6))
		}},
		{"epoch capture time, exponent", map[string]any{"configurationItemCaptureTime": raw("1.5e9")}, func(it inventory.Item) bool {
			return it.CaptureTime.Equal(time.Unix(1.5e9, 0))
		}},
		{"ISO with offset", map[string]any{"configurationItemCaptureTime": "2024-01-02T05:04:05+02:00"}, func(it inventory.Item) bool {
			return it.CaptureTime.Equal(mustTime("2024-01-02T03:04:05Z")) && it.CaptureTime.Location() == time.UTC
		}},
		{"arn spelling", map[string]any{"arn": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0"}, func(it inventory.Item) bool {
			return it.ARN == "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0"
		}},
		{"ARN wins over arn", map[string]any{"ARN": "a1", "arn": "a2"}, func(it inventory.Item) bool { return it.ARN == "a1" }},
		{"null ARN falls back to arn", map[string]any{"ARN": raw("null"), "arn": "a2"}, func(it inventory.Item) bool { return it.ARN == "a2" }},
		{"accountId spelling", map[string]any{"awsAccountId": nil, "accountId": "444455556666"}, func(it inventory.Item) bool {
			return it.AccountID == "444455556666"
		}},
		{"version spelling", map[string]any{"configurationItemVersion": nil, "version": "1.2"}, func(it inventory.Item) bool { return it.Version == "1.2" }},
		{"no version", map[string]any{"configurationItemVersion": nil}, func(it inventory.Item) bool { return it.Version == "" }},
		{"old availibilityZone", map[string]any{"availibilityZone": "us-west-2b"}, func(it inventory.Item) bool { return it.AvailabilityZone == "us-west-2b" }},
		{"null resourceName", map[string]any{"resourceName": raw("null")}, func(it inventory.Item) bool { return it.ResourceName == "" }},
		{"absent configuration", map[string]any{"configuration": nil}, func(it inventory.Item) bool { return string(it.Configuration) == "null" }},
		{"configuration as API string", map[string]any{"configuration": `{"a": 1, "b":[1.50, 2]}`}, func(it inventory.Item) bool {
			return string(it.Configuration) == `{"a":1,"b":[1.50,2]}`
		}},
		{"configuration keeps key order and numbers", map[string]any{"configuration": raw(`{ "z" : 1e2, "a" : 12345678901234567890 , "m": "\u00e9 x" }`)}, func(it inventory.Item) bool {
			return string(it.Configuration) == `{"z":1e2,"a":12345678901234567890,"m":"\u00e9 x"}`
		}},
		{"relationship name spellings", map[string]any{"relationships": raw(`[{"resourceType":"AWS::IAM::Role","resourceName":"r","relationshipName":"Is associated with "},{"resourceType":"AWS::EC2::Subnet","resourceId":"subnet-1","name":"Is contained in ","direction":"OUT"}]`)}, func(it inventory.Item) bool {
			return reflect.DeepEqual(it.Relationships, []inventory.Relationship{
				{ResourceType: "AWS::IAM::Role", ResourceName: "r", Name: "Is associated with "},
				{ResourceType: "AWS::EC2::Subnet", ResourceID: "subnet-1", Name: "Is contained in "},
			})
		}},
		{"null tag value", map[string]any{"tags": raw(`{"k":null}`)}, func(it inventory.Item) bool { return it.Tags["k"] == "" && len(it.Tags) == 1 }},
		{"unknown keys ignored", map[string]any{"resourceTransitionStatus": "None", "relatedEvents": []string{"e"}, "configurationStateMd5Hash": "x"}, func(it inventory.Item) bool { return true }},
		{"minimal item", map[string]any{"awsAccountId": nil, "awsRegion": nil, "configurationStateId": nil, "configurationItemCaptureTime": nil, "configurationItemStatus": nil, "configurationItemVersion": nil, "configuration": nil}, func(it inventory.Item) bool {
			return reflect.DeepEqual(it, inventory.Item{
				Key:           inventory.Key{ResourceType: "AWS::EC2::Instance", ResourceID: "i-0123456789abcdef0"},
				Configuration: json.RawMessage("null"),
			})
		}},
		{"null account and status", map[string]any{"awsAccountId": raw("null"), "configurationItemStatus": raw("null")}, func(it inventory.Item) bool {
			return it.AccountID == "" && it.Status == ""
		}},
		{"supplementary null value", map[string]any{"supplementaryConfiguration": raw(`{"a":null}`)}, func(it inventory.Item) bool {
			return string(it.SupplementaryConfiguration["a"]) == "null"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, err := decodeAll(t, []byte(file(item(tc.over))))
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || !tc.check(items[0]) {
				t.Errorf("got %+v", items)
			}
		})
	}
}

func TestDecodeFileErrors(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty input", ``, "got nothing"},
		{"not an object", `[]`, "want a delivery file (a JSON object), got an array"},
		{"no items", `{"fileVersion":"1.0"}`, "the file has no configurationItems"},
		{"items not an array", `{"configurationItems":{}}`, "configurationItems: want an array, got an object"},
		{"item not an object", file(item(nil), `3`), "configurationItems[1]: want an object, got a number"},
		{"truncated", `{"configurationItems":[` + item(nil), "unexpected end of input"},
		{"bad JSON inside", file(item(nil), `{"resourceId": x}`), "configurationItems[1]: invalid JSON"},
		{"trailing data", file(item(nil)) + ` {}`, "unexpected data after"},
		{"missing resourceId", file(item(nil), item(nil), item(nil), item(map[string]any{"resourceId": nil})), "configurationItems[3]: missing resourceId"},
		{"null resourceType", file(item(map[string]any{"resourceType": raw("null")})), "configurationItems[0]: missing resourceType"},
		{"empty resourceId", file(item(map[string]any{"resourceId": ""})), "configurationItems[0]: resourceId is empty"},
		{"number resourceId", file(item(map[string]any{"resourceId": 5})), "configurationItems[0]: resourceId: want a string, got a number"},
		{"short account", file(item(map[string]any{"accountId": "12345678910", "awsAccountId": nil})), `accountId: "12345678910" is not a 12-digit account id`},
		{"uuid stateId", file(item(map[string]any{"configurationStateId": "3e660fdf-0000"})), `configurationStateId: "3e660fdf-0000" is not a non-negative integer`},
		{"fractional stateId", file(item(map[string]any{"configurationStateId": 1.5})), `configurationStateId: "1.5" is not`},
		{"bool stateId", file(item(map[string]any{"configurationStateId": true})), "configurationStateId: want a number or a string, got a boolean"},
		{"bad capture time", file(item(map[string]any{"configurationItemCaptureTime": "yesterday"})), `configurationItemCaptureTime: "yesterday" is not an ISO 8601 time`},
		{"capture time out of range", file(item(map[string]any{"configurationItemCaptureTime": raw("1e15")})), "configurationItemCaptureTime: 1e15 is not epoch seconds"},
		{"bad creation time", file(item(map[string]any{"resourceCreationTime": true})), "resourceCreationTime: want a string or a number, got a boolean"},
		{"bad status", file(item(map[string]any{"configurationItemStatus": "Gone"})), `configurationItemStatus: "Gone" is not one of`},
		{"configuration array", file(item(map[string]any{"configuration": []int{1}})), "configuration: want an object, got an array"},
		{"configuration bad string", file(item(map[string]any{"configuration": "{nope"})), "configuration: the string is not a JSON document"},
		{"configuration string of a string", file(item(map[string]any{"configuration": `"x"`})), "configuration: want an object, got a string"},
		{"tags array", file(item(map[string]any{"tags": []string{}})), "tags: want an object, got an array"},
		{"tag value number", file(item(map[string]any{"tags": map[string]any{"Name": 1}})), "tags.Name: want a string, got a number"},
		{"supplementary array", file(item(map[string]any{"supplementaryConfiguration": []int{}})), "supplementaryConfiguration: want an object, got an array"},
		{"relationships object", file(item(map[string]any{"relationships": map[string]any{}})), "relationships: want an array, got an object"},
		{"relationship without type", file(item(map[string]any{"relationships": raw(`[{"resourceId":"vpc-1","name":"Is contained in Vpc"}]`)})), "configurationItems[0]: missing relationships[0].resourceType"},
		{"relationship without target", file(item(map[string]any{"relationships": raw(`[{"resourceType":"AWS::EC2::VPC"},{"resourceType":"AWS::EC2::VPC","resourceName":null}]`)})), "relationships[0]: missing resourceId and resourceName"},
		{"relationship not an object", file(item(map[string]any{"relationships": raw(`["vpc-1"]`)})), "relationships[0]: want an object, got a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeAll(t, []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDecodeFileStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := DecodeFile(strings.NewReader(file(item(nil), item(nil), item(nil))), func(inventory.Item) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("err = %v after %d items, want the callback's error after 2", err, n)
	}
}

func TestDecodeFileOtherTopLevelMembers(t *testing.T) {
	in := `{"configSnapshotId":"x","requestId":{"a":[1,2]},"configurationItems":[` + item(nil) + `],"fileVersion":"1.0"}`
	items, err := decodeAll(t, []byte(in))
	if err != nil || len(items) != 1 {
		t.Fatalf("got %d items, %v", len(items), err)
	}
	if items, err := decodeAll(t, []byte(`{"configurationItems":null}`)); err != nil || len(items) != 0 {
		t.Errorf("null items: %v, %v", items, err)
	}
}

// TestDecodeFileStreams checks that items reach fn before the file ends:
// the decoder does not read the whole file first.
func TestDecodeFileStreams(t *testing.T) {
	pr, pw := io.Pipe()
	got := make(chan inventory.Item)
	done := make(chan error, 1)
	go func() {
		done <- DecodeFile(pr, func(it inventory.Item) error { got <- it; return nil })
	}()
	go func() {
		_, _ = pw.Write([]byte(`{"configurationItems":[` + item(nil) + `,`))
	}()
	select {
	case it := <-got:
		if it.ResourceID != "i-0123456789abcdef0" {
			t.Errorf("got %+v", it)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first item did not arrive before the file ended")
	}
	_, _ = pw.Write([]byte(item(nil) + `]}`))
	<-got
	_ = pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
