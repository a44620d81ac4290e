package e2e

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Accounts of the Organizations tests. Each test starts its own server, so
// they are reused freely.
const (
	orgsMgmt     = "210000000001" // management account of the organization under test
	orgsAlice    = "210000000002" // an existing account that gets invited
	orgsBob      = "210000000003" // another existing account
	orgsOtherMgt = "210000000004" // management account of a second organization
	orgsLoner    = "210000000009" // never in any organization
)

// Texts AWS (or, where AWS's is unknown, Starling) sends.
const (
	msgOrgsNotInUse        = "Your account is not a member of an organization."
	msgOrgsAlreadyIn       = "The AWS account is already a member of an organization."
	msgOrgsAccessDenied    = "You don't have permissions to access this resource."
	msgOrgsPattern         = "You provided a value that does not match the required pattern."
	msgOrgsNotEmpty        = "To delete an organization you must first remove all member accounts (except the master)."
	msgOrgsAllFeatures     = "The handshake request is invalid because the organization has already enabled all features."
	msgOrgsAccountNotFound = "You specified an account that doesn't exist."
	msgOrgsMasterCannot    = "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account."
	msgOrgsRegisterMaster  = "You cannot register master account/yourself as delegated administrator for your organization."
	msgOrgsAlreadyAdmin    = "The provided account is already a delegated administrator for your organization."
	msgOrgsNotAdmin        = "The provided account is not a registered delegated administrator for your organization."
	msgOrgsUnrecognized    = "You specified an unrecognized service principal."
	msgOrgsAccessDisabled  = "You attempted to register a delegated administrator before you enabled service access. Call the EnableAWSServiceAccess API first."
	msgOrgsNotAllMode      = "You attempted to perform an operation that requires the organization to be configured to support all features. An organization that supports only consolidated billing features can't perform this operation."
	msgOrgsRemoveAdmin     = "You attempted to remove an account that is registered as a delegated administrator for a service integrated with your organization. To complete this operation, you must first deregister this account as a delegated administrator."
	msgOrgsHsNotFound      = "We can't find a handshake with the HandshakeId that you specified."
	msgOrgsHsInState       = "The specified handshake is already in the requested state."
	msgOrgsHsTransition    = "You can't perform the operation on the handshake in its current state."
	msgOrgsHsInOrg         = "The handshake request is invalid because the invited account is already a member of an organization."
	msgOrgsHsDuplicate     = "A handshake with the same action and target already exists."
	msgOrgsNextToken       = "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API."
	msgOrgsCarNotFound     = "We can't find a create account request with the CreateAccountRequestId that you specified."
)

const (
	configPrincipal    = "config.amazonaws.com"
	guarddutyPrincipal = "guardduty.amazonaws.com"
)

var (
	orgIDPattern       = regexp.MustCompile(`^o-[a-z0-9]{10}$`)
	handshakeIDPattern = regexp.MustCompile(`^h-[a-z0-9]{32}$`)
	requestIDPattern   = regexp.MustCompile(`^car-[a-z0-9]{32}$`)
	accountIDPattern   = regexp.MustCompile(`^\d{12}$`)
)

// orgs returns an Organizations client signing as the account, in a region
// other than us-east-1: Organizations is global and must not care.
func (s *server) orgs(account string) *organizations.Client {
	return organizations.New(organizations.Options{
		Region:       "eu-central-1",
		BaseEndpoint: aws.String(s.url),
		Credentials:  credentials.NewStaticCredentialsProvider(account, "secret-"+account, ""),
		Retryer:      sdkRetryer(),
		HTTPClient:   awshttp.NewBuildableClient(),
	})
}

// reasonOf returns the Reason member of an Organizations error, "" if it
// has none.
func reasonOf(err error) string {
	var cv *orgtypes.ConstraintViolationException
	var ii *orgtypes.InvalidInputException
	var hc *orgtypes.HandshakeConstraintViolationException
	switch {
	case errors.As(err, &cv):
		return string(cv.Reason)
	case errors.As(err, &ii):
		return string(ii.Reason)
	case errors.As(err, &hc):
		return string(hc.Reason)
	}
	return ""
}

// wantReason is wantError for the errors that carry a Reason.
func wantReason(t *testing.T, err error, code, reason, message string) {
	t.Helper()
	wantError(t, err, code, message)
	if got := reasonOf(err); got != reason {
		t.Fatalf("%s Reason = %q; want %q", code, got, reason)
	}
}

// newOrg creates an organization managed by mgmt.
func (s *server) newOrg(t *testing.T, mgmt string, fs orgtypes.OrganizationFeatureSet) *orgtypes.Organization {
	t.Helper()
	return must(s.orgs(mgmt).CreateOrganization(context.Background(), &organizations.CreateOrganizationInput{FeatureSet: fs})).get(t).Organization
}

// invite invites the account into mgmt's organization.
func (s *server) invite(t *testing.T, mgmt, account string) *orgtypes.Handshake {
	t.Helper()
	return must(s.orgs(mgmt).InviteAccountToOrganization(context.Background(), &organizations.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Id: aws.String(account), Type: orgtypes.HandshakePartyTypeAccount},
	})).get(t).Handshake
}

// admit invites the account into mgmt's organization and accepts as it.
func (s *server) admit(t *testing.T, mgmt, account string) {
	t.Helper()
	h := s.invite(t, mgmt, account)
	_ = must(s.orgs(account).AcceptHandshake(context.Background(), &organizations.AcceptHandshakeInput{HandshakeId: h.Id})).get(t)
}

// createAccount creates an account in mgmt's organization and returns its id.
func (s *server) createAccount(t *testing.T, mgmt, email, name string) string {
	t.Helper()
	ctx := context.Background()
	o := s.orgs(mgmt)
	st := must(o.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(email), AccountName: aws.String(name)})).get(t).CreateAccountStatus
	done := must(o.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})).get(t).CreateAccountStatus
	if done.State != orgtypes.CreateAccountStateSucceeded {
		t.Fatalf("CreateAccount(%s) state = %s (%s); want SUCCEEDED", email, done.State, done.FailureReason)
	}
	return aws.ToString(done.AccountId)
}

func accountIDs(accounts []orgtypes.Account) string {
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = aws.ToString(a.Id)
	}
	return strings.Join(ids, ",")
}

func listAccounts(t *testing.T, o *organizations.Client) []orgtypes.Account {
	t.Helper()
	return must(o.ListAccounts(context.Background(), &organizations.ListAccountsInput{})).get(t).Accounts
}

