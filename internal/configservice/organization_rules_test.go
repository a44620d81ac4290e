package configservice

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/store"
)

func TestOrganizationRuleDraft(t *testing.T) {
	managed := &configapi.OrganizationManagedRuleMetadata{RuleIdentifier: ptr("S3_BUCKET_VERSIONING_ENABLED"),
		ResourceTypesScope: []string{"AWS::S3::Bucket"}, TagKeyScope: ptr("team"), Description: ptr("d")}
	lambda := &configapi.OrganizationCustomRuleMetadata{LambdaFunctionArn: ptr("arn:aws:lambda:us-east-1:111111111111:function:f"),
		OrganizationConfigRuleTriggerTypes: []string{"ConfigurationItemChangeNotification", "ScheduledNotification"},
		MaximumExecutionFrequency:          ptr("Six_Hours")}
	policy := &configapi.OrganizationCustomPolicyRuleMetadata{PolicyRuntime: ptr("guard-2.x.x"), PolicyText: ptr("rule x {}"),
		DebugLogDeliveryAccounts: []string{"111111111111"}}
	tests := []struct {
		name string
		in   configapi.PutOrganizationConfigRuleRequest
		code string
		// rule renders the rule each account gets.
		rule string
	}{
		{"managed", configapi.PutOrganizationConfigRuleRequest{OrganizationManagedRuleMetadata: managed}, "",
			"AWS S3_BUCKET_VERSIONING_ENABLED [] [AWS::S3::Bucket] team d"},
		{"custom Lambda", configapi.PutOrganizationConfigRuleRequest{OrganizationCustomRuleMetadata: lambda}, "",
			"CUSTOM_LAMBDA arn:aws:lambda:us-east-1:111111111111:function:f [ConfigurationItemChangeNotification: ScheduledNotification:Six_Hours] []  "},
		{"custom policy, default trigger", configapi.PutOrganizationConfigRuleRequest{OrganizationCustomPolicyRuleMetadata: policy}, "",
			"CUSTOM_POLICY  [ConfigurationItemChangeNotification:] []  "},
		{"none", configapi.PutOrganizationConfigRuleRequest{}, "InvalidParameterValueException", ""},
		{"managed and policy", configapi.PutOrganizationConfigRuleRequest{OrganizationManagedRuleMetadata: managed, OrganizationCustomPolicyRuleMetadata: policy},
			"InvalidParameterValueException", ""},
		{"custom Lambda without triggers", configapi.PutOrganizationConfigRuleRequest{OrganizationCustomRuleMetadata: &configapi.OrganizationCustomRuleMetadata{
			LambdaFunctionArn: lambda.LambdaFunctionArn}}, "InvalidParameterValueException", ""},
		{"bad parameters", configapi.PutOrganizationConfigRuleRequest{OrganizationManagedRuleMetadata: &configapi.OrganizationManagedRuleMetadata{
			RuleIdentifier: managed.RuleIdentifier, InputParameters: ptr("[1]")}}, "InvalidParameterValueException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.OrganizationConfigRuleName = ptr("r")
			d, err := draftOrgRule(&tt.in)
			if got := code(err); got != tt.code {
				t.Fatalf("draftOrgRule() = %v; want code %q", err, tt.code)
			}
			if err != nil {
				return
			}
			r := d.rule
			var details []string
			for _, sd := range r.Source.SourceDetails {
				if deref(sd.EventSource) != "aws.config" {
					t.Errorf("event source %q", deref(sd.EventSource))
				}
				details = append(details, deref(sd.MessageType)+":"+deref(sd.MaximumExecutionFrequency))
			}
			var types []string
			tag := ""
			if r.Scope != nil {
				types, tag = r.Scope.ComplianceResourceTypes, deref(r.Scope.TagKey)
			}
			got := fmt.Sprintf("%s %s %v %v %s %s", deref(r.Source.Owner), deref(r.Source.SourceIdentifier), details, types, tag, deref(r.Description))
			if got != tt.rule {
				t.Errorf("rule = %q; want %q", got, tt.rule)
			}
			if deref(d.api.OrganizationConfigRuleName) != "r" {
				t.Errorf("api name = %q", deref(d.api.OrganizationConfigRuleName))
			}
			if tt.in.OrganizationCustomPolicyRuleMetadata != nil {
				if d.api.OrganizationCustomPolicyRuleMetadata == nil || deref(d.policyText) != "rule x {}" || !slices.Equal(d.debug, []string{"111111111111"}) ||
					deref(r.Source.CustomPolicyDetails.PolicyText) != "rule x {}" {
					t.Errorf("policy draft = %+v", d)
				}
			}
		})
	}
}

