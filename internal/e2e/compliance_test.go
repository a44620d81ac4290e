package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// ruleARN is the form of a rule's ARN: config-rule-<6 lowercase
// characters>.
var ruleARN = regexp.MustCompile(`^arn:aws:config:us-east-1:111111111111:config-rule/config-rule-[a-z0-9]{6}$`)

// bucketItem is an S3 bucket CI in the file form, with its versioning
// status as S3 records it in the supplementary configuration.
func bucketItem(account, region, name, versioning string, stateID int64, at time.Time) fileCI {
	return fileItem(account, region, "AWS::S3::Bucket", name, stateID, at).
		with("resourceName", name).
		with("configuration", map[string]any{"name": name, "owner": map[string]any{"id": "abc"}}).
		with("supplementaryConfiguration", map[string]any{
			"BucketVersioningConfiguration": map[string]any{"status": versioning, "isMfaDeleteEnabled": nil},
		})
}

// putManagedRule puts a managed rule of the identifier.
func putManagedRule(t *testing.T, c *configservice.Client, name, identifier, params string, tags ...types.Tag) {
	t.Helper()
	r := &types.ConfigRule{ConfigRuleName: aws.String(name), Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String(identifier)}}
	if params != "" {
		r.InputParameters = aws.String(params)
	}
	_ = must(c.PutConfigRule(context.Background(), &configservice.PutConfigRuleInput{ConfigRule: r, Tags: tags})).get(t)
}

// detailsByRule returns "resourceId=COMPLIANCE" for each result of the
// rule, through every page of limit.
func detailsByRule(t *testing.T, c *configservice.Client, rule string, limit int32) []string {
	t.Helper()
	var out []string
	var token *string
	for {
		page := must(c.GetComplianceDetailsByConfigRule(context.Background(), &configservice.GetComplianceDetailsByConfigRuleInput{
			ConfigRuleName: aws.String(rule), Limit: limit, NextToken: token})).get(t)
		for _, r := range page.EvaluationResults {
			q := r.EvaluationResultIdentifier.EvaluationResultQualifier
			out = append(out, aws.ToString(q.ResourceId)+"="+string(r.ComplianceType))
		}
		if token = page.NextToken; token == nil {
			return out
		}
	}
}

