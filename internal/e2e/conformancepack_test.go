package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/config"
)

// packTemplate is a conformance pack template in the form of AWS's samples:
// parameters with defaults, conditions over them, a rule under a
// condition, parameters passed through Fn::If and AWS::NoValue, short-form
// tags, a pseudo parameter in an Fn::Sub.
const packTemplate = `Parameters:
  RequiredTagKey:
    Type: String
    Default: team
  CheckVersioning:
    Type: String
    Default: 'true'
    AllowedValues: ['true', 'false']
  MfaDelete:
    Type: String
    Default: ''
Conditions:
  Versioning: !Equals [!Ref CheckVersioning, 'true']
  HasMfaDelete:
    Fn::Not:
    - Fn::Equals:
      - ''
      - Ref: MfaDelete
Resources:
  BucketVersioning:
    Type: AWS::Config::ConfigRule
    Condition: Versioning
    Controls: [CM-2, SC-28]
    Properties:
      ConfigRuleName: s3-bucket-versioning-enabled
      Description: Checks that versioning is enabled for your S3 buckets.
      InputParameters:
        isMfaDeleteEnabled:
          Fn::If:
          - HasMfaDelete
          - Ref: MfaDelete
          - Ref: AWS::NoValue
      Scope:
        ComplianceResourceTypes:
        - AWS::S3::Bucket
      Source:
        Owner: AWS
        SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED
  RequiredTags:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: !Sub required-tags-${AWS::Region}
      InputParameters:
        tag1Key: !Ref RequiredTagKey
      Scope:
        ComplianceResourceTypes: [AWS::S3::Bucket]
      Source: {Owner: AWS, SourceIdentifier: REQUIRED_TAGS}
`

// processCheckTemplate deploys one rule that nothing evaluates: its pack
// has insufficient data.
const processCheckTemplate = `Resources:
  Contacts:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: account-contact-details-configured
      Source: {Owner: AWS, SourceIdentifier: AWS_CONFIG_PROCESS_CHECK}
`

var (
	packARN     = regexp.MustCompile(`^arn:aws:config:us-east-1:111111111111:conformance-pack/ops/conformance-pack-([a-z0-9]{9})$`)
	packRuleARN = regexp.MustCompile(`^arn:aws:config:us-east-1:111111111111:config-rule/aws-service-rule/config-conforms\.amazonaws\.com/config-rule-[a-z0-9]{6}$`)
	packStack   = regexp.MustCompile(`^arn:aws:cloudformation:us-east-1:111111111111:stack/awsconfigconforms-ops-conformance-pack-[a-z0-9]{9}/[0-9a-f-]{36}$`)
)

// taggedBucket is a bucket CI with tags.
func taggedBucket(account, region, name, versioning string, stateID int64, at time.Time, tags map[string]any) fileCI {
	return bucketItem(account, region, name, versioning, stateID, at).with("tags", tags)
}

// putPack puts a pack of the template and returns its ARN.
func putPack(t *testing.T, c *configservice.Client, name, body string, params map[string]string, tags ...types.Tag) string {
	t.Helper()
	in := &configservice.PutConformancePackInput{ConformancePackName: aws.String(name), TemplateBody: aws.String(body), Tags: tags}
	for k, v := range params {
		in.ConformancePackInputParameters = append(in.ConformancePackInputParameters,
			types.ConformancePackInputParameter{ParameterName: aws.String(k), ParameterValue: aws.String(v)})
	}
	return aws.ToString(must(c.PutConformancePack(context.Background(), in)).get(t).ConformancePackArn)
}

// packRules returns "name=compliance[controls]" for each rule of the pack.
func packRules(t *testing.T, c *configservice.Client, pack string, f *types.ConformancePackComplianceFilters) []string {
	t.Helper()
	var out []string
	var token *string
	for {
		page := must(c.DescribeConformancePackCompliance(context.Background(), &configservice.DescribeConformancePackComplianceInput{
			ConformancePackName: aws.String(pack), Filters: f, Limit: 1, NextToken: token})).get(t)
		if aws.ToString(page.ConformancePackName) != pack {
			t.Errorf("ConformancePackName = %q", aws.ToString(page.ConformancePackName))
		}
		for _, r := range page.ConformancePackRuleComplianceList {
			s := aws.ToString(r.ConfigRuleName) + "=" + string(r.ComplianceType)
			if len(r.Controls) > 0 {
				s += fmt.Sprint(r.Controls)
			}
			out = append(out, s)
		}
		if token = page.NextToken; token == nil {
			return out
		}
	}
}

