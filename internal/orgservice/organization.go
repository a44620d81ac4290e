package orgservice

import (
	"context"
	"errors"
	"strings"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/store"
)

// Messages. Those marked "real AWS" are the texts of real AWS responses;
// "moto" ones come from moto; "model" ones are the model's own description
// of the error; "ours" have no known AWS text.
const (
	// real AWS
	msgNotInUse = "Your account is not a member of an organization."
	// real AWS
	msgAlreadyInOrganization = "The AWS account is already a member of an organization."
	// real AWS
	msgAccessDenied = "You don't have permissions to access this resource."
	// moto
	msgNotEmpty = "To delete an organization you must first remove all member accounts (except the master)."
	// model
	msgAlreadyAllFeatures = "The handshake request is invalid because the organization has already enabled all features."
)

// orgOf returns the organization the account belongs to, and false if it
// belongs to none.
func orgOf(tx store.Tx, accountID string) (organizationRecord, bool, error) {
	a, err := loadAccount(tx, accountID)
	if err != nil || a.OrgID == "" {
		return organizationRecord{}, false, err
	}
	var org organizationRecord
	if err := store.GetJSON(tx, orgNamespace(a.OrgID), kindOrganization, orgRecordID, &org); err != nil {
		return organizationRecord{}, false, err
	}
	return org, true, nil
}

// loadAccount returns what is known of an account; the zero record if
// nothing is.
func loadAccount(tx store.Tx, accountID string) (accountRecord, error) {
	var a accountRecord
	err := store.GetJSON(tx, accountNamespace(accountID), kindAccount, accountRecordID, &a)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return a, err
}

func putAccount(tx store.Tx, accountID string, a accountRecord) error {
	return store.PutJSON(tx, accountNamespace(accountID), kindAccount, accountRecordID, &a)
}

// requireOrg returns the caller's organization, or the error AWS sends to an
// account outside any.
func requireOrg(tx store.Tx, caller string) (organizationRecord, error) {
	org, ok, err := orgOf(tx, caller)
	if err != nil {
		return organizationRecord{}, err
	}
	if !ok {
		return organizationRecord{}, orgapi.AWSOrganizationsNotInUse(msgNotInUse)
	}
	return org, nil
}

// requireManagement returns the caller's organization if the caller is its
// management account: everything that changes an organization is reserved
// to it.
func requireManagement(tx store.Tx, caller string) (organizationRecord, error) {
	org, err := requireOrg(tx, caller)
	if err != nil {
		return org, err
	}
	if org.ManagementAccountID != caller {
		return org, orgapi.AccessDenied(msgAccessDenied)
	}
	return org, nil
}

// requireReader returns the caller's organization if the caller is its
// management account or a delegated administrator for any service: the
// accounts that may read the organization's structure.
func requireReader(tx store.Tx, caller string) (organizationRecord, error) {
	org, err := requireOrg(tx, caller)
	if err != nil || org.ManagementAccountID == caller {
		return org, err
	}
	delegate, err := isDelegate(tx, org.ID, caller)
	if err != nil {
		return org, err
	}
	if !delegate {
		return org, orgapi.AccessDenied(msgAccessDenied)
	}
	return org, nil
}

// isDelegate reports whether the account is a delegated administrator of
// the organization for some service.
func isDelegate(tx store.Tx, orgID, accountID string) (bool, error) {
	prefix := delegationID(accountID, "")
	items, err := tx.List(orgNamespace(orgID), kindDelegation, prefix, 1)
	if err != nil {
		return false, err
	}
	return len(items) == 1 && strings.HasPrefix(items[0].ID, prefix), nil
}

// identityOf returns the email address and name an account is shown with.
func identityOf(org organizationRecord, accountID string, a accountRecord) (email, name string) {
	email, name = a.Email, a.Name
	if email == "" {
		email = placeholderEmail(accountID)
	}
	if name == "" {
		name = placeholderName(accountID)
		if accountID == org.ManagementAccountID {
			name = managementAccountName
		}
	}
	return email, name
}

// organizationOutput renders an organization as the API shows it.
func organizationOutput(tx store.Tx, org organizationRecord) (*orgapi.Organization, error) {
	mgmt := org.ManagementAccountID
	a, err := loadAccount(tx, mgmt)
	if err != nil {
		return nil, err
	}
	email, _ := identityOf(org, mgmt, a)
	out := &orgapi.Organization{
		Id:                 ptr(org.ID),
		Arn:                ptr(organizationARN(mgmt, org.ID)),
		FeatureSet:         ptr(org.FeatureSet),
		MasterAccountArn:   ptr(accountARN(mgmt, org.ID, mgmt)),
		MasterAccountId:    ptr(mgmt),
		MasterAccountEmail: ptr(email),
	}
	if org.FeatureSet == orgapi.OrganizationFeatureSetAll {
		// Deprecated, and only ever SCPs (model documentation).
		out.AvailablePolicyTypes = []orgapi.PolicyTypeSummary{{
			Type:   ptr(orgapi.PolicyTypeServiceControlPolicy),
			Status: ptr(orgapi.PolicyTypeStatusEnabled),
		}}
	}
	return out, nil
}

