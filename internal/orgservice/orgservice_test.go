package orgservice

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/randid"
	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

func TestIDsAndARNs(t *testing.T) {
	s := New(Options{})
	tests := []struct {
		name    string
		gen     func() (string, error)
		pattern string
	}{
		{"organization", func() (string, error) { return s.newID("o-", orgIDLen) }, `^o-[a-z0-9]{10}$`},
		{"root", func() (string, error) { return s.newID("r-", rootIDLen) }, `^r-[a-z0-9]{4}$`},
		{"handshake", func() (string, error) { return s.newID("h-", handshakeIDLen) }, `^h-[a-z0-9]{32}$`},
		{"create account request", func() (string, error) { return s.newID("car-", requestIDLen) }, `^car-[a-z0-9]{32}$`},
		{"account", func() (string, error) { return randid.String(s.random, randid.Digits, 12) }, `^\d{12}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re := regexp.MustCompile(tt.pattern)
			seen := map[string]bool{}
			for range 50 {
				id, err := tt.gen()
				if err != nil || !re.MatchString(id) {
					t.Fatalf("id %q, %v; want %s", id, err, tt.pattern)
				}
				seen[id] = true
			}
			if len(seen) < 45 {
				t.Errorf("%d distinct ids of 50", len(seen))
			}
		})
	}

	arns := []struct{ got, want string }{
		{organizationARN("111111111111", "o-abcdefghij"), "arn:aws:organizations::111111111111:organization/o-abcdefghij"},
		{accountARN("111111111111", "o-abcdefghij", "222222222222"), "arn:aws:organizations::111111111111:account/o-abcdefghij/222222222222"},
		{handshakeARN("111111111111", "o-abcdefghij", orgapi.ActionTypeInvite, "h-abc"), "arn:aws:organizations::111111111111:handshake/o-abcdefghij/invite/h-abc"},
		{handshakeARN("111111111111", "o-abcdefghij", orgapi.ActionTypeEnableAllFeatures, "h-abc"), "arn:aws:organizations::111111111111:handshake/o-abcdefghij/enable_all_features/h-abc"},
	}
	for _, a := range arns {
		if a.got != a.want {
			t.Errorf("ARN %s; want %s", a.got, a.want)
		}
	}
}

func TestRandomStringIsUnbiased(t *testing.T) {
	// Bytes 250..255 would favour 0..5 among digits: they are skipped.
	r := bytes.NewReader(append(bytes.Repeat([]byte{255}, 24), bytes.Repeat([]byte{13}, 24)...))
	got, err := randid.String(r, randid.Digits, 12)
	if err != nil || got != "333333333333" {
		t.Errorf("randomString = %q, %v; want 333333333333", got, err)
	}
}

func TestInvalidInput(t *testing.T) {
	tests := []struct {
		path   string
		kind   shape.Constraint
		reason string
		msg    string
	}{
		{"accountId", shape.Pattern, "INVALID_PATTERN", "You provided a value that does not match the required pattern."},
		{"accountId", shape.Required, "INPUT_REQUIRED", "You must include a value for all required parameters."},
		{"accountName", shape.MaxLength, "MAX_LENGTH_EXCEEDED", "You provided a string parameter that is longer than allowed."},
		{"email", shape.MinLength, "MIN_LENGTH_EXCEEDED", "You provided a string parameter that is shorter than allowed."},
		{"maxResults", shape.MaxValue, "MAX_VALUE_EXCEEDED", "You provided a numeric parameter that has a larger value than allowed."},
		{"maxResults", shape.MinValue, "MIN_VALUE_EXCEEDED", "You provided a numeric parameter that has a smaller value than allowed."},
		{"featureSet", shape.Enum, "INVALID_ENUM", "You specified an invalid value."},
		{"tags", shape.MaxSize, "MAX_LENGTH_EXCEEDED", "You provided a list parameter that has more elements than allowed."},
		{"tags", shape.MinSize, "MIN_LENGTH_EXCEEDED", "You provided a list parameter that has fewer elements than allowed."},
		{"states.1.member", shape.Enum, "INVALID_LIST_MEMBER", "You provided a list to a parameter that contains at least one invalid value."},
		{"tags.2.member.key", shape.Pattern, "INVALID_PATTERN", "You provided a value that does not match the required pattern."},
		{"tags.2.member.key", shape.Required, "INPUT_REQUIRED", "You must include a value for all required parameters."},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+string(tt.kind), func(t *testing.T) {
			e := invalidInput(shape.Violation{Path: tt.path, Constraint: tt.kind, Text: "…"})
			if e.Code != "InvalidInputException" || e.Fields["Reason"] != tt.reason || e.Message != tt.msg || !e.CapitalMessage {
				t.Errorf("got %s %v %q; want InvalidInputException %s %q", e.Code, e.Fields, e.Message, tt.reason, tt.msg)
			}
		})
	}
}

func TestOperationsAnswerInvalidInput(t *testing.T) {
	ops := Operations(New(Options{}))
	ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "111111111111"})
	tests := []struct {
		op, body, code, reason string
	}{
		// Two violations: the first decides.
		{"RegisterDelegatedAdministrator", `{"AccountId":"1","ServicePrincipal":"` + strings.Repeat("s", 129) + `"}`, "InvalidInputException", "INVALID_PATTERN"},
		{"RegisterDelegatedAdministrator", `{}`, "InvalidInputException", "INPUT_REQUIRED"},
		{"ListAccounts", `{"MaxResults":50}`, "InvalidInputException", "MAX_VALUE_EXCEEDED"},
		// Other errors pass unchanged.
		{"ListAccounts", `{"MaxResults":"x"}`, "SerializationException", ""},
		{"ListRoots", `{}`, "NotImplementedException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.op+tt.body, func(t *testing.T) {
			_, err := ops[tt.op](ctx, []byte(tt.body))
			var e *apierr.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Fields["Reason"] != tt.reason {
				t.Fatalf("error %v; want %s %s", err, tt.code, tt.reason)
			}
			if tt.code == "InvalidInputException" {
				var vs shape.Violations
				if !errors.As(e, &vs) || len(vs) == 0 {
					t.Errorf("the violations are not kept as the cause: %#v", e.Err)
				}
			}
		})
	}
}

func TestCheckPrincipal(t *testing.T) {
	for p, ok := range map[string]bool{
		"config.amazonaws.com":                   true,
		"config-multiaccountsetup.amazonaws.com": true,
		"storage-lens.s3.amazonaws.com":          true,
		".amazonaws.com":                         false,
		"config":                                 false,
		"config.amazonaws.com.cn":                false,
		"config.example.com":                     false,
	} {
		if err := checkPrincipal(p); (err == nil) != ok {
			t.Errorf("checkPrincipal(%q) = %v; want ok %v", p, err, ok)
		}
	}
}

func TestCurrentExpires(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := orgapi.Handshake{State: ptr(orgapi.HandshakeStateOpen), ExpirationTimestamp: shape.NewTimestamp(t0.Add(handshakeLifetime))}
	if got := *current(h, t0.Add(handshakeLifetime-time.Millisecond)).State; got != orgapi.HandshakeStateOpen {
		t.Errorf("just before expiry: %s", got)
	}
	if got := *current(h, t0.Add(handshakeLifetime)).State; got != orgapi.HandshakeStateExpired {
		t.Errorf("at expiry: %s", got)
	}
	h.State = ptr(orgapi.HandshakeStateAccepted)
	if got := *current(h, t0.Add(2*handshakeLifetime)).State; got != orgapi.HandshakeStateAccepted {
		t.Errorf("an answered handshake expired: %s", got)
	}
}

func TestPaginate(t *testing.T) {
	s := New(Options{Tokens: pagetoken.NewCodec(bytes.Repeat([]byte("k"), 32))})
	items := []string{"a", "b", "c", "d", "e"}
	id := func(x string) string { return x }
	var got []string
	var token *string
	for {
		page, next, err := paginate(s, items, id, "scope", token, ptr(int32(2)))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join(page, ""))
		if next == nil {
			break
		}
		token = next
	}
	if strings.Join(got, "|") != "ab|cd|e" {
		t.Errorf("pages %v", got)
	}
	if page, next, _ := paginate(s, items, id, "scope", nil, nil); len(page) != 5 || next != nil {
		t.Errorf("default page = %v, %v", page, next)
	}
	_, _, err := paginate(s, items, id, "other scope", token, nil)
	var e *apierr.Error
	if !errors.As(err, &e) || e.Fields["Reason"] != "INVALID_NEXT_TOKEN" {
		t.Errorf("token of another scope: %v", err)
	}
}

// newTestService returns a Service over a fresh SQLite store.
func newTestService(t *testing.T, random []byte) (*Service, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts := Options{Store: st, Tokens: pagetoken.NewCodec(bytes.Repeat([]byte("k"), 32)), Clock: clock.NewFake(time.Unix(1e9, 0))}
	if random != nil {
		opts.Random = bytes.NewReader(random)
	}
	return New(opts), st
}

func as(account string) context.Context {
	return identity.WithCaller(context.Background(), identity.Caller{AccountID: account, Region: "us-east-1"})
}

// TestConfigContract checks the configservice.Organizations methods against
// what the API does.
func TestConfigContract(t *testing.T) {
	s, st := newTestService(t, nil)
	const mgmt, member, outsider = "111111111111", "222222222222", "999999999999"
	view := func(fn func(tx store.Tx) error) {
		t.Helper()
		if err := st.View(context.Background(), fn); err != nil {
			t.Fatal(err)
		}
	}

	view(func(tx store.Tx) error {
		if _, ok, err := s.OrganizationOf(tx, mgmt); ok || err != nil {
			t.Errorf("OrganizationOf before any organization = %v, %v", ok, err)
		}
		return nil
	})
	org, err := s.CreateOrganization(as(mgmt), &orgapi.CreateOrganizationRequest{FeatureSet: ptr(orgapi.OrganizationFeatureSetConsolidatedBilling)})
	if err != nil {
		t.Fatal(err)
	}
	orgID := *org.Organization.Id
	h, err := s.InviteAccountToOrganization(as(mgmt), &orgapi.InviteAccountToOrganizationRequest{
		Target: &orgapi.HandshakeParty{Id: ptr(member), Type: ptr(orgapi.HandshakePartyTypeAccount)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptHandshake(as(member), &orgapi.AcceptHandshakeRequest{HandshakeId: h.Handshake.Id}); err != nil {
		t.Fatal(err)
	}

	view(func(tx store.Tx) error {
		for _, acct := range []string{mgmt, member} {
			o, ok, err := s.OrganizationOf(tx, acct)
			if !ok || err != nil || o.ID != orgID || o.ManagementAccountID != mgmt || o.AllFeatures {
				t.Errorf("OrganizationOf(%s) = %+v, %v, %v", acct, o, ok, err)
			}
		}
		if _, ok, _ := s.OrganizationOf(tx, outsider); ok {
			t.Errorf("an outsider has an organization")
		}
		ids, err := s.MemberAccounts(tx, orgID)
		if err != nil || strings.Join(ids, ",") != mgmt+","+member {
			t.Errorf("MemberAccounts = %v, %v", ids, err)
		}
		return nil
	})

	if _, err := s.EnableAllFeatures(as(mgmt), &orgapi.EnableAllFeaturesRequest{}); err != nil {
		t.Fatal(err)
	}
	enabledAt := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	err = st.Update(context.Background(), func(tx store.Tx) error {
		if on, err := s.ServiceAccessEnabled(tx, orgID, "config.amazonaws.com"); on || err != nil {
			t.Errorf("ServiceAccessEnabled before = %v, %v", on, err)
		}
		for range 2 {
			if err := s.EnableServiceAccess(tx, orgID, "config.amazonaws.com", enabledAt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	access, err := s.ListAWSServiceAccessForOrganization(as(mgmt), &orgapi.ListAWSServiceAccessForOrganizationRequest{})
	if err != nil || len(access.EnabledServicePrincipals) != 1 || !access.EnabledServicePrincipals[0].DateEnabled.Equal(enabledAt) {
		t.Fatalf("after EnableServiceAccess: %+v, %v", access, err)
	}
	if _, err := s.RegisterDelegatedAdministrator(as(mgmt), &orgapi.RegisterDelegatedAdministratorRequest{
		AccountId: ptr(member), ServicePrincipal: ptr("config.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	view(func(tx store.Tx) error {
		o, _, _ := s.OrganizationOf(tx, member)
		if !o.AllFeatures {
			t.Errorf("AllFeatures false after EnableAllFeatures")
		}
		for _, c := range []struct {
			acct, principal string
			want            bool
		}{{member, "config.amazonaws.com", true}, {member, "guardduty.amazonaws.com", false}, {mgmt, "config.amazonaws.com", false}} {
			if got, err := s.IsDelegatedAdministrator(tx, orgID, c.acct, c.principal); got != c.want || err != nil {
				t.Errorf("IsDelegatedAdministrator(%s, %s) = %v, %v", c.acct, c.principal, got, err)
			}
		}
		if on, err := s.ServiceAccessEnabled(tx, orgID, "config.amazonaws.com"); !on || err != nil {
			t.Errorf("ServiceAccessEnabled after = %v, %v", on, err)
		}
		return nil
	})
}

// TestFreshAccountID checks that a new account never gets the id of an
// account Organizations has seen.
func TestFreshAccountID(t *testing.T) {
	random := append(bytes.Repeat([]byte{1}, 24), bytes.Repeat([]byte{2}, 24)...)
	s, st := newTestService(t, random)
	err := st.Update(context.Background(), func(tx store.Tx) error {
		if err := putAccount(tx, "111111111111", accountRecord{}); err != nil {
			return err
		}
		id, err := s.freshAccountID(tx)
		if err != nil || id != "222222222222" {
			t.Errorf("freshAccountID = %s, %v; want 222222222222", id, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
