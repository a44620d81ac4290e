package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/apierr"
	starcfg "github.com/starlingcfg/starling/internal/configservice"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/orgservice"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

// Accounts of the isolation tests. A owns everything; the others try to
// reach it.
const (
	isoA        = acctA          // owns aggregators, authorizations, a recorder, an organization
	isoB        = acctB          // another account, in no organization
	isoC        = "333333333333" // has aggregators that request A's data: A's pending requests
	isoSource   = "444444444444" // A's aggregators read it; A authorizes it
	isoAdmin    = "555555555555" // member of A's organization, delegated administrator for Config
	isoMember   = "666666666666" // member of A's organization
	isoInvitee  = "777777777777" // has an open invitation from A's organization
	isoOtherMgt = "888888888888" // management account of another organization
	isoOtherMbr = "888888888881" // member of the other organization

	isoRegion      = "us-east-1"
	isoOtherRegion = "eu-west-1"
)

// Messages the isolation tests expect.
const (
	isoNoSuchAggregator  = "The configuration aggregator does not exist. Check the configuration aggregator name and try again."
	isoNoSuchAggregators = "At least one of the configuration aggregators does not exist. Check the configuration aggregator names and try again."
	isoInvalidNextToken  = "The nextToken provided is invalid"
	isoNoSuchRecorder    = "Cannot find configuration recorder with the specified name 'default'."
	isoNoSuchChannel     = "Cannot find delivery channel with specified name 'default'."
	isoNoRecorder        = "Configuration recorder is not available to put delivery channel."
)

// isoEnv is what A owns, by name, ARN and id.
type isoEnv struct {
	s *server
	// Config, in A's account and isoRegion.
	aggARN, orgAggARN, authARN, recorderARN string
	// Organizations.
	orgID, carID, createdID, inviteID string
	// Config rules, their results, a conformance pack, in A's account
	// and isoRegion (meta_compliance_test.go).
	isoCompliance
	// An organization rule and an organization pack of A's, in isoRegion
	// (organization_rules_test.go).
	isoOrgRules
}

// setupIsolation creates A's resources: three aggregators (account and
// organization sources, with tags), two authorizations, two pending
// requests, a recording recorder with a delivery channel, and an
// organization with members, a delegated administrator, trusted access,
// CreateAccount requests and an open invitation. It also creates the other
// organization.
func setupIsolation(t *testing.T, s *server) *isoEnv {
	t.Helper()
	ctx := context.Background()
	e := &isoEnv{s: s}
	a := s.config(isoA, isoRegion)

	// The organization, first: the organization aggregator needs it.
	org := s.newOrg(t, isoA, orgtypes.OrganizationFeatureSetAll)
	e.orgID = aws.ToString(org.Id)
	s.admit(t, isoA, isoAdmin)
	s.admit(t, isoA, isoMember)
	m := s.orgs(isoA)
	for _, p := range []string{configPrincipal, guarddutyPrincipal} {
		_ = must(m.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(p)})).get(t)
	}
	_ = must(m.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(isoAdmin), ServicePrincipal: aws.String(configPrincipal)})).get(t)
	_ = must(m.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(isoMember), ServicePrincipal: aws.String(guarddutyPrincipal)})).get(t)
	e.createdID = s.createAccount(t, isoA, "prod@a.example", "Prod")
	st := must(m.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("dev@a.example"), AccountName: aws.String("Dev")})).get(t)
	e.carID = aws.ToString(st.CreateAccountStatus.Id)
	e.inviteID = aws.ToString(s.invite(t, isoA, isoInvitee).Id)

	// The other organization, which also invites the invitee.
	s.newOrg(t, isoOtherMgt, orgtypes.OrganizationFeatureSetAll)
	s.admit(t, isoOtherMgt, isoOtherMbr)
	s.invite(t, isoOtherMgt, isoInvitee)

	// Aggregators.
	agg := putAccounts("agg-a1", isoSource)
	agg.AccountAggregationSources[0].AllAwsRegions = false
	agg.AccountAggregationSources[0].AwsRegions = []string{isoRegion, isoOtherRegion}
	agg.Tags = tagsOf("env", "prod", "team", "core", "x", "1")
	e.aggARN = aws.ToString(must(a.PutConfigurationAggregator(ctx, agg)).get(t).ConfigurationAggregator.ConfigurationAggregatorArn)
	agg2 := putAccounts("agg-a2", isoSource)
	agg2.AccountAggregationSources[0].AllAwsRegions = false
	agg2.AccountAggregationSources[0].AwsRegions = []string{isoRegion}
	_ = must(a.PutConfigurationAggregator(ctx, agg2)).get(t)
	orgAgg := putOrg("org-agg")
	orgAgg.OrganizationAggregationSource.RoleArn = aws.String("arn:aws:iam::" + isoA + ":role/ConfigOrgRole")
	orgAgg.OrganizationAggregationSource.AllAwsRegions = false
	orgAgg.OrganizationAggregationSource.AwsRegions = []string{isoRegion}
	orgAgg.Tags = tagsOf("kind", "org")
	e.orgAggARN = aws.ToString(must(a.PutConfigurationAggregator(ctx, orgAgg)).get(t).ConfigurationAggregator.ConfigurationAggregatorArn)

	// Authorizations, and C's aggregators whose requests wait in A.
	auth := must(a.PutAggregationAuthorization(ctx, &configservice.PutAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(isoSource), AuthorizedAwsRegion: aws.String(isoRegion), Tags: tagsOf("a", "1"),
	})).get(t)
	e.authARN = aws.ToString(auth.AggregationAuthorization.AggregationAuthorizationArn)
	_ = s.authorize(t, isoA, isoRegion, isoSource, isoOtherRegion)
	for _, region := range []string{isoRegion, isoOtherRegion} {
		in := putAccounts("c-agg", isoA)
		in.AccountAggregationSources[0].AllAwsRegions = false
		in.AccountAggregationSources[0].AwsRegions = []string{isoRegion}
		_ = must(s.config(isoC, region).PutConfigurationAggregator(ctx, in)).get(t)
	}
	if got, want := pendingOf(t, a), isoC+"/"+isoOtherRegion+" "+isoC+"/"+isoRegion; got != want {
		t.Fatalf("A's pending requests = %q; want %q", got, want)
	}

	// A recording recorder with tags, and its delivery channel.
	rec := putRecorderInput("default")
	rec.ConfigurationRecorder.RoleARN = aws.String("arn:aws:iam::" + isoA + ":role/config")
	rec.Tags = tagsOf("env", "prod")
	_ = must(a.PutConfigurationRecorder(ctx, rec)).get(t)
	_ = must(a.PutDeliveryChannel(ctx, putChannelInput("default"))).get(t)
	_ = must(a.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	e.recorderARN = aws.ToString(describeRecorder(t, a).Arn)
	e.setupInventory(t)  // inventory_isolation_test.go
	e.setupCompliance(t) // meta_compliance_test.go
	e.setupOrgRules(t)   // organization_rules_test.go
	return e
}

