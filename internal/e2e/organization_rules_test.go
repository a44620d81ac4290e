package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/starlingcfg/starling/internal/api/orgapi"
)

// Organization Config rules and organization conformance packs: their
// deployment into the organization's accounts, who may call them, their
// errors.

const multiAccountPrincipal = "config-multiaccountsetup.amazonaws.com"

// Messages of the organization rule and pack operations.
const (
	msgOrgNotInOrganization = "This action can only be made by accounts in an AWS Organization"
	msgOrgNotAdmin          = "This action can only be made by the management account of an AWS Organization or by a delegated administrator " +
		"registered for config-multiaccountsetup.amazonaws.com."
	msgOrgRuleMetadata = "Specify either OrganizationCustomRuleMetadata or OrganizationManagedRuleMetadata in the input."
	msgNoSuchOrgRule   = "One or more organization config rules with specified names are not present. " +
		"Ensure your names are correct and try your request again later."
	msgNoSuchOrgPack = "One or more organization conformance packs with specified names are not present. " +
		"Ensure your names are correct and try your request again later."
	msgServiceLinkedRule = "An AWS service owns ServiceLinkedConfigRule. You do not have permissions to take action on this rule."
	msgOrgOwnedPack      = "An AWS service owns ServiceLinkedConformancePack. You do not have permissions to take action on this conformance pack."
	msgNoOrgTemplate     = "You must specify either the TemplateS3Uri or the TemplateBody parameter, but not both."
	msgNoTemplateS3      = "Starling reads conformance pack templates from TemplateBody only: it has no Amazon S3 to read " +
		"TemplateS3Uri from. Pass the template's text in TemplateBody."
)

var (
	orgRuleARN       = regexp.MustCompile(`^arn:aws:config:us-east-1:` + mgmt + `:organization-config-rule/versioning-([a-z0-9]{8})$`)
	orgPackARN       = regexp.MustCompile(`^arn:aws:config:us-east-1:` + mgmt + `:organization-conformance-pack/ops-([a-z0-9]{8})$`)
	orgMemberRuleARN = regexp.MustCompile(`^arn:aws:config:us-east-1:\d{12}:config-rule/aws-service-rule/config-multiaccountsetup\.amazonaws\.com/config-rule-[a-z0-9]{6}$`)
)

// orgRulesSetup creates mgmt's organization, with all features, of admin
// and member; mgmt and member record in us-east-1 and each has two
// buckets, one versioned; admin has no configuration recorder.
func orgRulesSetup(t *testing.T, s *server) {
	t.Helper()
	s.newOrg(t, mgmt, orgtypes.OrganizationFeatureSetAll)
	s.admit(t, mgmt, admin)
	s.admit(t, mgmt, member)
	at := testEpoch.Add(-time.Hour)
	for _, a := range []string{mgmt, member} {
		startRecording(t, s.config(a, "us-east-1"), nil)
		s.mustIngest(t, a, "us-east-1",
			bucketItem(a, "us-east-1", "on-"+a, "Enabled", 1, at),
			bucketItem(a, "us-east-1", "off-"+a, "Off", 1, at))
	}
}

// registerOrgAdmin makes the account a delegated administrator for
// organization rules and packs.
func registerOrgAdmin(t *testing.T, s *server, account string) {
	t.Helper()
	ctx := context.Background()
	o := s.orgs(mgmt)
	_ = must(o.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(multiAccountPrincipal)})).get(t)
	_ = must(o.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(account), ServicePrincipal: aws.String(multiAccountPrincipal)})).get(t)
}

// putOrgManaged is a PutOrganizationConfigRule of S3_BUCKET_VERSIONING_ENABLED.
func putOrgManaged(name string, excluded ...string) *configservice.PutOrganizationConfigRuleInput {
	return &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String(name), ExcludedAccounts: excluded,
		OrganizationManagedRuleMetadata: &types.OrganizationManagedRuleMetadata{RuleIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED"),
			ResourceTypesScope: []string{"AWS::S3::Bucket"}}}
}

// memberStatuses renders an organization rule's detailed status:
// "account=STATUS" or "account=STATUS(code: message)", by account.
func memberStatuses(t *testing.T, c *configservice.Client, name string, f *types.StatusDetailFilters) string {
	t.Helper()
	var out []string
	var token *string
	for {
		page := must(c.GetOrganizationConfigRuleDetailedStatus(context.Background(), &configservice.GetOrganizationConfigRuleDetailedStatusInput{
			OrganizationConfigRuleName: aws.String(name), Filters: f, Limit: 1, NextToken: token})).get(t)
		for _, m := range page.OrganizationConfigRuleDetailedStatus {
			s := aws.ToString(m.AccountId) + "=" + string(m.MemberAccountRuleStatus)
			if m.ErrorCode != nil {
				s += "(" + aws.ToString(m.ErrorCode) + ": " + aws.ToString(m.ErrorMessage) + ")"
			}
			if m.LastUpdateTime == nil || !strings.HasPrefix(aws.ToString(m.ConfigRuleName), "OrgConfigRule-"+name+"-") {
				t.Errorf("member status %+v", m)
			}
			out = append(out, s)
		}
		if token = page.NextToken; token == nil {
			return strings.Join(out, " ")
		}
	}
}

// orgRuleStatus renders an organization rule's status.
func orgRuleStatus(t *testing.T, c *configservice.Client, name string) string {
	t.Helper()
	st := must(c.DescribeOrganizationConfigRuleStatuses(context.Background(), &configservice.DescribeOrganizationConfigRuleStatusesInput{
		OrganizationConfigRuleNames: []string{name}})).get(t).OrganizationConfigRuleStatuses
	if len(st) != 1 || aws.ToString(st[0].OrganizationConfigRuleName) != name || st[0].LastUpdateTime == nil {
		t.Fatalf("statuses of %s = %+v", name, st)
	}
	s := string(st[0].OrganizationRuleStatus)
	if st[0].ErrorCode != nil {
		s += "(" + aws.ToString(st[0].ErrorCode) + ")"
	}
	return s
}