// TestConfigRules checks the life of a rule and the errors of its
// operations.
func TestConfigRules(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	managedRule := func(name, id string) *configservice.PutConfigRuleInput {
		return &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String(name),
			Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String(id)}}}
	}

	// A rule needs a configuration recorder.
	_, err := c.PutConfigRule(ctx, managedRule("versioning", "S3_BUCKET_VERSIONING_ENABLED"))
	wantError(t, err, "NoAvailableConfigurationRecorderException",
		"You must create a configuration recorder before you can create or update a Config rule.")
	startRecording(t, c, nil)

	putManagedRule(t, c, "versioning", "S3_BUCKET_VERSIONING_ENABLED", "", types.Tag{Key: aws.String("team"), Value: aws.String("a")})
	rules := must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules
	if len(rules) != 1 {
		t.Fatalf("DescribeConfigRules = %+v; want one rule", rules)
	}
	r := rules[0]
	arn := aws.ToString(r.ConfigRuleArn)
	if !ruleARN.MatchString(arn) || aws.ToString(r.ConfigRuleId) != arn[strings.LastIndex(arn, "/")+1:] ||
		r.ConfigRuleState != types.ConfigRuleStateActive || aws.ToString(r.Source.SourceIdentifier) != "S3_BUCKET_VERSIONING_ENABLED" {
		t.Errorf("rule = %+v", r)
	}
	// An update by ARN keeps the rule's identity and tags.
	_ = must(c.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleArn: aws.String(arn),
		Description: aws.String("buckets"), Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}}})).get(t)
	r = must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{"versioning"}})).get(t).ConfigRules[0]
	if aws.ToString(r.ConfigRuleArn) != arn || aws.ToString(r.Description) != "buckets" || aws.ToString(r.ConfigRuleName) != "versioning" {
		t.Errorf("after an update by ARN: %+v", r)
	}
	tags := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).get(t).Tags
	if len(tags) != 1 || aws.ToString(tags[0].Key) != "team" {
		t.Errorf("tags = %+v; want team", tags)
	}
	st := must(c.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{})).get(t).ConfigRulesEvaluationStatus
	if len(st) != 1 || st[0].FirstActivatedTime == nil || aws.ToString(st[0].ConfigRuleArn) != arn {
		t.Errorf("DescribeConfigRuleEvaluationStatus = %+v", st)
	}

	// Paging: 25 a page, by name.
	for i := range 27 {
		putManagedRule(t, c, fmt.Sprintf("r%02d", i), "S3_BUCKET_VERSIONING_ENABLED", "")
	}
	page := must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t)
	if len(page.ConfigRules) != 25 || page.NextToken == nil {
		t.Fatalf("first page: %d rules, NextToken %v", len(page.ConfigRules), page.NextToken)
	}
	page2 := must(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{NextToken: page.NextToken})).get(t)
	if len(page2.ConfigRules) != 3 || page2.NextToken != nil || aws.ToString(page2.ConfigRules[2].ConfigRuleName) != "versioning" {
		t.Errorf("second page: %d rules, NextToken %v", len(page2.ConfigRules), page2.NextToken)
	}

	for _, tc := range []struct {
		name          string
		in            *configservice.PutConfigRuleInput
		code, message string
	}{
		{"unknown identifier form", managedRule("x", "not-a-rule"), "InvalidParameterValueException",
			"The sourceIdentifier not-a-rule is invalid. Please refer to the documentation for a list of valid sourceIdentifiers that can be used when AWS is the Owner."},
		{"ARN on create", &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String("new"),
			ConfigRuleArn: aws.String("arn:aws:config:us-east-1:111111111111:config-rule/config-rule-aaaaaa"),
			Source:        &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}}},
			"InvalidParameterValueException", "ConfigRule Arn and Id can not be specified when creating a new ConfigRule. " +
				"ConfigRule Arn and Id are generated by the service. Please try the request again without specifying ConfigRule Arn or Id"},
		{"frequency of a change-triggered rule", &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String("f"),
			MaximumExecutionFrequency: types.MaximumExecutionFrequencyOneHour,
			Source:                    &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}}},
			"InvalidParameterValueException", "A maximum execution frequency for this rule is not allowed because only a change in resources triggers this managed rule."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutConfigRule(ctx, tc.in)
			wantError(t, err, tc.code, tc.message)
		})
	}
	_, err = c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{"nope"}})
	wantError(t, err, "NoSuchConfigRuleException", "The ConfigRule 'nope' provided in the request is invalid. Please check the configRule name")
	_, err = c.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String("nope")})
	wantError(t, err, "NoSuchConfigRuleException", "The ConfigRule 'nope' provided in the request is invalid. Please check the configRule name")

	_ = must(c.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String("versioning")})).get(t)
	_, err = c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{"versioning"}})
	wantError(t, err, "NoSuchConfigRuleException", "The ConfigRule 'versioning' provided in the request is invalid. Please check the configRule name")
	// Another account sees none of A's rules.
	b := s.config(acctB, "us-east-1")
	if n := len(must(b.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})).get(t).ConfigRules); n != 0 {
		t.Errorf("B sees %d rules", n)
	}
}

