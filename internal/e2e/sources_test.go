package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// startRecording enables AWS Config in the account and region: a recorder,
// a delivery channel, and the recorder started.
func (s *server) startRecording(t *testing.T, account, region string) {
	t.Helper()
	ctx := context.Background()
	c := s.config(account, region)
	_ = must(c.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{
		ConfigurationRecorder: &types.ConfigurationRecorder{Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::" + account + ":role/config")},
	})).get(t)
	_ = must(c.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{
		DeliveryChannel: &types.DeliveryChannel{Name: aws.String("default"), S3BucketName: aws.String("config-bucket-" + account)},
	})).get(t)
	_ = must(c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
}

func (s *server) stopRecording(t *testing.T, account, region string) {
	t.Helper()
	_ = must(s.config(account, region).StopConfigurationRecorder(context.Background(),
		&configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
}

func (s *server) authorize(t *testing.T, source, sourceRegion, account, region string) *types.AggregationAuthorization {
	t.Helper()
	return must(s.config(source, sourceRegion).PutAggregationAuthorization(context.Background(), &configservice.PutAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(account), AuthorizedAwsRegion: aws.String(region),
	})).get(t).AggregationAuthorization
}

// statuses returns an aggregator's source statuses as
// "TYPE/id/region=STATUS[:CODE]" strings, following every page.
func statuses(t *testing.T, c *configservice.Client, name string, filter ...types.AggregatedSourceStatusType) string {
	t.Helper()
	var rows []string
	p := configservice.NewDescribeConfigurationAggregatorSourcesStatusPaginator(c, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{
		ConfigurationAggregatorName: aws.String(name), UpdateStatus: filter, Limit: 3,
	})
	for p.HasMorePages() {
		for _, st := range must(p.NextPage(context.Background())).get(t).AggregatedSourceStatusList {
			row := fmt.Sprintf("%s/%s/%s=%s", st.SourceType, aws.ToString(st.SourceId), aws.ToString(st.AwsRegion), st.LastUpdateStatus)
			if st.LastErrorCode != nil {
				row += ":" + aws.ToString(st.LastErrorCode)
				if aws.ToString(st.LastErrorMessage) == "" {
					t.Errorf("%s has an error code but no message", row)
				}
			}
			if st.LastUpdateTime == nil {
				t.Errorf("%s has no LastUpdateTime", row)
			}
			rows = append(rows, row)
		}
	}
	return strings.Join(rows, " ")
}

func pendingOf(t *testing.T, c *configservice.Client) string {
	t.Helper()
	var out []string
	p := configservice.NewDescribePendingAggregationRequestsPaginator(c, &configservice.DescribePendingAggregationRequestsInput{Limit: 1})
	for p.HasMorePages() {
		for _, r := range must(p.NextPage(context.Background())).get(t).PendingAggregationRequests {
			out = append(out, aws.ToString(r.RequesterAccountId)+"/"+aws.ToString(r.RequesterAwsRegion))
		}
	}
	return strings.Join(out, " ")
}

func TestAggregationAuthorizations(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctB, "eu-west-1")
	in := &configservice.PutAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1"), Tags: tagsOf("team", "red"),
	}
	first := must(c.PutAggregationAuthorization(ctx, in)).get(t).AggregationAuthorization
	wantARN := "arn:aws:config:eu-west-1:" + acctB + ":aggregation-authorization/" + acctA + "/us-east-1"
	if aws.ToString(first.AggregationAuthorizationArn) != wantARN || !first.CreationTime.Equal(testEpoch) {
		t.Errorf("authorization = %s at %v; want %s at %v", aws.ToString(first.AggregationAuthorizationArn), first.CreationTime, wantARN, testEpoch)
	}
	// A repeat is idempotent: same ARN and creation time, tags unchanged.
	s.clock.Advance(time.Hour)
	in.Tags = tagsOf("team", "blue")
	again := must(c.PutAggregationAuthorization(ctx, in)).get(t).AggregationAuthorization
	if aws.ToString(again.AggregationAuthorizationArn) != wantARN || !again.CreationTime.Equal(testEpoch) {
		t.Errorf("repeated Put = %s at %v; want the original", aws.ToString(again.AggregationAuthorizationArn), again.CreationTime)
	}
	tags := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(wantARN)})).get(t)
	if got := tagString(tags.Tags); got != "team=red" {
		t.Errorf("tags after a repeated Put = %s; want team=red", got)
	}
	_ = must(c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: aws.String(wantARN), Tags: tagsOf("env", "prod")})).get(t)

	for _, a := range []string{"333333333333", "444444444444"} {
		_ = s.authorize(t, acctB, "eu-west-1", a, "ap-south-1")
	}
	page := must(c.DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{Limit: 2})).get(t)
	if len(page.AggregationAuthorizations) != 2 || page.NextToken == nil || aws.ToString(page.AggregationAuthorizations[0].AuthorizedAccountId) != acctA {
		t.Fatalf("page 1 = %+v; want 2 authorizations from %s and a token", page.AggregationAuthorizations, acctA)
	}
	page = must(c.DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{Limit: 2, NextToken: page.NextToken})).get(t)
	if len(page.AggregationAuthorizations) != 1 || page.NextToken != nil || aws.ToString(page.AggregationAuthorizations[0].AuthorizedAccountId) != "444444444444" {
		t.Fatalf("page 2 = %+v; want the last authorization", page.AggregationAuthorizations)
	}
	_, err := c.DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{NextToken: aws.String("x")})
	wantError(t, err, "InvalidNextTokenException", "The nextToken provided is invalid")
	// Another region of the same account has none.
	other := must(s.config(acctB, "us-east-1").DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{})).get(t)
	if len(other.AggregationAuthorizations) != 0 {
		t.Errorf("us-east-1 sees %d authorizations made in eu-west-1", len(other.AggregationAuthorizations))
	}

	_ = must(c.DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)
	_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(wantARN)})
	wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+wantARN+"' does not exist")
	// Deleting what does not exist succeeds.
	_ = must(c.DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)

	_, err = c.PutAggregationAuthorization(ctx, &configservice.PutAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String("123"), AuthorizedAwsRegion: aws.String("us-east-1")})
	wantError(t, err, "ValidationException", `1 validation error detected: Value '123' at 'authorizedAccountId' failed to satisfy constraint: Member must satisfy regular expression pattern: \d{12}`)
	long := strings.Repeat("r", 65)
	_, err = c.PutAggregationAuthorization(ctx, &configservice.PutAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String(long)})
	wantError(t, err, "ValidationException", "1 validation error detected: Value '"+long+"' at 'authorizedAwsRegion' failed to satisfy constraint: Member must have length less than or equal to 64")
}

