package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Texts of the organization aggregator errors (AWS Config API Reference,
// PutConfigurationAggregator, Errors, and the model).
const (
	msgNoOrganization    = "Organization is no longer available."
	msgAllFeatures       = "AWS Config resource cannot be created because your organization does not have all features enabled."
	msgNotDelegatedAdmin = "You are not a registered delegated administrator for AWS Config with permissions to call ListDelegatedAdministrators API. Ensure that the management account registers delagated administrator for AWS Config service principle name before the delegated administrator creates an aggregator."
	msgPreviousOrg       = "The configuration aggregator is associated with a previous AWS Organization and AWS Config cannot aggregate data with current AWS Organization. Delete this aggregator and create a new one with the current AWS Organization."
	msgRoleChanged       = "The configuration aggregator cannot be updated because your AWS Organization management account or the delegated administrator role changed. Delete this aggregator and create a new one with the current AWS Organization."
)

const (
	mgmt     = "100000000001"
	admin    = "100000000002"
	member   = "100000000003"
	outsider = "100000000009"
)

func putOrg(name string) *configservice.PutConfigurationAggregatorInput {
	return &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String(name),
		OrganizationAggregationSource: &cfgtypes.OrganizationAggregationSource{
			RoleArn: aws.String("arn:aws:iam::" + mgmt + ":role/ConfigOrgRole"), AllAwsRegions: true,
		},
	}
}

// orgWithAdmin creates an organization with all features whose members are
// admin (a delegated administrator for AWS Config) and member.
func (s *server) orgWithAdmin(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	org := must(s.orgs(mgmt).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})).get(t)
	s.admit(t, mgmt, admin)
	s.admit(t, mgmt, member)
	o := s.orgs(mgmt)
	_ = must(o.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	_ = must(o.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(admin), ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	return aws.ToString(org.Organization.Id)
}

func TestOrganizationAggregator_WhoMayCreate(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	_, err := s.config(outsider, "us-east-1").PutConfigurationAggregator(ctx, putOrg("org"))
	wantError(t, err, "NoAvailableOrganizationException", msgNoOrganization)

	s.orgWithAdmin(t)
	// The management account may; Config enables its trusted access.
	_ = must(s.orgs(mgmt).DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	agg := must(s.config(mgmt, "us-east-1").PutConfigurationAggregator(ctx, putOrg("org"))).get(t).ConfigurationAggregator
	if agg.OrganizationAggregationSource == nil || aws.ToString(agg.OrganizationAggregationSource.RoleArn) != "arn:aws:iam::"+mgmt+":role/ConfigOrgRole" {
		t.Errorf("organization source = %+v; want the one sent", agg.OrganizationAggregationSource)
	}
	access := must(s.orgs(mgmt).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})).get(t)
	found := false
	for _, p := range access.EnabledServicePrincipals {
		found = found || aws.ToString(p.ServicePrincipal) == "config.amazonaws.com"
	}
	if !found {
		t.Errorf("after the management account's organization aggregator, trusted access = %+v; want config.amazonaws.com", access.EnabledServicePrincipals)
	}

	// A registered delegated administrator may.
	_ = must(s.config(admin, "eu-west-1").PutConfigurationAggregator(ctx, putOrg("by-admin"))).get(t)
	// Any other member may not.
	_, err = s.config(member, "us-east-1").PutConfigurationAggregator(ctx, putOrg("by-member"))
	wantError(t, err, "OrganizationAccessDeniedException", msgNotDelegatedAdmin)
	// An administrator for another service is no Config administrator.
	_ = must(s.orgs(mgmt).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("guardduty.amazonaws.com")})).get(t)
	_ = must(s.orgs(mgmt).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(member), ServicePrincipal: aws.String("guardduty.amazonaws.com")})).get(t)
	_, err = s.config(member, "us-east-1").PutConfigurationAggregator(ctx, putOrg("by-member"))
	wantError(t, err, "OrganizationAccessDeniedException", msgNotDelegatedAdmin)
	// Account sources need no organization role.
	_ = must(s.config(member, "us-east-1").PutConfigurationAggregator(ctx, putAccounts("accounts", member))).get(t)
}

