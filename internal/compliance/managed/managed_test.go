package managed

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

func TestIdentifiers(t *testing.T) {
	want := []string{
		"EC2_INSTANCE_NO_PUBLIC_IP", "ENCRYPTED_VOLUMES", "INCOMING_SSH_DISABLED",
		"RDS_STORAGE_ENCRYPTED", "REQUIRED_TAGS", "RESTRICTED_INCOMING_TRAFFIC",
		"S3_BUCKET_PUBLIC_READ_PROHIBITED", "S3_BUCKET_VERSIONING_ENABLED", "VPC_FLOW_LOGS_ENABLED",
	}
	got := Identifiers()
	if !slices.Equal(got, want) {
		t.Fatalf("Identifiers() = %v, want %v", got, want)
	}
	got[0] = "changed" // the caller's copy
	if Identifiers()[0] != want[0] {
		t.Error("Identifiers returns shared state")
	}
	for _, id := range want {
		r, ok := Lookup(id)
		if !ok || r.Identifier != id {
			t.Errorf("Lookup(%q) = %v, %v", id, r, ok)
		}
	}
	for _, id := range []string{"", "s3_bucket_versioning_enabled", "IAM_PASSWORD_POLICY", "CLOUD_TRAIL_ENABLED", "s3-bucket-versioning-enabled"} {
		if _, ok := Lookup(id); ok {
			t.Errorf("Lookup(%q) = true", id)
		}
	}
}

