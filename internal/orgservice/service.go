// Package orgservice implements the subset of AWS Organizations that Starling
// serves: organizations, member accounts (created and invited), invitation
// handshakes, trusted service access and delegated administrators. One
// method per operation on Service, grouped by family in files named after
// them. Shape validation from the model has already run when a method is
// called (orgapi's; Operations has a request that fails it answered with
// the InvalidInputException Organizations sends, not ValidationException);
// the methods add the rules the model cannot express, keep state in a
// store.Store, and return *apierr.Error values built with orgapi's
// constructors.
//
// Organizations is a global service: its records live in global store
// namespaces (an empty Region), which no AWS Config record uses. Each
// organization has a namespace owned by its id (orgNamespace); each account
// that Organizations has seen has one owned by its id (accountNamespace) holding which
// organization it belongs to and the invitations it received, so that every
// lookup by caller is a single read.
//
// Service also serves as AWS Config's directory of organizations (the
// interface configservice.Organizations, implemented in directory.go),
// through which AWS Config reads and changes the same state inside its own
// transactions.
//
// Deviations from AWS, by design:
//   - Starling cannot know the email address and name of an account it did
//     not create. It shows <account-id>@example.com and "Management Account"
//     for the management account of an organization, "Account <account-id>"
//     for other accounts.
//   - CreateAccount completes at once: it answers IN_PROGRESS, and the
//     account is a member and DescribeCreateAccountStatus says SUCCEEDED (or
//     FAILED) from then on.
//   - EnableAllFeatures switches the organization to ALL at once and returns
//     an ENABLE_ALL_FEATURES handshake that is already ACCEPTED, instead of
//     waiting for every invited account to approve.
//   - No quotas (accounts per organization, handshakes per day), no waiting
//     period before a created account may leave, no standalone-account
//     prerequisites, and tags sent with CreateAccount or
//     InviteAccountToOrganization are accepted but not kept.
//   - Ended handshakes stay listed for as long as their organization exists
//     (AWS drops them after 30 days); deleting an organization deletes its
//     handshakes.
package orgservice

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/randid"
	"github.com/starlingcfg/starling/internal/store"
)

// Options configure a Service.
type Options struct {
	Store  store.Store
	Tokens *pagetoken.Codec
	// Clock defaults to the system clock.
	Clock clock.Clock
	// Random is the source of ids; it defaults to crypto/rand. It must be
	// safe for concurrent use.
	Random io.Reader
}

// Service implements orgapi.Service, and AWS Config's
// configservice.Organizations (see directory.go).
// Operations it does not serve fall through to the embedded
// UnimplementedService.
type Service struct {
	orgapi.UnimplementedService

	store  store.Store
	tokens *pagetoken.Codec
	clock  clock.Clock
	random io.Reader
}

var _ orgapi.Service = (*Service)(nil)

// New returns a Service.
func New(opts Options) *Service {
	s := &Service{
		store:  opts.Store,
		tokens: opts.Tokens,
		clock:  opts.Clock,
		random: opts.Random,
	}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	return s
}

// Record kinds. Per-organization kinds live in orgNamespace(orgID),
// per-account kinds in accountNamespace(accountID), kindEmail in
// directoryNamespace.
const (
	// kindOrganization holds the organizationRecord under orgRecordID.
	kindOrganization store.Kind = "Organization"
	// kindRetired marks, under orgRecordID, an organization id that was
	// deleted and must never be given out again.
	kindRetired store.Kind = "RetiredOrganization"
	// kindMember holds one memberRecord per member account, keyed by id.
	kindMember store.Kind = "OrganizationMember"
	// kindServiceAccess holds one serviceAccessRecord per enabled service
	// principal, keyed by principal.
	kindServiceAccess store.Kind = "ServiceAccess"
	// kindDelegation holds one delegationRecord per delegated administrator
	// and service, keyed by delegationID.
	kindDelegation store.Kind = "DelegatedAdministrator"
	// kindCreateAccount holds the orgapi.CreateAccountStatus of every
	// CreateAccount request, keyed by request id.
	kindCreateAccount store.Kind = "CreateAccountStatus"
	// kindHandshake holds the handshakeRecord of every handshake the
	// organization sent, keyed by handshake id.
	kindHandshake store.Kind = "Handshake"

	// kindAccount holds the accountRecord under accountRecordID.
	kindAccount store.Kind = "OrganizationsAccount"
	// kindReceived holds one receivedRecord per handshake the account was
	// sent, keyed by handshake id.
	kindReceived store.Kind = "ReceivedHandshake"

	// kindEmail maps a lower-cased email address of an account Starling
	// created to the account id (emailRecord).
	kindEmail store.Kind = "AccountEmail"
)