func TestOrganizations_CreateDescribeDelete(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	o := s.orgs(orgsMgmt)

	_, err := o.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", msgOrgsNotInUse)

	org := must(o.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})).get(t).Organization
	id := aws.ToString(org.Id)
	if !orgIDPattern.MatchString(id) {
		t.Fatalf("organization id = %q; want %s", id, orgIDPattern)
	}
	want := fmt.Sprintf("%s|arn:aws:organizations::%[2]s:organization/%[1]s|ALL|%[2]s|arn:aws:organizations::%[2]s:account/%[1]s/%[2]s|%[2]s@example.com|SERVICE_CONTROL_POLICY:ENABLED",
		id, orgsMgmt)
	describe := func(org *orgtypes.Organization) string {
		var types []string
		for _, p := range org.AvailablePolicyTypes {
			types = append(types, string(p.Type)+":"+string(p.Status))
		}
		return strings.Join([]string{aws.ToString(org.Id), aws.ToString(org.Arn), string(org.FeatureSet), aws.ToString(org.MasterAccountId),
			aws.ToString(org.MasterAccountArn), aws.ToString(org.MasterAccountEmail), strings.Join(types, ",")}, "|")
	}
	if got := describe(org); got != want {
		t.Errorf("CreateOrganization =\n %s\nwant\n %s", got, want)
	}
	if got := describe(must(o.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})).get(t).Organization); got != want {
		t.Errorf("DescribeOrganization =\n %s\nwant\n %s", got, want)
	}

	_, err = o.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	wantError(t, err, "AlreadyInOrganizationException", msgOrgsAlreadyIn)

	accounts := listAccounts(t, o)
	if len(accounts) != 1 {
		t.Fatalf("ListAccounts = %s; want the management account alone", accountIDs(accounts))
	}
	a := accounts[0]
	if aws.ToString(a.Id) != orgsMgmt || aws.ToString(a.Arn) != "arn:aws:organizations::"+orgsMgmt+":account/"+id+"/"+orgsMgmt ||
		aws.ToString(a.Email) != orgsMgmt+"@example.com" || aws.ToString(a.Name) != "Management Account" ||
		a.Status != orgtypes.AccountStatusActive || a.State != orgtypes.AccountStateActive ||
		a.JoinedMethod != orgtypes.AccountJoinedMethodInvited || !aws.ToTime(a.JoinedTimestamp).Equal(testEpoch) {
		t.Errorf("management account = %+v", a)
	}

	_ = must(o.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})).get(t)
	_, err = o.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", msgOrgsNotInUse)
	_, err = o.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", msgOrgsNotInUse)

	again := must(o.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})).get(t).Organization
	if aws.ToString(again.Id) == id {
		t.Errorf("a new organization got the deleted one's id %s", id)
	}
}

func TestOrganizations_EnableAllFeatures(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	o := s.orgs(orgsMgmt)
	org := s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetConsolidatedBilling)
	if org.FeatureSet != orgtypes.OrganizationFeatureSetConsolidatedBilling || len(org.AvailablePolicyTypes) != 0 {
		t.Errorf("consolidated billing organization = %s %+v; want no policy types", org.FeatureSet, org.AvailablePolicyTypes)
	}
	s.admit(t, orgsMgmt, orgsAlice)
	_, err := s.orgs(orgsAlice).EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})
	wantError(t, err, "AccessDeniedException", msgOrgsAccessDenied)

	s.clock.Advance(time.Hour)
	h := must(o.EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})).get(t).Handshake
	orgID := aws.ToString(org.Id)
	if h.Action != orgtypes.ActionTypeEnableAllFeatures || h.State != orgtypes.HandshakeStateAccepted ||
		!handshakeIDPattern.MatchString(aws.ToString(h.Id)) ||
		aws.ToString(h.Arn) != "arn:aws:organizations::"+orgsMgmt+":handshake/"+orgID+"/enable_all_features/"+aws.ToString(h.Id) ||
		!aws.ToTime(h.RequestedTimestamp).Equal(testEpoch.Add(time.Hour)) ||
		len(h.Parties) != 1 || aws.ToString(h.Parties[0].Id) != orgID || h.Parties[0].Type != orgtypes.HandshakePartyTypeOrganization {
		t.Errorf("EnableAllFeatures handshake = %+v", h)
	}
	got := must(o.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})).get(t).Organization
	if got.FeatureSet != orgtypes.OrganizationFeatureSetAll || len(got.AvailablePolicyTypes) != 1 {
		t.Errorf("after EnableAllFeatures: %s %+v; want ALL with SCPs", got.FeatureSet, got.AvailablePolicyTypes)
	}
	_, err = o.EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})
	wantReason(t, err, "HandshakeConstraintViolationException", "ORGANIZATION_ALREADY_HAS_ALL_FEATURES", msgOrgsAllFeatures)

	// The handshake is the organization's, filterable by action.
	list := must(o.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{
		Filter: &orgtypes.HandshakeFilter{ActionType: orgtypes.ActionTypeEnableAllFeatures}})).get(t).Handshakes
	if len(list) != 1 || aws.ToString(list[0].Id) != aws.ToString(h.Id) {
		t.Errorf("ENABLE_ALL_FEATURES handshakes = %+v; want %s", list, aws.ToString(h.Id))
	}
	_, err = o.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{
		Filter: &orgtypes.HandshakeFilter{ActionType: orgtypes.ActionTypeInviteAccountToOrganization, ParentHandshakeId: h.Id}})
	wantReason(t, err, "InvalidInputException", "MAX_LIMIT_EXCEEDED_FILTER", "You can specify only one filter parameter for the operation.")
}