func TestOrganizationAggregator_AllFeatures(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	o := s.orgs(mgmt)
	_ = must(o.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetConsolidatedBilling})).get(t)
	_, err := s.config(mgmt, "us-east-1").PutConfigurationAggregator(ctx, putOrg("org"))
	wantError(t, err, "OrganizationAllFeaturesNotEnabledException", msgAllFeatures)
	_ = must(o.EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})).get(t)
	_ = must(s.config(mgmt, "us-east-1").PutConfigurationAggregator(ctx, putOrg("org"))).get(t)
}

func TestOrganizationAggregator_OrganizationReplaced(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	o := s.orgs(mgmt)
	_ = must(o.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})).get(t)
	c := s.config(mgmt, "us-east-1")
	_ = must(c.PutConfigurationAggregator(ctx, putOrg("org"))).get(t)

	_ = must(o.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})).get(t)
	_, err := c.PutConfigurationAggregator(ctx, putOrg("org"))
	wantError(t, err, "NoAvailableOrganizationException", msgNoOrganization)

	_ = must(o.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})).get(t)
	_, err = c.PutConfigurationAggregator(ctx, putOrg("org"))
	wantError(t, err, "OrganizationAccessDeniedException", msgPreviousOrg)
	// A new aggregator in the new organization is fine.
	_ = must(c.PutConfigurationAggregator(ctx, putOrg("org2"))).get(t)
	// And the old one can still be deleted.
	_ = must(c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("org")})).get(t)
}

func TestOrganizationAggregator_DelegatedAdminDeregistered(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.orgWithAdmin(t)
	c := s.config(admin, "us-east-1")
	_ = must(c.PutConfigurationAggregator(ctx, putOrg("org"))).get(t)
	_ = must(c.PutConfigurationAggregator(ctx, putOrg("org"))).get(t) // updates are fine while registered
	_ = must(s.orgs(mgmt).DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{
		AccountId: aws.String(admin), ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	_, err := c.PutConfigurationAggregator(ctx, putOrg("org"))
	wantError(t, err, "OrganizationAccessDeniedException", msgRoleChanged)
	_, err = c.PutConfigurationAggregator(ctx, putOrg("new"))
	wantError(t, err, "OrganizationAccessDeniedException", msgNotDelegatedAdmin)

	// Leaving the organization: the former admin is in none.
	_ = must(s.orgs(admin).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})).get(t)
	_, err = c.PutConfigurationAggregator(ctx, putOrg("org"))
	wantError(t, err, "NoAvailableOrganizationException", msgNoOrganization)
}

func TestOrganizationAggregator_SurvivesRestart(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	orgID := s.orgWithAdmin(t)
	arn := must(s.config(admin, "us-east-1").PutConfigurationAggregator(ctx, putOrg("org"))).get(t).ConfigurationAggregator.ConfigurationAggregatorArn

	s = s.restart()
	got := must(s.orgs(member).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})).get(t)
	if aws.ToString(got.Organization.Id) != orgID {
		t.Errorf("after restart the member's organization is %s; want %s", aws.ToString(got.Organization.Id), orgID)
	}
	admins := must(s.orgs(mgmt).ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{
		ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	if len(admins.DelegatedAdministrators) != 1 || aws.ToString(admins.DelegatedAdministrators[0].Id) != admin {
		t.Errorf("after restart delegated admins = %+v; want %s", admins.DelegatedAdministrators, admin)
	}
	desc := must(s.config(admin, "us-east-1").DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
	if len(desc.ConfigurationAggregators) != 1 || aws.ToString(desc.ConfigurationAggregators[0].ConfigurationAggregatorArn) != aws.ToString(arn) {
		t.Errorf("after restart aggregators = %+v; want %s", desc.ConfigurationAggregators, aws.ToString(arn))
	}
	// The aggregator still belongs to its organization: updates work.
	_ = must(s.config(admin, "us-east-1").PutConfigurationAggregator(ctx, putOrg("org"))).get(t)
}