func TestPendingAggregationRequests(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	agg := s.config(acctA, "us-east-1")
	in := putAccounts("agg", acctB, "333333333333")
	in.AccountAggregationSources[0].AllAwsRegions = false
	in.AccountAggregationSources[0].AwsRegions = []string{"us-east-1", "eu-west-1"}
	_ = must(agg.PutConfigurationAggregator(ctx, in)).get(t)
	// Two aggregators of one account and region make one request.
	_ = must(agg.PutConfigurationAggregator(ctx, putAccounts("agg2", acctB))).get(t)
	_ = must(s.config(acctA, "ap-south-1").PutConfigurationAggregator(ctx, putAccounts("agg3", acctB))).get(t)

	bEast, bWest := s.config(acctB, "us-east-1"), s.config(acctB, "eu-west-1")
	if got := pendingOf(t, bEast); got != acctA+"/ap-south-1 "+acctA+"/us-east-1" {
		t.Errorf("pending in %s us-east-1 = %q; want requests from ap-south-1 and us-east-1", acctB, got)
	}
	if got := pendingOf(t, s.config(acctB, "ca-central-1")); got != acctA+"/ap-south-1 "+acctA+"/us-east-1" {
		t.Errorf("pending in ca-central-1 (all-regions aggregators only) = %q", got)
	}
	// Authorizing answers the request in that region only.
	_ = s.authorize(t, acctB, "us-east-1", acctA, "us-east-1")
	if got := pendingOf(t, bEast); got != acctA+"/ap-south-1" {
		t.Errorf("pending after authorizing = %q; want only ap-south-1's", got)
	}
	if got := pendingOf(t, bWest); got != acctA+"/ap-south-1 "+acctA+"/us-east-1" {
		t.Errorf("pending in eu-west-1 = %q; want both", got)
	}
	// Deleting a pending request rejects it.
	_ = must(bWest.DeletePendingAggregationRequest(ctx, &configservice.DeletePendingAggregationRequestInput{
		RequesterAccountId: aws.String(acctA), RequesterAwsRegion: aws.String("us-east-1")})).get(t)
	if got := pendingOf(t, bWest); got != acctA+"/ap-south-1" {
		t.Errorf("pending after the rejection = %q", got)
	}
	// Revoking an authorization does not make the request pending again.
	_ = must(bEast.DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)
	if got := pendingOf(t, bEast); got != acctA+"/ap-south-1" {
		t.Errorf("pending after revoking = %q", got)
	}
	// Removing the account from an aggregator, or deleting the aggregator,
	// withdraws its request.
	_ = must(s.config(acctA, "ap-south-1").PutConfigurationAggregator(ctx, putAccounts("agg3", "333333333333"))).get(t)
	if got := pendingOf(t, bEast); got != "" {
		t.Errorf("pending after the account was removed = %q; want none", got)
	}
	three := s.config("333333333333", "eu-west-1")
	if got := pendingOf(t, three); got != acctA+"/ap-south-1 "+acctA+"/us-east-1" {
		t.Errorf("pending in 333333333333 = %q", got)
	}
	_ = must(s.config(acctA, "ap-south-1").DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("agg3")})).get(t)
	if got := pendingOf(t, three); got != acctA+"/us-east-1" {
		t.Errorf("pending after deleting agg3 = %q", got)
	}
	// Requests expire after 7 days.
	s.clock.Advance(7*24*time.Hour - time.Second)
	if got := pendingOf(t, three); got != acctA+"/us-east-1" {
		t.Errorf("pending just before 7 days = %q", got)
	}
	s.clock.Advance(time.Second)
	if got := pendingOf(t, three); got != "" {
		t.Errorf("pending after 7 days = %q; want none", got)
	}
	_, err := three.DescribePendingAggregationRequests(ctx, &configservice.DescribePendingAggregationRequestsInput{Limit: 21})
	wantError(t, err, "InvalidLimitException", "Value '21' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 20")
	// Rejecting a request that is not pending succeeds.
	_ = must(three.DeletePendingAggregationRequest(ctx, &configservice.DeletePendingAggregationRequestInput{
		RequesterAccountId: aws.String("999999999999"), RequesterAwsRegion: aws.String("us-east-1")})).get(t)
}

