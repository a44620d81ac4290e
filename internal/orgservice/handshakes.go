package orgservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// handshakeLifetime is how long a handshake stays open (AWS: 15 days for
// invitations).
const handshakeLifetime = 15 * 24 * time.Hour

const (
	// model
	msgHandshakeNotFound = "We can't find a handshake with the HandshakeId that you specified."
	// model
	msgHandshakeAlreadyInState = "The specified handshake is already in the requested state."
	// model
	msgInvalidTransition = "You can't perform the operation on the handshake in its current state."
	// model
	msgAlreadyInAnOrganization = "The handshake request is invalid because the invited account is already a member of an organization."
	// model
	msgDuplicateHandshake = "A handshake with the same action and target already exists."
	// model
	msgInvalidPartyType = "You specified the wrong type of entity (account, organization, or email) as a party."
	// ours
	msgUnknownEmail = "You specified an invalid email address for the invited account owner. Starling knows the email addresses only of the accounts it created (and <account-id>@example.com for the others); invite other accounts by account ID."
	// model
	msgOneFilter = "You can specify only one filter parameter for the operation."
)

// newHandshake returns an OPEN handshake of the organization, requested
// now, with the organization as its first party.
func (s *Service) newHandshake(org organizationRecord, action string, now time.Time) (orgapi.Handshake, error) {
	id, err := s.newID("h-", handshakeIDLen)
	if err != nil {
		return orgapi.Handshake{}, err
	}
	return orgapi.Handshake{
		Id:                  &id,
		Arn:                 ptr(handshakeARN(org.ManagementAccountID, org.ID, action, id)),
		Parties:             []orgapi.HandshakeParty{{Id: ptr(org.ID), Type: ptr(orgapi.HandshakePartyTypeOrganization)}},
		State:               ptr(orgapi.HandshakeStateOpen),
		RequestedTimestamp:  shape.NewTimestamp(now),
		ExpirationTimestamp: shape.NewTimestamp(now.Add(handshakeLifetime)),
		Action:              &action,
	}, nil
}

// current returns the handshake as of now: an OPEN handshake past its
// expiration is EXPIRED.
func current(h orgapi.Handshake, now time.Time) orgapi.Handshake {
	if *h.State == orgapi.HandshakeStateOpen && h.ExpirationTimestamp != nil && !now.Before(h.ExpirationTimestamp.Time) {
		h.State = ptr(orgapi.HandshakeStateExpired)
	}
	return h
}

// featureSetResource is the ORGANIZATION_FEATURE_SET value of an
// invitation, as AWS's documented example shows it ("FULL" for ALL).
func featureSetResource(featureSet string) string {
	if featureSet == orgapi.OrganizationFeatureSetAll {
		return "FULL"
	}
	return featureSet
}

// resolveTarget returns the account an invitation's target names.
func resolveTarget(tx store.Tx, target *orgapi.HandshakeParty) (string, error) {
	switch *target.Type {
	case orgapi.HandshakePartyTypeAccount:
		if !identity.IsAccountID(*target.Id) {
			return "", orgapi.InvalidInput(orgapi.InvalidInputExceptionReasonInvalidPattern, msgInvalidPattern)
		}
		return *target.Id, nil
	case orgapi.HandshakePartyTypeEmail:
		id, ok, err := resolveEmail(tx, *target.Id)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", orgapi.InvalidInput(orgapi.InvalidInputExceptionReasonInvalidEmailAddressTarget, msgUnknownEmail)
		}
		return id, nil
	}
	return "", orgapi.InvalidInput(orgapi.InvalidInputExceptionReasonInvalidPartyTypeTarget, msgInvalidPartyType)
}

