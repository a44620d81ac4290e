package orgservice

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

const (
	// moto, and the model's UNRECOGNIZED_SERVICE_PRINCIPAL
	msgUnrecognizedPrincipal = "You specified an unrecognized service principal."
	// moto
	msgRegisterManagement = "You cannot register master account/yourself as delegated administrator for your organization."
	// moto
	msgAlreadyRegistered = "The provided account is already a delegated administrator for your organization."
	// moto
	msgNotRegistered = "The provided account is not a registered delegated administrator for your organization."
	// model
	msgServiceAccessNotEnabled = "You attempted to register a delegated administrator before you enabled service access. Call the EnableAWSServiceAccess API first."
	// model
	msgNotAllFeatures = "You attempted to perform an operation that requires the organization to be configured to support all features. An organization that supports only consolidated billing features can't perform this operation."
)

// checkPrincipal refuses service principals that name no AWS service. AWS
// knows the list of services that integrate with Organizations; Starling
// accepts any principal of the form <service>.amazonaws.com.
func checkPrincipal(p string) error {
	const suffix = ".amazonaws.com"
	if len(p) <= len(suffix) || !strings.HasSuffix(p, suffix) {
		return orgapi.InvalidInput(orgapi.InvalidInputExceptionReasonUnrecognizedServicePrincipal, msgUnrecognizedPrincipal)
	}
	return nil
}

// enableAccess enables trusted access for the principal; it keeps the
// original date if access is already enabled.
func enableAccess(tx store.Tx, orgID, principal string, now time.Time) error {
	t := orgNamespace(orgID)
	enabled, err := store.Exists(tx, t, kindServiceAccess, principal)
	if err != nil || enabled {
		return err
	}
	rec := serviceAccessRecord{ServicePrincipal: principal, DateEnabled: *shape.NewTimestamp(now)}
	return store.PutJSON(tx, t, kindServiceAccess, principal, &rec)
}