// packDetails returns "rule:resourceId=COMPLIANCE" for each result of the
// pack, through every page of limit.
func packDetails(t *testing.T, c *configservice.Client, pack string, f *types.ConformancePackEvaluationFilters, limit int32) []string {
	t.Helper()
	var out []string
	var token *string
	for {
		page := must(c.GetConformancePackComplianceDetails(context.Background(), &configservice.GetConformancePackComplianceDetailsInput{
			ConformancePackName: aws.String(pack), Filters: f, Limit: limit, NextToken: token})).get(t)
		for _, r := range page.ConformancePackRuleEvaluationResults {
			q := r.EvaluationResultIdentifier.EvaluationResultQualifier
			if r.ResultRecordedTime == nil || r.ConfigRuleInvokedTime == nil || aws.ToString(q.ResourceType) != "AWS::S3::Bucket" {
				t.Errorf("result = %+v", r)
			}
			rule, _, _ := strings.Cut(aws.ToString(q.ConfigRuleName), "-conformance-pack-")
			out = append(out, rule+":"+aws.ToString(q.ResourceId)+"="+string(r.ComplianceType))
		}
		if int32(len(page.ConformancePackRuleEvaluationResults)) > limit && limit > 0 {
			t.Errorf("page of %d results; limit %d", len(page.ConformancePackRuleEvaluationResults), limit)
		}
		if token = page.NextToken; token == nil {
			return out
		}
	}
}

func packSummary(t *testing.T, c *configservice.Client, names ...string) string {
	t.Helper()
	sums := must(c.GetConformancePackComplianceSummary(context.Background(), &configservice.GetConformancePackComplianceSummaryInput{
		ConformancePackNames: names})).get(t).ConformancePackComplianceSummaryList
	var out []string
	for _, s := range sums {
		out = append(out, aws.ToString(s.ConformancePackName)+"="+string(s.ConformancePackComplianceStatus))
	}
	return fmt.Sprint(out)
}

// templateError is AWS's envelope of a refused template.
func templateError(detail string) string {
	return "Invalid conformance pack template provided. Errors found: [" + detail + "]. Fix your template and try again."
}

