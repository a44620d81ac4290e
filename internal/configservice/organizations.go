package configservice

import "github.com/starlingcfg/starling/internal/store"

// Organizations is what the Config service needs to know about AWS
// Organizations to serve organization aggregators.
type Organizations interface {
	// OrganizationOf returns the organization the account belongs to, or
	// ok == false if it belongs to none. It reads through tx, so that the
	// answer is consistent with the rest of the caller's transaction.
	OrganizationOf(tx store.Tx, accountID string) (org Organization, ok bool, err error)
}

// Organization describes an organization as the Config service sees it.
type Organization struct {
	ID               string
	ManagementAcctID string
	AllFeatures      bool
}

// noOrganizations is the directory of a deployment without Organizations:
// no account belongs to any organization.
type noOrganizations struct{}

func (noOrganizations) OrganizationOf(store.Tx, string) (Organization, bool, error) {
	return Organization{}, false, nil
}
