// Package console serves Starling's read-only web console at /console: the
// aggregators of the signed-in account and region, their sources, resource
// counts, compliance, inventory and advanced query.
//
// The console holds no data of its own. Every page is answered by the same
// operation handlers the API serves (configservice.Operations), called as
// the signed-in account and region, so it validates as the API validates
// and never shows more than the API would show that account: which sources
// an aggregator may read is decided in one place, configservice's
// walkSources, for both. Pages are rendered on the server with
// html/template; a little script draws the charts (Chart.js, embedded) and
// marks a query's error. Every list is one page of its API, never
// everything at once.
package console

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/configservice"
	"github.com/starlingcfg/starling/internal/credentials"
	"github.com/starlingcfg/starling/internal/identity"
)

// Prefix is the path the console is served under.
const Prefix = "/console"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Options configure a Console.
type Options struct {
	// Operations are the AWS Config operation handlers, by name
	// (configservice.Operations): what every page reads through.
	Operations map[string]shape.Handler
	// Service answers what the console shows beyond the API: a resource's
	// history as an aggregator reads it.
	Service *configservice.Service
	// Credentials are the principals of --auth verify: when set, signing
	// in takes an access key id and its secret, and the session acts as
	// the principal's account. When nil (--auth accept), signing in picks
	// any account id, as a 12-digit access key does on the API.
	Credentials *credentials.Set
	// Resolver maps a non-numeric access key to the default account.
	Resolver identity.Resolver
	// Regions are offered at sign-in.
	Regions []string
	// SessionTTL is how long a session lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logger logs failures the pages answer with 500 (nil: discarded).
	Logger *slog.Logger
}

// Console is the console's HTTP handler.
type Console struct {
	ops      map[string]shape.Handler
	svc      *configservice.Service
	creds    *credentials.Set
	resolver identity.Resolver
	regions  []string
	sessions *sessions
	now      func() time.Time
	log      *slog.Logger
	pages    map[string]*template.Template
	mux      *http.ServeMux
	assets   http.Handler
}

// New returns the console of opts.
func New(opts Options) (*Console, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	ss, err := newSessions(opts.SessionTTL, opts.Now)
	if err != nil {
		return nil, err
	}
	c := &Console{
		ops: opts.Operations, svc: opts.Service, creds: opts.Credentials, resolver: opts.Resolver,
		regions: opts.Regions, sessions: ss, now: opts.Now, log: opts.Logger,
	}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		return nil, err
	}
	c.assets = http.StripPrefix(Prefix+"/assets/", http.FileServerFS(sub))
	c.routes()
	return c, nil
}

// routes registers the pages.
func (c *Console) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+Prefix+"/assets/", c.serveAsset)
	m.HandleFunc("GET "+Prefix+"/signin", c.signinForm)
	m.HandleFunc("POST "+Prefix+"/signin", c.signin)
	m.HandleFunc("POST "+Prefix+"/signout", c.signout)
	m.HandleFunc("GET "+Prefix+"/{$}", c.signedIn(c.home))
	m.HandleFunc("GET "+Prefix+"/aggregators/{name}/{$}", c.signedIn(c.overview))
	m.HandleFunc("GET "+Prefix+"/aggregators/{name}/compliance", c.signedIn(c.compliance))
	m.HandleFunc("GET "+Prefix+"/aggregators/{name}/rule", c.signedIn(c.ruleDetails))
	m.HandleFunc("GET "+Prefix+"/aggregators/{name}/resources", c.signedIn(c.resources))
	m.HandleFunc("GET "+Prefix+"/aggregators/{name}/resource", c.signedIn(c.resource))
	m.HandleFunc("GET "+Prefix+"/aggregators/{name}/query", c.signedIn(c.query))
	m.HandleFunc("GET "+Prefix+"/aggregators/{name}/export", c.signedIn(c.export))
	m.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
	})
	c.mux = m
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The pages load nothing from elsewhere and are never framed.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