func TestRuleScopes(t *testing.T) {
	tests := []struct {
		id      string
		types   []string
		related []string
	}{
		{"S3_BUCKET_VERSIONING_ENABLED", []string{"AWS::S3::Bucket"}, nil},
		{"ENCRYPTED_VOLUMES", []string{"AWS::EC2::Volume"}, nil},
		{"INCOMING_SSH_DISABLED", []string{"AWS::EC2::SecurityGroup"}, nil},
		{"RESTRICTED_INCOMING_TRAFFIC", []string{"AWS::EC2::SecurityGroup"}, nil},
		{"RDS_STORAGE_ENCRYPTED", []string{"AWS::RDS::DBInstance"}, nil},
		{"S3_BUCKET_PUBLIC_READ_PROHIBITED", []string{"AWS::S3::Bucket"}, []string{"AWS::S3::AccountPublicAccessBlock"}},
		{"EC2_INSTANCE_NO_PUBLIC_IP", []string{"AWS::EC2::Instance"}, nil},
		{"VPC_FLOW_LOGS_ENABLED", []string{"AWS::EC2::VPC"}, []string{"AWS::EC2::FlowLog"}},
	}
	for _, tc := range tests {
		r := mustRule(t, tc.id)
		if !slices.Equal(r.ResourceTypes, tc.types) || !slices.Equal(r.Related, tc.related) {
			t.Errorf("%s: types %v related %v, want %v %v", tc.id, r.ResourceTypes, r.Related, tc.types, tc.related)
		}
	}
	tags := mustRule(t, "REQUIRED_TAGS")
	if len(tags.ResourceTypes) != 30 || !slices.IsSorted(tags.ResourceTypes) {
		t.Errorf("REQUIRED_TAGS: %d types, sorted %v", len(tags.ResourceTypes), slices.IsSorted(tags.ResourceTypes))
	}
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::EC2::VPC", "AWS::Redshift::ClusterSubnetGroup", "AWS::ACM::Certificate"} {
		if !tags.InScope(typ) {
			t.Errorf("REQUIRED_TAGS: %s not in scope", typ)
		}
	}
	for _, typ := range []string{"AWS::IAM::Role", "AWS::Lambda::Function", "", "aws::s3::bucket"} {
		if tags.InScope(typ) {
			t.Errorf("REQUIRED_TAGS: %s in scope", typ)
		}
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in      string
		want    Params
		wantErr string
	}{
		{in: "", want: Params{}},
		{in: "  \n", want: Params{}},
		{in: "{}", want: Params{}},
		{in: `{"tag1Key":"Owner","tag1Value":"a, b"}`, want: Params{"tag1Key": "Owner", "tag1Value": "a, b"}},
		{in: `{"blockedPort1": 22, "x": 2.5e1}`, want: Params{"blockedPort1": "22", "x": "2.5e1"}},
		{in: `{"isMfaDeleteEnabled": true, "b": false}`, want: Params{"isMfaDeleteEnabled": "true", "b": "false"}},
		{in: `{"kmsId": null, "a": "\u00e9\n"}`, want: Params{"a": "é\n"}},
		{in: `{"a":"1","a":"2"}`, want: Params{"a": "2"}},
		{in: `{"a": [1]}`, wantErr: `parameter "a": want a string, got an array`},
		{in: `{"a": {"b": "c"}}`, wantErr: `parameter "a": want a string, got an object`},
		{in: `[]`, wantErr: "not a JSON object"},
		{in: `null`, wantErr: "not a JSON object"},
		{in: `"{}"`, wantErr: "not a JSON object"},
		{in: `{`, wantErr: "not valid JSON"},
		{in: `{"a":"b"} x`, wantErr: "not valid JSON"},
		{in: `{"a":tru}`, wantErr: "not valid JSON"},
	}
	for _, tc := range tests {
		got, err := ParseParams(tc.in)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseParams(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("ParseParams(%q): %v", tc.in, err)
		case !maps.Equal(got, tc.want) || got == nil:
			t.Errorf("ParseParams(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestValidateParams(t *testing.T) {
	tests := []struct {
		id      string
		p       Params
		wantErr string // "" = valid
	}{
		{"RESTRICTED_INCOMING_TRAFFIC", nil, ""},
		{"RESTRICTED_INCOMING_TRAFFIC", Params{"blockedPort1": "22", "blockedPort5": " 8080 ", "blockedPorts": "20, 21,,3306 ,", "unknown": "x"}, ""},
		{"RESTRICTED_INCOMING_TRAFFIC", Params{"blockedPort1": "", "blockedPort2": "  "}, ""},
		{"RESTRICTED_INCOMING_TRAFFIC", Params{"blockedPort1": "ssh"}, "blockedPort1"},
		{"RESTRICTED_INCOMING_TRAFFIC", Params{"blockedPort3": "22.5"}, "blockedPort3"},
		{"RESTRICTED_INCOMING_TRAFFIC", Params{"blockedPort4": "65536"}, "blockedPort4"},
		{"RESTRICTED_INCOMING_TRAFFIC", Params{"blockedPort2": "-1"}, "blockedPort2"},
		{"RESTRICTED_INCOMING_TRAFFIC", Params{"blockedPorts": "20,21-25"}, "blockedPorts"},
		{"RESTRICTED_INCOMING_TRAFFIC", Params{"blockedPorts": "20;21"}, "blockedPorts"},
		{"REQUIRED_TAGS", nil, ""},
		{"REQUIRED_TAGS", Params{"tag1Value": "a,b"}, ""},
		{"REQUIRED_TAGS", Params{"tag2Key": "Env", "tag2Value": "prod", "tag6Key": "Owner"}, ""},
		{"REQUIRED_TAGS", Params{"tag3Value": "prod"}, "tag3Value"},
		{"REQUIRED_TAGS", Params{"tag4Key": " ", "tag4Value": "x"}, "tag4Key"},
		{"VPC_FLOW_LOGS_ENABLED", Params{"trafficType": "REJECT"}, ""},
		{"VPC_FLOW_LOGS_ENABLED", Params{"trafficType": "accept"}, ""},
		{"VPC_FLOW_LOGS_ENABLED", Params{"trafficType": "BOTH"}, "trafficType"},
		{"S3_BUCKET_VERSIONING_ENABLED", Params{"isMfaDeleteEnabled": "TRUE"}, ""},
		{"ENCRYPTED_VOLUMES", Params{"kmsId": "alias/aws/ebs"}, ""},
		{"RDS_STORAGE_ENCRYPTED", Params{"kmsKeyId": "anything"}, ""},
		{"INCOMING_SSH_DISABLED", Params{"blockedPort1": "x"}, ""}, // not its parameter
		{"S3_BUCKET_PUBLIC_READ_PROHIBITED", Params{"x": "y"}, ""},
		{"EC2_INSTANCE_NO_PUBLIC_IP", nil, ""},
	}
	for _, tc := range tests {
		err := mustRule(t, tc.id).ValidateParams(tc.p)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s.ValidateParams(%v): %v", tc.id, tc.p, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s.ValidateParams(%v) = %v, want an error naming %s", tc.id, tc.p, err, tc.wantErr)
		}
	}
}