// snapshot renders everything A and its organization look like, as A (and
// the invitee) see it.
func (e *isoEnv) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	a := e.s.config(isoA, isoRegion)
	m := e.s.orgs(isoA)
	var parts []any
	add := func(v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		parts = append(parts, v)
	}
	add(a.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{}))
	for _, arn := range []string{e.aggARN, e.orgAggARN, e.authARN, e.recorderARN, e.ruleARN, e.packRuleARN, e.packARN, e.orgRuleARN, e.orgPackARN} {
		add(a.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	}
	for _, name := range []string{"agg-a1", "agg-a2", "org-agg"} {
		add(a.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{ConfigurationAggregatorName: aws.String(name)}))
	}
	add(a.DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{}))
	add(a.DescribePendingAggregationRequests(ctx, &configservice.DescribePendingAggregationRequestsInput{}))
	add(a.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}))
	add(a.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{}))
	add(a.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{}))
	add(a.DescribeDeliveryChannelStatus(ctx, &configservice.DescribeDeliveryChannelStatusInput{}))
	add(m.DescribeOrganization(ctx, nil))
	add(m.ListAccounts(ctx, nil))
	add(m.ListCreateAccountStatus(ctx, nil))
	add(m.ListAWSServiceAccessForOrganization(ctx, nil))
	add(m.ListDelegatedAdministrators(ctx, nil))
	add(m.ListHandshakesForOrganization(ctx, nil))
	add(e.s.orgs(isoInvitee).ListHandshakesForAccount(ctx, nil))
	add(e.complianceView(t), nil)
	add(e.orgRulesView(t), nil)
	b, err := json.MarshalIndent(parts, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ids are A's identifiers that must not show in what another caller sees.
func (e *isoEnv) ids() []string {
	return []string{e.orgID, e.carID, e.createdID, e.inviteID, isoAdmin, isoMember, "agg-a1", "org-agg", e.aggARN, e.authARN, e.recorderARN, e.ruleARN, e.packARN,
		e.orgRuleARN, e.orgPackARN}
}

// noneOf fails if the rendering of v mentions any of ids.
func noneOf(t *testing.T, v any, ids ...string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if strings.Contains(string(b), id) {
			t.Errorf("got %s; want nothing of A's (%s)", b, id)
		}
	}
}

// servedOperations returns the operations of names that svc serves, found
// two ways. Through the server, an operation called with {} that answers
// NotImplementedException is not served. That alone does not find the
// served ones: the model's validation runs before the method, so an
// unserved operation with a required member answers ValidationException
// (or InvalidInputException) to {}. So each method of svc is also called
// directly with a zero input: only UnimplementedService answers
// NotImplementedException; a served method answers anything else, or
// panics on the nil required members that validation would have refused.
func servedOperations(t *testing.T, s *server, prefix string, svc any, names []string) []string {
	t.Helper()
	ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "999999999990", Region: isoRegion})
	v := reflect.ValueOf(svc)
	var served []string
	for _, name := range names {
		r := s.post(t, prefix+"."+name, `{}`)
		viaServer := r.body["__type"] != "NotImplementedException"
		m := v.MethodByName(name)
		if !m.IsValid() {
			t.Fatalf("%T has no method %s", svc, name)
		}
		direct := !answersNotImplemented(ctx, m)
		if !viaServer && direct {
			t.Errorf("%s answers NotImplementedException through the server, but its method is served", name)
		}
		if direct {
			served = append(served, name)
		}
	}
	return served
}

