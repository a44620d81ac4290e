// Package orgdir holds what other services learn about an AWS Organizations
// organization from the Organizations directory. It is the one type that
// AWS Config (configservice, which declares the directory interface it
// needs) and Organizations (orgservice, which implements it) share, so that
// neither of them imports the other.
package orgdir

// Organization describes an organization as other services see it.
type Organization struct {
	ID                  string
	ManagementAccountID string
	// AllFeatures is true when the organization's feature set is ALL.
	AllFeatures bool
}