// TestInvalidParamsEvaluate: a rule evaluated with parameters that
// ValidateParams refuses answers INSUFFICIENT_DATA, naming the parameter.
func TestInvalidParamsEvaluate(t *testing.T) {
	sg := item("AWS::EC2::SecurityGroup", "sg-1", `{"ipPermissions":[]}`)
	vpc := item("AWS::EC2::VPC", "vpc-1", `{}`)
	tagged := withTags(item("AWS::S3::Bucket", "b", `{}`), map[string]string{"CostCenter": "1"})
	for _, tc := range []struct {
		id    string
		it    inventory.Item
		p     Params
		param string
	}{
		{"RESTRICTED_INCOMING_TRAFFIC", sg, Params{"blockedPort2": "ftp"}, "blockedPort2"},
		{"RESTRICTED_INCOMING_TRAFFIC", sg, Params{"blockedPorts": "1,x"}, "blockedPorts"},
		{"REQUIRED_TAGS", tagged, Params{"tag5Value": "a"}, "tag5Value"},
		{"VPC_FLOW_LOGS_ENABLED", vpc, Params{"trafficType": "SOME"}, "trafficType"},
	} {
		r := mustRule(t, tc.id)
		if r.ValidateParams(tc.p) == nil {
			t.Fatalf("%s: ValidateParams(%v) = nil", tc.id, tc.p)
		}
		v := r.Evaluate(&tc.it, tc.p, envOf())
		if v.ComplianceType != compliance.InsufficientData || !strings.Contains(v.Annotation, tc.param) {
			t.Errorf("%s with %v: %+v, want INSUFFICIENT_DATA naming %s", tc.id, tc.p, v, tc.param)
		}
	}
}

// itemsInScope returns, for each rule, a well-formed CI of each type in its
// scope that it does not find NOT_APPLICABLE.
func itemsInScope(t *testing.T) map[string]inventory.Item {
	return map[string]inventory.Item{
		"S3_BUCKET_VERSIONING_ENABLED":     load(t, "rdk_ci_file_form_s3_bucket.json"),
		"S3_BUCKET_PUBLIC_READ_PROHIBITED": load(t, "rdk_ci_file_form_s3_bucket.json"),
		"ENCRYPTED_VOLUMES":                load(t, "rdk_ci_console_form_ec2_volume.json"),
		"INCOMING_SSH_DISABLED":            load(t, "c7n_select_resource_config_security_group.json"),
		"RESTRICTED_INCOMING_TRAFFIC":      load(t, "c7n_select_resource_config_security_group.json"),
		"REQUIRED_TAGS":                    load(t, "rdk_ci_console_form_rds_db_instance.json"),
		"RDS_STORAGE_ENCRYPTED":            load(t, "rdk_ci_console_form_rds_db_instance.json"),
		"EC2_INSTANCE_NO_PUBLIC_IP":        load(t, "rdk_ci_console_form_ec2_instance.json"),
		"VPC_FLOW_LOGS_ENABLED":            loadItems(t, "vpc_flow_logs.json")[0],
	}
}

// TestCommonNotApplicable: § "Rules common to all ten" item 2, for every
// rule: deleted and not-recorded items are NOT_APPLICABLE, and so is an
// item of a type outside the rule's scope; a nil item does not panic.
func TestCommonNotApplicable(t *testing.T) {
	items := itemsInScope(t)
	env := envOf(loadItems(t, "vpc_flow_logs.json")...)
	for _, id := range Identifiers() {
		r := mustRule(t, id)
		base, ok := items[id]
		if !ok {
			t.Fatalf("no item for %s", id)
		}
		v := r.Evaluate(&base, nil, env)
		checkVerdict(t, &base, v)
		if v.ComplianceType == compliance.NotApplicable || v.ComplianceType == compliance.InsufficientData {
			t.Fatalf("%s: base item %+v", id, v)
		}
		for _, status := range []string{inventory.StatusResourceDeleted, inventory.StatusResourceDeletedNotRecorded, inventory.StatusResourceNotRecorded} {
			it := withStatus(base, status)
			if status != inventory.StatusResourceNotRecorded {
				it.Configuration = []byte("null") // as AWS records a deletion
			}
			v := r.Evaluate(&it, nil, env)
			checkVerdict(t, &it, v)
			if v.ComplianceType != compliance.NotApplicable {
				t.Errorf("%s on a %s item: %+v", id, status, v)
			}
		}
		for _, status := range []string{inventory.StatusOK, inventory.StatusResourceDiscovered, ""} {
			it := withStatus(base, status)
			if v := r.Evaluate(&it, nil, env); v.ComplianceType == compliance.NotApplicable {
				t.Errorf("%s on a %q item: %+v", id, status, v)
			}
		}
		other := base
		other.ResourceType = "AWS::IAM::Role"
		v = r.Evaluate(&other, nil, env)
		checkVerdict(t, &other, v)
		if v.ComplianceType != compliance.NotApplicable || !strings.Contains(v.Annotation, "AWS::IAM::Role") {
			t.Errorf("%s on an IAM role: %+v", id, v)
		}
		if v := r.Evaluate(nil, nil, nil); v.ComplianceType != compliance.NotApplicable {
			t.Errorf("%s on nil: %+v", id, v)
		}
	}
}

