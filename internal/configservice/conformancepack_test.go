package configservice

import (
	"testing"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/store"
)

// TestPackCompliance checks AWS's definition of a pack's compliance
// (AggregateConformancePackCompliance): noncompliant if any rule is,
// compliant if every rule with a result that decides is compliant (rules
// with insufficient data do not count), insufficient data only if no rule
// has a result that decides.
func TestPackCompliance(t *testing.T) {
	counts := map[string]compliance.RuleCounts{
		"ok":   {Compliant: 3},
		"bad":  {Compliant: 3, NonCompliant: 1},
		"na":   {NotApplicable: 2},
		"none": {},
	}
	get := func(r string) compliance.RuleCounts { return counts[r] }
	for _, tc := range []struct {
		rules []string
		want  string
		pc    packCompliance
	}{
		{[]string{"ok", "na", "none"}, compliance.Compliant, packCompliance{compliant: 1, total: 3}},
		{[]string{"ok", "bad"}, compliance.NonCompliant, packCompliance{compliant: 1, nonCompliant: 1, total: 2}},
		{[]string{"bad"}, compliance.NonCompliant, packCompliance{nonCompliant: 1, total: 1}},
		{[]string{"na", "none"}, compliance.InsufficientData, packCompliance{total: 2}},
		{nil, compliance.InsufficientData, packCompliance{}},
	} {
		pc := packComplianceOf(tc.rules, get)
		if pc != tc.pc || pc.complianceType() != tc.want {
			t.Errorf("%v: %+v %s; want %+v %s", tc.rules, pc, pc.complianceType(), tc.pc, tc.want)
		}
	}
	for name, want := range map[string]string{"ok": compliance.Compliant, "bad": compliance.NonCompliant, "na": compliance.InsufficientData} {
		if got := packRuleCompliance(counts[name]); got != want {
			t.Errorf("rule %s: %s; want %s", name, got, want)
		}
	}
}

// TestDraftRules checks that a template's rules are checked as
// PutConfigRule checks a rule, named as the pack names them.
func TestDraftRules(t *testing.T) {
	ns := store.Regional("111111111111", "us-east-1")
	put := func(body string) (*configapi.PutConformancePackRequest, []draftRule, error) {
		in := &configapi.PutConformancePackRequest{ConformancePackName: ptr("p"), TemplateBody: &body}
		d, err := draftRules(ns, in)
		return in, d, err
	}
	_, d, err := put(`
Resources:
  Lambda:
    Type: AWS::Config::ConfigRule
    Controls: [A-1]
    Properties:
      ConfigRuleName: checks
      Source:
        Owner: CUSTOM_LAMBDA
        SourceIdentifier: !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:check"
        SourceDetails: [{EventSource: aws.config, MessageType: ConfigurationItemChangeNotification}]
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 1 || d[0].name != "checks" || d[0].logical != "Lambda" || len(d[0].controls) != 1 ||
		*d[0].rule.Source.SourceIdentifier != "arn:aws:lambda:us-east-1:111111111111:function:check" || d[0].rule.ConfigRuleName != nil {
		t.Errorf("drafts = %+v", d)
	}
	for _, tc := range []struct{ name, body, code, msg string }{
		{"no source details", `
Resources:
  Lambda:
    Type: AWS::Config::ConfigRule
    Properties:
      Source: {Owner: CUSTOM_LAMBDA, SourceIdentifier: "arn:aws:lambda:us-east-1:111111111111:function:check"}
`, "ConformancePackTemplateValidationException", templateMsg("Resources.Lambda: The SourceDetails of a CUSTOM_LAMBDA rule cannot be empty. Specify at least one source detail.")},
		{"bad owner", `
Resources:
  R:
    Type: AWS::Config::ConfigRule
    Properties: {Source: {Owner: ME}}
`, "ConformancePackTemplateValidationException", templateMsg("Resources.R: 1 validation error detected: Value 'ME' at 'source.owner' failed to satisfy constraint: " +
			"Member must satisfy enum value set: [CUSTOM_LAMBDA, AWS, CUSTOM_POLICY]")},
		{"too many controls", `
Resources:
  R:
    Type: AWS::Config::ConfigRule
    Controls: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u]
    Properties: {Source: {Owner: AWS, SourceIdentifier: X}}
`, "ConformancePackTemplateValidationException", templateMsg("Resources.R.Controls: A rule can list at most 20 controls.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := put(tc.body)
			if code(err) != tc.code || err.(*apierr.Error).Message != tc.msg {
				t.Errorf("draftRules = %v;\nwant %s: %s", err, tc.code, tc.msg)
			}
		})
	}
}

func templateMsg(detail string) string { return msgTemplatePrefix + detail + msgTemplateSuffix }