// InviteAccountToOrganization sends an account outside any organization an
// invitation to join the caller's.
func (s *Service) InviteAccountToOrganization(ctx context.Context, in *orgapi.InviteAccountToOrganizationRequest) (*orgapi.InviteAccountToOrganizationResponse, error) {
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
		target, err := resolveTarget(tx, in.Target)
		if err != nil {
			return err
		}
		a, err := loadAccount(tx, target)
		if err != nil {
			return err
		}
		if a.OrgID != "" {
			return orgapi.HandshakeConstraintViolation(orgapi.HandshakeConstraintViolationExceptionReasonAlreadyInAnOrganization, msgAlreadyInAnOrganization)
		}
		received, err := receivedHandshakes(tx, target)
		if err != nil {
			return err
		}
		for _, r := range received {
			h := current(r.rec.Handshake, now)
			if r.orgID == org.ID && *h.Action == orgapi.ActionTypeInvite && *h.State == orgapi.HandshakeStateOpen {
				return orgapi.DuplicateHandshake(msgDuplicateHandshake)
			}
		}
		mgmt, err := loadAccount(tx, org.ManagementAccountID)
		if err != nil {
			return err
		}
		email, name := identityOf(org, org.ManagementAccountID, mgmt)
		h, err := s.newHandshake(org, orgapi.ActionTypeInvite, now)
		if err != nil {
			return err
		}
		h.Parties = append(h.Parties, orgapi.HandshakeParty{Id: in.Target.Id, Type: in.Target.Type})
		h.Resources = []orgapi.HandshakeResource{
			{
				Type:  ptr(orgapi.HandshakeResourceTypeOrganization),
				Value: ptr(org.ID),
				Resources: []orgapi.HandshakeResource{
					{Type: ptr(orgapi.HandshakeResourceTypeMasterEmail), Value: &email},
					{Type: ptr(orgapi.HandshakeResourceTypeMasterName), Value: &name},
					{Type: ptr(orgapi.HandshakeResourceTypeOrganizationFeatureSet), Value: ptr(featureSetResource(org.FeatureSet))},
				},
			},
			{Type: in.Target.Type, Value: in.Target.Id},
		}
		if in.Notes != nil && *in.Notes != "" {
			h.Resources = append(h.Resources, orgapi.HandshakeResource{Type: ptr(orgapi.HandshakeResourceTypeNotes), Value: in.Notes})
		}
		out = h
		if err := store.PutJSON(tx, orgNamespace(org.ID), kindHandshake, *h.Id, &handshakeRecord{Handshake: h, Recipient: target}); err != nil {
			return err
		}
		return store.PutJSON(tx, accountNamespace(target), kindReceived, *h.Id, &receivedRecord{OrgID: org.ID})
	})
	if err != nil {
		return nil, err
	}
	return &orgapi.InviteAccountToOrganizationResponse{Handshake: &out}, nil
}

// receivedHandshake is a handshake sent to an account, with the
// organization that sent it.
type receivedHandshake struct {
	orgID string
	rec   handshakeRecord
}

// receivedHandshakes returns the handshakes sent to the account.
func receivedHandshakes(tx store.Tx, accountID string) ([]receivedHandshake, error) {
	items, err := tx.List(accountNamespace(accountID), kindReceived, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]receivedHandshake, 0, len(items))
	for _, it := range items {
		var ref receivedRecord
		if err := json.Unmarshal(it.Doc, &ref); err != nil {
			return nil, fmt.Errorf("decode %s %q: %w", kindReceived, it.ID, err)
		}
		r := receivedHandshake{orgID: ref.OrgID}
		if err := store.GetJSON(tx, orgNamespace(ref.OrgID), kindHandshake, it.ID, &r.rec); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// handshakeKey orders handshakes by request time, then id.
func handshakeKey(h orgapi.Handshake) string {
	return fmt.Sprintf("%020d/%s", h.RequestedTimestamp.UnixMilli(), *h.Id)
}

// listHandshakes filters, orders and pages handshakes as of now.
func (s *Service) listHandshakes(recs []handshakeRecord, filter *orgapi.HandshakeFilter, now time.Time, scope string, token *string, maxResults *int32) ([]orgapi.Handshake, *string, error) {
	hs := make([]orgapi.Handshake, 0, len(recs))
	for _, r := range recs {
		h := current(r.Handshake, now)
		if filter != nil {
			// No handshake Starling makes has a parent.
			if filter.ParentHandshakeId != nil || filter.ActionType != nil && *filter.ActionType != *h.Action {
				continue
			}
		}
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b orgapi.Handshake) int { return strings.Compare(handshakeKey(a), handshakeKey(b)) })
	return paginate(s, hs, handshakeKey, scope, token, maxResults)
}