const (
	orgRecordID     = "organization"
	accountRecordID = "account"
)

// orgNamespace is the namespace of an organization's records.
func orgNamespace(orgID string) store.Namespace { return store.Global(orgID) }

// accountNamespace is the namespace of an account's Organizations records.
// The account's AWS Config namespaces always have a region, so they never
// meet.
func accountNamespace(accountID string) store.Namespace { return store.Global(accountID) }

// directoryNamespace holds what is global to all organizations: the
// service-wide directory of e-mail addresses.
var directoryNamespace = store.Global("organizations")

// organizationRecord is the stored form of an organization.
type organizationRecord struct {
	ID                  string `json:"id"`
	ManagementAccountID string `json:"managementAccountId"`
	FeatureSet          string `json:"featureSet"`
	RootID              string `json:"rootId"`
}

// accountRecord is what Organizations knows of an account. It is kept after
// the account leaves its organization, so that an id once seen is never
// given to a new account and a created account keeps its email and name.
type accountRecord struct {
	// OrgID is the organization the account belongs to, "" for none.
	OrgID string `json:"orgId,omitempty"`
	// Email and Name are known only for accounts Starling created.
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// memberRecord is an account's membership of an organization.
type memberRecord struct {
	ID              string          `json:"id"`
	JoinedMethod    string          `json:"joinedMethod"`
	JoinedTimestamp shape.Timestamp `json:"joinedTimestamp"`
}

// serviceAccessRecord is an enabled trusted service.
type serviceAccessRecord struct {
	ServicePrincipal string          `json:"servicePrincipal"`
	DateEnabled      shape.Timestamp `json:"dateEnabled"`
}

// delegationRecord registers an account as a delegated administrator for a
// service principal.
type delegationRecord struct {
	AccountID             string          `json:"accountId"`
	ServicePrincipal      string          `json:"servicePrincipal"`
	DelegationEnabledDate shape.Timestamp `json:"delegationEnabledDate"`
}

// delegationID keys a delegationRecord: the records of one account are
// adjacent, in principal order.
func delegationID(accountID, principal string) string { return accountID + "/" + principal }

// handshakeRecord is a handshake an organization sent.
type handshakeRecord struct {
	Handshake orgapi.Handshake `json:"handshake"`
	// Recipient is the invited account, "" for handshakes sent to no
	// account (ENABLE_ALL_FEATURES).
	Recipient string `json:"recipient,omitempty"`
}

// receivedRecord points from a recipient to a handshake.
type receivedRecord struct {
	OrgID string `json:"orgId"`
}

// emailRecord maps an email address to its account.
type emailRecord struct {
	AccountID string `json:"accountId"`
}

// callerOf returns the calling account.
func callerOf(ctx context.Context) (string, error) {
	c, ok := identity.CallerFrom(ctx)
	if !ok {
		return "", apierr.Internal(errors.New("orgservice: no caller in context"))
	}
	return c.AccountID, nil
}

// Lengths of the random parts of ids, as AWS forms them.
const (
	orgIDLen       = 10 // o-a1b2c3d4e5
	rootIDLen      = 4  // r-ab12
	handshakeIDLen = 32 // model: h-[0-9a-z]{8,32}
	requestIDLen   = 32 // model: car-[a-z0-9]{8,32}
)

func (s *Service) newID(prefix string, n int) (string, error) {
	r, err := randid.String(s.random, randid.LowerAlnum, n)
	if err != nil {
		return "", err
	}
	return prefix + r, nil
}

// ARNs of Organizations resources (Service Authorization Reference, page
// "Actions, resources, and condition keys for AWS Organizations", section
// "Resource types defined by AWS Organizations").

func organizationARN(mgmt, orgID string) string {
	return "arn:aws:organizations::" + mgmt + ":organization/" + orgID
}

func accountARN(mgmt, orgID, accountID string) string {
	return "arn:aws:organizations::" + mgmt + ":account/" + orgID + "/" + accountID
}

// handshakeARN names a handshake; the action's segment is its lower-cased
// name, such as invite or enable_all_features.
func handshakeARN(mgmt, orgID, action, handshakeID string) string {
	return "arn:aws:organizations::" + mgmt + ":handshake/" + orgID + "/" + strings.ToLower(action) + "/" + handshakeID
}

// Placeholders for what Starling cannot know about accounts it did not
// create (see the package documentation).
const (
	placeholderEmailDomain = "@example.com"
	managementAccountName  = "Management Account"
)

func placeholderEmail(accountID string) string { return accountID + placeholderEmailDomain }

func placeholderName(accountID string) string { return "Account " + accountID }

func ptr[T any](v T) *T { return &v }