// orgMemberRule returns the account's rule that the organization rule
// deployed, nil if it has none.
func orgMemberRule(t *testing.T, c *configservice.Client, name string) *types.ConfigRule {
	t.Helper()
	for _, r := range must(c.DescribeConfigRules(context.Background(), &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules {
		if strings.HasPrefix(aws.ToString(r.ConfigRuleName), "OrgConfigRule-"+name+"-") {
			return &r
		}
	}
	return nil
}

// TestOrganizationConfigRule checks the life of an organization rule: its
// deployment into every account, evaluated there and seen by an
// organization aggregator; an account without a recorder; an update; an
// excluded account; the accounts' rules being out of their reach; tags;
// the delete.
func TestOrganizationConfigRule(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	orgRulesSetup(t, s)
	c := s.config(mgmt, "us-east-1")

	in := putOrgManaged("versioning")
	in.Tags = tagsOf("team", "sec")
	arn := aws.ToString(must(c.PutOrganizationConfigRule(ctx, in)).get(t).OrganizationConfigRuleArn)
	m := orgRuleARN.FindStringSubmatch(arn)
	if m == nil {
		t.Fatalf("ARN = %s; want %s", arn, orgRuleARN)
	}
	memberName := "OrgConfigRule-versioning-" + m[1]
	// Put enabled the trusted access of config-multiaccountsetup.
	access := must(s.orgs(mgmt).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})).get(t)
	if !slices.ContainsFunc(access.EnabledServicePrincipals, func(p orgtypes.EnabledServicePrincipal) bool {
		return aws.ToString(p.ServicePrincipal) == multiAccountPrincipal
	}) {
		t.Errorf("trusted access = %+v; want %s", access.EnabledServicePrincipals, multiAccountPrincipal)
	}

	// Each account with a recorder has the rule, evaluated; the
	// management account is one of them.
	for _, a := range []string{mgmt, member} {
		ac := s.config(a, "us-east-1")
		r := orgMemberRule(t, ac, "versioning")
		if r == nil {
			t.Fatalf("%s has no rule of the organization rule", a)
		}
		if aws.ToString(r.ConfigRuleName) != memberName || aws.ToString(r.CreatedBy) != multiAccountPrincipal ||
			!orgMemberRuleARN.MatchString(aws.ToString(r.ConfigRuleArn)) || !strings.Contains(aws.ToString(r.ConfigRuleArn), ":"+a+":") ||
			aws.ToString(r.Source.SourceIdentifier) != "S3_BUCKET_VERSIONING_ENABLED" || r.Source.Owner != types.OwnerAws ||
			r.Scope == nil || fmt.Sprint(r.Scope.ComplianceResourceTypes) != "[AWS::S3::Bucket]" || r.ConfigRuleState != types.ConfigRuleStateActive {
			t.Errorf("%s's rule = %+v", a, r)
		}
		if got, want := fmt.Sprint(detailsByRule(t, ac, memberName, 0)), "[off-"+a+"=NON_COMPLIANT on-"+a+"=COMPLIANT]"; got != want {
			t.Errorf("%s's results = %s; want %s", a, got, want)
		}
		// The account cannot change or delete it.
		_, err := ac.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String(memberName)})
		wantError(t, err, "AccessDeniedException", msgServiceLinkedRule)
		_, err = ac.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String(memberName),
			Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("ENCRYPTED_VOLUMES")}}})
		wantError(t, err, "AccessDeniedException", msgServiceLinkedRule)
	}
	// A bucket recorded later is evaluated as it is recorded.
	s.mustIngest(t, member, "us-east-1", bucketItem(member, "us-east-1", "late-"+member, "Enabled", 1, testEpoch))
	if got := fmt.Sprint(detailsByRule(t, s.config(member, "us-east-1"), memberName, 0)); !strings.Contains(got, "late-"+member+"=COMPLIANT") {
		t.Errorf("member's results after a new bucket = %s", got)
	}
	// The admin account has no recorder: its deployment failed, and with
	// it the organization rule's.
	wantStatuses := mgmt + "=CREATE_SUCCESSFUL " + admin + "=CREATE_FAILED(NoAvailableConfigurationRecorderException: " + msgNoRecorderForRule + ") " +
		member + "=CREATE_SUCCESSFUL"
	if got := memberStatuses(t, c, "versioning", nil); got != wantStatuses {
		t.Errorf("detailed status = %s;\nwant %s", got, wantStatuses)
	}
	if got := memberStatuses(t, c, "versioning", &types.StatusDetailFilters{MemberAccountRuleStatus: types.MemberAccountRuleStatusCreateFailed}); got != admin+
		"=CREATE_FAILED(NoAvailableConfigurationRecorderException: "+msgNoRecorderForRule+")" {
		t.Errorf("CREATE_FAILED filter: %s", got)
	}
	if got := memberStatuses(t, c, "versioning", &types.StatusDetailFilters{AccountId: aws.String(member)}); got != member+"=CREATE_SUCCESSFUL" {
		t.Errorf("account filter: %s", got)
	}
	if got := orgRuleStatus(t, c, "versioning"); got != "CREATE_FAILED(NoAvailableConfigurationRecorderException)" {
		t.Errorf("status = %s; want CREATE_FAILED", got)
	}
	if r := orgMemberRule(t, s.config(admin, "us-east-1"), "versioning"); r != nil {
		t.Errorf("admin has %+v; want no rule", r)
	}

	// An organization aggregator sees the accounts' rules and results.
	_ = must(s.orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})).get(t)
	_ = must(c.PutConfigurationAggregator(ctx, putOrg("org"))).get(t)
	byRules := must(c.DescribeAggregateComplianceByConfigRules(ctx, &configservice.DescribeAggregateComplianceByConfigRulesInput{
		ConfigurationAggregatorName: aws.String("org"), Filters: &types.ConfigRuleComplianceFilters{AwsRegion: aws.String("us-east-1")}})).get(t).AggregateComplianceByConfigRules
	var got []string
	for _, r := range byRules {
		got = append(got, aws.ToString(r.AccountId)+"/"+aws.ToString(r.ConfigRuleName)+"="+string(r.Compliance.ComplianceType))
	}
	if want := fmt.Sprint([]string{mgmt + "/" + memberName + "=NON_COMPLIANT", member + "/" + memberName + "=NON_COMPLIANT"}); fmt.Sprint(got) != want {
		t.Errorf("aggregated compliance = %v; want %s", got, want)
	}

	// Describe.
	rules := must(c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})).get(t).OrganizationConfigRules
	if len(rules) != 1 || aws.ToString(rules[0].OrganizationConfigRuleArn) != arn || aws.ToString(rules[0].OrganizationConfigRuleName) != "versioning" ||
		rules[0].OrganizationManagedRuleMetadata == nil || aws.ToString(rules[0].OrganizationManagedRuleMetadata.RuleIdentifier) != "S3_BUCKET_VERSIONING_ENABLED" ||
		rules[0].LastUpdateTime == nil || rules[0].OrganizationCustomRuleMetadata != nil {
		t.Errorf("DescribeOrganizationConfigRules = %+v", rules)
	}
	// Tags, through the ARN.
	_ = must(c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: aws.String(arn), Tags: tagsOf("env", "prod")})).get(t)
	_ = must(c.UntagResource(ctx, &configservice.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}})).get(t)
	if got := tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).get(t).Tags); got != "env=prod" {
		t.Errorf("tags = %s; want env=prod", got)
	}

	// The admin account gets a recorder; an update deploys there and
	// updates the others, and keeps the ARN and tags.
	startRecording(t, s.config(admin, "us-east-1"), nil)
	up := putOrgManaged("versioning")
	up.OrganizationManagedRuleMetadata.Description = aws.String("versioned buckets")
	up.Tags = tagsOf("ignored", "on-update")
	if got := aws.ToString(must(c.PutOrganizationConfigRule(ctx, up)).get(t).OrganizationConfigRuleArn); got != arn {
		t.Errorf("ARN after an update = %s; want %s", got, arn)
	}
	if got, want := memberStatuses(t, c, "versioning", nil), mgmt+"=UPDATE_SUCCESSFUL "+admin+"=CREATE_SUCCESSFUL "+member+"=UPDATE_SUCCESSFUL"; got != want {
		t.Errorf("detailed status after the update = %s; want %s", got, want)
	}
	if got := orgRuleStatus(t, c, "versioning"); got != "UPDATE_SUCCESSFUL" {
		t.Errorf("status after the update = %s", got)
	}
	for _, a := range []string{mgmt, admin, member} {
		if r := orgMemberRule(t, s.config(a, "us-east-1"), "versioning"); r == nil || aws.ToString(r.Description) != "versioned buckets" || aws.ToString(r.ConfigRuleName) != memberName {
			t.Errorf("%s's rule after the update = %+v", a, r)
		}
	}
	if got := tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).get(t).Tags); got != "env=prod" {
		t.Errorf("tags after an update = %s; want env=prod", got)
	}

	// Excluding the member removes its rule and results.
	_ = must(c.PutOrganizationConfigRule(ctx, putOrgManaged("versioning", member))).get(t)
	mc := s.config(member, "us-east-1")
	if r := orgMemberRule(t, mc, "versioning"); r != nil {
		t.Errorf("excluded member still has %+v", r)
	}
	if res := must(mc.GetComplianceDetailsByResource(ctx, &configservice.GetComplianceDetailsByResourceInput{
		ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("on-" + member)})).get(t).EvaluationResults; len(res) != 0 {
		t.Errorf("excluded member's results: %+v", res)
	}
	if got, want := memberStatuses(t, c, "versioning", nil), mgmt+"=UPDATE_SUCCESSFUL "+admin+"=UPDATE_SUCCESSFUL"; got != want {
		t.Errorf("detailed status with the member excluded = %s; want %s", got, want)
	}
	if ex := must(c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})).get(t).OrganizationConfigRules[0].ExcludedAccounts; fmt.Sprint(ex) != "["+member+"]" {
		t.Errorf("ExcludedAccounts = %v", ex)
	}
	// An account that joins the organization gets the rule at the next put.
	joined := s.createAccount(t, mgmt, "joined@example.org", "joined")
	_ = must(c.PutOrganizationConfigRule(ctx, putOrgManaged("versioning", member))).get(t)
	if got := memberStatuses(t, c, "versioning", &types.StatusDetailFilters{AccountId: aws.String(joined)}); !strings.HasPrefix(got, joined+"=CREATE_FAILED(NoAvailableConfigurationRecorderException") {
		t.Errorf("the joined account's status = %s", got)
	}

	// The delete removes the accounts' rules and their results.
	_ = must(c.DeleteOrganizationConfigRule(ctx, &configservice.DeleteOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("versioning")})).get(t)
	for _, a := range []string{mgmt, admin} {
		ac := s.config(a, "us-east-1")
		if r := orgMemberRule(t, ac, "versioning"); r != nil {
			t.Errorf("%s still has %+v after the delete", a, r)
		}
		if res := must(ac.GetComplianceDetailsByResource(ctx, &configservice.GetComplianceDetailsByResourceInput{
			ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("off-" + mgmt)})).get(t).EvaluationResults; len(res) != 0 {
			t.Errorf("%s's results after the delete: %+v", a, res)
		}
	}
	_, err := c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{OrganizationConfigRuleNames: []string{"versioning"}})
	wantError(t, err, "NoSuchOrganizationConfigRuleException", msgNoSuchOrgRule)
	_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+arn+"' does not exist")
	_, err = c.DeleteOrganizationConfigRule(ctx, &configservice.DeleteOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("versioning")})
	wantError(t, err, "NoSuchOrganizationConfigRuleException", "Could not find an OrganizationConfigRule for given request with resourceName versioning")
}