// answersNotImplemented calls an operation method with a zero input.
func answersNotImplemented(ctx context.Context, m reflect.Value) (notImplemented bool) {
	defer func() {
		if recover() != nil {
			notImplemented = false
		}
	}()
	in := reflect.New(m.Type().In(1).Elem())
	out := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})
	err, _ := out[1].Interface().(error)
	var e *apierr.Error
	return errors.As(err, &e) && e.Code == "NotImplementedException"
}

// servedSets returns the served Config and Organizations operations, with
// services over a scratch store: calling their methods directly must not
// touch the server's state.
func servedSets(t *testing.T, s *server) (config, orgs []string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	tokens := pagetoken.NewCodec(make([]byte, 32))
	orgSvc := orgservice.New(orgservice.Options{Store: st, Tokens: tokens})
	cfgSvc := starcfg.New(starcfg.Options{Store: st, Tokens: tokens, Organizations: orgSvc})
	return servedOperations(t, s, configapi.TargetPrefix, cfgSvc, configapi.OperationNames),
		servedOperations(t, s, orgapi.TargetPrefix, orgSvc, orgapi.OperationNames)
}

// checkCoverage fails unless the table's operations are exactly the served
// ones: a newly served operation must be added to the isolation table.
func checkCoverage(t *testing.T, what string, served []string, table []string) {
	t.Helper()
	for _, op := range served {
		if !slices.Contains(table, op) {
			t.Errorf("%s operation %s is served but not in the isolation table: add it", what, op)
		}
	}
	for _, op := range table {
		if !slices.Contains(served, op) {
			t.Errorf("the isolation table has %s operation %s, which is not served", what, op)
		}
	}
}

// isoCaller is someone who is not A in isoRegion.
type isoCaller struct {
	name            string
	account, region string
}

// configCase calls one Config operation as the other caller, naming A's
// resources, and checks the outcome.
type configCase struct {
	op   string
	what string
	run  func(t *testing.T, c *configservice.Client, x isoCaller)
}

