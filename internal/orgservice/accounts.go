package orgservice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/randid"
	"github.com/starlingcfg/starling/internal/store"
)

const (
	// moto
	msgAccountNotFound = "You specified an account that doesn't exist."
	// model
	msgMasterCannotLeave = "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account."
	// model (the model says "an create account request")
	msgCreateAccountStatusNotFound = "We can't find a create account request with the CreateAccountRequestId that you specified."
	// model
	msgCannotRemoveDelegate = "You attempted to remove an account that is registered as a delegated administrator for a service integrated with your organization. To complete this operation, you must first deregister this account as a delegated administrator."
)

// CreateAccount creates an account in the caller's organization. The
// request completes at once (see the package documentation): the response
// says IN_PROGRESS, DescribeCreateAccountStatus then says SUCCEEDED, or
// FAILED with EMAIL_ALREADY_EXISTS when an account already has the email
// address.
func (s *Service) CreateAccount(ctx context.Context, in *orgapi.CreateAccountRequest) (*orgapi.CreateAccountResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	now := shape.NewTimestamp(s.clock.Now())
	email, name := *in.Email, *in.AccountName
	var out orgapi.CreateAccountStatus
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireManagement(tx, caller)
		if err != nil {
			return err
		}
		t := orgNamespace(org.ID)
		reqID, err := s.newID("car-", requestIDLen)
		if err != nil {
			return err
		}
		status := orgapi.CreateAccountStatus{
			Id:                 &reqID,
			AccountName:        &name,
			State:              ptr(orgapi.CreateAccountStateInProgress),
			RequestedTimestamp: now,
		}
		out = status // the response shows the request as just made
		status.CompletedTimestamp = now
		_, taken, err := resolveEmail(tx, email)
		if err != nil {
			return err
		}
		if taken {
			status.State = ptr(orgapi.CreateAccountStateFailed)
			status.FailureReason = ptr(orgapi.CreateAccountFailureReasonEmailAlreadyExists)
		} else {
			id, err := s.freshAccountID(tx)
			if err != nil {
				return err
			}
			if err := putAccount(tx, id, accountRecord{OrgID: org.ID, Email: email, Name: name}); err != nil {
				return err
			}
			m := memberRecord{ID: id, JoinedMethod: orgapi.AccountJoinedMethodCreated, JoinedTimestamp: *now}
			if err := store.PutJSON(tx, t, kindMember, id, &m); err != nil {
				return err
			}
			if err := store.PutJSON(tx, directoryNamespace, kindEmail, strings.ToLower(email), &emailRecord{AccountID: id}); err != nil {
				return err
			}
			status.State = ptr(orgapi.CreateAccountStateSucceeded)
			status.AccountId = &id
		}
		return store.PutJSON(tx, t, kindCreateAccount, reqID, &status)
	})
	if err != nil {
		return nil, err
	}
	return &orgapi.CreateAccountResponse{CreateAccountStatus: &out}, nil
}

// resolveEmail returns the account an email address belongs to: an account
// Starling created with it, or the account whose placeholder address it is
// (<account-id>@example.com) unless that account has a real one.
func resolveEmail(tx store.Tx, email string) (string, bool, error) {
	lower := strings.ToLower(email)
	var r emailRecord
	err := store.GetJSON(tx, directoryNamespace, kindEmail, lower, &r)
	switch {
	case err == nil:
		return r.AccountID, true, nil
	case !errors.Is(err, store.ErrNotFound):
		return "", false, err
	}
	id, ok := strings.CutSuffix(lower, placeholderEmailDomain)
	if !ok || !identity.IsAccountID(id) {
		return "", false, nil
	}
	a, err := loadAccount(tx, id)
	if err != nil || a.Email != "" {
		return "", false, err
	}
	return id, true, nil
}

// freshAccountID returns a random account id that Organizations has never
// seen.
func (s *Service) freshAccountID(tx store.Tx) (string, error) {
	for range maxIDAttempts {
		id, err := randid.String(s.random, randid.Digits, 12)
		if err != nil {
			return "", err
		}
		if id == identity.DefaultAccountID {
			continue
		}
		used, err := store.Exists(tx, accountNamespace(id), kindAccount, accountRecordID)
		if err != nil {
			return "", err
		}
		if !used {
			return id, nil
		}
	}
	return "", errIDsExhausted
}