// TestOrganizations_NotInUse calls every operation that needs an
// organization from an account in none.
func TestOrganizations_NotInUse(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	o := s.orgs(orgsLoner)
	calls := map[string]func() error{
		"DescribeOrganization": func() error { _, err := o.DescribeOrganization(ctx, nil); return err },
		"DeleteOrganization":   func() error { _, err := o.DeleteOrganization(ctx, nil); return err },
		"EnableAllFeatures":    func() error { _, err := o.EnableAllFeatures(ctx, nil); return err },
		"CreateAccount": func() error {
			_, err := o.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("a@b.example"), AccountName: aws.String("a")})
			return err
		},
		"DescribeCreateAccountStatus": func() error {
			_, err := o.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("car-abcdefgh")})
			return err
		},
		"ListCreateAccountStatus": func() error { _, err := o.ListCreateAccountStatus(ctx, nil); return err },
		"InviteAccountToOrganization": func() error {
			_, err := o.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
				Target: &orgtypes.HandshakeParty{Id: aws.String(orgsAlice), Type: orgtypes.HandshakePartyTypeAccount}})
			return err
		},
		"ListHandshakesForOrganization": func() error { _, err := o.ListHandshakesForOrganization(ctx, nil); return err },
		"ListAccounts":                  func() error { _, err := o.ListAccounts(ctx, nil); return err },
		"DescribeAccount": func() error {
			_, err := o.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgsAlice)})
			return err
		},
		"RemoveAccountFromOrganization": func() error {
			_, err := o.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(orgsAlice)})
			return err
		},
		"LeaveOrganization": func() error { _, err := o.LeaveOrganization(ctx, nil); return err },
		"EnableAWSServiceAccess": func() error {
			_, err := o.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})
			return err
		},
		"DisableAWSServiceAccess": func() error {
			_, err := o.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})
			return err
		},
		"ListAWSServiceAccessForOrganization": func() error { _, err := o.ListAWSServiceAccessForOrganization(ctx, nil); return err },
		"RegisterDelegatedAdministrator": func() error {
			_, err := o.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(orgsAlice), ServicePrincipal: aws.String(configPrincipal)})
			return err
		},
		"DeregisterDelegatedAdministrator": func() error {
			_, err := o.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(orgsAlice), ServicePrincipal: aws.String(configPrincipal)})
			return err
		},
		"ListDelegatedAdministrators": func() error { _, err := o.ListDelegatedAdministrators(ctx, nil); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			wantError(t, call(), "AWSOrganizationsNotInUseException", msgOrgsNotInUse)
		})
	}
	// An account in no organization still has its (empty) handshake list.
	hs := must(o.ListHandshakesForAccount(ctx, nil)).get(t)
	if len(hs.Handshakes) != 0 || hs.NextToken != nil {
		t.Errorf("ListHandshakesForAccount = %+v; want none", hs)
	}
}

// TestOrganizations_WhoMay checks which operations members, delegated
// administrators and the management account may call.
func TestOrganizations_WhoMay(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	s.admit(t, orgsMgmt, orgsAlice)
	s.admit(t, orgsMgmt, orgsBob)
	carID := must(s.orgs(orgsMgmt).CreateAccount(ctx, &organizations.CreateAccountInput{
		Email: aws.String("dev@corp.example"), AccountName: aws.String("dev")})).get(t).CreateAccountStatus.Id
	a := s.orgs(orgsAlice)

	reads := map[string]func() error{
		"ListAccounts": func() error { _, err := a.ListAccounts(ctx, nil); return err },
		"DescribeAccount": func() error {
			_, err := a.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgsBob)})
			return err
		},
		"ListAWSServiceAccessForOrganization": func() error { _, err := a.ListAWSServiceAccessForOrganization(ctx, nil); return err },
		"ListDelegatedAdministrators":         func() error { _, err := a.ListDelegatedAdministrators(ctx, nil); return err },
		"ListHandshakesForOrganization":       func() error { _, err := a.ListHandshakesForOrganization(ctx, nil); return err },
		"ListCreateAccountStatus":             func() error { _, err := a.ListCreateAccountStatus(ctx, nil); return err },
		"DescribeCreateAccountStatus": func() error {
			_, err := a.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: carID})
			return err
		},
	}
	writes := map[string]func() error{
		"DeleteOrganization": func() error { _, err := a.DeleteOrganization(ctx, nil); return err },
		"EnableAllFeatures":  func() error { _, err := a.EnableAllFeatures(ctx, nil); return err },
		"CreateAccount": func() error {
			_, err := a.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("x@corp.example"), AccountName: aws.String("x")})
			return err
		},
		"InviteAccountToOrganization": func() error {
			_, err := a.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
				Target: &orgtypes.HandshakeParty{Id: aws.String(orgsLoner), Type: orgtypes.HandshakePartyTypeAccount}})
			return err
		},
		"RemoveAccountFromOrganization": func() error {
			_, err := a.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(orgsBob)})
			return err
		},
		"EnableAWSServiceAccess": func() error {
			_, err := a.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})
			return err
		},
		"DisableAWSServiceAccess": func() error {
			_, err := a.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})
			return err
		},
		"RegisterDelegatedAdministrator": func() error {
			_, err := a.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(orgsBob), ServicePrincipal: aws.String(configPrincipal)})
			return err
		},
		"DeregisterDelegatedAdministrator": func() error {
			_, err := a.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(orgsAlice), ServicePrincipal: aws.String(configPrincipal)})
			return err
		},
	}
	// A plain member may describe its organization, and nothing more.
	_ = must(a.DescribeOrganization(ctx, nil)).get(t)
	for name, call := range reads {
		t.Run("member/"+name, func(t *testing.T) { wantError(t, call(), "AccessDeniedException", msgOrgsAccessDenied) })
	}
	for name, call := range writes {
		t.Run("member/"+name, func(t *testing.T) { wantError(t, call(), "AccessDeniedException", msgOrgsAccessDenied) })
	}

	// A delegated administrator, for any service, may read.
	m := s.orgs(orgsMgmt)
	_ = must(m.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(guarddutyPrincipal)})).get(t)
	_ = must(m.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(orgsAlice), ServicePrincipal: aws.String(guarddutyPrincipal)})).get(t)
	for name, call := range reads {
		t.Run("admin/"+name, func(t *testing.T) {
			if err := call(); err != nil {
				t.Errorf("as a delegated administrator: %v", err)
			}
		})
	}
	for name, call := range writes {
		t.Run("admin/"+name, func(t *testing.T) { wantError(t, call(), "AccessDeniedException", msgOrgsAccessDenied) })
	}
	// The other member still may not.
	_, err := s.orgs(orgsBob).ListAccounts(ctx, nil)
	wantError(t, err, "AccessDeniedException", msgOrgsAccessDenied)
}