func (e *isoEnv) configCases() []configCase {
	ctx := context.Background()
	name := aws.String("agg-a1")
	wantErr := func(code, msg string) func(error) func(*testing.T) {
		return func(err error) func(*testing.T) {
			return func(t *testing.T) { t.Helper(); wantError(t, err, code, msg) }
		}
	}
	noSuchAgg := wantErr("NoSuchConfigurationAggregatorException", isoNoSuchAggregator)
	noSuchRec := wantErr("NoSuchConfigurationRecorderException", isoNoSuchRecorder)
	noSuchChan := wantErr("NoSuchDeliveryChannelException", isoNoSuchChannel)
	arns := []string{e.aggARN, e.orgAggARN, e.authARN, e.recorderARN, e.ruleARN, e.packRuleARN, e.packARN, e.orgRuleARN, e.orgPackARN}
	return []configCase{
		{"PutConfigurationAggregator", "A's name makes the caller's own aggregator", func(t *testing.T, c *configservice.Client, x isoCaller) {
			in := putAccounts("agg-a1", x.account)
			in.AccountAggregationSources[0].AllAwsRegions = false
			in.AccountAggregationSources[0].AwsRegions = []string{x.region}
			in.Tags = tagsOf("mine", "yes")
			got := must(c.PutConfigurationAggregator(ctx, in)).get(t).ConfigurationAggregator
			arn := aws.ToString(got.ConfigurationAggregatorArn)
			if want := "arn:aws:config:" + x.region + ":" + x.account + ":config-aggregator/"; !strings.HasPrefix(arn, want) || arn == e.aggARN {
				t.Errorf("ARN = %s; want the caller's own, under %s", arn, want)
			}
			if tags := tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: &arn})).get(t).Tags); tags != "mine=yes" {
				t.Errorf("tags = %s; want mine=yes only", tags)
			}
			_ = must(c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: name})).get(t)
		}},
		{"DescribeConfigurationAggregators", "lists none of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			out := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
			if len(out.ConfigurationAggregators) != 0 || out.NextToken != nil {
				t.Errorf("aggregators = %d, token %v; want none", len(out.ConfigurationAggregators), out.NextToken)
			}
		}},
		{"DescribeConfigurationAggregators", "by A's name", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"agg-a1"}})
			noSuchAgg(err)(t)
			_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"agg-a1", "org-agg"}})
			wantError(t, err, "NoSuchConfigurationAggregatorException", isoNoSuchAggregators)
		}},
		{"DeleteConfigurationAggregator", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, n := range []string{"agg-a1", "org-agg"} {
				_, err := c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String(n)})
				noSuchAgg(err)(t)
			}
		}},
		{"DescribeConfigurationAggregatorSourcesStatus", "of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, n := range []string{"agg-a1", "org-agg"} {
				_, err := c.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{ConfigurationAggregatorName: aws.String(n)})
				noSuchAgg(err)(t)
			}
		}},
		{"PutAggregationAuthorization", "the same one is the caller's own", func(t *testing.T, c *configservice.Client, x isoCaller) {
			in := &configservice.PutAggregationAuthorizationInput{AuthorizedAccountId: aws.String(isoSource), AuthorizedAwsRegion: aws.String(isoRegion), Tags: tagsOf("mine", "yes")}
			got := must(c.PutAggregationAuthorization(ctx, in)).get(t).AggregationAuthorization
			want := "arn:aws:config:" + x.region + ":" + x.account + ":aggregation-authorization/" + isoSource + "/" + isoRegion
			if arn := aws.ToString(got.AggregationAuthorizationArn); arn != want {
				t.Errorf("ARN = %s; want %s", arn, want)
			}
			if tags := tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: got.AggregationAuthorizationArn})).get(t).Tags); tags != "mine=yes" {
				t.Errorf("tags = %s; want mine=yes only", tags)
			}
			_ = must(c.DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
				AuthorizedAccountId: aws.String(isoSource), AuthorizedAwsRegion: aws.String(isoRegion)})).get(t)
		}},
		{"DescribeAggregationAuthorizations", "lists none of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			out := must(c.DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{})).get(t)
			if len(out.AggregationAuthorizations) != 0 || out.NextToken != nil {
				t.Errorf("authorizations = %+v; want none", out.AggregationAuthorizations)
			}
		}},
		{"DeleteAggregationAuthorization", "A's succeeds, deleting nothing of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_ = must(c.DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
				AuthorizedAccountId: aws.String(isoSource), AuthorizedAwsRegion: aws.String(isoRegion)})).get(t)
		}},
		{"DescribePendingAggregationRequests", "lists none of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			if got := pendingOf(t, c); got != "" {
				t.Errorf("pending = %q; want none", got)
			}
		}},
		{"DeletePendingAggregationRequest", "A's succeeds, rejecting nothing of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_ = must(c.DeletePendingAggregationRequest(ctx, &configservice.DeletePendingAggregationRequestInput{
				RequesterAccountId: aws.String(isoC), RequesterAwsRegion: aws.String(isoRegion)})).get(t)
		}},
		{"PutConfigurationRecorder", "A's recorder is no second recorder", func(t *testing.T, c *configservice.Client, x isoCaller) {
			_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("own"))).get(t)
			rec := describeRecorder(t, c)
			if arn := aws.ToString(rec.Arn); !strings.HasPrefix(arn, "arn:aws:config:"+x.region+":"+x.account+":configuration-recorder/own/") {
				t.Errorf("recorder ARN = %s; want the caller's", arn)
			}
			_ = must(c.DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String("own")})).get(t)
		}},
		{"DescribeConfigurationRecorders", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			if out := must(c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})).get(t); len(out.ConfigurationRecorders) != 0 {
				t.Errorf("recorders = %+v; want none", out.ConfigurationRecorders)
			}
			_, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{ConfigurationRecorderNames: []string{"default"}})
			noSuchRec(err)(t)
			_, err = c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{Arn: aws.String(e.recorderARN)})
			wantError(t, err, "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified ARN '"+e.recorderARN+"'.")
		}},
		{"DescribeConfigurationRecorderStatus", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			if out := must(c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})).get(t); len(out.ConfigurationRecordersStatus) != 0 {
				t.Errorf("statuses = %+v; want none", out.ConfigurationRecordersStatus)
			}
			_, err := c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{"default"}})
			noSuchRec(err)(t)
			_, err = c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{Arn: aws.String(e.recorderARN)})
			wantError(t, err, "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified ARN '"+e.recorderARN+"'.")
		}},
		{"StartConfigurationRecorder", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
			noSuchRec(err)(t)
		}},
		{"StopConfigurationRecorder", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
			noSuchRec(err)(t)
		}},
		{"DeleteConfigurationRecorder", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
			noSuchRec(err)(t)
		}},
		{"PutDeliveryChannel", "A's recorder does not count", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.PutDeliveryChannel(ctx, putChannelInput("default"))
			wantError(t, err, "NoAvailableConfigurationRecorderException", isoNoRecorder)
		}},
		{"DescribeDeliveryChannels", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			if out := must(c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})).get(t); len(out.DeliveryChannels) != 0 {
				t.Errorf("channels = %+v; want none", out.DeliveryChannels)
			}
			_, err := c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{DeliveryChannelNames: []string{"default"}})
			noSuchChan(err)(t)
		}},
		{"DescribeDeliveryChannelStatus", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			if out := must(c.DescribeDeliveryChannelStatus(ctx, &configservice.DescribeDeliveryChannelStatusInput{})).get(t); len(out.DeliveryChannelsStatus) != 0 {
				t.Errorf("channel statuses = %+v; want none", out.DeliveryChannelsStatus)
			}
			_, err := c.DescribeDeliveryChannelStatus(ctx, &configservice.DescribeDeliveryChannelStatusInput{DeliveryChannelNames: []string{"default"}})
			noSuchChan(err)(t)
		}},
		{"DeleteDeliveryChannel", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.DeleteDeliveryChannel(ctx, &configservice.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String("default")})
			noSuchChan(err)(t)
		}},
		{"TagResource", "A's, by ARN", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, arn := range arns {
				_, err := c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: aws.String(arn), Tags: tagsOf("env", "hijacked")})
				wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+arn+"' does not exist")
			}
		}},
		{"UntagResource", "A's, by ARN", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, arn := range arns {
				_, err := c.UntagResource(ctx, &configservice.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env"}})
				wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+arn+"' does not exist")
			}
		}},
		{"ListTagsForResource", "A's, by ARN", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, arn := range arns {
				_, err := c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
				wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+arn+"' does not exist")
			}
		}},
	}
}