// TestAbsentConfiguration: the rules that read the configuration answer
// INSUFFICIENT_DATA for a live item without one; REQUIRED_TAGS does not
// read it.
func TestAbsentConfiguration(t *testing.T) {
	items := itemsInScope(t)
	env := envOf(loadItems(t, "vpc_flow_logs.json")...)
	readsConfig := map[string]bool{
		"ENCRYPTED_VOLUMES": true, "INCOMING_SSH_DISABLED": true, "RESTRICTED_INCOMING_TRAFFIC": true,
		"RDS_STORAGE_ENCRYPTED": true, "EC2_INSTANCE_NO_PUBLIC_IP": true,
	}
	for _, id := range Identifiers() {
		for _, conf := range []string{"", "null", " null "} {
			it := withConf(items[id], conf)
			v := mustRule(t, id).Evaluate(&it, nil, env)
			if got := v.ComplianceType == compliance.InsufficientData; got != readsConfig[id] {
				t.Errorf("%s with configuration %q: %+v", id, conf, v)
			}
		}
	}
}

func TestAnnotationTruncated(t *testing.T) {
	long := strings.Repeat("é", 300)
	it := withTags(item("AWS::S3::Bucket", "b", `{}`), map[string]string{long: strings.Repeat("x", 300)})
	v := mustRule(t, "REQUIRED_TAGS").Evaluate(&it, Params{"tag1Key": long, "tag1Value": strings.Repeat("y,", 200)}, nil)
	if v.ComplianceType != compliance.NonCompliant {
		t.Fatalf("%+v", v)
	}
	if n := utf8.RuneCountInString(v.Annotation); n > MaxAnnotation || !utf8.ValidString(v.Annotation) {
		t.Errorf("annotation of %d runes, valid %v", n, utf8.ValidString(v.Annotation))
	}
	if got := truncate(strings.Repeat("a", 300)); utf8.RuneCountInString(got) != MaxAnnotation || !strings.HasSuffix(got, "…") {
		t.Errorf("truncate: %d runes %q", utf8.RuneCountInString(got), got[len(got)-5:])
	}
	if got := truncate(strings.Repeat("é", MaxAnnotation)); got != strings.Repeat("é", MaxAnnotation) {
		t.Errorf("truncate cut a string of exactly %d runes", MaxAnnotation)
	}
}

// TestSourceEnv: a SourceEnv gives the same verdicts as an Env that
// derives anew each time, concurrently, and derives once per source.
func TestSourceEnv(t *testing.T) {
	items := loadItems(t, "vpc_flow_logs.json")
	vpcRule := mustRule(t, "VPC_FLOW_LOGS_ENABLED")
	se := NewSourceEnv(items)
	if got := len(se.Related("AWS::EC2::FlowLog")); got != 2 {
		t.Fatalf("Related(FlowLog) has %d items", got)
	}
	if got := se.Related("AWS::Nothing"); got != nil {
		t.Fatalf("Related(AWS::Nothing) = %v", got)
	}
	want := map[string]string{}
	for i := range items {
		if items[i].ResourceType == "AWS::EC2::VPC" {
			want[items[i].ResourceID] = vpcRule.Evaluate(&items[i], nil, plainEnv(items)).ComplianceType
		}
	}
	if want["vpc-0a1b2c3d4e5f60718"] != compliance.Compliant || want["vpc-0f9e8d7c6b5a40312"] != compliance.NonCompliant {
		t.Fatalf("plain env: %v", want)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range items {
				if items[i].ResourceType != "AWS::EC2::VPC" {
					continue
				}
				if got := vpcRule.Evaluate(&items[i], nil, se).ComplianceType; got != want[items[i].ResourceID] {
					t.Errorf("%s: %s, want %s", items[i].ResourceID, got, want[items[i].ResourceID])
				}
			}
		})
	}
	wg.Wait()
	se.mu.Lock()
	n := len(se.memo)
	se.mu.Unlock()
	if n != 1 {
		t.Errorf("%d derived values, want 1", n)
	}
}

// TestNilSourceEnv: a nil or zero *SourceEnv is an Env without items.
func TestNilSourceEnv(t *testing.T) {
	vpc := loadItems(t, "vpc_flow_logs.json")[0]
	bucket := load(t, "api_form_s3_bucket.json")
	var nilEnv *SourceEnv
	for _, env := range []Env{nilEnv, &SourceEnv{}} {
		if v := mustRule(t, "VPC_FLOW_LOGS_ENABLED").Evaluate(&vpc, nil, env); v.ComplianceType != compliance.NonCompliant {
			t.Errorf("VPC with %#v: %+v", env, v)
		}
		if v := mustRule(t, "S3_BUCKET_PUBLIC_READ_PROHIBITED").Evaluate(&bucket, nil, env); v.ComplianceType != compliance.NonCompliant {
			t.Errorf("bucket with %#v: %+v", env, v)
		}
	}
}