func TestSourceStatus_AccountAggregator(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	agg := s.config(acctA, "us-east-1")
	in := putAccounts("agg", acctB)
	in.AccountAggregationSources[0].AllAwsRegions = false
	in.AccountAggregationSources[0].AwsRegions = []string{"us-east-1"}
	_ = must(agg.PutConfigurationAggregator(ctx, in)).get(t)
	want := func(step, expect string) {
		t.Helper()
		if got := statuses(t, agg, "agg"); got != expect {
			t.Errorf("%s: status = %s;\nwant %s", step, got, expect)
		}
	}
	row := "ACCOUNT/" + acctB + "/us-east-1="
	want("unauthorized", row+"FAILED:AUTHORIZATION_PENDING")
	_ = s.authorize(t, acctB, "us-east-1", acctA, "us-east-1")
	want("authorized, no recorder", row+"FAILED:CONFIG_NOT_ENABLED")
	_ = must(s.config(acctB, "us-east-1").PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{
		ConfigurationRecorder: &types.ConfigurationRecorder{Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::" + acctB + ":role/config")},
	})).get(t)
	want("recorder never started", row+"FAILED:CONFIG_RECORDER_STOPPED")
	s.startRecording(t, acctB, "us-east-1")
	want("recording", row+"SUCCEEDED")
	s.stopRecording(t, acctB, "us-east-1")
	want("stopped", row+"FAILED:CONFIG_RECORDER_STOPPED")
	_ = must(s.config(acctB, "us-east-1").StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	want("restarted", row+"SUCCEEDED")
	_ = must(s.config(acctB, "us-east-1").DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)
	want("revoked", row+"FAILED:AUTHORIZATION_NOT_FOUND")

	// More accounts and regions: a rejection, an expiry, the filter, pages.
	in = putAccounts("agg", acctB, "333333333333", "444444444444")
	in.AccountAggregationSources[0].AllAwsRegions = false
	in.AccountAggregationSources[0].AwsRegions = []string{"us-east-1", "eu-west-1"}
	_ = must(agg.PutConfigurationAggregator(ctx, in)).get(t)
	_ = s.authorize(t, acctB, "us-east-1", acctA, "us-east-1")
	_ = must(s.config("333333333333", "eu-west-1").DeletePendingAggregationRequest(ctx, &configservice.DeletePendingAggregationRequestInput{
		RequesterAccountId: aws.String(acctA), RequesterAwsRegion: aws.String("us-east-1")})).get(t)
	want("mixed",
		"ACCOUNT/"+acctB+"/eu-west-1=FAILED:AUTHORIZATION_PENDING "+
			"ACCOUNT/"+acctB+"/us-east-1=SUCCEEDED "+
			"ACCOUNT/333333333333/eu-west-1=FAILED:AUTHORIZATION_REJECTED "+
			"ACCOUNT/333333333333/us-east-1=FAILED:AUTHORIZATION_PENDING "+
			"ACCOUNT/444444444444/eu-west-1=FAILED:AUTHORIZATION_PENDING "+
			"ACCOUNT/444444444444/us-east-1=FAILED:AUTHORIZATION_PENDING")
	if got := statuses(t, agg, "agg", types.AggregatedSourceStatusTypeSucceeded); got != "ACCOUNT/"+acctB+"/us-east-1=SUCCEEDED" {
		t.Errorf("SUCCEEDED filter = %s", got)
	}
	if got := statuses(t, agg, "agg", types.AggregatedSourceStatusTypeFailed); strings.Count(got, "FAILED") != 5 || strings.Contains(got, "SUCCEEDED") {
		t.Errorf("FAILED filter = %s; want the 5 failing sources", got)
	}
	if got := statuses(t, agg, "agg", types.AggregatedSourceStatusTypeOutdated); got != "" {
		t.Errorf("OUTDATED filter = %s; want none", got)
	}
	if got := statuses(t, agg, "agg", types.AggregatedSourceStatusTypeOutdated, types.AggregatedSourceStatusTypeSucceeded); got != "ACCOUNT/"+acctB+"/us-east-1=SUCCEEDED" {
		t.Errorf("OUTDATED+SUCCEEDED filter = %s", got)
	}
	// The aggregator account's requests expire unanswered after 7 days.
	s.clock.Advance(8 * 24 * time.Hour)
	if got := statuses(t, agg, "agg"); strings.Contains(got, "AUTHORIZATION_PENDING") || !strings.Contains(got, "444444444444/us-east-1=FAILED:AUTHORIZATION_NOT_FOUND") {
		t.Errorf("after 8 days status = %s; want expired requests as AUTHORIZATION_NOT_FOUND", got)
	}

	_, err := agg.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{ConfigurationAggregatorName: aws.String("nope")})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
	_, err = agg.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{
		ConfigurationAggregatorName: aws.String("agg"), UpdateStatus: []types.AggregatedSourceStatusType{"BROKEN"}})
	wantError(t, err, "ValidationException", "1 validation error detected: Value 'BROKEN' at 'updateStatus.1.member' failed to satisfy constraint: Member must satisfy enum value set: [FAILED, SUCCEEDED, OUTDATED]")
	_, err = agg.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{
		ConfigurationAggregatorName: aws.String("agg"), NextToken: aws.String("forged")})
	wantError(t, err, "InvalidNextTokenException", "The nextToken provided is invalid")
}

