package managed

import (
	"testing"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// benchCase is one rule's benchmark: a realistic CI, in the shape Starling
// records it, and the parameters and env it is evaluated with.
type benchCase struct {
	rule   string
	it     inventory.Item
	params Params
	env    Env
	want   string
}

func benchCases(b *testing.B) []benchCase {
	apiBucket := load(b, "api_form_s3_bucket.json")
	fileBucket := load(b, "rdk_ci_file_form_s3_bucket.json")
	// The account PAB of another source: read, but it does not apply, so
	// the rule parses the bucket's policy and ACL.
	acct := load(b, "rdk_ci_s3_account_public_access_block.json")
	acct.Region = "eu-west-1"
	sg := loadItems(b, "c7n_get_resource_config_history_security_group.json")[1]
	vpcs := loadItems(b, "vpc_flow_logs.json")
	rds := load(b, "rdk_ci_console_form_rds_db_instance.json")
	return []benchCase{
		{"S3_BUCKET_VERSIONING_ENABLED", apiBucket, Params{"isMfaDeleteEnabled": "false"}, nil, compliance.NonCompliant},
		{"ENCRYPTED_VOLUMES", load(b, "rdk_ci_console_form_ec2_volume.json"), Params{"kmsId": volKeyID}, nil, compliance.Compliant},
		{"INCOMING_SSH_DISABLED", sg, nil, nil, compliance.Compliant},
		{"RESTRICTED_INCOMING_TRAFFIC", sg, Params{"blockedPorts": "22, 8080"}, nil, compliance.NonCompliant},
		{"REQUIRED_TAGS", rds, Params{"tag1Value": "1234, 5678", "tag2Key": "Owner"}, nil, compliance.NonCompliant},
		{"RDS_STORAGE_ENCRYPTED", rds, Params{"kmsKeyId": rdsKeyARN}, nil, compliance.Compliant},
		{"S3_BUCKET_PUBLIC_READ_PROHIBITED", fileBucket, nil, NewSourceEnv([]inventory.Item{acct}), compliance.Compliant},
		{"EC2_INSTANCE_NO_PUBLIC_IP", load(b, "rdk_ci_console_form_ec2_instance.json"), nil, nil, compliance.NonCompliant},
		{"VPC_FLOW_LOGS_ENABLED", vpcs[0], Params{"trafficType": "ALL"}, NewSourceEnv(vpcs), compliance.Compliant},
	}
}

// BenchmarkEvaluate measures each rule on one realistic CI.
func BenchmarkEvaluate(b *testing.B) {
	for _, bc := range benchCases(b) {
		r := mustRule(b, bc.rule)
		b.Run(bc.rule, func(b *testing.B) {
			if v := r.Evaluate(&bc.it, bc.params, bc.env); v.ComplianceType != bc.want {
				b.Fatalf("%+v, want %s", v, bc.want)
			}
			b.SetBytes(int64(len(bc.it.Configuration)))
			b.ReportAllocs()
			for b.Loop() {
				r.Evaluate(&bc.it, bc.params, bc.env)
			}
		})
	}
}

// BenchmarkEvaluateMix measures the nine rules over a mix of CIs, each CI
// evaluated by every rule whose scope holds its type (all CIs here are in
// some rule's scope, so it is the worst case of an inventory), and reports
// CIs per second.
func BenchmarkEvaluateMix(b *testing.B) {
	cases := benchCases(b)
	var items []inventory.Item
	seen := map[string]bool{}
	for _, bc := range cases {
		k := bc.it.ResourceType + "/" + bc.it.ResourceID
		if !seen[k] {
			seen[k] = true
			items = append(items, bc.it)
		}
	}
	env := NewSourceEnv(loadItems(b, "vpc_flow_logs.json"))
	type applied struct {
		r *Rule
		p Params
	}
	byType := map[string][]applied{}
	for _, id := range Identifiers() {
		r := mustRule(b, id)
		for _, typ := range r.ResourceTypes {
			byType[typ] = append(byType[typ], applied{r, Params{"tag1Value": "1234"}})
		}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		it := &items[n%len(items)]
		for _, a := range byType[it.ResourceType] {
			a.r.Evaluate(it, a.p, env)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "CIs/s")
}