// TestOrganizationConfigRule_CustomRules checks custom Lambda and custom
// policy organization rules as the accounts get them, and
// GetOrganizationCustomRulePolicy.
func TestOrganizationConfigRule_CustomRules(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	orgRulesSetup(t, s)
	c := s.config(mgmt, "us-east-1")
	mc := s.config(member, "us-east-1")

	_ = must(c.PutOrganizationConfigRule(ctx, &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("lambda"),
		OrganizationCustomRuleMetadata: &types.OrganizationCustomRuleMetadata{
			LambdaFunctionArn:                  aws.String("arn:aws:lambda:us-east-1:" + mgmt + ":function:check"),
			OrganizationConfigRuleTriggerTypes: []types.OrganizationConfigRuleTriggerType{types.OrganizationConfigRuleTriggerTypeConfigurationItemChangeNotification, types.OrganizationConfigRuleTriggerTypeScheduledNotification},
			MaximumExecutionFrequency:          types.MaximumExecutionFrequencySixHours, TagKeyScope: aws.String("team"),
		}})).get(t)
	r := orgMemberRule(t, mc, "lambda")
	if r == nil || r.Source.Owner != types.OwnerCustomLambda || aws.ToString(r.Source.SourceIdentifier) != "arn:aws:lambda:us-east-1:"+mgmt+":function:check" ||
		len(r.Source.SourceDetails) != 2 || r.Source.SourceDetails[1].MessageType != types.MessageTypeScheduledNotification ||
		r.Source.SourceDetails[1].MaximumExecutionFrequency != types.MaximumExecutionFrequencySixHours || r.Scope == nil || aws.ToString(r.Scope.TagKey) != "team" {
		t.Errorf("member's custom Lambda rule = %+v", r)
	}
	// Its results come from PutEvaluations, as for any custom rule.
	_ = must(mc.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: r.ConfigRuleName, Evaluations: []types.Evaluation{{
		ComplianceResourceType: aws.String("AWS::S3::Bucket"), ComplianceResourceId: aws.String("on-" + member),
		ComplianceType: types.ComplianceTypeCompliant, OrderingTimestamp: aws.Time(testEpoch)}}})).get(t)
	if got := fmt.Sprint(detailsByRule(t, mc, aws.ToString(r.ConfigRuleName), 0)); got != "[on-"+member+"=COMPLIANT]" {
		t.Errorf("custom rule results = %s", got)
	}

	policy := "rule versioning { configuration.versioning == \"Enabled\" }"
	_ = must(c.PutOrganizationConfigRule(ctx, &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("policy"),
		OrganizationCustomPolicyRuleMetadata: &types.OrganizationCustomPolicyRuleMetadata{
			PolicyRuntime: aws.String("guard-2.x.x"), PolicyText: aws.String(policy), DebugLogDeliveryAccounts: []string{member},
			OrganizationConfigRuleTriggerTypes: []types.OrganizationConfigRuleTriggerTypeNoSN{types.OrganizationConfigRuleTriggerTypeNoSNConfigurationItemChangeNotification},
		}})).get(t)
	for _, a := range []string{mgmt, member} {
		r := orgMemberRule(t, s.config(a, "us-east-1"), "policy")
		if r == nil || r.Source.Owner != types.OwnerCustomPolicy || r.Source.CustomPolicyDetails == nil ||
			aws.ToString(r.Source.CustomPolicyDetails.PolicyText) != policy || r.Source.CustomPolicyDetails.EnableDebugLogDelivery != (a == member) {
			t.Errorf("%s's custom policy rule = %+v", a, r)
		}
	}
	got := must(c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{OrganizationConfigRuleNames: []string{"policy"}})).get(t).OrganizationConfigRules
	if len(got) != 1 || got[0].OrganizationCustomPolicyRuleMetadata == nil || aws.ToString(got[0].OrganizationCustomPolicyRuleMetadata.PolicyRuntime) != "guard-2.x.x" ||
		fmt.Sprint(got[0].OrganizationCustomPolicyRuleMetadata.DebugLogDeliveryAccounts) != "["+member+"]" {
		t.Errorf("DescribeOrganizationConfigRules(policy) = %+v", got)
	}
	text := must(c.GetOrganizationCustomRulePolicy(ctx, &configservice.GetOrganizationCustomRulePolicyInput{OrganizationConfigRuleName: aws.String("policy")})).get(t).PolicyText
	if aws.ToString(text) != policy {
		t.Errorf("GetOrganizationCustomRulePolicy = %q", aws.ToString(text))
	}
	_, err := c.GetOrganizationCustomRulePolicy(ctx, &configservice.GetOrganizationCustomRulePolicyInput{OrganizationConfigRuleName: aws.String("lambda")})
	wantError(t, err, "NoSuchOrganizationConfigRuleException",
		"The organization config rule 'lambda' is not a custom policy rule: only organization custom policy rules have a policy.")
	_, err = c.GetOrganizationCustomRulePolicy(ctx, &configservice.GetOrganizationCustomRulePolicyInput{OrganizationConfigRuleName: aws.String("nope")})
	wantError(t, err, "NoSuchOrganizationConfigRuleException", msgNoSuchOrgRule)
}