// checkFilter refuses a filter that sets both of its members.
func checkFilter(f *orgapi.HandshakeFilter) error {
	if f != nil && f.ActionType != nil && f.ParentHandshakeId != nil {
		return orgapi.InvalidInput(orgapi.InvalidInputExceptionReasonMaxLimitExceededFilter, msgOneFilter)
	}
	return nil
}

// filterScope is the part of a page token's scope that a filter makes.
func filterScope(f *orgapi.HandshakeFilter) string {
	if f == nil {
		return ""
	}
	return fmt.Sprintf("%s/%s", deref(f.ActionType), deref(f.ParentHandshakeId))
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ListHandshakesForAccount lists the handshakes sent to the caller, which
// need not belong to an organization.
func (s *Service) ListHandshakesForAccount(ctx context.Context, in *orgapi.ListHandshakesForAccountRequest) (*orgapi.ListHandshakesForAccountResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkFilter(in.Filter); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := &orgapi.ListHandshakesForAccountResponse{}
	err = s.store.View(ctx, func(tx store.Tx) error {
		received, err := receivedHandshakes(tx, caller)
		if err != nil {
			return err
		}
		recs := make([]handshakeRecord, len(received))
		for i, r := range received {
			recs[i] = r.rec
		}
		scope := pagetoken.Scope("ListHandshakesForAccount", caller, filterScope(in.Filter))
		out.Handshakes, out.NextToken, err = s.listHandshakes(recs, in.Filter, now, scope, in.NextToken, in.MaxResults)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListHandshakesForOrganization lists the handshakes the caller's
// organization sent.
func (s *Service) ListHandshakesForOrganization(ctx context.Context, in *orgapi.ListHandshakesForOrganizationRequest) (*orgapi.ListHandshakesForOrganizationResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := &orgapi.ListHandshakesForOrganizationResponse{}
	err = s.store.View(ctx, func(tx store.Tx) error {
		org, err := requireReader(tx, caller)
		if err != nil {
			return err
		}
		if err := checkFilter(in.Filter); err != nil {
			return err
		}
		recs, err := store.ListJSON[handshakeRecord](tx, orgNamespace(org.ID), kindHandshake)
		if err != nil {
			return err
		}
		scope := pagetoken.Scope("ListHandshakesForOrganization", caller, org.ID, filterScope(in.Filter))
		out.Handshakes, out.NextToken, err = s.listHandshakes(recs, in.Filter, now, scope, in.NextToken, in.MaxResults)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// party is how the caller stands to a handshake.
type party int

const (
	// recipient: the account the handshake was sent to.
	recipient party = iota
	// sender: the management account of the organization that sent it.
	sender
	// bystander: another account of the sending organization.
	bystander
)

// findHandshake returns a handshake the caller is a party to, the
// organization that sent it, and how the caller stands to it. Handshakes
// the caller has nothing to do with do not exist as far as it can tell.
func findHandshake(tx store.Tx, caller, id string) (handshakeRecord, string, party, error) {
	var rec handshakeRecord
	var ref receivedRecord
	err := store.GetJSON(tx, accountNamespace(caller), kindReceived, id, &ref)
	switch {
	case err == nil:
		err := store.GetJSON(tx, orgNamespace(ref.OrgID), kindHandshake, id, &rec)
		return rec, ref.OrgID, recipient, err
	case !errors.Is(err, store.ErrNotFound):
		return rec, "", 0, err
	}
	org, ok, err := orgOf(tx, caller)
	if err != nil {
		return rec, "", 0, err
	}
	if ok {
		err := store.GetJSON(tx, orgNamespace(org.ID), kindHandshake, id, &rec)
		switch {
		case err == nil && caller == org.ManagementAccountID:
			return rec, org.ID, sender, nil
		case err == nil:
			return rec, org.ID, bystander, nil
		case !errors.Is(err, store.ErrNotFound):
			return rec, "", 0, err
		}
	}
	return rec, "", 0, orgapi.HandshakeNotFound(msgHandshakeNotFound)
}

// respond moves a handshake from OPEN to state on behalf of the party that
// may, after running join (if not nil) for an acceptance.
func (s *Service) respond(ctx context.Context, id string, by party, state string, join func(tx store.Tx, caller, orgID string, now *shape.Timestamp) error) (*orgapi.Handshake, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out orgapi.Handshake
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rec, orgID, role, err := findHandshake(tx, caller, id)
		if err != nil {
			return err
		}
		if role != by {
			return orgapi.AccessDenied(msgAccessDenied)
		}
		h := current(rec.Handshake, now)
		switch *h.State {
		case state:
			return orgapi.HandshakeAlreadyInState(msgHandshakeAlreadyInState)
		case orgapi.HandshakeStateOpen:
		default:
			return orgapi.InvalidHandshakeTransition(msgInvalidTransition)
		}
		if join != nil {
			if err := join(tx, caller, orgID, shape.NewTimestamp(now)); err != nil {
				return err
			}
		}
		h.State = &state
		rec.Handshake = h
		out = h
		return store.PutJSON(tx, orgNamespace(orgID), kindHandshake, id, &rec)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AcceptHandshake accepts an invitation: the caller joins the organization.
func (s *Service) AcceptHandshake(ctx context.Context, in *orgapi.AcceptHandshakeRequest) (*orgapi.AcceptHandshakeResponse, error) {
	h, err := s.respond(ctx, *in.HandshakeId, recipient, orgapi.HandshakeStateAccepted, joinInvited)
	if err != nil {
		return nil, err
	}
	return &orgapi.AcceptHandshakeResponse{Handshake: h}, nil
}

// joinInvited makes an invited account a member of the organization.
func joinInvited(tx store.Tx, caller, orgID string, now *shape.Timestamp) error {
	a, err := loadAccount(tx, caller)
	if err != nil {
		return err
	}
	if a.OrgID != "" {
		return orgapi.HandshakeConstraintViolation(orgapi.HandshakeConstraintViolationExceptionReasonAlreadyInAnOrganization, msgAlreadyInAnOrganization)
	}
	m := memberRecord{ID: caller, JoinedMethod: orgapi.AccountJoinedMethodInvited, JoinedTimestamp: *now}
	if err := store.PutJSON(tx, orgNamespace(orgID), kindMember, caller, &m); err != nil {
		return err
	}
	a.OrgID = orgID
	return putAccount(tx, caller, a)
}

// DeclineHandshake declines an invitation sent to the caller.
func (s *Service) DeclineHandshake(ctx context.Context, in *orgapi.DeclineHandshakeRequest) (*orgapi.DeclineHandshakeResponse, error) {
	h, err := s.respond(ctx, *in.HandshakeId, recipient, orgapi.HandshakeStateDeclined, nil)
	if err != nil {
		return nil, err
	}
	return &orgapi.DeclineHandshakeResponse{Handshake: h}, nil
}

// CancelHandshake cancels a handshake the caller's organization sent.
func (s *Service) CancelHandshake(ctx context.Context, in *orgapi.CancelHandshakeRequest) (*orgapi.CancelHandshakeResponse, error) {
	h, err := s.respond(ctx, *in.HandshakeId, sender, orgapi.HandshakeStateCanceled, nil)
	if err != nil {
		return nil, err
	}
	return &orgapi.CancelHandshakeResponse{Handshake: h}, nil
}
