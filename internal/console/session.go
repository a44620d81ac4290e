package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/identity"
)

// Sessions are signed cookies: the session's account, region (and, in
// verify mode, the access key it signed in with) and expiry, with an
// HMAC-SHA256 of them under a key drawn when the server starts. They are
// HttpOnly and SameSite=Strict, Secure over TLS, and end when the server
// restarts. Every form that changes state (sign-in, sign-out) carries a
// CSRF token that must equal the one in its own cookie (the
// double-submit pattern); SameSite=Strict already keeps other sites' forms
// from carrying the session.

const (
	sessionCookie = "starling_console"
	csrfCookie    = "starling_console_csrf"
	csrfField     = "csrf"
)

// session is a signed-in account and region.
type session struct {
	Account     string `json:"a"`
	Region      string `json:"r"`
	AccessKeyID string `json:"k,omitempty"`
	Expires     int64  `json:"e"`
}

// caller is the identity the session's reads run as.
func (s *session) caller() identity.Caller {
	return identity.Caller{AccountID: s.Account, Region: s.Region, AccessKeyID: s.AccessKeyID}
}

// sessions signs and checks session cookies.
type sessions struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) (*sessions, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &sessions{key: key, ttl: ttl, now: now}, nil
}

func (ss *sessions) mac(payload string) []byte {
	m := hmac.New(sha256.New, ss.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// encode returns the cookie value of s.
func (ss *sessions) encode(s *session) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(ss.mac(payload)), nil
}

// decode returns the session of a cookie value, if it is signed, well
// formed and not expired.
func (ss *sessions) decode(v string) (*session, bool) {
	payload, sig, ok := strings.Cut(v, ".")
	if !ok {
		return nil, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, ss.mac(payload)) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, false
	}
	var s session
	if err := json.Unmarshal(b, &s); err != nil || s.Account == "" || s.Region == "" {
		return nil, false
	}
	if ss.now().Unix() >= s.Expires {
		return nil, false
	}
	return &s, true
}

// from returns the request's session.
func (ss *sessions) from(r *http.Request) (*session, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	return ss.decode(ck.Value)
}

// start sets the session cookie of s.
func (ss *sessions) start(w http.ResponseWriter, r *http.Request, s *session) error {
	s.Expires = ss.now().Add(ss.ttl).Unix()
	v, err := ss.encode(s)
	if err != nil {
		return err
	}
	http.SetCookie(w, ss.cookie(r, sessionCookie, v, int(ss.ttl/time.Second)))
	return nil
}

// end clears the session cookie.
func (ss *sessions) end(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, ss.cookie(r, sessionCookie, "", -1))
}

func (ss *sessions) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	}
}

// csrf returns the request's CSRF token, setting its cookie when the
// request has none.
func (ss *sessions) csrf(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, ss.cookie(r, csrfCookie, tok, 0))
	// The cookie reaches the next request; this one's later reads see it
	// too.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
	return tok
}

// checkCSRF reports whether the posted form carries the token of the
// request's CSRF cookie.
func checkCSRF(r *http.Request) bool {
	ck, err := r.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue(csrfField))) == 1
}