// TestOrganizationConfigRule_Errors checks the validation, the quota, the
// names that do not exist and the paging of organization rules.
func TestOrganizationConfigRule_Errors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, mgmt, orgtypes.OrganizationFeatureSetAll)
	c := s.config(mgmt, "us-east-1")
	managed := &types.OrganizationManagedRuleMetadata{RuleIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}
	lambda := &types.OrganizationCustomRuleMetadata{LambdaFunctionArn: aws.String("arn:aws:lambda:us-east-1:" + mgmt + ":function:f"),
		OrganizationConfigRuleTriggerTypes: []types.OrganizationConfigRuleTriggerType{types.OrganizationConfigRuleTriggerTypeConfigurationItemChangeNotification}}
	for _, tc := range []struct {
		name          string
		in            *configservice.PutOrganizationConfigRuleInput
		code, message string
	}{
		{"no metadata", &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("r")},
			"InvalidParameterValueException", msgOrgRuleMetadata},
		{"two kinds of metadata", &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("r"),
			OrganizationManagedRuleMetadata: managed, OrganizationCustomRuleMetadata: lambda}, "InvalidParameterValueException", msgOrgRuleMetadata},
		{"unknown identifier form", &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("r"),
			OrganizationManagedRuleMetadata: &types.OrganizationManagedRuleMetadata{RuleIdentifier: aws.String("not-a-rule")}}, "InvalidParameterValueException",
			"The sourceIdentifier not-a-rule is invalid. Please refer to the documentation for a list of valid sourceIdentifiers that can be used when AWS is the Owner."},
		{"frequency of a change-triggered rule", &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("r"),
			OrganizationManagedRuleMetadata: &types.OrganizationManagedRuleMetadata{RuleIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED"),
				MaximumExecutionFrequency: types.MaximumExecutionFrequencyOneHour}}, "InvalidParameterValueException",
			"A maximum execution frequency for this rule is not allowed because only a change in resources triggers this managed rule."},
		{"name pattern", &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("bad name"), OrganizationManagedRuleMetadata: managed},
			"ValidationException", "1 validation error detected: Value 'bad name' at 'organizationConfigRuleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-_]+"},
		{"excluded account form", &configservice.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("r"), OrganizationManagedRuleMetadata: managed,
			ExcludedAccounts: []string{"123"}}, "ValidationException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutOrganizationConfigRule(ctx, tc.in)
			wantError(t, err, tc.code, tc.message)
		})
	}
	if n := len(must(c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})).get(t).OrganizationConfigRules); n != 0 {
		t.Fatalf("%d organization rules after refused puts", n)
	}

	// The quota: 150. Excluding the only account deploys nothing.
	for i := range 150 {
		_ = must(c.PutOrganizationConfigRule(ctx, putOrgManaged(fmt.Sprintf("r%03d", i), mgmt))).get(t)
	}
	_, err := c.PutOrganizationConfigRule(ctx, putOrgManaged("one-more", mgmt))
	wantError(t, err, "MaxNumberOfOrganizationConfigRulesExceededException",
		"Failed to put organization config rule 'one-more' because the maximum number of organization config rules: 150 is reached.")
	_ = must(c.PutOrganizationConfigRule(ctx, putOrgManaged("r000", mgmt))).get(t) // an update is no new rule
	if got := memberStatuses(t, c, "r000", nil); got != "" {
		t.Errorf("detailed status of a rule of no account = %q; want none", got)
	}
	if got := orgRuleStatus(t, c, "r000"); got != "UPDATE_SUCCESSFUL" {
		t.Errorf("status of a rule of no account = %s", got)
	}

	// Paging: 100 a page by default, Limit fewer; names are not paged.
	page := must(c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})).get(t)
	if len(page.OrganizationConfigRules) != 100 || page.NextToken == nil || aws.ToString(page.OrganizationConfigRules[99].OrganizationConfigRuleName) != "r099" {
		t.Fatalf("first page: %d rules, token %v", len(page.OrganizationConfigRules), page.NextToken)
	}
	page = must(c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{NextToken: page.NextToken})).get(t)
	if len(page.OrganizationConfigRules) != 50 || page.NextToken != nil || aws.ToString(page.OrganizationConfigRules[0].OrganizationConfigRuleName) != "r100" {
		t.Errorf("second page: %d rules, token %v", len(page.OrganizationConfigRules), page.NextToken)
	}
	var names []string
	var token *string
	for {
		st := must(c.DescribeOrganizationConfigRuleStatuses(ctx, &configservice.DescribeOrganizationConfigRuleStatusesInput{Limit: 60, NextToken: token})).get(t)
		for _, x := range st.OrganizationConfigRuleStatuses {
			names = append(names, aws.ToString(x.OrganizationConfigRuleName))
		}
		if token = st.NextToken; token == nil {
			break
		}
	}
	if len(names) != 150 || !slices.IsSorted(names) {
		t.Errorf("statuses through pages of 60: %d, sorted %v", len(names), slices.IsSorted(names))
	}
	named := must(c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{
		OrganizationConfigRuleNames: []string{"r149", "r001", "r001"}, Limit: 1})).get(t)
	if len(named.OrganizationConfigRules) != 2 || named.NextToken != nil || aws.ToString(named.OrganizationConfigRules[0].OrganizationConfigRuleName) != "r001" {
		t.Errorf("by name: %+v, token %v", named.OrganizationConfigRules, named.NextToken)
	}
	_, err = c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{NextToken: aws.String("bogus")})
	wantError(t, err, "InvalidNextTokenException", "The nextToken provided is invalid")
	_, err = c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{Limit: 101})
	wantError(t, err, "InvalidLimitException", "")

	for _, call := range []func() error{
		func() error {
			_, err := c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{OrganizationConfigRuleNames: []string{"r001", "nope"}})
			return err
		},
		func() error {
			_, err := c.DescribeOrganizationConfigRuleStatuses(ctx, &configservice.DescribeOrganizationConfigRuleStatusesInput{OrganizationConfigRuleNames: []string{"nope"}})
			return err
		},
		func() error {
			_, err := c.GetOrganizationConfigRuleDetailedStatus(ctx, &configservice.GetOrganizationConfigRuleDetailedStatusInput{OrganizationConfigRuleName: aws.String("nope")})
			return err
		},
	} {
		wantError(t, call(), "NoSuchOrganizationConfigRuleException", msgNoSuchOrgRule)
	}
	// The organization rules of mgmt in another region are others.
	if n := len(must(s.config(mgmt, "eu-west-1").DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})).get(t).OrganizationConfigRules); n != 0 {
		t.Errorf("eu-west-1 has %d organization rules", n)
	}
}

// TestOrganizationConfigRule_WhoMayCall checks that only the management
// account and the delegated administrators for
// config-multiaccountsetup.amazonaws.com may call the organization rule and
// pack operations, and that each sees its own.
func TestOrganizationConfigRule_WhoMayCall(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	calls := func(c *configservice.Client) map[string]func() error {
		return map[string]func() error{
			"PutOrganizationConfigRule": func() error { _, err := c.PutOrganizationConfigRule(ctx, putOrgManaged("versioning")); return err },
			"DescribeOrganizationConfigRules": func() error {
				_, err := c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})
				return err
			},
			"DescribeOrganizationConfigRuleStatuses": func() error {
				_, err := c.DescribeOrganizationConfigRuleStatuses(ctx, &configservice.DescribeOrganizationConfigRuleStatusesInput{})
				return err
			},
			"GetOrganizationConfigRuleDetailedStatus": func() error {
				_, err := c.GetOrganizationConfigRuleDetailedStatus(ctx, &configservice.GetOrganizationConfigRuleDetailedStatusInput{OrganizationConfigRuleName: aws.String("versioning")})
				return err
			},
			"GetOrganizationCustomRulePolicy": func() error {
				_, err := c.GetOrganizationCustomRulePolicy(ctx, &configservice.GetOrganizationCustomRulePolicyInput{OrganizationConfigRuleName: aws.String("versioning")})
				return err
			},
			"DeleteOrganizationConfigRule": func() error {
				_, err := c.DeleteOrganizationConfigRule(ctx, &configservice.DeleteOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("versioning")})
				return err
			},
			"PutOrganizationConformancePack": func() error {
				_, err := c.PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{
					OrganizationConformancePackName: aws.String("ops"), TemplateBody: aws.String(processCheckTemplate)})
				return err
			},
			"DescribeOrganizationConformancePacks": func() error {
				_, err := c.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{})
				return err
			},
			"DescribeOrganizationConformancePackStatuses": func() error {
				_, err := c.DescribeOrganizationConformancePackStatuses(ctx, &configservice.DescribeOrganizationConformancePackStatusesInput{})
				return err
			},
			"GetOrganizationConformancePackDetailedStatus": func() error {
				_, err := c.GetOrganizationConformancePackDetailedStatus(ctx, &configservice.GetOrganizationConformancePackDetailedStatusInput{
					OrganizationConformancePackName: aws.String("ops")})
				return err
			},
			"DeleteOrganizationConformancePack": func() error {
				_, err := c.DeleteOrganizationConformancePack(ctx, &configservice.DeleteOrganizationConformancePackInput{OrganizationConformancePackName: aws.String("ops")})
				return err
			},
		}
	}
	// An account in no organization.
	for op, call := range calls(s.config(outsider, "us-east-1")) {
		t.Run("outsider/"+op, func(t *testing.T) { wantError(t, call(), "OrganizationAccessDeniedException", msgOrgNotInOrganization) })
	}
	// An organization without all features: puts are refused.
	s.newOrg(t, outsider, orgtypes.OrganizationFeatureSetConsolidatedBilling)
	_, err := s.config(outsider, "us-east-1").PutOrganizationConfigRule(ctx, putOrgManaged("versioning"))
	wantError(t, err, "OrganizationAllFeaturesNotEnabledException", msgAllFeatures)
	_, err = s.config(outsider, "us-east-1").PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{
		OrganizationConformancePackName: aws.String("ops"), TemplateBody: aws.String(processCheckTemplate)})
	wantError(t, err, "OrganizationAllFeaturesNotEnabledException", msgAllFeatures)

	orgRulesSetup(t, s)
	// A member, and a delegated administrator for AWS Config's aggregators
	// only.
	_ = must(s.orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})).get(t)
	_ = must(s.orgs(mgmt).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(member), ServicePrincipal: aws.String(configPrincipal)})).get(t)
	for _, a := range []string{admin, member} {
		for op, call := range calls(s.config(a, "us-east-1")) {
			t.Run(a+"/"+op, func(t *testing.T) { wantError(t, call(), "OrganizationAccessDeniedException", msgOrgNotAdmin) })
		}
	}

	// A delegated administrator for config-multiaccountsetup may, and
	// sees only its own organization rules, as the management account
	// does.
	registerOrgAdmin(t, s, admin)
	ac := s.config(admin, "us-east-1")
	adminARN := aws.ToString(must(ac.PutOrganizationConfigRule(ctx, putOrgManaged("by-admin"))).get(t).OrganizationConfigRuleArn)
	if !strings.HasPrefix(adminARN, "arn:aws:config:us-east-1:"+admin+":organization-config-rule/by-admin-") {
		t.Errorf("the administrator's rule's ARN = %s", adminARN)
	}
	// Its rule reaches the accounts, the management account included.
	if r := orgMemberRule(t, s.config(mgmt, "us-east-1"), "by-admin"); r == nil {
		t.Errorf("the administrator's rule did not reach the management account")
	}
	mc := s.config(mgmt, "us-east-1")
	_ = must(mc.PutOrganizationConfigRule(ctx, putOrgManaged("by-mgmt"))).get(t)
	for c, want := range map[*configservice.Client]string{ac: "by-admin", mc: "by-mgmt"} {
		rules := must(c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})).get(t).OrganizationConfigRules
		if len(rules) != 1 || aws.ToString(rules[0].OrganizationConfigRuleName) != want {
			t.Errorf("rules = %+v; want only %s", rules, want)
		}
	}
	_, err = mc.DeleteOrganizationConfigRule(ctx, &configservice.DeleteOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String("by-admin")})
	wantError(t, err, "NoSuchOrganizationConfigRuleException", "Could not find an OrganizationConfigRule for given request with resourceName by-admin")
	// Once deregistered, it may no longer.
	_ = must(s.orgs(mgmt).DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{
		AccountId: aws.String(admin), ServicePrincipal: aws.String(multiAccountPrincipal)})).get(t)
	_, err = ac.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})
	wantError(t, err, "OrganizationAccessDeniedException", msgOrgNotAdmin)
}