func TestOrganizations_CreateAccount(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	org := s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	o := s.orgs(orgsMgmt)

	st := must(o.CreateAccount(ctx, &organizations.CreateAccountInput{
		Email: aws.String("Dev@Corp.example"), AccountName: aws.String("Development"),
		RoleName: aws.String("OrganizationAccountAccessRole"), IamUserAccessToBilling: orgtypes.IAMUserAccessToBillingAllow,
		Tags: []orgtypes.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})).get(t).CreateAccountStatus
	if !requestIDPattern.MatchString(aws.ToString(st.Id)) || st.State != orgtypes.CreateAccountStateInProgress ||
		aws.ToString(st.AccountName) != "Development" || !aws.ToTime(st.RequestedTimestamp).Equal(testEpoch) ||
		st.AccountId != nil || st.CompletedTimestamp != nil {
		t.Errorf("CreateAccount status = %+v; want IN_PROGRESS", st)
	}
	done := must(o.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})).get(t).CreateAccountStatus
	id := aws.ToString(done.AccountId)
	if done.State != orgtypes.CreateAccountStateSucceeded || !accountIDPattern.MatchString(id) || id == orgsMgmt ||
		!aws.ToTime(done.CompletedTimestamp).Equal(testEpoch) || done.FailureReason != "" {
		t.Fatalf("DescribeCreateAccountStatus = %+v; want SUCCEEDED with a new account id", done)
	}

	// The account is a member at once, and can act as one.
	acct := must(o.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})).get(t).Account
	if aws.ToString(acct.Email) != "Dev@Corp.example" || aws.ToString(acct.Name) != "Development" ||
		acct.JoinedMethod != orgtypes.AccountJoinedMethodCreated || acct.Status != orgtypes.AccountStatusActive ||
		aws.ToString(acct.Arn) != "arn:aws:organizations::"+orgsMgmt+":account/"+aws.ToString(org.Id)+"/"+id {
		t.Errorf("created account = %+v", acct)
	}
	got := must(s.orgs(id).DescribeOrganization(ctx, nil)).get(t).Organization
	if aws.ToString(got.Id) != aws.ToString(org.Id) {
		t.Errorf("the new account's organization = %s; want %s", aws.ToString(got.Id), aws.ToString(org.Id))
	}
	if ids := accountIDs(listAccounts(t, o)); !strings.Contains(ids, id) || !strings.Contains(ids, orgsMgmt) {
		t.Errorf("ListAccounts = %s; want %s and %s", ids, orgsMgmt, id)
	}

	// Email addresses are unique, whatever their case.
	s.clock.Advance(time.Minute)
	dup := must(o.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("dev@corp.EXAMPLE"), AccountName: aws.String("Again")})).get(t).CreateAccountStatus
	if dup.State != orgtypes.CreateAccountStateInProgress {
		t.Errorf("duplicate CreateAccount answered %s; want IN_PROGRESS", dup.State)
	}
	failed := must(o.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: dup.Id})).get(t).CreateAccountStatus
	if failed.State != orgtypes.CreateAccountStateFailed || failed.FailureReason != orgtypes.CreateAccountFailureReasonEmailAlreadyExists || failed.AccountId != nil {
		t.Errorf("duplicate email status = %+v; want FAILED EMAIL_ALREADY_EXISTS", failed)
	}
	if n := len(listAccounts(t, o)); n != 2 {
		t.Errorf("%d accounts after a failed creation; want 2", n)
	}

	// Listing, oldest first, filtered by state, paged.
	all := must(o.ListCreateAccountStatus(ctx, nil)).get(t).CreateAccountStatuses
	if len(all) != 2 || aws.ToString(all[0].Id) != aws.ToString(st.Id) || aws.ToString(all[1].Id) != aws.ToString(dup.Id) {
		t.Errorf("ListCreateAccountStatus = %+v; want both requests, oldest first", all)
	}
	onlyFailed := must(o.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{
		States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateFailed}})).get(t).CreateAccountStatuses
	if len(onlyFailed) != 1 || aws.ToString(onlyFailed[0].Id) != aws.ToString(dup.Id) {
		t.Errorf("FAILED requests = %+v; want the duplicate", onlyFailed)
	}
	var pages []string
	p := organizations.NewListCreateAccountStatusPaginator(o, &organizations.ListCreateAccountStatusInput{MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page := must(p.NextPage(ctx)).get(t)
		for _, st := range page.CreateAccountStatuses {
			pages = append(pages, aws.ToString(st.Id))
		}
	}
	if strings.Join(pages, ",") != aws.ToString(st.Id)+","+aws.ToString(dup.Id) {
		t.Errorf("paged requests = %v", pages)
	}

	_, err := o.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("car-0123456789")})
	wantError(t, err, "CreateAccountStatusNotFoundException", msgOrgsCarNotFound)
	// Another organization's request does not exist for this one.
	s.newOrg(t, orgsOtherMgt, orgtypes.OrganizationFeatureSetAll)
	_, err = s.orgs(orgsOtherMgt).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
	wantError(t, err, "CreateAccountStatusNotFoundException", msgOrgsCarNotFound)
	// Nor may it reuse the email address.
	other := must(s.orgs(orgsOtherMgt).CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("dev@corp.example"), AccountName: aws.String("x")})).get(t).CreateAccountStatus
	if other = must(s.orgs(orgsOtherMgt).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: other.Id})).get(t).CreateAccountStatus; other.State != orgtypes.CreateAccountStateFailed {
		t.Errorf("another organization's account with a used email: %s; want FAILED", other.State)
	}
}