// TestManagedRuleEvaluation checks that a managed rule evaluates the
// recorded buckets when it is put, again when a bucket changes, and on
// StartConfigRulesEvaluation; and the compliance reads of the account.
func TestManagedRuleEvaluation(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	at := testEpoch.Add(-time.Hour)
	s.mustIngest(t, acctA, "us-east-1",
		bucketItem(acctA, "us-east-1", "b-on", "Enabled", 1, at),
		bucketItem(acctA, "us-east-1", "b-off", "Off", 1, at),
		bucketItem(acctA, "us-east-1", "b-suspended", "Suspended", 1, at))
	putManagedRule(t, c, "versioning", "S3_BUCKET_VERSIONING_ENABLED", "")

	if got := fmt.Sprint(detailsByRule(t, c, "versioning", 2)); got != "[b-off=NON_COMPLIANT b-on=COMPLIANT b-suspended=NON_COMPLIANT]" {
		t.Errorf("results = %s", got)
	}
	byRule := must(c.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{})).get(t).ComplianceByConfigRules
	if len(byRule) != 1 || byRule[0].Compliance.ComplianceType != types.ComplianceTypeNonCompliant ||
		byRule[0].Compliance.ComplianceContributorCount.CappedCount != 2 {
		t.Errorf("DescribeComplianceByConfigRule = %+v", byRule)
	}

	// A change of a bucket is evaluated as it is recorded.
	s.mustIngest(t, acctA, "us-east-1", bucketItem(acctA, "us-east-1", "b-off", "Enabled", 2, at.Add(time.Minute)))
	if got := fmt.Sprint(detailsByRule(t, c, "versioning", 0)); got != "[b-off=COMPLIANT b-on=COMPLIANT b-suspended=NON_COMPLIANT]" {
		t.Errorf("after b-off enabled versioning: %s", got)
	}
	// A deleted bucket is NOT_APPLICABLE.
	s.mustIngest(t, acctA, "us-east-1", bucketItem(acctA, "us-east-1", "b-suspended", "Suspended", 2, at.Add(2*time.Minute)).deleted())
	if got := fmt.Sprint(detailsByRule(t, c, "versioning", 0)); got != "[b-off=COMPLIANT b-on=COMPLIANT b-suspended=NOT_APPLICABLE]" {
		t.Errorf("after b-suspended was deleted: %s", got)
	}
	s.clock.Advance(time.Hour)
	_ = must(c.StartConfigRulesEvaluation(ctx, &configservice.StartConfigRulesEvaluationInput{ConfigRuleNames: []string{"versioning"}})).get(t)
	st := must(c.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{})).get(t).ConfigRulesEvaluationStatus
	if len(st) != 1 || !aws.ToTime(st[0].LastSuccessfulEvaluationTime).Equal(s.clock.Now()) ||
		!aws.ToTime(st[0].LastSuccessfulInvocationTime).Equal(s.clock.Now()) || !st[0].FirstEvaluationStarted {
		t.Errorf("status after an evaluation at %v: %+v", s.clock.Now(), st)
	}

	// Filters, by resource, and the summaries.
	non := must(c.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{
		ConfigRuleName: aws.String("versioning"), ComplianceTypes: []types.ComplianceType{types.ComplianceTypeCompliant}})).get(t).EvaluationResults
	if len(non) != 2 {
		t.Errorf("COMPLIANT results: %d; want 2", len(non))
	}
	byRes := must(c.GetComplianceDetailsByResource(ctx, &configservice.GetComplianceDetailsByResourceInput{
		ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b-on")})).get(t).EvaluationResults
	if len(byRes) != 1 || byRes[0].ComplianceType != types.ComplianceTypeCompliant || byRes[0].ResultRecordedTime == nil ||
		aws.ToString(byRes[0].EvaluationResultIdentifier.EvaluationResultQualifier.ConfigRuleName) != "versioning" {
		t.Errorf("GetComplianceDetailsByResource = %+v", byRes)
	}
	sum := must(c.GetComplianceSummaryByConfigRule(ctx, &configservice.GetComplianceSummaryByConfigRuleInput{})).get(t).ComplianceSummary
	if sum.CompliantResourceCount.CappedCount != 1 || sum.NonCompliantResourceCount.CappedCount != 0 {
		t.Errorf("GetComplianceSummaryByConfigRule = %+v %+v", sum.CompliantResourceCount, sum.NonCompliantResourceCount)
	}
	byType := must(c.GetComplianceSummaryByResourceType(ctx, &configservice.GetComplianceSummaryByResourceTypeInput{
		ResourceTypes: []string{"AWS::S3::Bucket"}})).get(t).ComplianceSummariesByResourceType
	if len(byType) != 1 || byType[0].ComplianceSummary.CompliantResourceCount.CappedCount != 2 {
		t.Errorf("GetComplianceSummaryByResourceType = %+v", byType)
	}
	_, err := c.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("nope")})
	wantError(t, err, "NoSuchConfigRuleException", "The ConfigRule 'nope' provided in the request is invalid. Please check the configRule name")

	// Deleting the rule deletes its results.
	_ = must(c.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String("versioning")})).get(t)
	if got := must(c.GetComplianceDetailsByResource(ctx, &configservice.GetComplianceDetailsByResourceInput{
		ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b-on")})).get(t).EvaluationResults; len(got) != 0 {
		t.Errorf("results after the rule was deleted: %+v", got)
	}
}

// TestPutEvaluations checks the results a custom rule's function delivers.
func TestPutEvaluations(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	_ = must(c.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String("custom"),
		Source: &types.Source{Owner: types.OwnerCustomLambda, SourceIdentifier: aws.String("arn:aws:lambda:us-east-1:111111111111:function:check"),
			SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}}}})).get(t)
	ev := func(id string, ct types.ComplianceType, at time.Time) types.Evaluation {
		return types.Evaluation{ComplianceResourceType: aws.String("AWS::EC2::Instance"), ComplianceResourceId: aws.String(id),
			ComplianceType: ct, OrderingTimestamp: aws.Time(at), Annotation: aws.String("checked " + id)}
	}
	// status returns the rule's evaluation status.
	status := func() types.ConfigRuleEvaluationStatus {
		t.Helper()
		st := must(c.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{ConfigRuleNames: []string{"custom"}})).get(t).ConfigRulesEvaluationStatus
		if len(st) != 1 {
			t.Fatalf("DescribeConfigRuleEvaluationStatus = %+v; want the rule's", st)
		}
		return st[0]
	}
	if st := status(); st.LastSuccessfulEvaluationTime != nil || st.LastSuccessfulInvocationTime != nil || st.FirstEvaluationStarted {
		t.Errorf("status before any evaluation: %+v", st)
	}
	s.clock.Advance(90 * time.Second)
	out := must(c.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("custom"),
		Evaluations: []types.Evaluation{ev("i-1", types.ComplianceTypeCompliant, testEpoch), ev("i-2", types.ComplianceTypeNonCompliant, testEpoch)}})).get(t)
	if len(out.FailedEvaluations) != 0 {
		t.Errorf("FailedEvaluations = %+v", out.FailedEvaluations)
	}
	// The evaluations are the rule's last successful evaluation.
	if st := status(); !aws.ToTime(st.LastSuccessfulEvaluationTime).Equal(s.clock.Now()) ||
		!aws.ToTime(st.LastSuccessfulInvocationTime).Equal(s.clock.Now()) || !st.FirstEvaluationStarted {
		t.Errorf("status after PutEvaluations at %v: %+v", s.clock.Now(), st)
	}
	// An older evaluation arriving late does not undo a newer one; TestMode
	// stores nothing.
	_ = must(c.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("custom"),
		Evaluations: []types.Evaluation{ev("i-2", types.ComplianceTypeCompliant, testEpoch.Add(-time.Hour))}})).get(t)
	_ = must(c.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("anything"), TestMode: true,
		Evaluations: []types.Evaluation{ev("i-3", types.ComplianceTypeCompliant, testEpoch)}})).get(t)
	if got := fmt.Sprint(detailsByRule(t, c, "custom", 0)); got != "[i-1=COMPLIANT i-2=NON_COMPLIANT]" {
		t.Errorf("results = %s", got)
	}
	res := must(c.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("custom")})).get(t).EvaluationResults
	if len(res) != 2 || aws.ToString(res[0].Annotation) != "checked i-1" || !aws.ToTime(res[0].EvaluationResultIdentifier.OrderingTimestamp).Equal(testEpoch) {
		t.Errorf("results = %+v", res)
	}
	byRes := must(c.DescribeComplianceByResource(ctx, &configservice.DescribeComplianceByResourceInput{ResourceType: aws.String("AWS::EC2::Instance")})).get(t).ComplianceByResources
	var got []string
	for _, r := range byRes {
		got = append(got, aws.ToString(r.ResourceId)+"="+string(r.Compliance.ComplianceType))
	}
	if fmt.Sprint(got) != "[i-1=COMPLIANT i-2=NON_COMPLIANT]" {
		t.Errorf("DescribeComplianceByResource = %v", got)
	}

	_, err := c.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("nope"),
		Evaluations: []types.Evaluation{ev("i-1", types.ComplianceTypeCompliant, testEpoch)}})
	wantError(t, err, "InvalidResultTokenException", "The resultToken provided is invalid")
	_, err = c.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("custom")})
	wantError(t, err, "InvalidParameterValueException", "The Evaluations object in your request cannot be null.Add the required parameters and try again.")
	_, err = c.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("custom"),
		Evaluations: []types.Evaluation{ev("i-1", types.ComplianceTypeInsufficientData, testEpoch)}})
	wantError(t, err, "InvalidParameterValueException", "The ComplianceType INSUFFICIENT_DATA is not supported for evaluations. Use COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE.")
	_, err = c.PutExternalEvaluation(ctx, &configservice.PutExternalEvaluationInput{ConfigRuleName: aws.String("custom"),
		ExternalEvaluation: &types.ExternalEvaluation{ComplianceResourceType: aws.String("AWS::::Account"), ComplianceResourceId: aws.String(acctA),
			ComplianceType: types.ComplianceTypeCompliant, OrderingTimestamp: aws.Time(testEpoch)}})
	wantError(t, err, "NoSuchConfigRuleException", "The Config rule in the request is not valid. Verify that the rule is an Config Process Check rule, "+
		"that the rule name is correct, and that valid Amazon Resouce Names (ARNs) are used before trying again.")

	// A rule deleted and put again starts anew: no results, no evaluation.
	_ = must(c.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String("custom")})).get(t)
	_ = must(c.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String("custom"),
		Source: &types.Source{Owner: types.OwnerCustomLambda, SourceIdentifier: aws.String("arn:aws:lambda:us-east-1:111111111111:function:check"),
			SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}}}})).get(t)
	if st := status(); st.LastSuccessfulEvaluationTime != nil || st.FirstEvaluationStarted {
		t.Errorf("status of the rule put again: %+v", st)
	}
	if got := fmt.Sprint(detailsByRule(t, c, "custom", 0)); got != "[]" {
		t.Errorf("results of the rule put again = %s", got)
	}
}

