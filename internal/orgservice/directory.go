package orgservice

import (
	"time"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/orgdir"
	"github.com/starlingcfg/starling/internal/store"
)

// This file is the directory other services use: what AWS Config reads
// from, and does to, Organizations, inside Config's own transactions. It
// implements the interface AWS Config declares for it
// (configservice.Organizations) without importing configservice: the
// organization it describes is the shared orgdir.Organization.

// OrganizationOf returns the organization the account belongs to, or
// ok == false if it belongs to none.
func (s *Service) OrganizationOf(tx store.Tx, accountID string) (orgdir.Organization, bool, error) {
	org, ok, err := orgOf(tx, accountID)
	if err != nil || !ok {
		return orgdir.Organization{}, false, err
	}
	return orgdir.Organization{
		ID:                  org.ID,
		ManagementAccountID: org.ManagementAccountID,
		AllFeatures:         org.FeatureSet == orgapi.OrganizationFeatureSetAll,
	}, true, nil
}

// IsDelegatedAdministrator reports whether the account is registered in the
// organization as a delegated administrator for the service principal.
func (s *Service) IsDelegatedAdministrator(tx store.Tx, orgID, accountID, servicePrincipal string) (bool, error) {
	return store.Exists(tx, orgNamespace(orgID), kindDelegation, delegationID(accountID, servicePrincipal))
}

// EnableServiceAccess enables trusted access for the service principal, as
// EnableAWSServiceAccess does; it is a no-op if access is already enabled.
func (s *Service) EnableServiceAccess(tx store.Tx, orgID, servicePrincipal string, now time.Time) error {
	return enableAccess(tx, orgID, servicePrincipal, now)
}

// ServiceAccessEnabled reports whether trusted access is enabled for the
// service principal in the organization.
func (s *Service) ServiceAccessEnabled(tx store.Tx, orgID, servicePrincipal string) (bool, error) {
	return store.Exists(tx, orgNamespace(orgID), kindServiceAccess, servicePrincipal)
}

// MemberAccounts returns the ids of the organization's accounts, the
// management account included, in ascending order.
func (s *Service) MemberAccounts(tx store.Tx, orgID string) ([]string, error) {
	return memberIDs(tx, orgID)
}