// orgPackTemplate is an organization pack of one managed rule over buckets.
const orgPackTemplate = `Resources:
  Versioning:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: versioning
      Scope: {ComplianceResourceTypes: [AWS::S3::Bucket]}
      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}
`

// packStatuses renders an organization pack's detailed status.
func packStatuses(t *testing.T, c *configservice.Client, name string, f *types.OrganizationResourceDetailedStatusFilters) string {
	t.Helper()
	var out []string
	var token *string
	for {
		page := must(c.GetOrganizationConformancePackDetailedStatus(context.Background(), &configservice.GetOrganizationConformancePackDetailedStatusInput{
			OrganizationConformancePackName: aws.String(name), Filters: f, Limit: 1, NextToken: token})).get(t)
		for _, m := range page.OrganizationConformancePackDetailedStatuses {
			s := aws.ToString(m.AccountId) + "=" + string(m.Status)
			if m.ErrorCode != nil {
				s += "(" + aws.ToString(m.ErrorCode) + ": " + aws.ToString(m.ErrorMessage) + ")"
			}
			if m.LastUpdateTime == nil || !strings.HasPrefix(aws.ToString(m.ConformancePackName), "OrgConformsPack-"+name+"-") {
				t.Errorf("member status %+v", m)
			}
			out = append(out, s)
		}
		if token = page.NextToken; token == nil {
			return strings.Join(out, " ")
		}
	}
}

// orgMemberPack returns the account's pack that the organization pack
// deployed, nil if it has none.
func orgMemberPack(t *testing.T, c *configservice.Client, name string) *types.ConformancePackDetail {
	t.Helper()
	for _, p := range must(c.DescribeConformancePacks(context.Background(), &configservice.DescribeConformancePacksInput{})).get(t).ConformancePackDetails {
		if strings.HasPrefix(aws.ToString(p.ConformancePackName), "OrgConformsPack-"+name+"-") {
			return &p
		}
	}
	return nil
}