// TestAggregateCompliance checks the aggregated compliance view: the rules
// of the readable sources, account by account, and nothing of a source the
// aggregator cannot read.
func TestAggregateCompliance(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	at := testEpoch.Add(-time.Hour)
	const acctC = "333333333333"
	for _, src := range []struct{ account, region, versioning string }{
		{acctB, "us-east-1", "Enabled"}, {acctB, "eu-west-1", "Off"}, {acctC, "us-east-1", "Off"},
	} {
		c := s.config(src.account, src.region)
		startRecording(t, c, nil)
		s.mustIngest(t, src.account, src.region,
			bucketItem(src.account, src.region, "b1-"+src.account[:3]+"-"+src.region, src.versioning, 1, at),
			bucketItem(src.account, src.region, "b2-"+src.account[:3]+"-"+src.region, "Enabled", 1, at))
		putManagedRule(t, c, "versioning", "S3_BUCKET_VERSIONING_ENABLED", "")
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

	byRules := must(agg.DescribeAggregateComplianceByConfigRules(ctx, &configservice.DescribeAggregateComplianceByConfigRulesInput{
		ConfigurationAggregatorName: aws.String("agg")})).get(t).AggregateComplianceByConfigRules
	var got []string
	for _, r := range byRules {
		got = append(got, aws.ToString(r.AccountId)+"/"+aws.ToString(r.AwsRegion)+"/"+aws.ToString(r.ConfigRuleName)+"="+string(r.Compliance.ComplianceType))
	}
	if want := "[222222222222/eu-west-1/versioning=NON_COMPLIANT 222222222222/us-east-1/versioning=COMPLIANT]"; fmt.Sprint(got) != want {
		t.Errorf("DescribeAggregateComplianceByConfigRules = %v; want %s", got, want)
	}
	non := must(agg.DescribeAggregateComplianceByConfigRules(ctx, &configservice.DescribeAggregateComplianceByConfigRulesInput{
		ConfigurationAggregatorName: aws.String("agg"), Filters: &types.ConfigRuleComplianceFilters{ComplianceType: types.ComplianceTypeNonCompliant}})).get(t).AggregateComplianceByConfigRules
	if len(non) != 1 || aws.ToString(non[0].AwsRegion) != "eu-west-1" || non[0].Compliance.ComplianceContributorCount.CappedCount != 1 {
		t.Errorf("NON_COMPLIANT filter: %+v", non)
	}

	details := must(agg.GetAggregateComplianceDetailsByConfigRule(ctx, &configservice.GetAggregateComplianceDetailsByConfigRuleInput{
		ConfigurationAggregatorName: aws.String("agg"), ConfigRuleName: aws.String("versioning"),
		AccountId: aws.String(acctB), AwsRegion: aws.String("eu-west-1")})).get(t).AggregateEvaluationResults
	got = nil
	for _, r := range details {
		got = append(got, aws.ToString(r.EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId)+"="+string(r.ComplianceType)+"@"+aws.ToString(r.AccountId))
	}
	if want := "[b1-222-eu-west-1=NON_COMPLIANT@222222222222 b2-222-eu-west-1=COMPLIANT@222222222222]"; fmt.Sprint(got) != want {
		t.Errorf("GetAggregateComplianceDetailsByConfigRule = %v; want %s", got, want)
	}
	// C's results exist, but C did not authorize the aggregator.
	if d := must(agg.GetAggregateComplianceDetailsByConfigRule(ctx, &configservice.GetAggregateComplianceDetailsByConfigRuleInput{
		ConfigurationAggregatorName: aws.String("agg"), ConfigRuleName: aws.String("versioning"),
		AccountId: aws.String(acctC), AwsRegion: aws.String("us-east-1")})).get(t).AggregateEvaluationResults; len(d) != 0 {
		t.Errorf("an unreadable source's results: %+v", d)
	}

	sum := must(agg.GetAggregateConfigRuleComplianceSummary(ctx, &configservice.GetAggregateConfigRuleComplianceSummaryInput{
		ConfigurationAggregatorName: aws.String("agg"), GroupByKey: types.ConfigRuleComplianceSummaryGroupKeyAwsRegion})).get(t)
	got = nil
	for _, c := range sum.AggregateComplianceCounts {
		got = append(got, fmt.Sprintf("%s:%d/%d", aws.ToString(c.GroupName),
			c.ComplianceSummary.CompliantResourceCount.CappedCount, c.ComplianceSummary.NonCompliantResourceCount.CappedCount))
	}
	if want := "[eu-west-1:0/1 us-east-1:1/0]"; fmt.Sprint(got) != want || aws.ToString(sum.GroupByKey) != "AWS_REGION" {
		t.Errorf("GetAggregateConfigRuleComplianceSummary = %v (%v); want %s", got, aws.ToString(sum.GroupByKey), want)
	}

	// Authorization revoked: the source leaves the view at once.
	_ = must(s.config(acctB, "eu-west-1").DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)
	byRules = must(agg.DescribeAggregateComplianceByConfigRules(ctx, &configservice.DescribeAggregateComplianceByConfigRulesInput{
		ConfigurationAggregatorName: aws.String("agg")})).get(t).AggregateComplianceByConfigRules
	if len(byRules) != 1 || aws.ToString(byRules[0].AwsRegion) != "us-east-1" {
		t.Errorf("after eu-west-1 was revoked: %+v", byRules)
	}

	_, err := agg.DescribeAggregateComplianceByConfigRules(ctx, &configservice.DescribeAggregateComplianceByConfigRulesInput{
		ConfigurationAggregatorName: aws.String("nope")})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
	_, err = agg.GetAggregateConfigRuleComplianceSummary(ctx, &configservice.GetAggregateConfigRuleComplianceSummaryInput{
		ConfigurationAggregatorName: aws.String("agg"), Limit: 1001})
	wantError(t, err, "InvalidLimitException", "Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
	_, err = agg.GetAggregateComplianceDetailsByConfigRule(ctx, &configservice.GetAggregateComplianceDetailsByConfigRuleInput{
		ConfigurationAggregatorName: aws.String("agg"), ConfigRuleName: aws.String("versioning"),
		AccountId: aws.String(acctB), AwsRegion: aws.String("us-east-1"), ComplianceType: types.ComplianceTypeNotApplicable})
	wantError(t, err, "ValidationException", "Value 'NOT_APPLICABLE' at 'complianceType' failed to satisfy constraint: Member must satisfy enum value set: [COMPLIANT, NON_COMPLIANT]")
}

// TestRuleScopeByTag checks a rule scoped by a tag: a bucket evaluated
// while it has the tag loses its result when a later version drops the
// tag, and the results of the account's other rules on it stay.
func TestRuleScopeByTag(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	at := testEpoch.Add(-time.Hour)
	s.mustIngest(t, acctA, "us-east-1", bucketItem(acctA, "us-east-1", "b1", "Enabled", 1, at).with("tags", map[string]any{"team": "a"}))
	_ = must(c.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String("team-buckets"),
		Scope:  &types.Scope{TagKey: aws.String("team")},
		Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}}})).get(t)
	putManagedRule(t, c, "all-buckets", "S3_BUCKET_VERSIONING_ENABLED", "")
	if got := fmt.Sprint(detailsByRule(t, c, "team-buckets", 0), detailsByRule(t, c, "all-buckets", 0)); got != "[b1=COMPLIANT] [b1=COMPLIANT]" {
		t.Fatalf("with the tag: %s", got)
	}
	s.mustIngest(t, acctA, "us-east-1", bucketItem(acctA, "us-east-1", "b1", "Suspended", 2, at.Add(time.Minute)))
	if got := fmt.Sprint(detailsByRule(t, c, "team-buckets", 0), detailsByRule(t, c, "all-buckets", 0)); got != "[] [b1=NON_COMPLIANT]" {
		t.Errorf("without the tag: %s", got)
	}
}
