package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/credentials"
	"github.com/starlingcfg/starling/internal/identity"
)

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// newTestConsole returns a console whose only operation,
// DescribeConfigurationAggregators, answers one aggregator named after the
// caller's account and region: what a page shows says who it read as.
func newTestConsole(t *testing.T, creds *credentials.Set, clk *fakeClock) *Console {
	t.Helper()
	ops := map[string]shape.Handler{
		"DescribeConfigurationAggregators": func(ctx context.Context, _ []byte) (any, error) {
			c, ok := identity.CallerFrom(ctx)
			if !ok {
				return nil, fmt.Errorf("no caller")
			}
			name := "agg-of-" + c.AccountID + "-" + c.Region
			return &configapi.DescribeConfigurationAggregatorsResponse{
				ConfigurationAggregators: []configapi.ConfigurationAggregator{{ConfigurationAggregatorName: &name}},
			}, nil
		},
	}
	c, err := New(Options{Operations: ops, Credentials: creds, Resolver: identity.Resolver{DefaultAccountID: "000000000000"},
		Regions: []string{"us-east-1", "eu-west-1"}, Now: clk.now, SessionTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is a cookie-keeping client of a console.
type browser struct {
	t   *testing.T
	h   http.Handler
	jar map[string]*http.Cookie
}

func (b *browser) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.jar {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	return w
}

// csrf fetches the sign-in form and returns its token.
func (b *browser) csrf() string {
	b.t.Helper()
	b.do("GET", "/console/signin", nil)
	c := b.jar[csrfCookie]
	if c == nil {
		b.t.Fatal("the sign-in form set no CSRF cookie")
	}
	return c.Value
}

func TestSignInAccept(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	b := &browser{t: t, h: newTestConsole(t, nil, clk), jar: map[string]*http.Cookie{}}
	if w := b.do("GET", "/console/", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/signin?next=%2Fconsole%2F" {
		t.Fatalf("signed out: %d %s", w.Code, w.Header().Get("Location"))
	}
	tok := b.csrf()
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"no token", url.Values{"account": {"111111111111"}, "region": {"us-east-1"}}, 403, "The form expired"},
		{"another token", url.Values{"csrf": {strings.Repeat("x", 43)}, "account": {"111111111111"}, "region": {"us-east-1"}}, 403, "The form expired"},
		{"bad account", url.Values{"csrf": {tok}, "account": {"1111"}, "region": {"us-east-1"}}, 400, "An account id is 12 digits."},
		{"bad region", url.Values{"csrf": {tok}, "account": {"111111111111"}, "region": {"Mars"}}, 400, "Choose a region"},
	} {
		w := b.do("POST", "/console/signin", tc.form)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) || b.jar[sessionCookie] != nil {
			t.Errorf("%s: %d, session %v; want %d with %q", tc.name, w.Code, b.jar[sessionCookie] != nil, tc.status, tc.want)
		}
	}
	w := b.do("POST", "/console/signin", url.Values{"csrf": {tok}, "account": {"111111111111"}, "region": {"eu-west-1"},
		"next": {"https://evil.example/"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/" {
		t.Fatalf("sign-in = %d to %q; want 303 to /console/ (never elsewhere)", w.Code, w.Header().Get("Location"))
	}
	ck := b.jar[sessionCookie]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console" {
		t.Errorf("session cookie %+v; want HttpOnly, SameSite=Strict, Path=/console", ck)
	}
	if body := b.do("GET", "/console/", nil).Body.String(); !strings.Contains(body, "agg-of-111111111111-eu-west-1") {
		t.Errorf("the home page did not read as 111111111111 in eu-west-1:\n%s", body)
	}

	// A tampered session is no session.
	good := ck.Value
	b.jar[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: strings.Replace(good, good[:4], "eyJh", 1) + "x"}
	if w := b.do("GET", "/console/", nil); w.Code != http.StatusSeeOther {
		t.Errorf("tampered session: %d; want a redirect to sign-in", w.Code)
	}
	// Nor is an expired one.
	b.jar[sessionCookie] = ck
	clk.t = clk.t.Add(2 * time.Hour)
	if w := b.do("GET", "/console/", nil); w.Code != http.StatusSeeOther {
		t.Errorf("expired session: %d; want a redirect to sign-in", w.Code)
	}
}

func TestSignInVerify(t *testing.T) {
	creds, err := credentials.Parse(strings.NewReader("[p]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = s3cret\naws_account_id = 222222222222\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	b := &browser{t: t, h: newTestConsole(t, creds, clk), jar: map[string]*http.Cookie{}}
	tok := b.csrf()
	for _, tc := range []struct {
		key, secret string
		status      int
	}{
		{"AKIAEXAMPLE000000001", "wrong", 401},
		{"AKIAEXAMPLE000000002", "s3cret", 401},
		{"AKIAEXAMPLE000000001", "s3cret", 303},
	} {
		w := b.do("POST", "/console/signin", url.Values{"csrf": {tok}, "accessKeyId": {tc.key}, "secretAccessKey": {tc.secret}, "region": {"us-east-1"}})
		if w.Code != tc.status {
			t.Errorf("sign in as %s/%s: %d; want %d", tc.key, tc.secret, w.Code, tc.status)
		}
	}
	if body := b.do("GET", "/console/", nil).Body.String(); !strings.Contains(body, "agg-of-222222222222-us-east-1") {
		t.Errorf("the home page did not read as the principal's account:\n%s", body)
	}
	// Sign-out needs the token too.
	if w := b.do("POST", "/console/signout", url.Values{"csrf": {"nope"}}); w.Code != http.StatusForbidden || b.jar[sessionCookie] == nil {
		t.Errorf("sign-out without the token: %d; want 403 and the session kept", w.Code)
	}
	if w := b.do("POST", "/console/signout", url.Values{"csrf": {tok}}); w.Code != http.StatusSeeOther || b.jar[sessionCookie] != nil {
		t.Errorf("sign-out: %d; want 303 and no session", w.Code)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "/console/",
		"/console/aggregators/a/":   "/console/aggregators/a/",
		"/consolex":                 "/console/",
		"//evil.example/console/":   "/console/",
		"https://evil.example/":     "/console/",
		"/console/\\evil":           "/console/",
		"/console/x\r\nSet-Cookie:": "/console/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestDiffItems(t *testing.T) {
	item := func(status, conf string, tags map[string]string) *configapi.ConfigurationItem {
		return &configapi.ConfigurationItem{ConfigurationItemStatus: &status, Configuration: &conf, Tags: tags}
	}
	for _, tc := range []struct {
		name string
		a, b *configapi.ConfigurationItem
		want string
	}{
		{"same", item("OK", `{"a":1}`, nil), item("OK", `{"a":1}`, nil), "[]"},
		{"changed", item("OK", `{"a":1,"b":"x"}`, nil), item("OK", `{"a":2,"b":"x"}`, nil), "[configuration.a changed 1→2]"},
		{"added and removed", item("OK", `{"a":[1]}`, nil), item("OK", `{"a":[1,2],"c":null}`, nil),
			"[configuration.a[1] added →2 configuration.c added →null]"},
		{"emptied", item("OK", `{"a":{"x":true}}`, nil), item("OK", `{"a":{}}`, nil),
			"[configuration.a added →{} configuration.a.x removed true→]"},
		{"status and tags", item("ResourceDiscovered", `{}`, map[string]string{"k": "v"}), item("OK", `{}`, map[string]string{"k": "w"}),
			"[configurationItemStatus changed ResourceDiscovered→OK tags.k changed v→w]"},
		{"not JSON", item("OK", `plain`, nil), item("OK", `other`, nil), `[configuration changed "plain"→"other"]`},
	} {
		var got []string
		for _, c := range diffItems(tc.a, tc.b) {
			got = append(got, c.Path+" "+c.Kind+" "+c.Before+"→"+c.After)
		}
		if fmt.Sprint(got) != tc.want && !(got == nil && tc.want == "[]") {
			t.Errorf("%s: %v; want %s", tc.name, got, tc.want)
		}
	}
}

func TestRow(t *testing.T) {
	for _, tc := range []struct {
		fields []string
		result string
		want   string
	}{
		{[]string{"resourceId", "configuration.instanceType"}, `{"resourceId":"i-1","configuration":{"instanceType":"t3.micro"}}`, "[i-1 t3.micro]"},
		{[]string{"resourceType", "COUNT(*)"}, `{"resourceType":"AWS::S3::Bucket","COUNT(*)":12}`, "[AWS::S3::Bucket 12]"},
		{[]string{"tags", "missing"}, `{"tags":[{"key":"a","value":"b"}]}`, `[[{"key":"a","value":"b"}] ]`},
		{[]string{"x"}, `not json`, "[not json]"},
	} {
		if got := fmt.Sprint(row(tc.fields, tc.result)); got != tc.want {
			t.Errorf("row(%v, %s) = %s; want %s", tc.fields, tc.result, got, tc.want)
		}
	}
}

func TestHeadersAndAssets(t *testing.T) {
	c := newTestConsole(t, nil, &fakeClock{t: time.Unix(1_800_000_000, 0)})
	for path, wantType := range map[string]string{
		"/console/assets/console.js":               "text/javascript",
		"/console/assets/vendor/chart.umd.min.js":  "text/javascript",
		"/console/assets/console.css":              "text/css",
		"/console/signin":                          "text/html",
		"/console/assets/../templates/layout.html": "",
	} {
		w := httptest.NewRecorder()
		c.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		ct := w.Header().Get("Content-Type")
		switch {
		case wantType == "" && w.Code == http.StatusOK && strings.Contains(w.Body.String(), "{{define"):
			t.Errorf("%s served a template", path)
		case wantType != "" && (w.Code != 200 || !strings.HasPrefix(ct, wantType)):
			t.Errorf("%s: %d %s; want 200 %s", path, w.Code, ct, wantType)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}

func TestStateOf(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		status, code, want string
	}{
		{"SUCCEEDED", "", "readable"},
		{"FAILED", "AUTHORIZATION_PENDING", "pending"},
		{"FAILED", "AUTHORIZATION_NOT_FOUND", "failed"},
		{"FAILED", "CONFIG_RECORDER_STOPPED", "failed"},
		{"OUTDATED", "", "failed"},
	} {
		st := &configapi.AggregatedSourceStatus{LastUpdateStatus: s(tc.status)}
		if tc.code != "" {
			st.LastErrorCode = s(tc.code)
		}
		if got := stateOf(st); got != tc.want {
			t.Errorf("stateOf(%s, %s) = %s; want %s", tc.status, tc.code, got, tc.want)
		}
	}
}