func TestSourceStatus_AllRegions(t *testing.T) {
	s := startServer(t, func(c *configOpts) { c.Regions = []string{"eu-west-1", "us-west-2"} })
	ctx := context.Background()
	agg := s.config(acctA, "us-east-1")
	_ = must(agg.PutConfigurationAggregator(ctx, putAccounts("agg", acctA))).get(t)
	_ = s.authorize(t, acctA, "us-west-2", acctA, "us-east-1")
	s.startRecording(t, acctA, "us-west-2")
	want := "ACCOUNT/" + acctA + "/eu-west-1=FAILED:AUTHORIZATION_PENDING " +
		"ACCOUNT/" + acctA + "/us-east-1=FAILED:AUTHORIZATION_PENDING " +
		"ACCOUNT/" + acctA + "/us-west-2=SUCCEEDED"
	if got := statuses(t, agg, "agg"); got != want {
		t.Errorf("all-regions status = %s;\nwant %s", got, want)
	}
}

func TestSourceStatus_OrganizationAggregator(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	orgID := s.orgWithAdmin(t)
	agg := s.config(admin, "us-east-1")
	in := putOrg("org")
	in.OrganizationAggregationSource.AllAwsRegions = false
	in.OrganizationAggregationSource.AwsRegions = []string{"us-east-1"}
	_ = must(agg.PutConfigurationAggregator(ctx, in)).get(t)
	org := "ORGANIZATION/" + orgID + "/us-east-1="
	want := func(step, expect string) {
		t.Helper()
		if got := statuses(t, agg, "org"); got != expect {
			t.Errorf("%s: status = %s;\nwant %s", step, got, expect)
		}
	}
	want("no member records", org+"SUCCEEDED "+
		"ACCOUNT/"+mgmt+"/us-east-1=FAILED:CONFIG_NOT_ENABLED "+
		"ACCOUNT/"+admin+"/us-east-1=FAILED:CONFIG_NOT_ENABLED "+
		"ACCOUNT/"+member+"/us-east-1=FAILED:CONFIG_NOT_ENABLED")
	s.startRecording(t, member, "us-east-1")
	s.startRecording(t, mgmt, "us-east-1")
	// Members need no authorization; a new member is a source at once.
	s.admit(t, mgmt, outsider)
	want("member recording, outsider joined", org+"SUCCEEDED "+
		"ACCOUNT/"+mgmt+"/us-east-1=SUCCEEDED "+
		"ACCOUNT/"+admin+"/us-east-1=FAILED:CONFIG_NOT_ENABLED "+
		"ACCOUNT/"+member+"/us-east-1=SUCCEEDED "+
		"ACCOUNT/"+outsider+"/us-east-1=FAILED:CONFIG_NOT_ENABLED")
	// A member that leaves is no longer a source.
	_ = must(s.orgs(member).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})).get(t)
	if got := statuses(t, agg, "org"); strings.Contains(got, member) {
		t.Errorf("after %s left, status = %s", member, got)
	}
	// Trusted access disabled: the organization and its members fail.
	o := s.orgs(mgmt)
	_ = must(o.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	got := statuses(t, agg, "org")
	if !strings.HasPrefix(got, org+"FAILED:ORGANIZATION_SERVICE_ACCESS_NOT_ENABLED") || strings.Contains(got, "SUCCEEDED") {
		t.Errorf("without trusted access status = %s", got)
	}
	_ = must(o.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	// The owner is no longer a delegated administrator.
	_ = must(o.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{
		AccountId: aws.String(admin), ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	if got := statuses(t, agg, "org"); !strings.HasPrefix(got, org+"FAILED:ORGANIZATION_ACCESS_DENIED") {
		t.Errorf("after deregistration status = %s", got)
	}
	// The owner left the organization.
	_ = must(s.orgs(admin).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})).get(t)
	if got := statuses(t, agg, "org"); got != org+"FAILED:ORGANIZATION_NOT_FOUND" {
		t.Errorf("after the owner left status = %s", got)
	}
}