// TestConformancePack checks the life of a pack: its rules are Config rules
// of the account that evaluate the recorded buckets, its compliance reads,
// an update, a delete.
func TestConformancePack(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")

	// Its rules need a configuration recorder, as PutConfigRule's do.
	_, err := c.PutConformancePack(ctx, &configservice.PutConformancePackInput{ConformancePackName: aws.String("ops"), TemplateBody: aws.String(packTemplate)})
	wantError(t, err, "NoAvailableConfigurationRecorderException",
		"You must create a configuration recorder before you can create or update a Config rule.")

	startRecording(t, c, nil)
	at := testEpoch.Add(-time.Hour)
	team := map[string]any{"team": "a"}
	s.mustIngest(t, acctA, "us-east-1",
		taggedBucket(acctA, "us-east-1", "b-good", "Enabled", 1, at, team),
		taggedBucket(acctA, "us-east-1", "b-bad", "Off", 1, at, map[string]any{}),
		taggedBucket(acctA, "us-east-1", "b-half", "Enabled", 1, at, map[string]any{"owner": "x"}))

	arn := putPack(t, c, "ops", packTemplate, map[string]string{"RequiredTagKey": "team"}, types.Tag{Key: aws.String("env"), Value: aws.String("prod")})
	m := packARN.FindStringSubmatch(arn)
	if m == nil {
		t.Fatalf("ConformancePackArn = %q", arn)
	}
	suffix := m[1]
	versioning, tags := "s3-bucket-versioning-enabled-conformance-pack-"+suffix, "required-tags-us-east-1-conformance-pack-"+suffix

	// The rules are Config rules of the account, named as AWS names them,
	// service-linked.
	rules := must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules
	if len(rules) != 2 || aws.ToString(rules[0].ConfigRuleName) != tags || aws.ToString(rules[1].ConfigRuleName) != versioning {
		t.Fatalf("DescribeConfigRules = %+v", rules)
	}
	for _, r := range rules {
		if aws.ToString(r.CreatedBy) != "config-conforms.amazonaws.com" || !packRuleARN.MatchString(aws.ToString(r.ConfigRuleArn)) ||
			r.ConfigRuleState != types.ConfigRuleStateActive || r.Scope.ComplianceResourceTypes[0] != "AWS::S3::Bucket" {
			t.Errorf("rule = %+v", r)
		}
	}
	if p := aws.ToString(rules[0].InputParameters); p != `{"tag1Key":"team"}` {
		t.Errorf("required-tags InputParameters = %s", p)
	}
	if p := aws.ToString(rules[1].InputParameters); p != `{}` || aws.ToString(rules[1].Description) != "Checks that versioning is enabled for your S3 buckets." {
		t.Errorf("versioning rule = %s %q", p, aws.ToString(rules[1].Description))
	}
	versioningARN := aws.ToString(rules[1].ConfigRuleArn)

	// They evaluated the recorded buckets.
	if got := fmt.Sprint(detailsByRule(t, c, versioning, 0)); got != "[b-bad=NON_COMPLIANT b-good=COMPLIANT b-half=COMPLIANT]" {
		t.Errorf("versioning results = %s", got)
	}
	if got := fmt.Sprint(detailsByRule(t, c, tags, 0)); got != "[b-bad=NON_COMPLIANT b-good=COMPLIANT b-half=NON_COMPLIANT]" {
		t.Errorf("required-tags results = %s", got)
	}

	// The pack.
	packs := must(c.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{})).get(t).ConformancePackDetails
	if len(packs) != 1 || aws.ToString(packs[0].ConformancePackArn) != arn || aws.ToString(packs[0].ConformancePackId) != "conformance-pack-"+suffix ||
		packs[0].LastUpdateRequestedTime == nil || len(packs[0].ConformancePackInputParameters) != 1 ||
		aws.ToString(packs[0].ConformancePackInputParameters[0].ParameterValue) != "team" || packs[0].CreatedBy != nil {
		t.Errorf("DescribeConformancePacks = %+v", packs)
	}
	st := must(c.DescribeConformancePackStatus(ctx, &configservice.DescribeConformancePackStatusInput{ConformancePackNames: []string{"ops", "nope"}})).get(t).ConformancePackStatusDetails
	if len(st) != 1 || st[0].ConformancePackState != types.ConformancePackStateCreateComplete || !packStack.MatchString(aws.ToString(st[0].StackArn)) ||
		aws.ToString(st[0].ConformancePackArn) != arn || st[0].LastUpdateCompletedTime == nil || st[0].LastUpdateRequestedTime == nil {
		t.Errorf("DescribeConformancePackStatus = %+v", st)
	}
	if tl := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).get(t).Tags; len(tl) != 1 ||
		aws.ToString(tl[0].Key) != "env" {
		t.Errorf("the pack's tags = %+v", tl)
	}

	// Its compliance.
	if got, want := fmt.Sprint(packRules(t, c, "ops", nil)), "["+tags+"=NON_COMPLIANT "+versioning+"=NON_COMPLIANT[CM-2 SC-28]]"; got != want {
		t.Errorf("DescribeConformancePackCompliance = %s; want %s", got, want)
	}
	if got := packRules(t, c, "ops", &types.ConformancePackComplianceFilters{ComplianceType: types.ConformancePackComplianceTypeCompliant}); len(got) != 0 {
		t.Errorf("COMPLIANT rules: %v", got)
	}
	if got := packRules(t, c, "ops", &types.ConformancePackComplianceFilters{ConfigRuleNames: []string{tags}}); len(got) != 1 {
		t.Errorf("rules named: %v", got)
	}
	if got, want := fmt.Sprint(packDetails(t, c, "ops", nil, 4)),
		"[required-tags-us-east-1:b-bad=NON_COMPLIANT required-tags-us-east-1:b-good=COMPLIANT required-tags-us-east-1:b-half=NON_COMPLIANT "+
			"s3-bucket-versioning-enabled:b-bad=NON_COMPLIANT s3-bucket-versioning-enabled:b-good=COMPLIANT s3-bucket-versioning-enabled:b-half=COMPLIANT]"; got != want {
		t.Errorf("GetConformancePackComplianceDetails = %s;\nwant %s", got, want)
	}
	if got, want := fmt.Sprint(packDetails(t, c, "ops", &types.ConformancePackEvaluationFilters{ComplianceType: types.ConformancePackComplianceTypeNonCompliant,
		ConfigRuleNames: []string{versioning}}, 0)), "[s3-bucket-versioning-enabled:b-bad=NON_COMPLIANT]"; got != want {
		t.Errorf("NON_COMPLIANT versioning details = %s; want %s", got, want)
	}
	if got, want := fmt.Sprint(packDetails(t, c, "ops", &types.ConformancePackEvaluationFilters{ResourceType: aws.String("AWS::S3::Bucket"),
		ResourceIds: []string{"b-half", "b-bad", "b-none"}}, 1)),
		"[required-tags-us-east-1:b-bad=NON_COMPLIANT s3-bucket-versioning-enabled:b-bad=NON_COMPLIANT "+
			"required-tags-us-east-1:b-half=NON_COMPLIANT s3-bucket-versioning-enabled:b-half=COMPLIANT]"; got != want {
		t.Errorf("details of two buckets = %s;\nwant %s", got, want)
	}
	if got := packSummary(t, c, "ops"); got != "[ops=NON_COMPLIANT]" {
		t.Errorf("GetConformancePackComplianceSummary = %s", got)
	}

	// A change of a bucket is evaluated by the pack's rules as it is
	// recorded.
	s.mustIngest(t, acctA, "us-east-1",
		taggedBucket(acctA, "us-east-1", "b-bad", "Enabled", 2, at.Add(time.Minute), team),
		taggedBucket(acctA, "us-east-1", "b-half", "Enabled", 2, at.Add(time.Minute), team))
	if got, want := fmt.Sprint(packRules(t, c, "ops", nil)), "["+tags+"=COMPLIANT "+versioning+"=COMPLIANT[CM-2 SC-28]]"; got != want {
		t.Errorf("after the buckets were fixed: %s; want %s", got, want)
	}
	if got := packSummary(t, c, "ops"); got != "[ops=COMPLIANT]" {
		t.Errorf("GetConformancePackComplianceSummary after the fix = %s", got)
	}

	// Its rules are the pack's: the account cannot change or delete them.
	_, err = c.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String(versioning)})
	wantError(t, err, "AccessDeniedException", "An AWS service owns ServiceLinkedConfigRule. You do not have permissions to take action on this rule.")
	_, err = c.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String(tags),
		Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("REQUIRED_TAGS")}}})
	wantError(t, err, "AccessDeniedException", "An AWS service owns ServiceLinkedConfigRule. You do not have permissions to take action on this rule.")

	// An update keeps the pack's identity and its rules' and tags; a
	// parameter changes a rule's InputParameters.
	if again := putPack(t, c, "ops", packTemplate, map[string]string{"MfaDelete": "true"}, types.Tag{Key: aws.String("other")}); again != arn {
		t.Errorf("update ARN = %s; want %s", again, arn)
	}
	r := must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{versioning}})).get(t).ConfigRules[0]
	if aws.ToString(r.ConfigRuleArn) != versioningARN || aws.ToString(r.InputParameters) != `{"isMfaDeleteEnabled":"true"}` {
		t.Errorf("versioning rule after the update: %+v", r)
	}
	if got := fmt.Sprint(detailsByRule(t, c, versioning, 0)); got != "[b-bad=NON_COMPLIANT b-good=NON_COMPLIANT b-half=NON_COMPLIANT]" {
		t.Errorf("versioning results with MFA delete required = %s", got)
	}
	if tl := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).get(t).Tags; len(tl) != 1 ||
		aws.ToString(tl[0].Key) != "env" {
		t.Errorf("the pack's tags after an update = %+v", tl)
	}
	// A rule no longer in the template is deleted, with its results.
	putPack(t, c, "ops", packTemplate, map[string]string{"CheckVersioning": "false"})
	if rules := must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules; len(rules) != 1 ||
		aws.ToString(rules[0].ConfigRuleName) != tags {
		t.Errorf("rules after the versioning rule left the template: %+v", rules)
	}
	byRes := must(c.GetComplianceDetailsByResource(ctx, &configservice.GetComplianceDetailsByResourceInput{
		ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b-good")})).get(t).EvaluationResults
	if len(byRes) != 1 || aws.ToString(byRes[0].EvaluationResultIdentifier.EvaluationResultQualifier.ConfigRuleName) != tags {
		t.Errorf("b-good's results after the versioning rule left: %+v", byRes)
	}
	if got, want := fmt.Sprint(packRules(t, c, "ops", nil)), "["+tags+"=COMPLIANT]"; got != want {
		t.Errorf("pack rules after the update = %s; want %s", got, want)
	}
	_, err = c.DescribeConformancePackCompliance(ctx, &configservice.DescribeConformancePackComplianceInput{ConformancePackName: aws.String("ops"),
		Filters: &types.ConformancePackComplianceFilters{ConfigRuleNames: []string{versioning}}})
	wantError(t, err, "NoSuchConfigRuleInConformancePackException", "The Config rule '"+versioning+
		"' is not a rule of the conformance pack 'ops'. Specify the rule's full name, as DescribeConformancePackCompliance shows it.")

	// A pack with a rule nothing evaluates has insufficient data; the
	// summary reads packs by name.
	putPack(t, c, "process", processCheckTemplate, nil)
	if got := packSummary(t, c, "process", "ops"); got != "[ops=COMPLIANT process=INSUFFICIENT_DATA]" {
		t.Errorf("GetConformancePackComplianceSummary = %s", got)
	}
	if got := packRules(t, c, "process", nil); len(got) != 1 || !strings.HasSuffix(got[0], "=INSUFFICIENT_DATA") {
		t.Errorf("process pack rules = %v", got)
	}
	page := must(c.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{Limit: 1})).get(t)
	page2 := must(c.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{Limit: 1, NextToken: page.NextToken})).get(t)
	if len(page.ConformancePackDetails) != 1 || page.NextToken == nil || len(page2.ConformancePackDetails) != 1 || page2.NextToken != nil ||
		aws.ToString(page2.ConformancePackDetails[0].ConformancePackName) != "process" {
		t.Errorf("DescribeConformancePacks pages: %+v / %+v", page, page2)
	}

	// Another account sees none of A's packs.
	b := s.config(acctB, "us-east-1")
	if n := len(must(b.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{})).get(t).ConformancePackDetails); n != 0 {
		t.Errorf("B sees %d packs", n)
	}
	_, err = b.DescribeConformancePackCompliance(ctx, &configservice.DescribeConformancePackComplianceInput{ConformancePackName: aws.String("ops")})
	wantError(t, err, "NoSuchConformancePackException", "One or more conformance packs with specified names are not present. Ensure your names are correct and try your request again later.")

	// Deleting the pack deletes its rules, their results and its tags.
	_ = must(c.DeleteConformancePack(ctx, &configservice.DeleteConformancePackInput{ConformancePackName: aws.String("ops")})).get(t)
	if rules := must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules; len(rules) != 1 ||
		!strings.HasPrefix(aws.ToString(rules[0].ConfigRuleName), "account-contact-details-configured-conformance-pack-") {
		t.Errorf("rules after the delete: %+v", rules)
	}
	if got := must(c.GetComplianceDetailsByResource(ctx, &configservice.GetComplianceDetailsByResourceInput{
		ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b-good")})).get(t).EvaluationResults; len(got) != 0 {
		t.Errorf("results after the delete: %+v", got)
	}
	_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+arn+"' does not exist")
	_, err = c.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{ConformancePackNames: []string{"ops"}})
	wantError(t, err, "NoSuchConformancePackException", "One or more conformance packs with specified names are not present. Ensure your names are correct and try your request again later.")
	_, err = c.DeleteConformancePack(ctx, &configservice.DeleteConformancePackInput{ConformancePackName: aws.String("ops")})
	wantError(t, err, "NoSuchConformancePackException", "One or more conformance packs with specified names are not present. Ensure your names are correct and try your request again later.")
	if st := must(c.DescribeConformancePackStatus(ctx, &configservice.DescribeConformancePackStatusInput{ConformancePackNames: []string{"ops"}})).get(t); len(st.ConformancePackStatusDetails) != 0 {
		t.Errorf("status of a deleted pack: %+v", st.ConformancePackStatusDetails)
	}
	// Created again, it is a new pack.
	if again := putPack(t, c, "ops", packTemplate, nil); again == arn || !packARN.MatchString(again) {
		t.Errorf("ARN of the new pack = %s (the old one %s)", again, arn)
	}
}