func (c *Console) serveAsset(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	c.assets.ServeHTTP(w, r)
}

// handler is a page of a signed-in session.
type handler func(w http.ResponseWriter, r *http.Request, s *session)

// signedIn runs h with the request's session, or sends the browser to the
// sign-in page.
func (c *Console) signedIn(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.sessions.from(r)
		if ok && c.creds != nil {
			// A principal removed from the credentials file since (the
			// set is the server's) no longer signs anything.
			if p, found := c.creds.Lookup(s.AccessKeyID); !found || p.AccountID != s.Account {
				ok = false
			}
		}
		if !ok {
			http.Redirect(w, r, Prefix+"/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, s)
	}
}

// call runs the API operation op as the session's account and region, with
// in as its request, and decodes its answer into out. An API error comes
// back as *apierr.Error, exactly as the API would answer it.
func (c *Console) call(ctx context.Context, s *session, op string, in, out any) error {
	h, ok := c.ops[op]
	if !ok {
		return fmt.Errorf("console: no operation %s", op)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx = identity.WithCaller(ctx, s.caller())
	res, err := h(ctx, body)
	if err != nil {
		return err
	}
	var raw []byte
	if rj, ok := res.(interface{ RawJSONBody() []byte }); ok {
		raw = rj.RawJSONBody()
	} else if raw, err = json.Marshal(res); err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// apiError returns err as the API error it is, or nil for another error.
func apiError(err error) *apierr.Error {
	var e *apierr.Error
	if errors.As(err, &e) && e.HTTPStatus() < 500 {
		return e
	}
	return nil
}

// fail answers a page whose read failed: the API's error, with its code
// and message and the API's status, or 500 for anything else.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, code, msg := http.StatusInternalServerError, "InternalFailure", "The console could not read this page."
	if e := apiError(err); e != nil {
		status, code, msg = e.HTTPStatus(), e.Code, e.Message
	} else {
		c.log.Error("console page", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	c.render(w, r, s, status, "error", &errorPage{Code: code, Message: msg})
}

// errorPage is the model of the error page.
type errorPage struct{ Code, Message string }

// page is what every template sees.
type page struct {
	Title      string
	Session    *session
	CSRF       string
	Aggregator string
	Section    string
	Data       any
}

// render writes the named page with data.
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, status int, name string, data any) {
	t, ok := c.pages[name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	p := &page{Session: s, Data: data, CSRF: c.sessions.csrf(w, r)}
	if agg := r.PathValue("name"); agg != "" {
		p.Aggregator = agg
	}
	p.Section = name
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		c.log.Error("console template", slog.String("page", name), slog.String("error", err.Error()))
		http.Error(w, "The console could not render this page.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// parseTemplates parses each page with the layout.
func (c *Console) parseTemplates() error {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	c.pages = map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return fmt.Errorf("console: template %s: %w", n, err)
		}
		c.pages[base] = t
	}
	return nil
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"time": func(t *shape.Timestamp) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"path": func(parts ...string) string {
		var b strings.Builder
		b.WriteString(Prefix)
		for _, p := range parts {
			b.WriteString("/")
			b.WriteString(url.PathEscape(p))
		}
		return b.String()
	},
	"query": func(kv ...string) template.URL {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				v.Set(kv[i], kv[i+1])
			}
		}
		return template.URL(v.Encode())
	},
	"yes": func(p *bool) bool { return p != nil && *p },
	"num": func(v any) string {
		switch n := v.(type) {
		case *int32:
			if n != nil {
				return strconv.FormatInt(int64(*n), 10)
			}
		case *int64:
			if n != nil {
				return strconv.FormatInt(*n, 10)
			}
		}
		return ""
	},
	"pad": func(column int) string {
		if column <= 1 {
			return ""
		}
		return strings.Repeat(" ", column-1)
	},
	"dict": func(kv ...any) (map[string]any, error) {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, errors.New("dict: a key is not a string")
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}