// TestOrganizationConformancePack checks the life of an organization
// pack, as TestOrganizationConfigRule does an organization rule's, and its
// errors.
func TestOrganizationConformancePack(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	orgRulesSetup(t, s)
	c := s.config(mgmt, "us-east-1")

	arn := aws.ToString(must(c.PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{
		OrganizationConformancePackName: aws.String("ops"), TemplateBody: aws.String(orgPackTemplate), Tags: tagsOf("team", "sec"),
		DeliveryS3Bucket: aws.String("awsconfigconforms-bucket")})).get(t).OrganizationConformancePackArn)
	m := orgPackARN.FindStringSubmatch(arn)
	if m == nil {
		t.Fatalf("ARN = %s; want %s", arn, orgPackARN)
	}
	memberPack := "OrgConformsPack-ops-" + m[1]
	for _, a := range []string{mgmt, member} {
		ac := s.config(a, "us-east-1")
		p := orgMemberPack(t, ac, "ops")
		if p == nil || aws.ToString(p.ConformancePackName) != memberPack || aws.ToString(p.CreatedBy) != multiAccountPrincipal ||
			aws.ToString(p.DeliveryS3Bucket) != "awsconfigconforms-bucket" {
			t.Fatalf("%s's pack = %+v", a, p)
		}
		if got := packSummary(t, ac, memberPack); got != "["+memberPack+"=NON_COMPLIANT]" {
			t.Errorf("%s's pack compliance = %s", a, got)
		}
		if got, want := fmt.Sprint(packDetails(t, ac, memberPack, nil, 0)), "[versioning:off-"+a+"=NON_COMPLIANT versioning:on-"+a+"=COMPLIANT]"; got != want {
			t.Errorf("%s's pack results = %s; want %s", a, got, want)
		}
		// The account cannot change or delete the pack or its rule.
		_, err := ac.DeleteConformancePack(ctx, &configservice.DeleteConformancePackInput{ConformancePackName: aws.String(memberPack)})
		wantError(t, err, "AccessDeniedException", msgOrgOwnedPack)
		_, err = ac.PutConformancePack(ctx, &configservice.PutConformancePackInput{ConformancePackName: aws.String(memberPack), TemplateBody: aws.String(processCheckTemplate)})
		wantError(t, err, "AccessDeniedException", msgOrgOwnedPack)
		rules := packRules(t, ac, memberPack, nil)
		if len(rules) != 1 {
			t.Fatalf("%s's pack rules = %v", a, rules)
		}
		rule, _, _ := strings.Cut(rules[0], "=")
		_, err = ac.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String(rule)})
		wantError(t, err, "AccessDeniedException", msgServiceLinkedRule)
	}
	want := mgmt + "=CREATE_SUCCESSFUL " + admin + "=CREATE_FAILED(NoAvailableConfigurationRecorderException: " + msgNoRecorderForRule + ") " + member + "=CREATE_SUCCESSFUL"
	if got := packStatuses(t, c, "ops", nil); got != want {
		t.Errorf("detailed status = %s;\nwant %s", got, want)
	}
	if got := packStatuses(t, c, "ops", &types.OrganizationResourceDetailedStatusFilters{Status: types.OrganizationResourceDetailedStatusCreateSuccessful,
		AccountId: aws.String(member)}); got != member+"=CREATE_SUCCESSFUL" {
		t.Errorf("filtered detailed status = %s", got)
	}
	st := must(c.DescribeOrganizationConformancePackStatuses(ctx, &configservice.DescribeOrganizationConformancePackStatusesInput{})).get(t).OrganizationConformancePackStatuses
	if len(st) != 1 || st[0].Status != types.OrganizationResourceStatusCreateFailed || aws.ToString(st[0].ErrorCode) != "NoAvailableConfigurationRecorderException" {
		t.Errorf("statuses = %+v", st)
	}
	packs := must(c.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{})).get(t).OrganizationConformancePacks
	if len(packs) != 1 || aws.ToString(packs[0].OrganizationConformancePackArn) != arn || aws.ToString(packs[0].DeliveryS3Bucket) != "awsconfigconforms-bucket" ||
		packs[0].LastUpdateTime == nil {
		t.Errorf("DescribeOrganizationConformancePacks = %+v", packs)
	}
	if got := tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).get(t).Tags); got != "team=sec" {
		t.Errorf("tags = %s", got)
	}

	// An organization aggregator sees the accounts' packs.
	_ = must(s.orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})).get(t)
	_ = must(c.PutConfigurationAggregator(ctx, putOrg("org"))).get(t)
	byPacks := must(c.DescribeAggregateComplianceByConformancePacks(ctx, &configservice.DescribeAggregateComplianceByConformancePacksInput{
		ConfigurationAggregatorName: aws.String("org")})).get(t).AggregateComplianceByConformancePacks
	var got []string
	for _, p := range byPacks {
		got = append(got, aws.ToString(p.AccountId)+"/"+aws.ToString(p.ConformancePackName)+"="+string(p.Compliance.ComplianceType))
	}
	if want := fmt.Sprint([]string{mgmt + "/" + memberPack + "=NON_COMPLIANT", member + "/" + memberPack + "=NON_COMPLIANT"}); fmt.Sprint(got) != want {
		t.Errorf("aggregated packs = %v; want %s", got, want)
	}
	orgSummary := func() string {
		t.Helper()
		var out []string
		for _, g := range must(c.GetAggregateConformancePackComplianceSummary(ctx, &configservice.GetAggregateConformancePackComplianceSummaryInput{
			ConfigurationAggregatorName: aws.String("org"), GroupByKey: types.AggregateConformancePackComplianceSummaryGroupKeyAccountId})).get(t).AggregateConformancePackComplianceSummaries {
			out = append(out, fmt.Sprintf("%s:%d/%d", aws.ToString(g.GroupName), g.ComplianceSummary.CompliantConformancePackCount, g.ComplianceSummary.NonCompliantConformancePackCount))
		}
		return fmt.Sprint(out)
	}
	if got, want := orgSummary(), "["+mgmt+":0/1 "+member+":0/1]"; got != want {
		t.Errorf("aggregated pack summary = %s; want %s", got, want)
	}

	// An update that excludes the member removes its pack, rules and
	// results, and updates the others'.
	_ = must(c.PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{
		OrganizationConformancePackName: aws.String("ops"), TemplateBody: aws.String(orgPackTemplate), ExcludedAccounts: []string{member}})).get(t)
	mc := s.config(member, "us-east-1")
	if p := orgMemberPack(t, mc, "ops"); p != nil {
		t.Errorf("excluded member still has %+v", p)
	}
	if n := len(must(mc.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules); n != 0 {
		t.Errorf("excluded member has %d rules", n)
	}
	if res := must(mc.GetComplianceDetailsByResource(ctx, &configservice.GetComplianceDetailsByResourceInput{
		ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("off-" + member)})).get(t).EvaluationResults; len(res) != 0 {
		t.Errorf("excluded member's results: %+v", res)
	}
	if got, want := packStatuses(t, c, "ops", nil), mgmt+"=UPDATE_SUCCESSFUL "+admin+"=CREATE_FAILED(NoAvailableConfigurationRecorderException: "+msgNoRecorderForRule+")"; got != want {
		t.Errorf("detailed status after the update = %s; want %s", got, want)
	}
	st = must(c.DescribeOrganizationConformancePackStatuses(ctx, &configservice.DescribeOrganizationConformancePackStatusesInput{
		OrganizationConformancePackNames: []string{"ops"}})).get(t).OrganizationConformancePackStatuses
	if len(st) != 1 || st[0].Status != types.OrganizationResourceStatusUpdateFailed {
		t.Errorf("statuses after the update = %+v", st)
	}
	if got, want := orgSummary(), "["+mgmt+":0/1]"; got != want {
		t.Errorf("aggregated pack summary after the update = %s; want %s", got, want)
	}

	// Errors.
	for _, tc := range []struct {
		name          string
		in            *configservice.PutOrganizationConformancePackInput
		code, message string
	}{
		{"no template", &configservice.PutOrganizationConformancePackInput{OrganizationConformancePackName: aws.String("x")},
			"OrganizationConformancePackTemplateValidationException", msgNoOrgTemplate},
		{"S3 template", &configservice.PutOrganizationConformancePackInput{OrganizationConformancePackName: aws.String("x"),
			TemplateS3Uri: aws.String("s3://bucket/t.yaml"), TemplateBody: aws.String(orgPackTemplate)},
			"OrganizationConformancePackTemplateValidationException", msgNoTemplateS3},
		{"template of another resource type", &configservice.PutOrganizationConformancePackInput{OrganizationConformancePackName: aws.String("x"),
			TemplateBody: aws.String("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")}, "OrganizationConformancePackTemplateValidationException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutOrganizationConformancePack(ctx, tc.in)
			wantError(t, err, tc.code, tc.message)
		})
	}
	_, err := c.PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{OrganizationConformancePackName: aws.String("x"),
		TemplateBody: aws.String("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")})
	wantErrorPrefix(t, err, "OrganizationConformancePackTemplateValidationException", "Invalid conformance pack template provided. Errors found: [")
	for _, call := range []func() error{
		func() error {
			_, err := c.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{OrganizationConformancePackNames: []string{"ops", "nope"}})
			return err
		},
		func() error {
			_, err := c.DescribeOrganizationConformancePackStatuses(ctx, &configservice.DescribeOrganizationConformancePackStatusesInput{OrganizationConformancePackNames: []string{"nope"}})
			return err
		},
		func() error {
			_, err := c.GetOrganizationConformancePackDetailedStatus(ctx, &configservice.GetOrganizationConformancePackDetailedStatusInput{OrganizationConformancePackName: aws.String("nope")})
			return err
		},
	} {
		wantError(t, call(), "NoSuchOrganizationConformancePackException", msgNoSuchOrgPack)
	}
	_, err = c.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{NextToken: aws.String("bogus")})
	wantError(t, err, "InvalidNextTokenException", "The nextToken provided is invalid")

	// The delete removes the accounts' packs, rules and results.
	_ = must(c.DeleteOrganizationConformancePack(ctx, &configservice.DeleteOrganizationConformancePackInput{OrganizationConformancePackName: aws.String("ops")})).get(t)
	if got := orgSummary(); got != "[]" {
		t.Errorf("aggregated pack summary after the delete = %s; want none", got)
	}
	if p := orgMemberPack(t, c, "ops"); p != nil {
		t.Errorf("mgmt still has %+v", p)
	}
	if n := len(must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules); n != 0 {
		t.Errorf("mgmt has %d rules after the delete", n)
	}
	if res := must(c.GetComplianceDetailsByResource(ctx, &configservice.GetComplianceDetailsByResourceInput{
		ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("off-" + mgmt)})).get(t).EvaluationResults; len(res) != 0 {
		t.Errorf("mgmt's results after the delete: %+v", res)
	}
	_, err = c.DeleteOrganizationConformancePack(ctx, &configservice.DeleteOrganizationConformancePackInput{OrganizationConformancePackName: aws.String("ops")})
	wantError(t, err, "NoSuchOrganizationConformancePackException", "Could not find an OrganizationConformancePack for given request with resourceName ops")
	_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+arn+"' does not exist")

	// The quota: 50.
	all := []string{mgmt, admin, member}
	for i := range 50 {
		_ = must(c.PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{OrganizationConformancePackName: aws.String(fmt.Sprintf("p%02d", i)),
			TemplateBody: aws.String(processCheckTemplate), ExcludedAccounts: all})).get(t)
	}
	_, err = c.PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{OrganizationConformancePackName: aws.String("one-more"),
		TemplateBody: aws.String(processCheckTemplate), ExcludedAccounts: all})
	wantError(t, err, "MaxNumberOfOrganizationConformancePacksExceededException",
		"Failed to put organization conformance pack 'one-more' because the maximum number of organization conformance packs: 50 is reached.")
	page := must(c.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{Limit: 30})).get(t)
	if len(page.OrganizationConformancePacks) != 30 || page.NextToken == nil {
		t.Fatalf("first page: %d packs", len(page.OrganizationConformancePacks))
	}
	page = must(c.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{Limit: 30, NextToken: page.NextToken})).get(t)
	if len(page.OrganizationConformancePacks) != 20 || page.NextToken != nil || aws.ToString(page.OrganizationConformancePacks[0].OrganizationConformancePackName) != "p30" {
		t.Errorf("second page: %d packs, token %v", len(page.OrganizationConformancePacks), page.NextToken)
	}
}

