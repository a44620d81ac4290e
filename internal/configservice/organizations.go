package configservice

import (
	"time"

	"github.com/starlingcfg/starling/internal/orgdir"
	"github.com/starlingcfg/starling/internal/store"
)

// ConfigServicePrincipal is AWS Config's service principal in AWS
// Organizations, the one organization aggregators need (AWS Organizations
// User Guide, page "AWS Config and AWS Organizations", sections "Service
// principals used by the service-linked roles" and "Enabling trusted access
// with AWS Config").
const ConfigServicePrincipal = "config.amazonaws.com"

// Organizations is what the Config service needs to know about, and do to,
// AWS Organizations to serve organization aggregators; *orgservice.Service
// implements it (the wiring in internal/app passes it in Options). Every method reads or
// writes through the caller's transaction, so that an aggregator's checks
// and its write see one consistent state.
type Organizations interface {
	// OrganizationOf returns the organization the account belongs to, or
	// ok == false if it belongs to none.
	OrganizationOf(tx store.Tx, accountID string) (org orgdir.Organization, ok bool, err error)
	// IsDelegatedAdministrator reports whether the account is registered in
	// the organization as a delegated administrator for the service
	// principal, as ListDelegatedAdministrators would answer.
	IsDelegatedAdministrator(tx store.Tx, orgID, accountID, servicePrincipal string) (bool, error)
	// EnableServiceAccess enables trusted access for the service principal
	// in the organization, as EnableAWSServiceAccess does; it is a no-op if
	// access is already enabled.
	EnableServiceAccess(tx store.Tx, orgID, servicePrincipal string, now time.Time) error
	// ServiceAccessEnabled reports whether trusted access is enabled for the
	// service principal in the organization.
	ServiceAccessEnabled(tx store.Tx, orgID, servicePrincipal string) (bool, error)
	// MemberAccounts returns the ids of the organization's accounts, the
	// management account included, in ascending order.
	MemberAccounts(tx store.Tx, orgID string) ([]string, error)
}

// noOrganizations is the directory of a deployment without Organizations:
// no account belongs to any organization.
type noOrganizations struct{}

func (noOrganizations) OrganizationOf(store.Tx, string) (orgdir.Organization, bool, error) {
	return orgdir.Organization{}, false, nil
}

func (noOrganizations) IsDelegatedAdministrator(store.Tx, string, string, string) (bool, error) {
	return false, nil
}

func (noOrganizations) EnableServiceAccess(store.Tx, string, string, time.Time) error { return nil }

func (noOrganizations) ServiceAccessEnabled(store.Tx, string, string) (bool, error) {
	return false, nil
}

func (noOrganizations) MemberAccounts(store.Tx, string) ([]string, error) { return nil, nil }