func TestOrganizations_InviteAndAccept(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	org := s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	orgID := aws.ToString(org.Id)
	m := s.orgs(orgsMgmt)
	alice := s.orgs(orgsAlice)

	h := must(m.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Id: aws.String(orgsAlice), Type: orgtypes.HandshakePartyTypeAccount},
		Notes:  aws.String("Welcome aboard"),
	})).get(t).Handshake
	hid := aws.ToString(h.Id)
	if !handshakeIDPattern.MatchString(hid) || h.Action != orgtypes.ActionTypeInviteAccountToOrganization || h.State != orgtypes.HandshakeStateOpen ||
		aws.ToString(h.Arn) != "arn:aws:organizations::"+orgsMgmt+":handshake/"+orgID+"/invite/"+hid ||
		!aws.ToTime(h.RequestedTimestamp).Equal(testEpoch) || !aws.ToTime(h.ExpirationTimestamp).Equal(testEpoch.Add(15*24*time.Hour)) {
		t.Errorf("invitation = %+v", h)
	}
	if got := parties(h); got != orgID+":ORGANIZATION,"+orgsAlice+":ACCOUNT" {
		t.Errorf("parties = %s", got)
	}
	wantResources := "ORGANIZATION=" + orgID + "[MASTER_EMAIL=" + orgsMgmt + "@example.com,MASTER_NAME=Management Account,ORGANIZATION_FEATURE_SET=FULL]," +
		"ACCOUNT=" + orgsAlice + ",NOTES=Welcome aboard"
	if got := resources(h.Resources); got != wantResources {
		t.Errorf("resources =\n %s\nwant\n %s", got, wantResources)
	}

	// Both sides see it; the invitee is in no organization yet.
	if got := must(alice.ListHandshakesForAccount(ctx, nil)).get(t).Handshakes; len(got) != 1 || aws.ToString(got[0].Id) != hid {
		t.Errorf("invitee's handshakes = %+v; want %s", got, hid)
	}
	if got := must(m.ListHandshakesForOrganization(ctx, nil)).get(t).Handshakes; len(got) != 1 || aws.ToString(got[0].Id) != hid {
		t.Errorf("organization's handshakes = %+v; want %s", got, hid)
	}
	if got := must(m.ListHandshakesForAccount(ctx, nil)).get(t).Handshakes; len(got) != 0 {
		t.Errorf("sender's received handshakes = %+v; want none", got)
	}

	_, err := m.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Id: aws.String(orgsAlice), Type: orgtypes.HandshakePartyTypeAccount}})
	wantError(t, err, "DuplicateHandshakeException", msgOrgsHsDuplicate)

	// Only the invitee may accept; to anyone else it does not exist.
	_, err = s.orgs(orgsBob).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "HandshakeNotFoundException", msgOrgsHsNotFound)
	_, err = m.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "AccessDeniedException", msgOrgsAccessDenied)
	_, err = alice.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "AccessDeniedException", msgOrgsAccessDenied)

	s.clock.Advance(time.Hour)
	acc := must(alice.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})).get(t).Handshake
	if acc.State != orgtypes.HandshakeStateAccepted || aws.ToString(acc.Id) != hid {
		t.Errorf("accepted handshake = %+v", acc)
	}
	a := must(m.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgsAlice)})).get(t).Account
	if a.JoinedMethod != orgtypes.AccountJoinedMethodInvited || !aws.ToTime(a.JoinedTimestamp).Equal(testEpoch.Add(time.Hour)) ||
		aws.ToString(a.Email) != orgsAlice+"@example.com" || aws.ToString(a.Name) != "Account "+orgsAlice {
		t.Errorf("invited member = %+v", a)
	}
	if got := aws.ToString(must(alice.DescribeOrganization(ctx, nil)).get(t).Organization.Id); got != orgID {
		t.Errorf("invitee's organization = %s; want %s", got, orgID)
	}

	// An answered handshake stays answered.
	_, err = alice.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "HandshakeAlreadyInStateException", msgOrgsHsInState)
	_, err = alice.DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "InvalidHandshakeTransitionException", msgOrgsHsTransition)
	_, err = m.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "InvalidHandshakeTransitionException", msgOrgsHsTransition)
	if got := must(m.ListHandshakesForOrganization(ctx, nil)).get(t).Handshakes; len(got) != 1 || got[0].State != orgtypes.HandshakeStateAccepted {
		t.Errorf("organization's handshakes = %+v; want one ACCEPTED", got)
	}

	// Members and the management account cannot be invited.
	for _, id := range []string{orgsAlice, orgsMgmt} {
		_, err = m.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
			Target: &orgtypes.HandshakeParty{Id: aws.String(id), Type: orgtypes.HandshakePartyTypeAccount}})
		wantReason(t, err, "HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION", msgOrgsHsInOrg)
	}
	// Nor can the management account of another organization.
	s.newOrg(t, orgsOtherMgt, orgtypes.OrganizationFeatureSetAll)
	_, err = m.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Id: aws.String(orgsOtherMgt), Type: orgtypes.HandshakePartyTypeAccount}})
	wantReason(t, err, "HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION", msgOrgsHsInOrg)
}

func parties(h *orgtypes.Handshake) string {
	var ps []string
	for _, p := range h.Parties {
		ps = append(ps, aws.ToString(p.Id)+":"+string(p.Type))
	}
	return strings.Join(ps, ",")
}

func resources(rs []orgtypes.HandshakeResource) string {
	var out []string
	for _, r := range rs {
		s := string(r.Type) + "=" + aws.ToString(r.Value)
		if len(r.Resources) > 0 {
			s += "[" + resources(r.Resources) + "]"
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func TestOrganizations_DeclineAndCancel(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	m := s.orgs(orgsMgmt)
	alice := s.orgs(orgsAlice)

	h := s.invite(t, orgsMgmt, orgsAlice)
	d := must(alice.DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: h.Id})).get(t).Handshake
	if d.State != orgtypes.HandshakeStateDeclined {
		t.Errorf("declined handshake state = %s", d.State)
	}
	_, err := alice.DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "HandshakeAlreadyInStateException", msgOrgsHsInState)
	_, err = alice.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "InvalidHandshakeTransitionException", msgOrgsHsTransition)
	_, err = m.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "InvalidHandshakeTransitionException", msgOrgsHsTransition)
	if _, err := alice.DescribeOrganization(ctx, nil); err == nil {
		t.Fatalf("a declining account joined the organization")
	}

	// A declined invitation is no obstacle to a new one, which the sender
	// may cancel.
	s.clock.Advance(time.Second)
	h2 := s.invite(t, orgsMgmt, orgsAlice)
	c := must(m.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: h2.Id})).get(t).Handshake
	if c.State != orgtypes.HandshakeStateCanceled {
		t.Errorf("canceled handshake state = %s", c.State)
	}
	_, err = m.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: h2.Id})
	wantError(t, err, "HandshakeAlreadyInStateException", msgOrgsHsInState)
	_, err = alice.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h2.Id})
	wantError(t, err, "InvalidHandshakeTransitionException", msgOrgsHsTransition)
	_, err = alice.DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: h2.Id})
	wantError(t, err, "InvalidHandshakeTransitionException", msgOrgsHsTransition)

	got := must(alice.ListHandshakesForAccount(ctx, nil)).get(t).Handshakes
	if len(got) != 2 || got[0].State != orgtypes.HandshakeStateDeclined || got[1].State != orgtypes.HandshakeStateCanceled {
		t.Errorf("invitee's handshakes = %+v; want DECLINED then CANCELED", got)
	}

	// Unknown ids, and handshakes of others, do not exist.
	for _, id := range []string{"h-0000000000", aws.ToString(h.Id)} {
		_, err = s.orgs(orgsBob).DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: aws.String(id)})
		wantError(t, err, "HandshakeNotFoundException", msgOrgsHsNotFound)
		_, err = s.orgs(orgsBob).CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: aws.String(id)})
		wantError(t, err, "HandshakeNotFoundException", msgOrgsHsNotFound)
	}
	_, err = m.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: aws.String("h-0000000000")})
	wantError(t, err, "HandshakeNotFoundException", msgOrgsHsNotFound)
}