// orgCase calls one Organizations operation as another account, naming
// A's organization's resources. Organizations is global: the region of the
// caller is no boundary, so only accounts are tried.
type orgCase struct {
	op string
	// outsider is the outcome for an account in no organization; nil when
	// the operation would make the outsider an organization of its own.
	outsider func(t *testing.T, o *organizations.Client)
	// other is the outcome for the management account of another
	// organization.
	other func(t *testing.T, o *organizations.Client)
}

func (e *isoEnv) orgCases() []orgCase {
	ctx := context.Background()
	notInUse := func(call func(o *organizations.Client) error) func(*testing.T, *organizations.Client) {
		return func(t *testing.T, o *organizations.Client) {
			t.Helper()
			wantError(t, call(o), "AWSOrganizationsNotInUseException", msgOrgsNotInUse)
		}
	}
	errIs := func(code, reason, msg string, call func(o *organizations.Client) error) func(*testing.T, *organizations.Client) {
		return func(t *testing.T, o *organizations.Client) {
			t.Helper()
			wantReason(t, call(o), code, reason, msg)
		}
	}
	handshake := func(call func(o *organizations.Client, id *string) error) func(*testing.T, *organizations.Client) {
		return errIs("HandshakeNotFoundException", "", msgOrgsHsNotFound, func(o *organizations.Client) error { return call(o, aws.String(e.inviteID)) })
	}
	describeAccount := func(o *organizations.Client) error {
		_, err := o.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(isoMember)})
		return err
	}
	removeAccount := func(o *organizations.Client) error {
		_, err := o.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(isoMember)})
		return err
	}
	register := func(o *organizations.Client) error {
		_, err := o.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(isoMember), ServicePrincipal: aws.String(configPrincipal)})
		return err
	}
	deregister := func(o *organizations.Client) error {
		_, err := o.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(isoAdmin), ServicePrincipal: aws.String(configPrincipal)})
		return err
	}
	describeCAS := func(o *organizations.Client) error {
		_, err := o.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(e.carID)})
		return err
	}
	enable := func(o *organizations.Client) error {
		_, err := o.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})
		return err
	}
	disable := func(o *organizations.Client) error {
		_, err := o.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})
		return err
	}
	invite := func(o *organizations.Client) error {
		_, err := o.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
			Target: &orgtypes.HandshakeParty{Id: aws.String(isoMember), Type: orgtypes.HandshakePartyTypeAccount}})
		return err
	}
	createAccount := func(o *organizations.Client) error {
		_, err := o.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("new@other.example"), AccountName: aws.String("New")})
		return err
	}
	list := func(call func(o *organizations.Client) (any, error)) func(*testing.T, *organizations.Client) {
		return func(t *testing.T, o *organizations.Client) {
			t.Helper()
			noneOf(t, must(call(o)).get(t), e.ids()...)
		}
	}
	succeeds := func(call func(o *organizations.Client) error) func(*testing.T, *organizations.Client) {
		return func(t *testing.T, o *organizations.Client) {
			t.Helper()
			if err := call(o); err != nil {
				t.Errorf("on the caller's own organization: %v", err)
			}
		}
	}
	return []orgCase{
		{"CreateOrganization", nil, errIs("AlreadyInOrganizationException", "", msgOrgsAlreadyIn, func(o *organizations.Client) error {
			_, err := o.CreateOrganization(ctx, nil)
			return err
		})},
		{"DescribeOrganization", notInUse(func(o *organizations.Client) error { _, err := o.DescribeOrganization(ctx, nil); return err }),
			list(func(o *organizations.Client) (any, error) { return o.DescribeOrganization(ctx, nil) })},
		{"DeleteOrganization", notInUse(func(o *organizations.Client) error { _, err := o.DeleteOrganization(ctx, nil); return err }),
			errIs("OrganizationNotEmptyException", "", msgOrgsNotEmpty, func(o *organizations.Client) error { _, err := o.DeleteOrganization(ctx, nil); return err })},
		{"EnableAllFeatures", notInUse(func(o *organizations.Client) error { _, err := o.EnableAllFeatures(ctx, nil); return err }),
			errIs("HandshakeConstraintViolationException", "ORGANIZATION_ALREADY_HAS_ALL_FEATURES", msgOrgsAllFeatures,
				func(o *organizations.Client) error { _, err := o.EnableAllFeatures(ctx, nil); return err })},
		{"CreateAccount", notInUse(createAccount), succeeds(createAccount)},
		{"DescribeCreateAccountStatus", notInUse(describeCAS), errIs("CreateAccountStatusNotFoundException", "", msgOrgsCarNotFound, describeCAS)},
		{"ListCreateAccountStatus", notInUse(func(o *organizations.Client) error { _, err := o.ListCreateAccountStatus(ctx, nil); return err }),
			list(func(o *organizations.Client) (any, error) { return o.ListCreateAccountStatus(ctx, nil) })},
		// AWS tells an inviter that the account is in an organization,
		// not which one.
		{"InviteAccountToOrganization", notInUse(invite), errIs("HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION", msgOrgsHsInOrg, invite)},
		{"ListHandshakesForOrganization", notInUse(func(o *organizations.Client) error { _, err := o.ListHandshakesForOrganization(ctx, nil); return err }),
			list(func(o *organizations.Client) (any, error) { return o.ListHandshakesForOrganization(ctx, nil) })},
		{"ListHandshakesForAccount", list(func(o *organizations.Client) (any, error) { return o.ListHandshakesForAccount(ctx, nil) }),
			list(func(o *organizations.Client) (any, error) { return o.ListHandshakesForAccount(ctx, nil) })},
		{"AcceptHandshake", handshake(func(o *organizations.Client, id *string) error {
			_, err := o.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: id})
			return err
		}), handshake(func(o *organizations.Client, id *string) error {
			_, err := o.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: id})
			return err
		})},
		{"DeclineHandshake", handshake(func(o *organizations.Client, id *string) error {
			_, err := o.DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: id})
			return err
		}), handshake(func(o *organizations.Client, id *string) error {
			_, err := o.DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: id})
			return err
		})},
		{"CancelHandshake", handshake(func(o *organizations.Client, id *string) error {
			_, err := o.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: id})
			return err
		}), handshake(func(o *organizations.Client, id *string) error {
			_, err := o.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: id})
			return err
		})},
		{"ListAccounts", notInUse(func(o *organizations.Client) error { _, err := o.ListAccounts(ctx, nil); return err }),
			list(func(o *organizations.Client) (any, error) { return o.ListAccounts(ctx, nil) })},
		{"DescribeAccount", notInUse(describeAccount), errIs("AccountNotFoundException", "", msgOrgsAccountNotFound, describeAccount)},
		{"RemoveAccountFromOrganization", notInUse(removeAccount), errIs("AccountNotFoundException", "", msgOrgsAccountNotFound, removeAccount)},
		{"LeaveOrganization", notInUse(func(o *organizations.Client) error { _, err := o.LeaveOrganization(ctx, nil); return err }),
			errIs("MasterCannotLeaveOrganizationException", "", msgOrgsMasterCannot, func(o *organizations.Client) error { _, err := o.LeaveOrganization(ctx, nil); return err })},
		{"EnableAWSServiceAccess", notInUse(enable), succeeds(enable)},
		{"DisableAWSServiceAccess", notInUse(disable), succeeds(disable)},
		{"ListAWSServiceAccessForOrganization", notInUse(func(o *organizations.Client) error {
			_, err := o.ListAWSServiceAccessForOrganization(ctx, nil)
			return err
		}),
			func(t *testing.T, o *organizations.Client) {
				// A enabled guardduty; the other organization never did.
				noneOf(t, must(o.ListAWSServiceAccessForOrganization(ctx, nil)).get(t), guarddutyPrincipal)
			}},
		{"RegisterDelegatedAdministrator", notInUse(register), errIs("AccountNotFoundException", "", msgOrgsAccountNotFound, register)},
		{"DeregisterDelegatedAdministrator", notInUse(deregister), errIs("AccountNotFoundException", "", msgOrgsAccountNotFound, deregister)},
		{"ListDelegatedAdministrators", notInUse(func(o *organizations.Client) error { _, err := o.ListDelegatedAdministrators(ctx, nil); return err }),
			list(func(o *organizations.Client) (any, error) { return o.ListDelegatedAdministrators(ctx, nil) })},
	}
}