// TestOrganizationReconcile checks the statuses a deployment records, account by
// account and for the organization, and which accounts it removes from.
func TestOrganizationReconcile(t *testing.T) {
	s := New(Options{Clock: clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))})
	ctx := context.Background()
	var removed []string
	failing := map[string]bool{}
	dep := orgDeployer{
		deploy: func(_ context.Context, ns store.Namespace) error {
			if ns.Region != "eu-west-1" {
				t.Errorf("deployed in %s", ns.Region)
			}
			if failing[ns.Owner] {
				return configapi.NoAvailableConfigurationRecorder(msgNoRecorderForRule)
			}
			return nil
		},
		remove: func(_ context.Context, ns store.Namespace) error {
			removed = append(removed, ns.Owner)
			return nil
		},
	}
	render := func(d *orgDeployment) string {
		var out []string
		for _, a := range slices.Sorted(maps.Keys(d.Members)) {
			m := d.Members[a]
			out = append(out, fmt.Sprintf("%s=%s/%v/%s", a, m.Status, m.Deployed, m.ErrorCode))
		}
		return d.Status + "(" + d.ErrorCode + ") " + strings.Join(out, " ")
	}
	var d orgDeployment
	failing["b"] = true
	if err := s.reconcile(ctx, "eu-west-1", &d, "n", []string{"a", "b", "c"}, false, dep); err != nil {
		t.Fatal(err)
	}
	if got, want := render(&d), "CREATE_FAILED(NoAvailableConfigurationRecorderException) a=CREATE_SUCCESSFUL/true/ b=CREATE_FAILED/false/NoAvailableConfigurationRecorderException c=CREATE_SUCCESSFUL/true/"; got != want {
		t.Errorf("create:\n got %s\nwant %s", got, want)
	}
	// b now succeeds, c fails an update, a is excluded.
	failing = map[string]bool{"c": true}
	if err := s.reconcile(ctx, "eu-west-1", &d, "n", []string{"b", "c", "d"}, true, dep); err != nil {
		t.Fatal(err)
	}
	if got, want := render(&d), "UPDATE_FAILED(NoAvailableConfigurationRecorderException) b=CREATE_SUCCESSFUL/true/ c=UPDATE_FAILED/true/NoAvailableConfigurationRecorderException d=CREATE_SUCCESSFUL/true/"; got != want {
		t.Errorf("update:\n got %s\nwant %s", got, want)
	}
	if fmt.Sprint(removed) != "[a]" {
		t.Errorf("removed from %v; want [a]", removed)
	}
	// A failure that is not the account's fails the put.
	dep.deploy = func(context.Context, store.Namespace) error { return errors.New("disk on fire") }
	if err := s.reconcile(ctx, "eu-west-1", &d, "n", []string{"b"}, true, dep); err == nil {
		t.Error("a storage error did not fail the put")
	}
	// No targets: successful, with no accounts.
	var empty orgDeployment
	if err := s.reconcile(ctx, "eu-west-1", &empty, "n", nil, false, dep); err != nil || render(&empty) != "CREATE_SUCCESSFUL() " {
		t.Errorf("no targets: %s, %v", render(&empty), err)
	}
}

func TestOrganizationMemberPage(t *testing.T) {
	members := map[string]memberDeployment{"3": {Status: "CREATE_FAILED"}, "1": {Status: "CREATE_SUCCESSFUL"}, "2": {Status: "CREATE_SUCCESSFUL"}}
	for _, tt := range []struct {
		account, status, after string
		limit                  int
		want                   string
	}{
		{"", "", "", 10, "[1 2 3] false"},
		{"", "", "", 2, "[1 2] true"},
		{"", "", "2", 2, "[3] false"},
		{"", "CREATE_SUCCESSFUL", "", 10, "[1 2] false"},
		{"3", "", "", 10, "[3] false"},
		{"3", "CREATE_SUCCESSFUL", "", 10, "[] false"},
	} {
		ids, more := memberPage(members, tt.account, tt.status, tt.after, tt.limit)
		if got := fmt.Sprint(ids, more); got != tt.want {
			t.Errorf("memberPage(%q, %q, %q, %d) = %s; want %s", tt.account, tt.status, tt.after, tt.limit, got, tt.want)
		}
	}
}
