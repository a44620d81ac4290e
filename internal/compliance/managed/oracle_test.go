package managed

import "testing"

// TestOracles checks the table "Test oracles from the saved samples" at
// the end of managed-rules.md. The samples themselves are not in the
// repository; testdata holds CIs built from their descriptions there and
// in config-data-and-query.md (the RDK S3 bucket and EC2 instance with the
// RDK's values, the security groups with the c7n values quoted), under
// the samples' names.
func TestOracles(t *testing.T) {
	tests := []struct {
		sample string
		rule   string
		params Params
		want   string
	}{
		{"rdk_ci_file_form_s3_bucket.json", "S3_BUCKET_VERSIONING_ENABLED", nil, C},
		{"rdk_ci_file_form_s3_bucket.json", "S3_BUCKET_PUBLIC_READ_PROHIBITED", nil, C},
		{"rdk_ci_console_form_ec2_volume.json", "ENCRYPTED_VOLUMES", nil, C},
		{"rdk_ci_console_form_ec2_volume.json", "ENCRYPTED_VOLUMES", Params{"kmsId": "arn:aws:kms:us-east-1:111122223333:key/0000aaaa-0000-0000-0000-000000000000"}, NC},
		{"rdk_ci_console_form_rds_db_instance.json", "RDS_STORAGE_ENCRYPTED", nil, C},
		{"c7n_rule_invoking_event_rds_instance.json", "RDS_STORAGE_ENCRYPTED", nil, NC},
		{"rdk_ci_console_form_ec2_instance.json", "EC2_INSTANCE_NO_PUBLIC_IP", nil, NC},
		{"c7n_rule_invoking_event_ec2_instance.json", "EC2_INSTANCE_NO_PUBLIC_IP", nil, C},
		{"c7n_select_resource_config_security_group.json", "INCOMING_SSH_DISABLED", nil, C},
		{"c7n_select_resource_config_security_group.json", "RESTRICTED_INCOMING_TRAFFIC", nil, C},
		{"c7n_get_resource_config_history_security_group.json", "INCOMING_SSH_DISABLED", nil, C},
	}
	related := 0
	for _, tc := range tests {
		r := mustRule(t, tc.rule)
		items := loadItems(t, tc.sample)
		for i := range items {
			v := r.Evaluate(&items[i], tc.params, nil)
			checkVerdict(t, &items[i], v)
			if v.ComplianceType != tc.want {
				t.Errorf("%s (item %d) %s %v: %s (%q), want %s", tc.sample, i, tc.rule, tc.params, v.ComplianceType, v.Annotation, tc.want)
			}
			// No rule reads an item's relationships: the evaluation
			// scans the items without them
			// (inventory.ScanQuery.WithoutRelationships).
			if len(items[i].Relationships) > 0 {
				related++
				bare := items[i]
				bare.Relationships = nil
				if w := r.Evaluate(&bare, tc.params, nil); w != v {
					t.Errorf("%s (item %d) %s without its relationships: %+v, want %+v", tc.sample, i, tc.rule, w, v)
				}
			}
		}
	}
	if related == 0 {
		t.Error("no sample has relationships: the check that rules ignore them checks nothing")
	}
	// The table's VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS row is one of the
	// "extra" rules, which Starling does not evaluate.
	if _, ok := Lookup("VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS"); ok {
		t.Error("VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS is evaluated: add its oracle (authorizedTcpPorts=443 → NON_COMPLIANT)")
	}
}