func TestOrganizations_AcceptAfterJoiningAnother(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	other := s.newOrg(t, orgsOtherMgt, orgtypes.OrganizationFeatureSetAll)
	first := s.invite(t, orgsMgmt, orgsAlice)
	second := s.invite(t, orgsOtherMgt, orgsAlice)
	alice := s.orgs(orgsAlice)
	_ = must(alice.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: second.Id})).get(t)
	_, err := alice.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: first.Id})
	wantReason(t, err, "HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION", msgOrgsHsInOrg)
	if got := aws.ToString(must(alice.DescribeOrganization(ctx, nil)).get(t).Organization.Id); got != aws.ToString(other.Id) {
		t.Errorf("organization = %s; want %s", got, aws.ToString(other.Id))
	}
	// The refused invitation is still open, and may still be declined.
	_ = must(alice.DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: first.Id})).get(t)
}

func TestOrganizations_HandshakeExpires(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	h := s.invite(t, orgsMgmt, orgsAlice)
	s.clock.Advance(15 * 24 * time.Hour)
	alice := s.orgs(orgsAlice)
	_, err := alice.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})
	wantError(t, err, "InvalidHandshakeTransitionException", msgOrgsHsTransition)
	got := must(alice.ListHandshakesForAccount(ctx, nil)).get(t).Handshakes
	if len(got) != 1 || got[0].State != orgtypes.HandshakeStateExpired {
		t.Errorf("handshakes = %+v; want one EXPIRED", got)
	}
	// An expired invitation is no duplicate.
	s.admit(t, orgsMgmt, orgsAlice)
}

func TestOrganizations_InviteTargets(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	m := s.orgs(orgsMgmt)
	invite := func(id string, typ orgtypes.HandshakePartyType) (*organizations.InviteAccountToOrganizationOutput, error) {
		return m.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
			Target: &orgtypes.HandshakeParty{Id: aws.String(id), Type: typ}})
	}

	_, err := invite("12345", orgtypes.HandshakePartyTypeAccount)
	wantReason(t, err, "InvalidInputException", "INVALID_PATTERN", msgOrgsPattern)
	_, err = invite("o-abcdefghij", orgtypes.HandshakePartyTypeOrganization)
	wantReason(t, err, "InvalidInputException", "INVALID_PARTY_TYPE_TARGET", "You specified the wrong type of entity (account, organization, or email) as a party.")
	_, err = invite("someone@corp.example", orgtypes.HandshakePartyTypeEmail)
	wantReason(t, err, "InvalidInputException", "INVALID_EMAIL_ADDRESS_TARGET", "")

	// An account's placeholder address names it.
	h := must(invite(orgsBob+"@example.com", orgtypes.HandshakePartyTypeEmail)).get(t).Handshake
	if got := parties(h); !strings.HasSuffix(got, ","+orgsBob+"@example.com:EMAIL") {
		t.Errorf("parties = %s; want the email party", got)
	}
	if got := must(s.orgs(orgsBob).ListHandshakesForAccount(ctx, nil)).get(t).Handshakes; len(got) != 1 {
		t.Errorf("invitee by email has %d handshakes; want 1", len(got))
	}

	// A created account that left is invited back by its own address.
	id := s.createAccount(t, orgsMgmt, "ops@corp.example", "Ops")
	_ = must(s.orgs(id).LeaveOrganization(ctx, nil)).get(t)
	h = must(invite("OPS@corp.example", orgtypes.HandshakePartyTypeEmail)).get(t).Handshake
	_ = must(s.orgs(id).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: h.Id})).get(t)
	a := must(m.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})).get(t).Account
	if aws.ToString(a.Email) != "ops@corp.example" || a.JoinedMethod != orgtypes.AccountJoinedMethodInvited {
		t.Errorf("rejoined account = %+v; want its own email, INVITED", a)
	}
}

func TestOrganizations_DelegatedAdministrators(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	org := s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	s.admit(t, orgsMgmt, orgsAlice)
	s.admit(t, orgsMgmt, orgsBob)
	m := s.orgs(orgsMgmt)
	register := func(account, principal string) error {
		_, err := m.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(account), ServicePrincipal: aws.String(principal)})
		return err
	}
	deregister := func(account, principal string) error {
		_, err := m.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(account), ServicePrincipal: aws.String(principal)})
		return err
	}
	enable := func(principal string) error {
		_, err := m.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)})
		return err
	}

	wantReason(t, register(orgsAlice, "config"), "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL", msgOrgsUnrecognized)
	wantReason(t, enable("config.example.com"), "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL", msgOrgsUnrecognized)
	wantReason(t, register(orgsMgmt, configPrincipal), "ConstraintViolationException", "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR", msgOrgsRegisterMaster)
	wantError(t, register(orgsLoner, configPrincipal), "AccountNotFoundException", msgOrgsAccountNotFound)
	wantReason(t, register(orgsAlice, configPrincipal), "ConstraintViolationException", "SERVICE_ACCESS_NOT_ENABLED", msgOrgsAccessDisabled)

	// Enabling access is idempotent and keeps its date.
	if err := enable(configPrincipal); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(time.Minute)
	if err := enable(configPrincipal); err != nil {
		t.Fatal(err)
	}
	if err := enable(guarddutyPrincipal); err != nil {
		t.Fatal(err)
	}
	access := must(m.ListAWSServiceAccessForOrganization(ctx, nil)).get(t).EnabledServicePrincipals
	if len(access) != 2 || aws.ToString(access[0].ServicePrincipal) != configPrincipal || !aws.ToTime(access[0].DateEnabled).Equal(testEpoch) ||
		aws.ToString(access[1].ServicePrincipal) != guarddutyPrincipal || !aws.ToTime(access[1].DateEnabled).Equal(testEpoch.Add(time.Minute)) {
		t.Errorf("enabled services = %+v", access)
	}

	s.clock.Advance(time.Minute)
	if err := register(orgsBob, configPrincipal); err != nil {
		t.Fatal(err)
	}
	wantError(t, register(orgsBob, configPrincipal), "AccountAlreadyRegisteredException", msgOrgsAlreadyAdmin)
	s.clock.Advance(time.Minute)
	if err := register(orgsBob, guarddutyPrincipal); err != nil {
		t.Fatal(err)
	}
	if err := register(orgsAlice, guarddutyPrincipal); err != nil {
		t.Fatal(err)
	}

	list := func(principal *string) []orgtypes.DelegatedAdministrator {
		return must(m.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: principal})).get(t).DelegatedAdministrators
	}
	byConfig := list(aws.String(configPrincipal))
	if len(byConfig) != 1 {
		t.Fatalf("Config administrators = %+v; want %s", byConfig, orgsBob)
	}
	b := byConfig[0]
	if aws.ToString(b.Id) != orgsBob || aws.ToString(b.Arn) != "arn:aws:organizations::"+orgsMgmt+":account/"+aws.ToString(org.Id)+"/"+orgsBob ||
		aws.ToString(b.Email) != orgsBob+"@example.com" || b.Status != orgtypes.AccountStatusActive || b.State != orgtypes.AccountStateActive ||
		b.JoinedMethod != orgtypes.AccountJoinedMethodInvited || !aws.ToTime(b.JoinedTimestamp).Equal(testEpoch) ||
		!aws.ToTime(b.DelegationEnabledDate).Equal(testEpoch.Add(2*time.Minute)) {
		t.Errorf("Config administrator = %+v", b)
	}
	allAdmins := list(nil)
	if len(allAdmins) != 2 || aws.ToString(allAdmins[0].Id) != orgsAlice || aws.ToString(allAdmins[1].Id) != orgsBob ||
		!aws.ToTime(allAdmins[1].DelegationEnabledDate).Equal(testEpoch.Add(2*time.Minute)) {
		t.Errorf("all administrators = %+v; want %s, %s (earliest date)", allAdmins, orgsAlice, orgsBob)
	}
	_, err := m.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("nope")})
	wantReason(t, err, "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL", msgOrgsUnrecognized)

	// A delegated administrator may list them too.
	if got := must(s.orgs(orgsBob).ListDelegatedAdministrators(ctx, nil)).get(t).DelegatedAdministrators; len(got) != 2 {
		t.Errorf("administrators as seen by one = %+v", got)
	}

	wantError(t, deregister(orgsAlice, configPrincipal), "AccountNotRegisteredException", msgOrgsNotAdmin)
	wantError(t, deregister(orgsLoner, configPrincipal), "AccountNotFoundException", msgOrgsAccountNotFound)
	if err := deregister(orgsBob, configPrincipal); err != nil {
		t.Fatal(err)
	}
	if got := list(aws.String(configPrincipal)); len(got) != 0 {
		t.Errorf("Config administrators after deregistration = %+v", got)
	}

	// Access can be disabled while administrators remain.
	_ = must(m.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(guarddutyPrincipal)})).get(t)
	_ = must(m.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(guarddutyPrincipal)})).get(t)
	if got := must(m.ListAWSServiceAccessForOrganization(ctx, nil)).get(t).EnabledServicePrincipals; len(got) != 1 || aws.ToString(got[0].ServicePrincipal) != configPrincipal {
		t.Errorf("enabled services after disabling guardduty = %+v", got)
	}
	if got := list(aws.String(guarddutyPrincipal)); len(got) != 2 {
		t.Errorf("guardduty administrators after disabling its access = %+v; want both kept", got)
	}
	_, err = m.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("nope")})
	wantReason(t, err, "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL", msgOrgsUnrecognized)
}

