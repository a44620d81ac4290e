package managed

import (
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
)

func TestRequiredTags(t *testing.T) {
	bucket := item("AWS::S3::Bucket", "b", `{"name":"b"}`)
	tagged := func(kv ...string) inventory.Item {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return withTags(bucket, m)
	}
	rds := load(t, "rdk_ci_console_form_rds_db_instance.json") // tags {"CostCenter": "1234"}
	runCases(t, "REQUIRED_TAGS", []evalCase{
		{name: "default CostCenter present", it: tagged("CostCenter", "x"), want: C},
		{name: "RDS sample, default", it: rds, want: C},
		{name: "RDS sample, CostCenter value allowed", it: rds, params: Params{"tag1Value": "1234,5678"}, want: C},
		{name: "no tags", it: bucket, want: NC, annotation: `no tag "CostCenter"`},
		{name: "key is case-sensitive", it: tagged("costcenter", "x"), want: NC},
		{name: "empty value is a value", it: tagged("CostCenter", ""), want: C},
		{name: "tag1Key Owner replaces the default", it: tagged("Owner", "a"), params: Params{"tag1Key": "Owner"}, want: C},
		{name: "blank tag1Key is the default", it: tagged("Owner", "a"), params: Params{"tag1Key": " "}, want: NC, annotation: "CostCenter"},
		{name: "value in a CSV with white space", it: tagged("CostCenter", "b"), params: Params{"tag1Value": "a, b ,c"}, want: C},
		{name: "value not in the CSV", it: tagged("CostCenter", "d"), params: Params{"tag1Value": "a, b ,c"}, want: NC, annotation: `value "d"`},
		{name: "value compared exactly", it: tagged("CostCenter", " b"), params: Params{"tag1Value": "a,b"}, want: NC},
		{name: "value case-sensitive", it: tagged("CostCenter", "B"), params: Params{"tag1Value": "a,b"}, want: NC},
		{name: "tag2 present with allowed value", it: tagged("CostCenter", "1", "Env", "dev"), params: Params{"tag2Key": "Env", "tag2Value": "prod,dev"}, want: C},
		{name: "tag2 with another value", it: tagged("CostCenter", "1", "Env", "staging"), params: Params{"tag2Key": "Env", "tag2Value": "prod,dev"}, want: NC, annotation: "Env"},
		{name: "tag2 missing", it: tagged("CostCenter", "1"), params: Params{"tag2Key": "Env"}, want: NC, annotation: "Env"},
		{name: "tag6 alone also needs CostCenter", it: tagged("Team", "x"), params: Params{"tag6Key": "Team"}, want: NC, annotation: "CostCenter"},
		{name: "six tags", it: tagged("A", "1", "B", "2", "C", "3", "D", "4", "E", "5", "F", "6"),
			params: Params{"tag1Key": "A", "tag2Key": "B", "tag3Key": "C", "tag4Key": "D", "tag5Key": "E", "tag6Key": "F", "tag6Value": "6"}, want: C},
		{name: "six tags, sixth wrong", it: tagged("A", "1", "B", "2", "C", "3", "D", "4", "E", "5", "F", "7"),
			params: Params{"tag1Key": "A", "tag2Key": "B", "tag3Key": "C", "tag4Key": "D", "tag5Key": "E", "tag6Key": "F", "tag6Value": "6"}, want: NC},
		{name: "tag7 is not a parameter", it: tagged("CostCenter", "1"), params: Params{"tag7Key": "X"}, want: C},
		{name: "tag3Value without tag3Key", it: tagged("CostCenter", "1"), params: Params{"tag3Value": "x"}, want: ID, annotation: "tag3Value"},
		{name: "configuration is not read", it: withConf(tagged("CostCenter", "1"), `{`), want: C},
		{name: "other type in scope: VPC", it: withTags(item("AWS::EC2::VPC", "vpc-1", `{}`), map[string]string{"CostCenter": "1"}), want: C},
		{name: "type out of scope", it: withTags(item("AWS::IAM::Role", "AROA1", `{}`), map[string]string{"CostCenter": "1"}), want: NA},
	})
}

const rdsKeyARN = "arn:aws:kms:us-east-1:123456789012:key/8d6b6f1e-7a3c-4a6e-9f0e-2b1c3d4e5f60"

func TestRDSStorageEncrypted(t *testing.T) {
	enc := load(t, "rdk_ci_console_form_rds_db_instance.json")
	unenc := load(t, "c7n_rule_invoking_event_rds_instance.json")
	conf := func(s string) inventory.Item { return withConf(enc, s) }
	runCases(t, "RDS_STORAGE_ENCRYPTED", []evalCase{
		{name: "RDK sample: encrypted with a key", it: enc, want: C},
		{name: "c7n sample: not encrypted", it: unenc, want: NC, annotation: "not enabled"},
		{name: "kmsKeyId: the ARN", it: enc, params: Params{"kmsKeyId": rdsKeyARN}, want: C},
		{name: "kmsKeyId: the key id", it: enc, params: Params{"kmsKeyId": "8d6b6f1e-7a3c-4a6e-9f0e-2b1c3d4e5f60"}, want: C},
		{name: "kmsKeyId: another key", it: enc, params: Params{"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"}, want: NC, annotation: rdsKeyARN},
		{name: "kmsKeyId: unencrypted anyway", it: unenc, params: Params{"kmsKeyId": "8d6b6f1e-7a3c-4a6e-9f0e-2b1c3d4e5f60"}, want: NC},
		{name: "kmsKeyId set, none recorded", it: conf(`{"storageEncrypted":true}`), params: Params{"kmsKeyId": "k"}, want: NC, annotation: "not recorded"},
		{name: "storageEncrypted absent", it: conf(`{"dBInstanceIdentifier":"db"}`), want: NC},
		{name: "storageEncrypted null", it: conf(`{"storageEncrypted":null}`), want: NC},
		{name: "storageEncrypted as a string", it: conf(`{"storageEncrypted":"true"}`), want: C},
		{name: "configuration as the API's JSON string", it: conf(jsonString(`{"storageEncrypted":false}`)), want: NC},
		{name: "malformed", it: conf(`{"storageEncrypted":true`), want: ID},
		{name: "configuration a number", it: conf(`42`), want: ID},
	})
}

func TestKMSMatch(t *testing.T) {
	for _, tc := range []struct {
		recorded, want string
		match          bool
	}{
		{volKeyARN, volKeyARN, true},
		{volKeyARN, volKeyID, true},
		{volKeyID, volKeyARN, true},
		{volKeyID, volKeyID, true},
		{volKeyARN, "arn:aws:kms:us-west-2:111122223333:key/" + volKeyID, false},
		{volKeyARN, "alias/aws/ebs", false},
		{volKeyARN, "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs", false},
		{volKeyARN, " , " + volKeyID + " ,", true},
		{volKeyARN, "", false},
		{"", volKeyID, false},
		{"arn:aws:kms:us-east-1:111122223333:alias/x", "x", false},
	} {
		if got := kmsMatch(tc.recorded, tc.want); got != tc.match {
			t.Errorf("kmsMatch(%q, %q) = %v", tc.recorded, tc.want, got)
		}
	}
}