// TestConformancePackErrors checks the errors of the pack operations.
func TestConformancePackErrors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	put := func(body string, params ...string) error {
		in := &configservice.PutConformancePackInput{ConformancePackName: aws.String("p"), TemplateBody: aws.String(body)}
		for i := 0; i+1 < len(params); i += 2 {
			in.ConformancePackInputParameters = append(in.ConformancePackInputParameters,
				types.ConformancePackInputParameter{ParameterName: aws.String(params[i]), ParameterValue: aws.String(params[i+1])})
		}
		_, err := c.PutConformancePack(ctx, in)
		return err
	}
	var many strings.Builder
	many.WriteString("Resources:\n")
	for i := range 131 {
		fmt.Fprintf(&many, "  R%d:\n    Type: AWS::Config::ConfigRule\n    Properties: {Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}}\n", i)
	}
	const oneRule = "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}\n"
	for _, tc := range []struct {
		name          string
		err           func() error
		code, message string
	}{
		{"template in S3", func() error {
			_, err := c.PutConformancePack(ctx, &configservice.PutConformancePackInput{ConformancePackName: aws.String("p"), TemplateS3Uri: aws.String("s3://b/t.yaml")})
			return err
		}, "ConformancePackTemplateValidationException", "Starling reads conformance pack templates from TemplateBody only: " +
			"it has no Amazon S3 to read TemplateS3Uri from. Pass the template's text in TemplateBody."},
		{"template in SSM", func() error {
			_, err := c.PutConformancePack(ctx, &configservice.PutConformancePackInput{ConformancePackName: aws.String("p"),
				TemplateSSMDocumentDetails: &types.TemplateSSMDocumentDetails{DocumentName: aws.String("my-pack")}})
			return err
		}, "ConformancePackTemplateValidationException", "Starling reads conformance pack templates from TemplateBody only: " +
			"it has no AWS Systems Manager to read TemplateSSMDocumentDetails from. Pass the template's text in TemplateBody."},
		{"no template", func() error {
			_, err := c.PutConformancePack(ctx, &configservice.PutConformancePackInput{ConformancePackName: aws.String("p")})
			return err
		}, "ConformancePackTemplateValidationException", "You must specify only one of the follow parameters: TemplateS3Uri, TemplateBody or TemplateSSMDocumentDetails."},
		{"not YAML", func() error { return put("Resources: [") }, "ConformancePackTemplateValidationException",
			templateError("The template is not valid YAML or JSON: line 1: did not find expected node content")},
		{"undefined parameter", func() error { return put(oneRule + "      ConfigRuleName: !Ref Nope\n") }, "ConformancePackTemplateValidationException",
			templateError("Resources.R.Properties.ConfigRuleName.Ref: Unresolved reference Nope: the template has no parameter of this name.")},
		{"unknown function", func() error { return put(oneRule + "      Description: {Fn::Nope: x}\n") }, "ConformancePackTemplateValidationException",
			templateError("Resources.R.Properties.Description.Fn::Nope: Encountered unsupported function: Fn::Nope")},
		{"remediation", func() error {
			return put(oneRule + "  Fix:\n    Type: AWS::Config::RemediationConfiguration\n    Properties: {ConfigRuleName: R}\n")
		}, "ConformancePackTemplateValidationException", templateError("Resources.Fix.Type: Resource type AWS::Config::RemediationConfiguration " +
			"is not supported: Starling has no remediation. A conformance pack template may only declare AWS::Config::ConfigRule resources.")},
		{"too many rules", func() error { return put(many.String()) }, "ConformancePackTemplateValidationException",
			"Invalid conformance pack template provided. Errors found: [Number of resources provided in the template exceeds the allowed limit]. Fix your template and try again."},
		{"parameter not in the template", func() error { return put(oneRule, "Nope", "1") }, "ConformancePackTemplateValidationException",
			templateError("Parameters: Parameters: [Nope] do not exist in the template")},
		{"parameter twice", func() error { return put(packTemplate, "MfaDelete", "true", "MfaDelete", "false") }, "InvalidParameterValueException",
			"The ConformancePackInputParameters name the parameter MfaDelete more than once."},
		{"value not allowed", func() error { return put(packTemplate, "CheckVersioning", "maybe") }, "ConformancePackTemplateValidationException",
			templateError("Parameters.CheckVersioning: Parameter 'CheckVersioning' must be one of AllowedValues")},
		{"rule PutConfigRule refuses", func() error { return put(oneRule + "      MaximumExecutionFrequency: One_Hour\n") }, "ConformancePackTemplateValidationException",
			templateError("Resources.R: A maximum execution frequency for this rule is not allowed because only a change in resources triggers this managed rule.")},
		{"rule the model refuses", func() error { return put(oneRule + "      MaximumExecutionFrequency: Hourly\n") }, "ConformancePackTemplateValidationException",
			templateError("Resources.R: 1 validation error detected: Value 'Hourly' at 'maximumExecutionFrequency' failed to satisfy constraint: " +
				"Member must satisfy enum value set: [One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours]")},
		{"name too long with the suffix", func() error { return put(oneRule + "      ConfigRuleName: " + strings.Repeat("n", 102) + "\n") },
			"ConformancePackTemplateValidationException", templateError("Resources.R: 1 validation error detected: Value '" + strings.Repeat("n", 102) +
				"-conformance-pack-xxxxxxxxx' at 'configRuleName' failed to satisfy constraint: Member must have length less than or equal to 128")},
		{"compliance filter", func() error {
			_, err := c.DescribeConformancePackCompliance(ctx, &configservice.DescribeConformancePackComplianceInput{ConformancePackName: aws.String("p"),
				Filters: &types.ConformancePackComplianceFilters{ComplianceType: types.ConformancePackComplianceTypeInsufficientData}})
			return err
		}, "InvalidParameterValueException", "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results."},
		{"resource ids without a type", func() error {
			_, err := c.GetConformancePackComplianceDetails(ctx, &configservice.GetConformancePackComplianceDetailsInput{ConformancePackName: aws.String("p"),
				Filters: &types.ConformancePackEvaluationFilters{ResourceIds: []string{"b"}}})
			return err
		}, "InvalidParameterValueException", "Filtering by ResourceIds requires a ResourceType."},
		{"details of no pack", func() error {
			_, err := c.GetConformancePackComplianceDetails(ctx, &configservice.GetConformancePackComplianceDetailsInput{ConformancePackName: aws.String("p")})
			return err
		}, "NoSuchConformancePackException", "One or more conformance packs with specified names are not present. Ensure your names are correct and try your request again later."},
		{"summary of no pack", func() error {
			_, err := c.GetConformancePackComplianceSummary(ctx, &configservice.GetConformancePackComplianceSummaryInput{ConformancePackNames: []string{"p"}})
			return err
		}, "NoSuchConformancePackException", "One or more conformance packs with specified names are not present. Ensure your names are correct and try your request again later."},
		{"limit", func() error {
			_, err := c.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{Limit: 21})
			return err
		}, "InvalidLimitException", "Value '21' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 20"},
		{"name", func() error {
			_, err := c.PutConformancePack(ctx, &configservice.PutConformancePackInput{ConformancePackName: aws.String("1p"), TemplateBody: aws.String(oneRule)})
			return err
		},
			"ValidationException", "1 validation error detected: Value '1p' at 'conformancePackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"},
		{"token", func() error {
			_, err := c.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{NextToken: aws.String("bm90IGEgdG9rZW4")})
			return err
		}, "InvalidNextTokenException", "The nextToken provided is invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.err(), tc.code, tc.message)
		})
	}
	// None of them created anything.
	if n := len(must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules); n != 0 {
		t.Errorf("%d rules after refused puts", n)
	}
	if n := len(must(c.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{})).get(t).ConformancePackDetails); n != 0 {
		t.Errorf("%d packs after refused puts", n)
	}

	// A rule of the account already has the name a new rule of the pack
	// would have: the update is refused, the pack unchanged.
	arn := putPack(t, c, "p", oneRule, nil)
	taken := "Q-conformance-pack-" + arn[strings.LastIndex(arn, "-")+1:]
	putManagedRule(t, c, taken, "S3_BUCKET_VERSIONING_ENABLED", "")
	err := put(oneRule + "  Q:\n    Type: AWS::Config::ConfigRule\n    Properties: {Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}}\n")
	wantError(t, err, "ConformancePackTemplateValidationException", templateError("Resources.Q: A Config rule named "+taken+" already exists in the account and region."))
	if got := packRules(t, c, "p", nil); len(got) != 1 || !strings.HasPrefix(got[0], "R-conformance-pack-") {
		t.Errorf("the pack's rules after a refused update: %v", got)
	}
	_ = must(c.DeleteConformancePack(ctx, &configservice.DeleteConformancePackInput{ConformancePackName: aws.String("p")})).get(t)
	_ = must(c.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String(taken)})).get(t)

	// 50 packs an account and region.
	for i := range 50 {
		putPack(t, c, fmt.Sprintf("p%02d", i), processCheckTemplate, nil)
	}
	err = put(processCheckTemplate)
	wantError(t, err, "MaxNumberOfConformancePacksExceededException", "Failed to put conformance pack 'p' because the maximum number of conformance packs: 50 is reached.")
	// An update is not a new pack.
	putPack(t, c, "p07", oneRule, nil)
	if n := len(must(c.DescribeConformancePackStatus(ctx, &configservice.DescribeConformancePackStatusInput{})).get(t).ConformancePackStatusDetails); n != 20 {
		t.Errorf("first status page: %d packs; want 20", n)
	}
}