// TestIsolation checks that no served operation lets another account, or A
// in another region for regional Config resources, read, change, tag or
// delete A's resources or see them in a list, by name, by ARN or by id;
// and that A's resources are unchanged afterwards.
func TestIsolation(t *testing.T) {
	s := startServer(t)
	e := setupIsolation(t, s)
	servedConfig, servedOrgs := servedSets(t, s)
	if len(servedConfig) < 20 || len(servedOrgs) < 20 {
		t.Fatalf("found %d Config and %d Organizations operations served; want the 20+ of each that are", len(servedConfig), len(servedOrgs))
	}
	configCases, orgCases := slices.Concat(e.configCases(), e.inventoryCases(), e.storedQueryCases(), e.selectIsoCases(), e.complianceCases(), e.orgRuleCases()), e.orgCases()
	var configOps, orgOps []string
	for _, c := range configCases {
		configOps = append(configOps, c.op)
	}
	for _, c := range orgCases {
		orgOps = append(orgOps, c.op)
	}
	checkCoverage(t, "Config", servedConfig, configOps)
	checkCoverage(t, "Organizations", servedOrgs, orgOps)

	before := e.snapshot(t)
	for _, x := range []isoCaller{
		{"another account", isoB, isoRegion},
		{"a member of A's organization", isoMember, isoRegion},
		{"A in another region", isoA, isoOtherRegion},
	} {
		t.Run("config/"+x.name, func(t *testing.T) {
			c := s.config(x.account, x.region)
			for _, tc := range configCases {
				t.Run(tc.op+"/"+tc.what, func(t *testing.T) { tc.run(t, c, x) })
			}
		})
	}
	for _, tc := range orgCases {
		t.Run("organizations/"+tc.op, func(t *testing.T) {
			if tc.outsider != nil {
				t.Run("outsider", func(t *testing.T) { tc.outsider(t, s.orgs(isoB)) })
			}
			t.Run("other organization", func(t *testing.T) { tc.other(t, s.orgs(isoOtherMgt)) })
		})
	}
	t.Run("sts/GetCallerIdentity", func(t *testing.T) {
		out := must(s.sts(isoB).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})).get(t)
		if aws.ToString(out.Account) != isoB || aws.ToString(out.Arn) != "arn:aws:iam::"+isoB+":root" {
			t.Errorf("GetCallerIdentity as %s = %s %s; want its own account", isoB, aws.ToString(out.Account), aws.ToString(out.Arn))
		}
	})
	if after := e.snapshot(t); after != before {
		t.Errorf("A's resources changed:\nbefore %s\nafter %s", before, after)
	}
}