// DescribeCreateAccountStatus returns the status of a CreateAccount request
// of the caller's organization.
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, in *orgapi.DescribeCreateAccountStatusRequest) (*orgapi.DescribeCreateAccountStatusResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	var out orgapi.CreateAccountStatus
	err = s.store.View(ctx, func(tx store.Tx) error {
		org, err := requireReader(tx, caller)
		if err != nil {
			return err
		}
		err = store.GetJSON(tx, orgNamespace(org.ID), kindCreateAccount, *in.CreateAccountRequestId, &out)
		if errors.Is(err, store.ErrNotFound) {
			return orgapi.CreateAccountStatusNotFound(msgCreateAccountStatusNotFound)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &orgapi.DescribeCreateAccountStatusResponse{CreateAccountStatus: &out}, nil
}

// ListCreateAccountStatus lists the organization's CreateAccount requests in
// the order they were made, optionally only those in the given states.
func (s *Service) ListCreateAccountStatus(ctx context.Context, in *orgapi.ListCreateAccountStatusRequest) (*orgapi.ListCreateAccountStatusResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	states := slices.Clone(in.States)
	slices.Sort(states)
	states = slices.Compact(states)
	out := &orgapi.ListCreateAccountStatusResponse{CreateAccountStatuses: []orgapi.CreateAccountStatus{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		org, err := requireReader(tx, caller)
		if err != nil {
			return err
		}
		all, err := store.ListJSON[orgapi.CreateAccountStatus](tx, orgNamespace(org.ID), kindCreateAccount)
		if err != nil {
			return err
		}
		all = slices.DeleteFunc(all, func(st orgapi.CreateAccountStatus) bool {
			return len(states) > 0 && !slices.Contains(states, *st.State)
		})
		slices.SortFunc(all, func(a, b orgapi.CreateAccountStatus) int { return strings.Compare(requestKey(a), requestKey(b)) })
		scope := pagetoken.Scope("ListCreateAccountStatus", caller, org.ID, strings.Join(states, ","))
		page, next, err := paginate(s, all, requestKey, scope, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.CreateAccountStatuses = append(out.CreateAccountStatuses, page...)
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// requestKey orders CreateAccount requests by time, then id.
func requestKey(st orgapi.CreateAccountStatus) string {
	return fmt.Sprintf("%020d/%s", st.RequestedTimestamp.UnixMilli(), *st.Id)
}

// accountOutput renders a member account as the API shows it.
func accountOutput(tx store.Tx, org organizationRecord, m memberRecord) (orgapi.Account, error) {
	a, err := loadAccount(tx, m.ID)
	if err != nil {
		return orgapi.Account{}, err
	}
	email, name := identityOf(org, m.ID, a)
	joined := m.JoinedTimestamp
	return orgapi.Account{
		Id:              ptr(m.ID),
		Arn:             ptr(accountARN(org.ManagementAccountID, org.ID, m.ID)),
		Email:           &email,
		Name:            &name,
		Status:          ptr(orgapi.AccountStatusActive),
		State:           ptr(orgapi.AccountStateActive),
		JoinedMethod:    ptr(m.JoinedMethod),
		JoinedTimestamp: &joined,
	}, nil
}

// member returns an account's membership of the organization, or
// AccountNotFoundException if it is not a member.
func member(tx store.Tx, orgID, accountID string) (memberRecord, error) {
	var m memberRecord
	err := store.GetJSON(tx, orgNamespace(orgID), kindMember, accountID, &m)
	if errors.Is(err, store.ErrNotFound) {
		return m, orgapi.AccountNotFound(msgAccountNotFound)
	}
	return m, err
}

// ListAccounts lists the organization's accounts by id.
func (s *Service) ListAccounts(ctx context.Context, in *orgapi.ListAccountsRequest) (*orgapi.ListAccountsResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	out := &orgapi.ListAccountsResponse{Accounts: []orgapi.Account{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		org, err := requireReader(tx, caller)
		if err != nil {
			return err
		}
		members, err := store.ListJSON[memberRecord](tx, orgNamespace(org.ID), kindMember)
		if err != nil {
			return err
		}
		scope := pagetoken.Scope("ListAccounts", caller, org.ID)
		page, next, err := paginate(s, members, func(m memberRecord) string { return m.ID }, scope, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		for _, m := range page {
			a, err := accountOutput(tx, org, m)
			if err != nil {
				return err
			}
			out.Accounts = append(out.Accounts, a)
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeAccount describes a member of the caller's organization.
func (s *Service) DescribeAccount(ctx context.Context, in *orgapi.DescribeAccountRequest) (*orgapi.DescribeAccountResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	var out orgapi.Account
	err = s.store.View(ctx, func(tx store.Tx) error {
		org, err := requireReader(tx, caller)
		if err != nil {
			return err
		}
		m, err := member(tx, org.ID, *in.AccountId)
		if err != nil {
			return err
		}
		out, err = accountOutput(tx, org, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &orgapi.DescribeAccountResponse{Account: &out}, nil
}

// RemoveAccountFromOrganization removes a member account; the management
// account removes others with it.
func (s *Service) RemoveAccountFromOrganization(ctx context.Context, in *orgapi.RemoveAccountFromOrganizationRequest) (*shape.Empty, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireManagement(tx, caller)
		if err != nil {
			return err
		}
		return removeMember(tx, org, *in.AccountId)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// LeaveOrganization removes the calling member account from its
// organization.
func (s *Service) LeaveOrganization(ctx context.Context, _ *shape.Empty) (*shape.Empty, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireOrg(tx, caller)
		if err != nil {
			return err
		}
		return removeMember(tx, org, caller)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// removeMember makes a member account standalone. The management account
// cannot leave, nor can a delegated administrator for a service whose
// trusted access is enabled (AWS: deregister it first); registrations for
// services whose access was disabled go with the account.
func removeMember(tx store.Tx, org organizationRecord, accountID string) error {
	if accountID == org.ManagementAccountID {
		return orgapi.MasterCannotLeaveOrganization(msgMasterCannotLeave)
	}
	if _, err := member(tx, org.ID, accountID); err != nil {
		return err
	}
	t := orgNamespace(org.ID)
	ds, err := delegationsOf(tx, org.ID, accountID)
	if err != nil {
		return err
	}
	for _, d := range ds {
		enabled, err := store.Exists(tx, t, kindServiceAccess, d.ServicePrincipal)
		if err != nil {
			return err
		}
		if enabled {
			return orgapi.ConstraintViolation(orgapi.ConstraintViolationExceptionReasonCannotRemoveDelegatedAdministratorFromOrg, msgCannotRemoveDelegate)
		}
	}
	for _, d := range ds {
		if err := tx.Delete(t, kindDelegation, delegationID(accountID, d.ServicePrincipal)); err != nil {
			return err
		}
	}
	if err := tx.Delete(t, kindMember, accountID); err != nil {
		return err
	}
	a, err := loadAccount(tx, accountID)
	if err != nil {
		return err
	}
	a.OrgID = ""
	return putAccount(tx, accountID, a)
}