func TestOrganizations_ServiceAccessNeedsAllFeatures(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetConsolidatedBilling)
	m := s.orgs(orgsMgmt)
	_, err := m.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})
	wantReason(t, err, "ConstraintViolationException", "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE", msgOrgsNotAllMode)
	_ = must(m.EnableAllFeatures(ctx, nil)).get(t)
	_ = must(m.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})).get(t)
}

// TestOrganizations_Story walks an organization from creation to deletion.
func TestOrganizations_Story(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	m := s.orgs(orgsMgmt)
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	created := s.createAccount(t, orgsMgmt, "prod@corp.example", "Production")
	s.admit(t, orgsMgmt, orgsAlice)
	s.admit(t, orgsMgmt, orgsBob)
	declined := s.invite(t, orgsMgmt, orgsLoner)
	_ = must(s.orgs(orgsLoner).DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: declined.Id})).get(t)
	_ = must(m.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})).get(t)
	_ = must(m.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(orgsAlice), ServicePrincipal: aws.String(configPrincipal)})).get(t)

	ids := accountIDs(listAccounts(t, m))
	if want := accountIDs(listAccounts(t, s.orgs(orgsAlice))); ids != want {
		t.Errorf("management sees %s, delegated administrator %s", ids, want)
	}
	for _, id := range []string{orgsMgmt, orgsAlice, orgsBob, created} {
		if !strings.Contains(ids, id) {
			t.Errorf("ListAccounts = %s; lacks %s", ids, id)
		}
	}
	if strings.Contains(ids, orgsLoner) {
		t.Errorf("ListAccounts = %s; has the account that declined", ids)
	}

	// Deleting is refused while members remain.
	_, err := m.DeleteOrganization(ctx, nil)
	wantError(t, err, "OrganizationNotEmptyException", msgOrgsNotEmpty)

	// The management account stays; so does a delegated administrator for
	// an enabled service.
	_, err = m.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(orgsMgmt)})
	wantError(t, err, "MasterCannotLeaveOrganizationException", msgOrgsMasterCannot)
	_, err = m.LeaveOrganization(ctx, nil)
	wantError(t, err, "MasterCannotLeaveOrganizationException", msgOrgsMasterCannot)
	_, err = m.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(orgsLoner)})
	wantError(t, err, "AccountNotFoundException", msgOrgsAccountNotFound)
	_, err = m.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(orgsAlice)})
	wantReason(t, err, "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG", msgOrgsRemoveAdmin)
	_, err = s.orgs(orgsAlice).LeaveOrganization(ctx, nil)
	wantReason(t, err, "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG", msgOrgsRemoveAdmin)

	// Once the service's access is disabled, the administrator can go, and
	// its registration with it.
	_ = must(m.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})).get(t)
	_ = must(m.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(orgsAlice)})).get(t)
	if got := must(m.ListDelegatedAdministrators(ctx, nil)).get(t).DelegatedAdministrators; len(got) != 0 {
		t.Errorf("administrators after removal = %+v; want none", got)
	}
	_, err = s.orgs(orgsAlice).DescribeOrganization(ctx, nil)
	wantError(t, err, "AWSOrganizationsNotInUseException", msgOrgsNotInUse)
	_, err = m.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgsAlice)})
	wantError(t, err, "AccountNotFoundException", msgOrgsAccountNotFound)
	// Re-registering a removed account finds no account.
	_ = must(m.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(configPrincipal)})).get(t)
	_, err = m.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(orgsAlice), ServicePrincipal: aws.String(configPrincipal)})
	wantError(t, err, "AccountNotFoundException", msgOrgsAccountNotFound)

	// Members leave by themselves or are removed.
	_ = must(s.orgs(orgsBob).LeaveOrganization(ctx, nil)).get(t)
	_, err = s.orgs(orgsBob).LeaveOrganization(ctx, nil)
	wantError(t, err, "AWSOrganizationsNotInUseException", msgOrgsNotInUse)
	_, err = m.DeleteOrganization(ctx, nil)
	wantError(t, err, "OrganizationNotEmptyException", msgOrgsNotEmpty)
	_ = must(m.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(created)})).get(t)
	if ids := accountIDs(listAccounts(t, m)); ids != orgsMgmt {
		t.Errorf("ListAccounts = %s; want the management account alone", ids)
	}

	_ = must(m.DeleteOrganization(ctx, nil)).get(t)
	for _, id := range []string{orgsMgmt, orgsBob, created} {
		_, err = s.orgs(id).DescribeOrganization(ctx, nil)
		wantError(t, err, "AWSOrganizationsNotInUseException", msgOrgsNotInUse)
	}
	// The deleted organization's handshakes are gone with it.
	if got := must(s.orgs(orgsLoner).ListHandshakesForAccount(ctx, nil)).get(t).Handshakes; len(got) != 0 {
		t.Errorf("handshakes of a deleted organization = %+v", got)
	}
	// Former members may start organizations of their own.
	s.newOrg(t, orgsBob, orgtypes.OrganizationFeatureSetAll)
}