// TestAggregateConformancePacks checks the aggregated view of packs: the
// packs of the readable sources, with their rules' compliance, and nothing
// of a source the aggregator cannot read.
func TestAggregateConformancePacks(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	at := testEpoch.Add(-time.Hour)
	const acctC = "333333333333"
	team := map[string]any{"team": "a"}
	for _, src := range []struct {
		account, region string
		tags            map[string]any
	}{
		{acctB, "us-east-1", map[string]any{}}, {acctB, "eu-west-1", team}, {acctC, "us-east-1", team},
	} {
		c := s.config(src.account, src.region)
		startRecording(t, c, nil)
		s.mustIngest(t, src.account, src.region, taggedBucket(src.account, src.region, "b-"+src.region, "Enabled", 1, at, src.tags))
		putPack(t, c, "ops", packTemplate, nil)
		if src.account == acctB && src.region == "us-east-1" {
			putPack(t, c, "process", processCheckTemplate, nil)
		}
	}
	agg := s.config(acctA, "us-east-1")
	_ = must(agg.PutConfigurationAggregator(ctx, &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String("agg"),
		AccountAggregationSources:   []types.AccountAggregationSource{{AccountIds: []string{acctB, acctC}, AwsRegions: []string{"us-east-1", "eu-west-1"}}},
	})).get(t)
	for _, region := range []string{"us-east-1", "eu-west-1"} { // B authorizes; C does not
		_ = must(s.config(acctB, region).PutAggregationAuthorization(ctx, &configservice.PutAggregationAuthorizationInput{
			AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)
	}

	byPacks := func(f *types.AggregateConformancePackComplianceFilters, limit int32) []string {
		t.Helper()
		var out []string
		var token *string
		for {
			page := must(agg.DescribeAggregateComplianceByConformancePacks(ctx, &configservice.DescribeAggregateComplianceByConformancePacksInput{
				ConfigurationAggregatorName: aws.String("agg"), Filters: f, Limit: limit, NextToken: token})).get(t)
			for _, p := range page.AggregateComplianceByConformancePacks {
				c := p.Compliance
				out = append(out, fmt.Sprintf("%s/%s/%s=%s %d/%d/%d", aws.ToString(p.AccountId), aws.ToString(p.AwsRegion), aws.ToString(p.ConformancePackName),
					c.ComplianceType, c.CompliantRuleCount, c.NonCompliantRuleCount, c.TotalRuleCount))
			}
			if token = page.NextToken; token == nil {
				return out
			}
		}
	}
	all := "[222222222222/eu-west-1/ops=COMPLIANT 2/0/2 222222222222/us-east-1/ops=NON_COMPLIANT 1/1/2 222222222222/us-east-1/process=INSUFFICIENT_DATA 0/0/1]"
	if got := fmt.Sprint(byPacks(nil, 0)); got != all {
		t.Errorf("DescribeAggregateComplianceByConformancePacks = %s;\nwant %s", got, all)
	}
	if got := fmt.Sprint(byPacks(nil, 1)); got != all {
		t.Errorf("a pack a page = %s", got)
	}
	if got := fmt.Sprint(byPacks(&types.AggregateConformancePackComplianceFilters{ComplianceType: types.ConformancePackComplianceTypeNonCompliant}, 0)); got != "[222222222222/us-east-1/ops=NON_COMPLIANT 1/1/2]" {
		t.Errorf("NON_COMPLIANT packs = %s", got)
	}
	if got := fmt.Sprint(byPacks(&types.AggregateConformancePackComplianceFilters{ConformancePackName: aws.String("process"), AwsRegion: aws.String("us-east-1")}, 0)); got != "[222222222222/us-east-1/process=INSUFFICIENT_DATA 0/0/1]" {
		t.Errorf("process pack = %s", got)
	}
	// C's packs exist, but C did not authorize the aggregator.
	if got := byPacks(&types.AggregateConformancePackComplianceFilters{AccountId: aws.String(acctC)}, 0); len(got) != 0 {
		t.Errorf("an unreadable source's packs: %v", got)
	}

	summary := func(key types.AggregateConformancePackComplianceSummaryGroupKey, limit int32) string {
		t.Helper()
		var out []string
		var token *string
		for {
			page := must(agg.GetAggregateConformancePackComplianceSummary(ctx, &configservice.GetAggregateConformancePackComplianceSummaryInput{
				ConfigurationAggregatorName: aws.String("agg"), GroupByKey: key, Limit: limit, NextToken: token})).get(t)
			if aws.ToString(page.GroupByKey) != string(key) {
				t.Errorf("GroupByKey = %q; want %q", aws.ToString(page.GroupByKey), key)
			}
			for _, c := range page.AggregateConformancePackComplianceSummaries {
				out = append(out, fmt.Sprintf("%s:%d/%d", aws.ToString(c.GroupName),
					c.ComplianceSummary.CompliantConformancePackCount, c.ComplianceSummary.NonCompliantConformancePackCount))
			}
			if token = page.NextToken; token == nil {
				return fmt.Sprint(out)
			}
		}
	}
	if got := summary(types.AggregateConformancePackComplianceSummaryGroupKeyAwsRegion, 1); got != "[eu-west-1:1/0 us-east-1:0/1]" {
		t.Errorf("summary by region = %s", got)
	}
	if got := summary(types.AggregateConformancePackComplianceSummaryGroupKeyAccountId, 0); got != "[222222222222:1/1]" {
		t.Errorf("summary by account = %s", got)
	}
	if got := summary("", 0); got != "[:1/1]" {
		t.Errorf("summary = %s", got)
	}

	// A change in a source shows at once.
	s.mustIngest(t, acctB, "us-east-1", taggedBucket(acctB, "us-east-1", "b-us-east-1", "Enabled", 2, at.Add(time.Minute), team))
	if got := summary(types.AggregateConformancePackComplianceSummaryGroupKeyAwsRegion, 0); got != "[eu-west-1:1/0 us-east-1:1/0]" {
		t.Errorf("summary by region after the fix = %s", got)
	}
	// Authorization revoked: the source's packs leave the view at once.
	_ = must(s.config(acctB, "eu-west-1").DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)
	if got := fmt.Sprint(byPacks(nil, 0)); got != "[222222222222/us-east-1/ops=COMPLIANT 2/0/2 222222222222/us-east-1/process=INSUFFICIENT_DATA 0/0/1]" {
		t.Errorf("after eu-west-1 was revoked: %s", got)
	}

	if got := summary(types.AggregateConformancePackComplianceSummaryGroupKeyAwsRegion, 0); got != "[us-east-1:1/0]" {
		t.Errorf("summary by region after eu-west-1 was revoked = %s", got)
	}
	// A pack deleted leaves the summary; a pack whose rules have no
	// results (process) still makes its region a group.
	cb := s.config(acctB, "us-east-1")
	_ = must(cb.DeleteConformancePack(ctx, &configservice.DeleteConformancePackInput{ConformancePackName: aws.String("ops")})).get(t)
	if got := summary(types.AggregateConformancePackComplianceSummaryGroupKeyAwsRegion, 0); got != "[us-east-1:0/0]" {
		t.Errorf("summary by region after ops was deleted = %s", got)
	}
	_ = must(cb.DeleteConformancePack(ctx, &configservice.DeleteConformancePackInput{ConformancePackName: aws.String("process")})).get(t)
	if got := summary(types.AggregateConformancePackComplianceSummaryGroupKeyAwsRegion, 0); got != "[]" {
		t.Errorf("summary by region without packs = %s", got)
	}
	putPack(t, cb, "ops", packTemplate, nil)
	if got := summary(types.AggregateConformancePackComplianceSummaryGroupKeyAccountId, 0); got != "[222222222222:1/0]" {
		t.Errorf("summary by account after ops was put again = %s", got)
	}
	// The summary sums the results store's copy of the packs, which a
	// server makes again when it starts: a copy lost (a data directory
	// from before it was kept, or a crash between a pack's write and its
	// copy) is found again.
	s.stop()
	inv, closeInv, err := app.OpenInventory(ctx, s.dataDir, s.store, config.SyncNormal, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	results := inv.(interface{ Compliance() compliance.Store }).Compliance()
	if err := results.ReplaceGroups(ctx, func(context.Context) ([]compliance.Group, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if err := closeInv(); err != nil {
		t.Fatal(err)
	}
	s = startServer(t, func(c *config.Config) { c.DataDir, c.Store = s.dataDir, s.store })
	agg = s.config(acctA, "us-east-1")
	if got := summary(types.AggregateConformancePackComplianceSummaryGroupKeyAccountId, 0); got != "[222222222222:1/0]" {
		t.Errorf("summary by account after a restart without the copy = %s", got)
	}

	_, err = agg.DescribeAggregateComplianceByConformancePacks(ctx, &configservice.DescribeAggregateComplianceByConformancePacksInput{
		ConfigurationAggregatorName: aws.String("nope")})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
	_, err = agg.GetAggregateConformancePackComplianceSummary(ctx, &configservice.GetAggregateConformancePackComplianceSummaryInput{
		ConfigurationAggregatorName: aws.String("nope")})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
	_, err = agg.GetAggregateConformancePackComplianceSummary(ctx, &configservice.GetAggregateConformancePackComplianceSummaryInput{
		ConfigurationAggregatorName: aws.String("agg"), Limit: 101})
	wantError(t, err, "InvalidLimitException", "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
}
