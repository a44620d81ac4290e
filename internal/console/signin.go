package console

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/identity"
)

// Signing in. In the default accept mode, where the API takes a 12-digit
// access key as the account, the console asks for an account id and a
// region: the same trust, in a form. In verify mode it asks for an access
// key id and its secret, as the API's signatures prove them, and the
// session acts as that principal's account.

// signinPage is the model of the sign-in page.
type signinPage struct {
	Verify         bool
	Regions        []string
	Account        string
	Region         string
	AccessKeyID    string
	Next           string
	Error          string
	DefaultAccount string
}

// safeNext returns next if it is a console path, else the console's home:
// sign-in never sends the browser elsewhere.
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix+"/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return Prefix + "/"
}

func (c *Console) signinModel(r *http.Request) *signinPage {
	region := "us-east-1"
	if len(c.regions) > 0 && !slices.Contains(c.regions, region) {
		region = c.regions[0]
	}
	return &signinPage{
		Verify: c.creds != nil, Regions: c.regions, Region: region,
		Account: c.resolver.DefaultAccountID, DefaultAccount: c.resolver.DefaultAccountID,
		Next: safeNext(r.FormValue("next")),
	}
}

func (c *Console) signinForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, nil, http.StatusOK, "signin", c.signinModel(r))
}

func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	m := c.signinModel(r)
	if !checkCSRF(r) {
		m.Error = "The form expired. Please sign in again."
		c.render(w, r, nil, http.StatusForbidden, "signin", m)
		return
	}
	m.Region = strings.TrimSpace(r.PostFormValue("region"))
	if !identity.IsRegion(m.Region) {
		m.Error = "Choose a region, such as us-east-1."
		c.render(w, r, nil, http.StatusBadRequest, "signin", m)
		return
	}
	s := &session{Region: m.Region}
	if c.creds != nil {
		m.AccessKeyID = strings.TrimSpace(r.PostFormValue("accessKeyId"))
		p, ok := c.creds.Lookup(m.AccessKeyID)
		secret := r.PostFormValue("secretAccessKey")
		if !ok || subtle.ConstantTimeCompare([]byte(p.SecretAccessKey), []byte(secret)) != 1 {
			m.Error = "The access key id or the secret access key is not valid."
			c.render(w, r, nil, http.StatusUnauthorized, "signin", m)
			return
		}
		s.Account, s.AccessKeyID = p.AccountID, p.AccessKeyID
	} else {
		m.Account = strings.TrimSpace(r.PostFormValue("account"))
		if !identity.IsAccountID(m.Account) {
			m.Error = "An account id is 12 digits."
			c.render(w, r, nil, http.StatusBadRequest, "signin", m)
			return
		}
		s.Account = m.Account
	}
	if err := c.sessions.start(w, r, s); err != nil {
		c.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, m.Next, http.StatusSeeOther)
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if !checkCSRF(r) {
		c.render(w, r, nil, http.StatusForbidden, "error", &errorPage{Code: "Forbidden", Message: "The form expired. Reload the page and try again."})
		return
	}
	c.sessions.end(w, r)
	http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
}