// EnableAWSServiceAccess enables trusted access for a service, which needs
// all features. It is idempotent.
func (s *Service) EnableAWSServiceAccess(ctx context.Context, in *orgapi.EnableAWSServiceAccessRequest) (*shape.Empty, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireManagement(tx, caller)
		if err != nil {
			return err
		}
		if err := checkPrincipal(*in.ServicePrincipal); err != nil {
			return err
		}
		if org.FeatureSet != orgapi.OrganizationFeatureSetAll {
			return orgapi.ConstraintViolation(orgapi.ConstraintViolationExceptionReasonOrganizationNotInAllFeaturesMode, msgNotAllFeatures)
		}
		return enableAccess(tx, org.ID, *in.ServicePrincipal, now)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// DisableAWSServiceAccess disables trusted access for a service; disabling
// a service that is not enabled does nothing. Delegated administrators for
// the service stay registered, as AWS allows.
func (s *Service) DisableAWSServiceAccess(ctx context.Context, in *orgapi.DisableAWSServiceAccessRequest) (*shape.Empty, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireManagement(tx, caller)
		if err != nil {
			return err
		}
		if err := checkPrincipal(*in.ServicePrincipal); err != nil {
			return err
		}
		t := orgNamespace(org.ID)
		enabled, err := store.Exists(tx, t, kindServiceAccess, *in.ServicePrincipal)
		if err != nil || !enabled {
			return err
		}
		return tx.Delete(t, kindServiceAccess, *in.ServicePrincipal)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// ListAWSServiceAccessForOrganization lists the enabled services by
// principal.
func (s *Service) ListAWSServiceAccessForOrganization(ctx context.Context, in *orgapi.ListAWSServiceAccessForOrganizationRequest) (*orgapi.ListAWSServiceAccessForOrganizationResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	out := &orgapi.ListAWSServiceAccessForOrganizationResponse{EnabledServicePrincipals: []orgapi.EnabledServicePrincipal{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		org, err := requireReader(tx, caller)
		if err != nil {
			return err
		}
		all, err := store.ListJSON[serviceAccessRecord](tx, orgNamespace(org.ID), kindServiceAccess)
		if err != nil {
			return err
		}
		scope := pagetoken.Scope("ListAWSServiceAccessForOrganization", caller, org.ID)
		page, next, err := paginate(s, all, func(r serviceAccessRecord) string { return r.ServicePrincipal }, scope, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		for _, r := range page {
			out.EnabledServicePrincipals = append(out.EnabledServicePrincipals, orgapi.EnabledServicePrincipal{
				ServicePrincipal: ptr(r.ServicePrincipal),
				DateEnabled:      ptr(r.DateEnabled),
			})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// delegationsOf returns the account's registrations, in principal order.
func delegationsOf(tx store.Tx, orgID, accountID string) ([]delegationRecord, error) {
	prefix := delegationID(accountID, "")
	items, err := tx.List(orgNamespace(orgID), kindDelegation, prefix, 0)
	if err != nil {
		return nil, err
	}
	var out []delegationRecord
	for _, it := range items {
		if !strings.HasPrefix(it.ID, prefix) {
			break
		}
		var d delegationRecord
		if err := json.Unmarshal(it.Doc, &d); err != nil {
			return nil, fmt.Errorf("decode %s %q: %w", kindDelegation, it.ID, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// RegisterDelegatedAdministrator makes a member account a delegated
// administrator for a service whose trusted access is enabled.
func (s *Service) RegisterDelegatedAdministrator(ctx context.Context, in *orgapi.RegisterDelegatedAdministratorRequest) (*shape.Empty, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	now := shape.NewTimestamp(s.clock.Now())
	account, principal := *in.AccountId, *in.ServicePrincipal
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireManagement(tx, caller)
		if err != nil {
			return err
		}
		if err := checkPrincipal(principal); err != nil {
			return err
		}
		if account == org.ManagementAccountID {
			return orgapi.ConstraintViolation(orgapi.ConstraintViolationExceptionReasonCannotRegisterMasterAsDelegatedAdministrator, msgRegisterManagement)
		}
		if _, err := member(tx, org.ID, account); err != nil {
			return err
		}
		t := orgNamespace(org.ID)
		enabled, err := store.Exists(tx, t, kindServiceAccess, principal)
		if err != nil {
			return err
		}
		if !enabled {
			return orgapi.ConstraintViolation(orgapi.ConstraintViolationExceptionReasonServiceAccessNotEnabled, msgServiceAccessNotEnabled)
		}
		id := delegationID(account, principal)
		registered, err := store.Exists(tx, t, kindDelegation, id)
		if err != nil {
			return err
		}
		if registered {
			return orgapi.AccountAlreadyRegistered(msgAlreadyRegistered)
		}
		return store.PutJSON(tx, t, kindDelegation, id, &delegationRecord{AccountID: account, ServicePrincipal: principal, DelegationEnabledDate: *now})
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// DeregisterDelegatedAdministrator removes a registration.
func (s *Service) DeregisterDelegatedAdministrator(ctx context.Context, in *orgapi.DeregisterDelegatedAdministratorRequest) (*shape.Empty, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	account, principal := *in.AccountId, *in.ServicePrincipal
	err = s.store.Update(ctx, func(tx store.Tx) error {
		org, err := requireManagement(tx, caller)
		if err != nil {
			return err
		}
		if err := checkPrincipal(principal); err != nil {
			return err
		}
		if _, err := member(tx, org.ID, account); err != nil {
			return err
		}
		t := orgNamespace(org.ID)
		id := delegationID(account, principal)
		registered, err := store.Exists(tx, t, kindDelegation, id)
		if err != nil {
			return err
		}
		if !registered {
			return orgapi.AccountNotRegistered(msgNotRegistered)
		}
		return tx.Delete(t, kindDelegation, id)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// ListDelegatedAdministrators lists, by account id, the delegated
// administrators for one service or, without a principal, for any. Without
// a principal, an account's DelegationEnabledDate is that of its first
// registration.
func (s *Service) ListDelegatedAdministrators(ctx context.Context, in *orgapi.ListDelegatedAdministratorsRequest) (*orgapi.ListDelegatedAdministratorsResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	principal := ""
	if in.ServicePrincipal != nil {
		principal = *in.ServicePrincipal
	}
	out := &orgapi.ListDelegatedAdministratorsResponse{DelegatedAdministrators: []orgapi.DelegatedAdministrator{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		org, err := requireReader(tx, caller)
		if err != nil {
			return err
		}
		if in.ServicePrincipal != nil {
			if err := checkPrincipal(principal); err != nil {
				return err
			}
		}
		all, err := store.ListJSON[delegationRecord](tx, orgNamespace(org.ID), kindDelegation)
		if err != nil {
			return err
		}
		// Records are in account order: keep one per account, with its
		// earliest date.
		var admins []delegationRecord
		for _, d := range all {
			switch {
			case principal != "" && d.ServicePrincipal != principal:
			case len(admins) > 0 && admins[len(admins)-1].AccountID == d.AccountID:
				if last := &admins[len(admins)-1]; d.DelegationEnabledDate.Before(last.DelegationEnabledDate.Time) {
					last.DelegationEnabledDate = d.DelegationEnabledDate
				}
			default:
				admins = append(admins, d)
			}
		}
		scope := pagetoken.Scope("ListDelegatedAdministrators", caller, org.ID, principal)
		page, next, err := paginate(s, admins, func(d delegationRecord) string { return d.AccountID }, scope, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		for _, d := range page {
			m, err := member(tx, org.ID, d.AccountID)
			if err != nil {
				return err
			}
			a, err := accountOutput(tx, org, m)
			if err != nil {
				return err
			}
			out.DelegatedAdministrators = append(out.DelegatedAdministrators, orgapi.DelegatedAdministrator{
				Id:                    a.Id,
				Arn:                   a.Arn,
				Email:                 a.Email,
				Name:                  a.Name,
				Status:                a.Status,
				State:                 a.State,
				JoinedMethod:          a.JoinedMethod,
				JoinedTimestamp:       a.JoinedTimestamp,
				DelegationEnabledDate: ptr(d.DelegationEnabledDate),
			})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