// TestIsolation_PageTokens replays NextTokens minted for A as other
// callers, in another region, with another filter and on another
// operation: each is refused as invalid.
func TestIsolation_PageTokens(t *testing.T) {
	s := startServer(t)
	e := setupIsolation(t, s)
	ctx := context.Background()
	a := s.config(isoA, isoRegion)
	b := s.config(isoB, isoRegion)
	aw := s.config(isoA, isoOtherRegion)
	// The others have resources of the same names, so that only the token
	// can be at fault.
	for _, c := range []*configservice.Client{b, aw} {
		for _, n := range []string{"agg-a1", "agg-a2"} {
			in := putAccounts(n, isoSource)
			in.AccountAggregationSources[0].AllAwsRegions = false
			in.AccountAggregationSources[0].AwsRegions = []string{isoRegion, isoOtherRegion}
			in.Tags = tagsOf("env", "prod", "team", "core")
			_ = must(c.PutConfigurationAggregator(ctx, in)).get(t)
		}
	}
	ownARN := func(c *configservice.Client) *string {
		out := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"agg-a1"}})).get(t)
		return out.ConfigurationAggregators[0].ConfigurationAggregatorArn
	}
	before := e.snapshot(t)

	// Tokens minted for A, checked to work for A.
	tokAgg := must(a.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: 1})).get(t).NextToken
	tokAuth := must(a.DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{Limit: 1})).get(t).NextToken
	tokPend := must(a.DescribePendingAggregationRequests(ctx, &configservice.DescribePendingAggregationRequestsInput{Limit: 1})).get(t).NextToken
	tokSrc := must(a.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{
		ConfigurationAggregatorName: aws.String("agg-a1"), Limit: 1})).get(t).NextToken
	tokTags := must(a.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(e.aggARN), Limit: 1})).get(t).NextToken
	for name, tok := range map[string]*string{"aggregators": tokAgg, "authorizations": tokAuth, "pending": tokPend, "sources": tokSrc, "tags": tokTags} {
		if tok == nil {
			t.Fatalf("no %s NextToken for A with Limit 1", name)
		}
	}
	_ = must(a.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: 1, NextToken: tokAgg})).get(t)
	_ = must(a.DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{Limit: 1, NextToken: tokAuth})).get(t)
	_ = must(a.DescribePendingAggregationRequests(ctx, &configservice.DescribePendingAggregationRequestsInput{Limit: 1, NextToken: tokPend})).get(t)
	_ = must(a.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{
		ConfigurationAggregatorName: aws.String("agg-a1"), Limit: 1, NextToken: tokSrc})).get(t)
	_ = must(a.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(e.aggARN), Limit: 1, NextToken: tokTags})).get(t)

	describeAgg := func(c *configservice.Client, names ...string) func() error {
		return func() error {
			_, err := c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{NextToken: tokAgg, ConfigurationAggregatorNames: names})
			return err
		}
	}
	describeAuth := func(c *configservice.Client, tok *string) func() error {
		return func() error {
			_, err := c.DescribeAggregationAuthorizations(ctx, &configservice.DescribeAggregationAuthorizationsInput{NextToken: tok})
			return err
		}
	}
	describePend := func(c *configservice.Client, tok *string) func() error {
		return func() error {
			_, err := c.DescribePendingAggregationRequests(ctx, &configservice.DescribePendingAggregationRequestsInput{NextToken: tok})
			return err
		}
	}
	sources := func(c *configservice.Client, name string, filter ...cfgtypes.AggregatedSourceStatusType) func() error {
		return func() error {
			_, err := c.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{
				ConfigurationAggregatorName: aws.String(name), UpdateStatus: filter, NextToken: tokSrc})
			return err
		}
	}
	tags := func(c *configservice.Client, arn *string) func() error {
		return func() error {
			_, err := c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: arn, NextToken: tokTags})
			return err
		}
	}
	configReplays := []struct {
		name string
		call func() error
	}{
		{"DescribeConfigurationAggregators as another account", describeAgg(b)},
		{"DescribeConfigurationAggregators in another region", describeAgg(aw)},
		{"DescribeConfigurationAggregators with another filter", describeAgg(a, "agg-a1", "agg-a2")},
		{"DescribeAggregationAuthorizations as another account", describeAuth(b, tokAuth)},
		{"DescribeAggregationAuthorizations in another region", describeAuth(aw, tokAuth)},
		{"DescribeAggregationAuthorizations with a pending-request token", describeAuth(a, tokPend)},
		{"DescribePendingAggregationRequests as another account", describePend(b, tokPend)},
		{"DescribePendingAggregationRequests in another region", describePend(aw, tokPend)},
		{"DescribePendingAggregationRequests with an authorization token", describePend(a, tokAuth)},
		{"DescribeConfigurationAggregatorSourcesStatus as another account", sources(b, "agg-a1")},
		{"DescribeConfigurationAggregatorSourcesStatus in another region", sources(aw, "agg-a1")},
		{"DescribeConfigurationAggregatorSourcesStatus with another filter", sources(a, "agg-a1", cfgtypes.AggregatedSourceStatusTypeFailed)},
		{"DescribeConfigurationAggregatorSourcesStatus of another aggregator", sources(a, "agg-a2")},
		{"ListTagsForResource as another account", tags(b, ownARN(b))},
		{"ListTagsForResource in another region", tags(aw, ownARN(aw))},
		{"ListTagsForResource of another resource", tags(a, aws.String(e.orgAggARN))},
	}
	for _, tt := range configReplays {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.call(), "InvalidNextTokenException", isoInvalidNextToken)
		})
	}

	// Organizations: A's organization has four accounts, two create-account
	// requests, two trusted services, two delegated administrators and
	// three handshakes, and the invitee two invitations: every list has a
	// second page.
	m := s.orgs(isoA)
	tok := func(name string, next *string, err error) *string {
		t.Helper()
		if err != nil || next == nil {
			t.Fatalf("%s as A with MaxResults 1: token %v, error %v; want a token", name, next, err)
		}
		return next
	}
	one := aws.Int32(1)
	accounts, err := m.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: one})
	tokAccounts := tok("ListAccounts", accounts.NextToken, err)
	cas, err := m.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{MaxResults: one})
	tokCAS := tok("ListCreateAccountStatus", cas.NextToken, err)
	access, err := m.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{MaxResults: one})
	tokAccess := tok("ListAWSServiceAccessForOrganization", access.NextToken, err)
	admins, err := m.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{MaxResults: one})
	tokAdmins := tok("ListDelegatedAdministrators", admins.NextToken, err)
	orgHs, err := m.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{MaxResults: one})
	tokOrgHs := tok("ListHandshakesForOrganization", orgHs.NextToken, err)
	accHs, err := s.orgs(isoInvitee).ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{MaxResults: one})
	tokAccHs := tok("ListHandshakesForAccount (invitee)", accHs.NextToken, err)

	other, admin := s.orgs(isoOtherMgt), s.orgs(isoAdmin)
	listAccountsAs := func(o *organizations.Client) func() error {
		return func() error {
			_, err := o.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: tokAccounts})
			return err
		}
	}
	casAs := func(o *organizations.Client, states ...orgtypes.CreateAccountState) func() error {
		return func() error {
			_, err := o.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{NextToken: tokCAS, States: states})
			return err
		}
	}
	accessAs := func(o *organizations.Client) func() error {
		return func() error {
			_, err := o.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{NextToken: tokAccess})
			return err
		}
	}
	adminsAs := func(o *organizations.Client, principal *string) func() error {
		return func() error {
			_, err := o.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{NextToken: tokAdmins, ServicePrincipal: principal})
			return err
		}
	}
	orgHsAs := func(o *organizations.Client, filter *orgtypes.HandshakeFilter) func() error {
		return func() error {
			_, err := o.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{NextToken: tokOrgHs, Filter: filter})
			return err
		}
	}
	accHsAs := func(o *organizations.Client, filter *orgtypes.HandshakeFilter) func() error {
		return func() error {
			_, err := o.ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{NextToken: tokAccHs, Filter: filter})
			return err
		}
	}
	orgReplays := []struct {
		name string
		call func() error
	}{
		{"ListAccounts as another organization", listAccountsAs(other)},
		{"ListAccounts as a delegated administrator of the same organization", listAccountsAs(admin)},
		{"ListCreateAccountStatus as another organization", casAs(other)},
		{"ListCreateAccountStatus as a delegated administrator", casAs(admin)},
		{"ListCreateAccountStatus with another filter", casAs(m, orgtypes.CreateAccountStateSucceeded)},
		{"ListAWSServiceAccessForOrganization as another organization", accessAs(other)},
		{"ListAWSServiceAccessForOrganization as a delegated administrator", accessAs(admin)},
		{"ListDelegatedAdministrators as another organization", adminsAs(other, nil)},
		{"ListDelegatedAdministrators with another filter", adminsAs(m, aws.String(configPrincipal))},
		{"ListHandshakesForOrganization as another organization", orgHsAs(other, nil)},
		{"ListHandshakesForOrganization with another filter", orgHsAs(m, &orgtypes.HandshakeFilter{ActionType: orgtypes.ActionTypeInviteAccountToOrganization})},
		{"ListHandshakesForAccount as another account", accHsAs(s.orgs(isoB), nil)},
		{"ListHandshakesForAccount as the organization that sent them", accHsAs(m, nil)},
		{"ListHandshakesForAccount with another filter", accHsAs(s.orgs(isoInvitee), &orgtypes.HandshakeFilter{ActionType: orgtypes.ActionTypeInviteAccountToOrganization})},
		{"ListAccounts with a ListHandshakesForOrganization token", func() error {
			_, err := m.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: tokOrgHs})
			return err
		}},
	}
	for _, tt := range orgReplays {
		t.Run(tt.name, func(t *testing.T) {
			wantReason(t, tt.call(), "InvalidInputException", "INVALID_NEXT_TOKEN", msgOrgsNextToken)
		})
	}
	// An account in no organization is told so before its token is read.
	_, err = s.orgs(isoB).ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: tokAccounts})
	wantError(t, err, "AWSOrganizationsNotInUseException", msgOrgsNotInUse)

	if after := e.snapshot(t); after != before {
		t.Errorf("A's resources changed:\nbefore %s\nafter %s", before, after)
	}
}