// The organization rule and pack operations in the suites that cover every
// served operation: the empty-collections cases, the long-name table of
// TestHostile_LongNames and the isolation table of TestIsolation.

func init() {
	// The caller manages an organization of itself alone; what it puts
	// excludes it, so that it deploys nothing and has no account statuses.
	inOrg := func(t *testing.T, c emptyCaller) {
		t.Helper()
		emptyCaller{s: c.s, prefix: orgapi.TargetPrefix, signing: orgapi.SigningName, account: c.account}.call(t, "CreateOrganization", `{"FeatureSet":"ALL"}`)
	}
	orgRule := func(t *testing.T, c emptyCaller) {
		t.Helper()
		inOrg(t, c)
		c.call(t, "PutOrganizationConfigRule", `{"OrganizationConfigRuleName":"empty-lists","ExcludedAccounts":["`+c.account+`"],`+
			`"OrganizationManagedRuleMetadata":{"RuleIdentifier":"S3_BUCKET_VERSIONING_ENABLED"}}`)
	}
	orgPack := func(t *testing.T, c emptyCaller) {
		t.Helper()
		inOrg(t, c)
		c.call(t, "PutOrganizationConformancePack", `{"OrganizationConformancePackName":"empty-lists","ExcludedAccounts":["`+c.account+`"],`+
			`"TemplateBody":`+jsonString(processCheckTemplate)+`}`)
	}
	for op, body := range map[string]string{
		"DescribeOrganizationConfigRules":             `{}`,
		"DescribeOrganizationConfigRuleStatuses":      `{}`,
		"DescribeOrganizationConformancePacks":        `{}`,
		"DescribeOrganizationConformancePackStatuses": `{}`,
	} {
		emptyConfigCases[op] = emptyCase{body: func(t *testing.T, c emptyCaller) string { inOrg(t, c); return body }}
	}
	emptyConfigCases["GetOrganizationConfigRuleDetailedStatus"] = emptyCase{body: func(t *testing.T, c emptyCaller) string {
		orgRule(t, c)
		return `{"OrganizationConfigRuleName":"empty-lists"}`
	}}
	emptyConfigCases["GetOrganizationConformancePackDetailedStatus"] = emptyCase{body: func(t *testing.T, c emptyCaller) string {
		orgPack(t, c)
		return `{"OrganizationConformancePackName":"empty-lists"}`
	}}

	// The model bounds each name (OrganizationConfigRuleName 1..64,
	// OrganizationConformancePackName 1..128, a Lambda ARN 1..256,
	// AccountId \d{12}).
	managed := `"OrganizationManagedRuleMetadata":{"RuleIdentifier":"S3_BUCKET_VERSIONING_ENABLED"}`
	for key, base := range map[string]string{
		"PutOrganizationConfigRule.OrganizationConfigRuleName": `{` + managed + `}`,
		"PutOrganizationConfigRule.OrganizationCustomRuleMetadata.LambdaFunctionArn": `{"OrganizationConfigRuleName":"r",` +
			`"OrganizationCustomRuleMetadata":{"OrganizationConfigRuleTriggerTypes":["ConfigurationItemChangeNotification"]}}`,
		"DescribeOrganizationConfigRules.OrganizationConfigRuleNames":                  `{}`,
		"DescribeOrganizationConfigRuleStatuses.OrganizationConfigRuleNames":           `{}`,
		"GetOrganizationConfigRuleDetailedStatus.OrganizationConfigRuleName":           `{}`,
		"GetOrganizationConfigRuleDetailedStatus.Filters.AccountId":                    `{"OrganizationConfigRuleName":"r"}`,
		"GetOrganizationCustomRulePolicy.OrganizationConfigRuleName":                   `{}`,
		"DeleteOrganizationConfigRule.OrganizationConfigRuleName":                      `{}`,
		"PutOrganizationConformancePack.OrganizationConformancePackName":               `{"TemplateBody":` + jsonString(processCheckTemplate) + `}`,
		"DescribeOrganizationConformancePacks.OrganizationConformancePackNames":        `{}`,
		"DescribeOrganizationConformancePackStatuses.OrganizationConformancePackNames": `{}`,
		"GetOrganizationConformancePackDetailedStatus.OrganizationConformancePackName": `{}`,
		"GetOrganizationConformancePackDetailedStatus.Filters.AccountId":               `{"OrganizationConformancePackName":"p"}`,
		"DeleteOrganizationConformancePack.OrganizationConformancePackName":            `{}`,
	} {
		hostileComplianceNames[key] = struct{ base, code, reason string }{base, "ValidationException", ""}
	}
}

// A's organization rule and pack.
const (
	isoOrgRule = "a-org-rule"
	isoOrgPack = "a-org-pack"
)

// isoOrgRules is what A owns of organization rules and packs.
type isoOrgRules struct {
	orgRuleARN, orgPackARN string
}

// setupOrgRules gives A an organization rule and an organization pack,
// tagged, that leave out A and isoMember: they are deployed, or fail to
// be, in A's other accounts.
func (e *isoEnv) setupOrgRules(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	a := e.s.config(isoA, isoRegion)
	in := putOrgManaged(isoOrgRule, isoA, isoMember)
	in.Tags = tagsOf("org", "rule")
	e.orgRuleARN = aws.ToString(must(a.PutOrganizationConfigRule(ctx, in)).get(t).OrganizationConfigRuleArn)
	e.orgPackARN = aws.ToString(must(a.PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{
		OrganizationConformancePackName: aws.String(isoOrgPack), TemplateBody: aws.String(processCheckTemplate),
		ExcludedAccounts: []string{isoA, isoMember}, Tags: tagsOf("org", "pack")})).get(t).OrganizationConformancePackArn)
	if got := memberStatuses(t, a, isoOrgRule, &types.StatusDetailFilters{AccountId: aws.String(isoAdmin)}); got == "" {
		t.Fatalf("A's organization rule has no status in %s", isoAdmin)
	}
}