func TestOrganizations_Pagination(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	m := s.orgs(orgsMgmt)
	for i := range 4 {
		s.createAccount(t, orgsMgmt, fmt.Sprintf("a%d@corp.example", i), fmt.Sprintf("a%d", i))
	}
	var ids []string
	var sizes []int
	p := organizations.NewListAccountsPaginator(m, &organizations.ListAccountsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page := must(p.NextPage(ctx)).get(t)
		sizes = append(sizes, len(page.Accounts))
		for _, a := range page.Accounts {
			ids = append(ids, aws.ToString(a.Id))
		}
	}
	if fmt.Sprint(sizes) != "[2 2 1]" || len(ids) != 5 {
		t.Fatalf("pages of %v with %v; want [2 2 1], 5 accounts", sizes, ids)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Errorf("accounts not in id order: %v", ids)
		}
	}
	if all := accountIDs(listAccounts(t, m)); all != strings.Join(ids, ",") {
		t.Errorf("unpaged = %s; paged = %v", all, ids)
	}

	first := must(m.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(1)})).get(t)
	if first.NextToken == nil {
		t.Fatal("no NextToken with more accounts left")
	}
	for name, call := range map[string]func() error{
		"forged": func() error {
			_, err := m.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("forged")})
			return err
		},
		"other operation": func() error {
			_, err := m.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{NextToken: first.NextToken})
			return err
		},
		"other caller": func() error {
			_, err := s.orgs(ids[1]).ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{NextToken: first.NextToken})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			wantReason(t, call(), "InvalidInputException", "INVALID_NEXT_TOKEN", msgOrgsNextToken)
		})
	}
}

func TestOrganizations_InvalidInput(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	m := s.orgs(orgsMgmt)
	tests := []struct {
		name    string
		call    func() error
		reason  string
		message string
	}{
		{"account id pattern", func() error {
			_, err := m.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("12345678901x")})
			return err
		}, "INVALID_PATTERN", msgOrgsPattern},
		{"page size too large", func() error {
			_, err := m.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(21)})
			return err
		}, "MAX_VALUE_EXCEEDED", "You provided a numeric parameter that has a larger value than allowed."},
		{"page size too small", func() error {
			_, err := m.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(0)})
			return err
		}, "MIN_VALUE_EXCEEDED", "You provided a numeric parameter that has a smaller value than allowed."},
		{"feature set", func() error {
			_, err := s.orgs(orgsLoner).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: "SOME"})
			return err
		}, "INVALID_ENUM", "You specified an invalid value."},
		{"account name too long", func() error {
			_, err := m.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("a@corp.example"), AccountName: aws.String(strings.Repeat("n", 51))})
			return err
		}, "MAX_LENGTH_EXCEEDED", "You provided a string parameter that is longer than allowed."},
		{"email too short", func() error {
			_, err := m.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("a@b.c"), AccountName: aws.String("a")})
			return err
		}, "MIN_LENGTH_EXCEEDED", "You provided a string parameter that is shorter than allowed."},
		{"state filter", func() error {
			_, err := m.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []orgtypes.CreateAccountState{"DONE"}})
			return err
		}, "INVALID_LIST_MEMBER", "You provided a list to a parameter that contains at least one invalid value."},
		{"handshake id", func() error {
			_, err := m.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: aws.String("h-UPPERCASE")})
			return err
		}, "INVALID_PATTERN", msgOrgsPattern},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantReason(t, tt.call(), "InvalidInputException", tt.reason, tt.message)
		})
	}

	// The SDK refuses to send a request without a required member; sent
	// anyway, it gets INPUT_REQUIRED, with Organizations' member names.
	r := s.post(t, "AWSOrganizationsV20161128.RegisterDelegatedAdministrator", `{"ServicePrincipal":"config.amazonaws.com"}`)
	if r.status != 400 || r.body["__type"] != "InvalidInputException" || r.body["Reason"] != "INPUT_REQUIRED" ||
		r.body["Message"] != "You must include a value for all required parameters." {
		t.Errorf("missing AccountId = %d %s; want InvalidInputException INPUT_REQUIRED", r.status, r.raw)
	}
}

func TestOrganizations_UnservedOperation(t *testing.T) {
	s := startServer(t)
	_, err := s.orgs(orgsMgmt).ListRoots(context.Background(), &organizations.ListRootsInput{})
	wantError(t, err, "NotImplementedException", "Starling does not implement the Organizations operation ListRoots yet.")
}

// TestOrganizations_SurvivesRestart checks that Organizations' state is
// durable.
func TestOrganizations_SurvivesRestart(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	org := s.newOrg(t, orgsMgmt, orgtypes.OrganizationFeatureSetAll)
	s.admit(t, orgsMgmt, orgsAlice)
	open := s.invite(t, orgsMgmt, orgsBob)

	s = s.restart()
	if got := aws.ToString(must(s.orgs(orgsAlice).DescribeOrganization(ctx, nil)).get(t).Organization.Id); got != aws.ToString(org.Id) {
		t.Errorf("after restart: organization %s; want %s", got, aws.ToString(org.Id))
	}
	_ = must(s.orgs(orgsBob).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: open.Id})).get(t)
	if n := len(listAccounts(t, s.orgs(orgsMgmt))); n != 3 {
		t.Errorf("after restart: %d accounts; want 3", n)
	}
}