// CreateOrganization creates an organization with the caller as its
// management account.
func (s *Service) CreateOrganization(ctx context.Context, in *orgapi.CreateOrganizationRequest) (*orgapi.CreateOrganizationResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	featureSet := orgapi.OrganizationFeatureSetAll
	if in.FeatureSet != nil {
		featureSet = *in.FeatureSet
	}
	now := shape.NewTimestamp(s.clock.Now())
	var out *orgapi.Organization
	err = s.store.Update(ctx, func(tx store.Tx) error {
		a, err := loadAccount(tx, caller)
		if err != nil {
			return err
		}
		if a.OrgID != "" {
			return orgapi.AlreadyInOrganization(msgAlreadyInOrganization)
		}
		orgID, err := s.freshOrgID(tx)
		if err != nil {
			return err
		}
		rootID, err := s.newID("r-", rootIDLen)
		if err != nil {
			return err
		}
		org := organizationRecord{ID: orgID, ManagementAccountID: caller, FeatureSet: featureSet, RootID: rootID}
		t := orgNamespace(orgID)
		if err := store.PutJSON(tx, t, kindOrganization, orgRecordID, &org); err != nil {
			return err
		}
		// The management account counts as invited (AWS logs
		// joinedMethod:INVITED for it).
		m := memberRecord{ID: caller, JoinedMethod: orgapi.AccountJoinedMethodInvited, JoinedTimestamp: *now}
		if err := store.PutJSON(tx, t, kindMember, caller, &m); err != nil {
			return err
		}
		a.OrgID = orgID
		if err := putAccount(tx, caller, a); err != nil {
			return err
		}
		out, err = organizationOutput(tx, org)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &orgapi.CreateOrganizationResponse{Organization: out}, nil
}

// freshOrgID returns an organization id never used before.
func (s *Service) freshOrgID(tx store.Tx) (string, error) {
	for range maxIDAttempts {
		id, err := s.newID("o-", orgIDLen)
		if err != nil {
			return "", err
		}
		t := orgNamespace(id)
		used, err := store.Exists(tx, t, kindOrganization, orgRecordID)
		if err != nil {
			return "", err
		}
		if !used {
			used, err = store.Exists(tx, t, kindRetired, orgRecordID)
			if err != nil {
				return "", err
			}
		}
		if !used {
			return id, nil
		}
	}
	return "", errIDsExhausted
}

// maxIDAttempts bounds the search for an unused random id; with a working
// random source the first attempt all but always succeeds.
const maxIDAttempts = 100

var errIDsExhausted = errors.New("orgservice: no unused id found; is the random source broken?")

// DescribeOrganization describes the caller's organization; any member may
// call it.
func (s *Service) DescribeOrganization(ctx context.Context, _ *shape.Empty) (*orgapi.DescribeOrganizationResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *orgapi.Organization
	err = s.store.View(ctx, func(tx store.Tx) error {
		org, err := requireOrg(tx, caller)
		if err != nil {
			return err
		}
		out, err = organizationOutput(tx, org)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &orgapi.DescribeOrganizationResponse{Organization: out}, nil
}

// DeleteOrganization deletes an organization that has no member but its
// management account, with everything it holds. Its id is retired.
func (s *Service) DeleteOrganization(ctx context.Context, _ *shape.Empty) (*shape.Empty, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireManagement(tx, caller)
		if err != nil {
			return err
		}
		t := orgNamespace(org.ID)
		n, err := tx.Count(t, kindMember)
		if err != nil {
			return err
		}
		if n > 1 {
			return orgapi.OrganizationNotEmpty(msgNotEmpty)
		}
		sent, err := store.ListJSON[handshakeRecord](tx, t, kindHandshake)
		if err != nil {
			return err
		}
		for _, h := range sent {
			if h.Recipient == "" {
				continue
			}
			if err := tx.Delete(accountNamespace(h.Recipient), kindReceived, *h.Handshake.Id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		for _, k := range []store.Kind{kindMember, kindServiceAccess, kindDelegation, kindCreateAccount, kindHandshake, kindOrganization} {
			if err := store.DeleteAll(tx, t, k); err != nil {
				return err
			}
		}
		if err := tx.Put(t, kindRetired, orgRecordID, []byte("{}")); err != nil {
			return err
		}
		a, err := loadAccount(tx, caller)
		if err != nil {
			return err
		}
		a.OrgID = ""
		return putAccount(tx, caller, a)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// EnableAllFeatures switches a consolidated-billing organization to all
// features. As a simplification (see the package documentation) the switch
// is immediate and the returned ENABLE_ALL_FEATURES handshake is already
// ACCEPTED.
func (s *Service) EnableAllFeatures(ctx context.Context, _ *orgapi.EnableAllFeaturesRequest) (*orgapi.EnableAllFeaturesResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out orgapi.Handshake
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireManagement(tx, caller)
		if err != nil {
			return err
		}
		if org.FeatureSet == orgapi.OrganizationFeatureSetAll {
			return orgapi.HandshakeConstraintViolation(orgapi.HandshakeConstraintViolationExceptionReasonOrganizationAlreadyHasAllFeatures, msgAlreadyAllFeatures)
		}
		org.FeatureSet = orgapi.OrganizationFeatureSetAll
		t := orgNamespace(org.ID)
		if err := store.PutJSON(tx, t, kindOrganization, orgRecordID, &org); err != nil {
			return err
		}
		h, err := s.newHandshake(org, orgapi.ActionTypeEnableAllFeatures, now)
		if err != nil {
			return err
		}
		h.State = ptr(orgapi.HandshakeStateAccepted)
		h.Resources = []orgapi.HandshakeResource{{Type: ptr(orgapi.HandshakeResourceTypeOrganization), Value: ptr(org.ID)}}
		out = h
		return store.PutJSON(tx, t, kindHandshake, *h.Id, &handshakeRecord{Handshake: h})
	})
	if err != nil {
		return nil, err
	}
	return &orgapi.EnableAllFeaturesResponse{Handshake: &out}, nil
}

// memberIDs returns the ids of the organization's accounts in ascending
// order.
func memberIDs(tx store.Tx, orgID string) ([]string, error) {
	items, err := tx.List(orgNamespace(orgID), kindMember, "", 0)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids, nil
}