// orgRulesView renders A's organization rules and packs, as A sees them.
func (e *isoEnv) orgRulesView(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	a := e.s.config(isoA, isoRegion)
	var parts []any
	add := func(v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("A's organization rules: %v", err)
		}
		parts = append(parts, v)
	}
	add(a.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{}))
	add(a.DescribeOrganizationConfigRuleStatuses(ctx, &configservice.DescribeOrganizationConfigRuleStatusesInput{}))
	add(a.GetOrganizationConfigRuleDetailedStatus(ctx, &configservice.GetOrganizationConfigRuleDetailedStatusInput{OrganizationConfigRuleName: aws.String(isoOrgRule)}))
	add(a.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{}))
	add(a.DescribeOrganizationConformancePackStatuses(ctx, &configservice.DescribeOrganizationConformancePackStatusesInput{}))
	add(a.GetOrganizationConformancePackDetailedStatus(ctx, &configservice.GetOrganizationConformancePackDetailedStatusInput{
		OrganizationConformancePackName: aws.String(isoOrgPack)}))
	b, err := json.MarshalIndent(parts, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// orgRuleCases are the isolation cases of the organization rule and pack
// operations: an account in no organization and a member of A's are
// refused; A in another region has organization rules and packs of its
// own there.
func (e *isoEnv) orgRuleCases() []configCase {
	ctx := context.Background()
	// refused checks the refusal of a caller that may not call the
	// operations, and reports whether the caller is one.
	refused := func(t *testing.T, x isoCaller, err error) bool {
		t.Helper()
		switch x.account {
		case isoB:
			wantError(t, err, "OrganizationAccessDeniedException", msgOrgNotInOrganization)
		case isoMember:
			wantError(t, err, "OrganizationAccessDeniedException", msgOrgNotAdmin)
		default:
			return false
		}
		return true
	}
	noSuchRule := func(t *testing.T, err error) {
		t.Helper()
		wantError(t, err, "NoSuchOrganizationConfigRuleException", msgNoSuchOrgRule)
	}
	noSuchPack := func(t *testing.T, err error) {
		t.Helper()
		wantError(t, err, "NoSuchOrganizationConformancePackException", msgNoSuchOrgPack)
	}
	return []configCase{
		{"PutOrganizationConfigRule", "A's name makes the caller's own organization rule", func(t *testing.T, c *configservice.Client, x isoCaller) {
			in := putOrgManaged(isoOrgRule, isoA, isoMember)
			in.Tags = tagsOf("mine", "yes")
			out, err := c.PutOrganizationConfigRule(ctx, in)
			if refused(t, x, err) {
				return
			}
			arn := aws.ToString(must(out, err).get(t).OrganizationConfigRuleArn)
			if want := "arn:aws:config:" + x.region + ":" + x.account + ":organization-config-rule/" + isoOrgRule + "-"; !strings.HasPrefix(arn, want) || arn == e.orgRuleARN {
				t.Errorf("ARN = %s; want the caller's own, under %s", arn, want)
			}
			if tags := tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: &arn})).get(t).Tags); tags != "mine=yes" {
				t.Errorf("tags = %s; want mine=yes only", tags)
			}
			_ = must(c.DeleteOrganizationConfigRule(ctx, &configservice.DeleteOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String(isoOrgRule)})).get(t)
		}},
		{"DescribeOrganizationConfigRules", "lists none of A's, finds none by name", func(t *testing.T, c *configservice.Client, x isoCaller) {
			out, err := c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{})
			if refused(t, x, err) {
				return
			}
			if out := must(out, err).get(t); len(out.OrganizationConfigRules) != 0 || out.NextToken != nil {
				t.Errorf("rules = %+v; want none", out.OrganizationConfigRules)
			}
			_, err = c.DescribeOrganizationConfigRules(ctx, &configservice.DescribeOrganizationConfigRulesInput{OrganizationConfigRuleNames: []string{isoOrgRule}})
			noSuchRule(t, err)
		}},
		{"DescribeOrganizationConfigRuleStatuses", "shows none of A's", func(t *testing.T, c *configservice.Client, x isoCaller) {
			out, err := c.DescribeOrganizationConfigRuleStatuses(ctx, &configservice.DescribeOrganizationConfigRuleStatusesInput{})
			if refused(t, x, err) {
				return
			}
			if out := must(out, err).get(t); len(out.OrganizationConfigRuleStatuses) != 0 || out.NextToken != nil {
				t.Errorf("statuses = %+v; want none", out.OrganizationConfigRuleStatuses)
			}
			_, err = c.DescribeOrganizationConfigRuleStatuses(ctx, &configservice.DescribeOrganizationConfigRuleStatusesInput{OrganizationConfigRuleNames: []string{isoOrgRule}})
			noSuchRule(t, err)
		}},
		{"GetOrganizationConfigRuleDetailedStatus", "of A's", func(t *testing.T, c *configservice.Client, x isoCaller) {
			_, err := c.GetOrganizationConfigRuleDetailedStatus(ctx, &configservice.GetOrganizationConfigRuleDetailedStatusInput{OrganizationConfigRuleName: aws.String(isoOrgRule)})
			if !refused(t, x, err) {
				noSuchRule(t, err)
			}
		}},
		{"GetOrganizationCustomRulePolicy", "of A's", func(t *testing.T, c *configservice.Client, x isoCaller) {
			_, err := c.GetOrganizationCustomRulePolicy(ctx, &configservice.GetOrganizationCustomRulePolicyInput{OrganizationConfigRuleName: aws.String(isoOrgRule)})
			if !refused(t, x, err) {
				noSuchRule(t, err)
			}
		}},
		{"DeleteOrganizationConfigRule", "A's", func(t *testing.T, c *configservice.Client, x isoCaller) {
			_, err := c.DeleteOrganizationConfigRule(ctx, &configservice.DeleteOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String(isoOrgRule)})
			if !refused(t, x, err) {
				wantError(t, err, "NoSuchOrganizationConfigRuleException", "Could not find an OrganizationConfigRule for given request with resourceName "+isoOrgRule)
			}
		}},
		{"PutOrganizationConformancePack", "A's name makes the caller's own organization pack", func(t *testing.T, c *configservice.Client, x isoCaller) {
			out, err := c.PutOrganizationConformancePack(ctx, &configservice.PutOrganizationConformancePackInput{OrganizationConformancePackName: aws.String(isoOrgPack),
				TemplateBody: aws.String(processCheckTemplate), ExcludedAccounts: []string{isoA, isoMember}, Tags: tagsOf("mine", "yes")})
			if refused(t, x, err) {
				return
			}
			arn := aws.ToString(must(out, err).get(t).OrganizationConformancePackArn)
			if want := "arn:aws:config:" + x.region + ":" + x.account + ":organization-conformance-pack/" + isoOrgPack + "-"; !strings.HasPrefix(arn, want) || arn == e.orgPackARN {
				t.Errorf("ARN = %s; want the caller's own, under %s", arn, want)
			}
			if tags := tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: &arn})).get(t).Tags); tags != "mine=yes" {
				t.Errorf("tags = %s; want mine=yes only", tags)
			}
			_ = must(c.DeleteOrganizationConformancePack(ctx, &configservice.DeleteOrganizationConformancePackInput{OrganizationConformancePackName: aws.String(isoOrgPack)})).get(t)
		}},
		{"DescribeOrganizationConformancePacks", "lists none of A's, finds none by name", func(t *testing.T, c *configservice.Client, x isoCaller) {
			out, err := c.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{})
			if refused(t, x, err) {
				return
			}
			if out := must(out, err).get(t); len(out.OrganizationConformancePacks) != 0 || out.NextToken != nil {
				t.Errorf("packs = %+v; want none", out.OrganizationConformancePacks)
			}
			_, err = c.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{OrganizationConformancePackNames: []string{isoOrgPack}})
			noSuchPack(t, err)
		}},
		{"DescribeOrganizationConformancePackStatuses", "shows none of A's", func(t *testing.T, c *configservice.Client, x isoCaller) {
			out, err := c.DescribeOrganizationConformancePackStatuses(ctx, &configservice.DescribeOrganizationConformancePackStatusesInput{})
			if refused(t, x, err) {
				return
			}
			if out := must(out, err).get(t); len(out.OrganizationConformancePackStatuses) != 0 || out.NextToken != nil {
				t.Errorf("statuses = %+v; want none", out.OrganizationConformancePackStatuses)
			}
			_, err = c.DescribeOrganizationConformancePackStatuses(ctx, &configservice.DescribeOrganizationConformancePackStatusesInput{
				OrganizationConformancePackNames: []string{isoOrgPack}})
			noSuchPack(t, err)
		}},
		{"GetOrganizationConformancePackDetailedStatus", "of A's", func(t *testing.T, c *configservice.Client, x isoCaller) {
			_, err := c.GetOrganizationConformancePackDetailedStatus(ctx, &configservice.GetOrganizationConformancePackDetailedStatusInput{
				OrganizationConformancePackName: aws.String(isoOrgPack)})
			if !refused(t, x, err) {
				noSuchPack(t, err)
			}
		}},
		{"DeleteOrganizationConformancePack", "A's", func(t *testing.T, c *configservice.Client, x isoCaller) {
			_, err := c.DeleteOrganizationConformancePack(ctx, &configservice.DeleteOrganizationConformancePackInput{OrganizationConformancePackName: aws.String(isoOrgPack)})
			if !refused(t, x, err) {
				wantError(t, err, "NoSuchOrganizationConformancePackException", "Could not find an OrganizationConformancePack for given request with resourceName "+isoOrgPack)
			}
		}},
	}
}
