// Package server is Starling's HTTP front end. It routes awsJson1_1 requests
// by X-Amz-Target to the operation tables of the services it serves, has its
// Authenticator decide who the caller is, and adds what every request
// gets: a request id, panic recovery, a body limit, one access-log line and
// Prometheus metrics. It also serves the operator endpoints: health, metrics,
// reset and backup; the last two, which change or expose all state, answer
// only requests that no web page can have sent (see refuseOperator).
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/awsjson"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/sigv4"
	"github.com/starlingcfg/starling/internal/store"
)

// API is one AWS service served on the endpoint.
type API struct {
	// Name labels the service in logs and metrics, for example "config".
	Name string
	// TargetPrefix is the X-Amz-Target prefix, for example "StarlingDoveService".
	TargetPrefix string
	// SigningName is the service name clients sign its requests with, the
	// SigV4 credential scope's, for example "config"; empty means Name.
	SigningName string
	// Operations maps operation names to handlers.
	Operations map[string]shape.Handler
}

// QueryHandler runs one action of a query-protocol API on the decoded form
// and returns the result to marshal as XML.
type QueryHandler func(ctx context.Context, form url.Values) (any, error)

// QueryAPI is a service served on the AWS query protocol (form-encoded POST,
// XML responses), such as STS.
type QueryAPI struct {
	// Name labels the service in logs and metrics and is the SigV4 signing
	// name that routes requests to it, for example "sts".
	Name string
	// Namespace is the XML namespace of its responses.
	Namespace string
	// Actions maps Action names to handlers.
	Actions map[string]QueryHandler
}

// Options configure a Server.
type Options struct {
	// APIs are the services served, routed by their target prefixes.
	APIs []API
	// QueryAPIs are the query-protocol services served; a form-encoded POST
	// goes to the one named by its credential scope, or to the first.
	QueryAPIs []QueryAPI
	// Resolver maps access keys to accounts when Authenticator is nil.
	Resolver identity.Resolver
	// Authenticator decides who sent each API request; nil is
	// sigv4.Accept{Resolver: Resolver}, which checks no signature.
	Authenticator Authenticator
	// MaxBodyBytes caps request bodies; larger ones are refused with 413.
	MaxBodyBytes int64
	// Reset wipes all state; nil disables the reset endpoints.
	Reset func(context.Context) error
	// Backup writes a consistent copy of the named database
	// (BackupDatabaseStarling or BackupDatabaseInventory) to w; nil
	// disables the backup endpoint. An error after its first write aborts
	// the response, so that the client sees a broken transfer.
	Backup func(ctx context.Context, database string, w io.Writer) error
	// AllowedHosts are the host names, besides IP addresses, localhost and
	// *.localhost, that the Host header of a request to the reset and
	// backup endpoints may name, such as a docker-compose service name;
	// "*" allows any. Compared without case and port.
	AllowedHosts []string
	// Console, when set, serves the web console under /console (package
	// console), to requests whose Host AllowedHosts admits.
	Console http.Handler
	// Logger receives one line per request and internal errors.
	Logger *slog.Logger
	// Registry receives the server's metrics and is served at /metrics.
	Registry *prometheus.Registry
	// Version is reported by the health endpoint.
	Version string
}

// Authenticator decides who sent a request to the API whose SigV4 signing
// name is service. body returns the request body, read once under the
// server's size limit: an Authenticator that needs it, to check a signature,
// calls it (and returns its error); the server reads it afterwards otherwise.
// Errors are sent to the client as they are, so they should be
// *apierr.Error values.
type Authenticator interface {
	Authenticate(r *http.Request, service string, body func() ([]byte, error)) (identity.Caller, error)
}

// queryErrorMapper is implemented by an Authenticator whose errors have
// other codes in the query protocol (STS) than in the JSON one.
type queryErrorMapper interface {
	QueryError(error) error
}

// DefaultMaxBodyBytes is the default request body limit.
const DefaultMaxBodyBytes = 8 << 20

// Server is the HTTP handler.
type Server struct {
	apis    map[string]API
	queries []QueryAPI
	auth    Authenticator
	maxBody int64
	reset   func(context.Context) error
	backup  func(context.Context, string, io.Writer) error
	console http.Handler
	hosts   hostAllowList
	log     *slog.Logger
	metrics *metrics
	promh   http.Handler
	version string
}

// New returns a Server for opts.
func New(opts Options) *Server {
	s := &Server{
		apis:    make(map[string]API, len(opts.APIs)),
		queries: opts.QueryAPIs,
		auth:    opts.Authenticator,
		maxBody: opts.MaxBodyBytes,
		reset:   opts.Reset,
		backup:  opts.Backup,
		console: opts.Console,
		hosts:   newHostAllowList(opts.AllowedHosts),
		log:     opts.Logger,
		version: opts.Version,
	}
	for _, a := range opts.APIs {
		s.apis[a.TargetPrefix] = a
	}
	if s.auth == nil {
		s.auth = sigv4.Accept{Resolver: opts.Resolver}
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(reg)
	s.promh = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return s
}

// Operator endpoint paths.
const (
	PathHealth    = "/_starling/health"
	PathReset     = "/_starling/reset"
	PathMotoReset = "/moto-api/reset"
	PathMetrics   = "/metrics"
	// PathBackup answers a POST with a copy of one of the SQLite databases
	// (the query parameter database: starling, the default, or inventory). POST,
	// like reset, rather than GET: it is an operator action, not a
	// resource to link to, and no cross-site <img> or link can send it.
	PathBackup = "/_starling/backup"
	// PathConsole is where the web console is served.
	PathConsole = "/console"
)

// serveConsole serves the console to a request whose Host is an IP
// address, localhost or an allowed name: a page that rebinds its own name
// to this server (DNS rebinding) must not read the console as same-origin.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) {
	if !s.hosts.allows(r.Host) {
		http.Error(w, "refused: the Host header "+quoteShort(r.Host)+" is not an IP address, localhost, or a name in --allowed-hosts. "+
			"To reach the console by this name, start Starling with --allowed-hosts NAME.", http.StatusForbidden)
		return
	}
	s.console.ServeHTTP(w, r)
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") == "" {
		switch r.URL.Path {
		case PathHealth:
			s.serveHealth(w, r)
			return
		case PathMetrics:
			s.promh.ServeHTTP(w, r)
			return
		case PathReset, PathMotoReset:
			s.serveReset(w, r)
			return
		case PathBackup:
			s.serveBackup(w, r)
			return
		}
		if s.console != nil && (r.URL.Path == PathConsole || strings.HasPrefix(r.URL.Path, PathConsole+"/")) {
			s.serveConsole(w, r)
			return
		}
		if len(s.queries) > 0 && r.Method == http.MethodPost &&
			strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			s.serveQuery(w, r)
			return
		}
	}
	s.serveAPI(w, r)
}

// record is what the access log and the metrics say about one API request.
type record struct {
	requestID string
	service   string
	operation string
	caller    identity.Caller
	status    int
	errCode   string
}

// newRecord starts the record of an API request.
func newRecord() *record {
	return &record{requestID: uuid.NewString(), service: "unknown", operation: "unknown"}
}

// finish writes the access-log line and the metrics of a request.
func (s *Server) finish(ctx context.Context, rec *record, start time.Time) {
	d := time.Since(start)
	s.metrics.observe(rec, d)
	s.log.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("request_id", rec.requestID),
		slog.String("service", rec.service),
		slog.String("operation", rec.operation),
		slog.String("account", rec.caller.AccountID),
		slog.String("region", rec.caller.Region),
		slog.Int("status", rec.status),
		slog.String("error_code", rec.errCode),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
	)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := newRecord()
	defer s.finish(r.Context(), rec, start)
	out, err := s.call(r, rec)
	s.respond(r.Context(), rec, err,
		func() error { return awsjson.WriteResponse(w, rec.requestID, out) },
		func(e *apierr.Error) { awsjson.WriteError(w, rec.requestID, e) })
}

// respond writes a request's outcome with the protocol's writers and
// records it for the access log and the metrics: the output when err is
// nil, otherwise err as an API error, logging the cause of server faults.
func (s *Server) respond(ctx context.Context, rec *record, err error, writeOK func() error, writeErr func(*apierr.Error)) {
	if err == nil {
		if werr := writeOK(); werr != nil {
			s.logInternal(ctx, rec, werr)
			rec.status, rec.errCode = http.StatusInternalServerError, "InternalFailure"
			return
		}
		rec.status = http.StatusOK
		return
	}
	var e *apierr.Error
	if errors.Is(err, store.ErrUnavailable) {
		e = apierr.ServiceUnavailable(err)
	} else {
		e = apierr.From(err)
	}
	if e.Fault == apierr.Server && ctx.Err() != nil {
		// The client hung up: the handler gave up (typically with
		// ctx.Err()), which is no fault of the server's, and nobody is
		// left to answer.
		rec.status, rec.errCode = StatusClientClosedRequest, ""
		s.log.LogAttrs(ctx, slog.LevelDebug, "request canceled by the client",
			slog.String("request_id", rec.requestID),
			slog.String("operation", rec.operation),
			slog.String("cause", err.Error()))
		return
	}
	if e.Fault == apierr.Server {
		s.logInternal(ctx, rec, e)
	}
	rec.status, rec.errCode = e.HTTPStatus(), e.Code
	writeErr(e)
}

// call resolves the operation, authenticates the caller, reads the body and
// runs the handler, turning a panic into an internal failure.
func (s *Server) call(r *http.Request, rec *record) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, apierr.Internal(fmt.Errorf("panic: %v", p))
		}
	}()
	if err := checkSingleHeaders(r); err != nil {
		return nil, err
	}
	target := r.Header.Get("X-Amz-Target")
	if target == "" {
		return nil, apierr.New("UnknownOperationException",
			"Missing X-Amz-Target header: send an AWS JSON request, for example with the AWS CLI or an AWS SDK.")
	}
	prefix, opName, ok := strings.Cut(target, ".")
	api, known := s.apis[prefix]
	if !ok || !known {
		return nil, apierr.UnknownOperation(target)
	}
	rec.service = api.Name
	h, found := api.Operations[opName]
	if !found {
		return nil, apierr.UnknownOperation(target)
	}
	rec.operation = opName
	if r.Method != http.MethodPost {
		return nil, apierr.New("UnknownOperationException",
			"AWS JSON operations are sent with POST, not "+r.Method+".")
	}
	readBody := s.bodyOnce(r)
	caller, err := s.auth.Authenticate(r, api.signingName(), readBody)
	if err != nil {
		return nil, err
	}
	rec.caller = caller
	body, err := readBody()
	if err != nil {
		return nil, err
	}
	ctx := identity.WithCaller(r.Context(), caller)
	return h(ctx, body)
}

// signingName returns the SigV4 signing name of the API.
func (a API) signingName() string {
	if a.SigningName != "" {
		return a.SigningName
	}
	return a.Name
}

// bodyOnce returns a function that reads the request body under the size
// limit the first time it is called and returns the same result after.
func (s *Server) bodyOnce(r *http.Request) func() ([]byte, error) {
	var (
		body []byte
		err  error
		read bool
	)
	return func() ([]byte, error) {
		if !read {
			body, err = s.readBody(r)
			read = true
		}
		return body, err
	}
}

// readBody reads the request body under the size limit. A body whose
// Content-Length is over the limit is refused unread: a client that sent
// "Expect: 100-continue" then gets the 413 without a 100 Continue first, and
// sends no body.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > s.maxBody {
		return nil, apierr.RequestTooLarge(s.maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apierr.RequestTooLarge(s.maxBody)
		}
		return nil, apierr.Serialization("Could not read the request body.")
	}
	return body, nil
}

// scopeService returns the signing service of the request's credential
// scope, or "" if it has no well-formed Authorization header.
func scopeService(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if h == "" {
		return ""
	}
	cred, err := sigv4.Parse(h)
	if err != nil {
		return ""
	}
	return cred.Service
}

func (s *Server) logInternal(ctx context.Context, rec *record, err error) {
	s.log.LogAttrs(ctx, slog.LevelError, "internal error",
		slog.String("request_id", rec.requestID),
		slog.String("operation", rec.operation),
		slog.String("error", err.Error()))
	if e, ok := err.(*apierr.Error); ok && e.Err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "internal error cause",
			slog.String("request_id", rec.requestID),
			slog.String("cause", e.Err.Error()))
	}
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeJSON(w, http.StatusMethodNotAllowed, `{"error":"use GET"}`)
		return
	}
	writeJSON(w, http.StatusOK, `{"status":"ok","version":`+strconv.Quote(s.version)+`}`)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func statusText(code int) string { return strconv.Itoa(code) }

// checkSingleHeaders refuses a request that repeats a header naming its
// operation or its caller. Go reads the first of repeated headers and a
// proxy in front may read the last, so such a request could mean one thing
// to the proxy and another to Starling.
func checkSingleHeaders(r *http.Request) error {
	if len(r.Header.Values("X-Amz-Target")) > 1 {
		return apierr.New("UnknownOperationException", "The request has more than one X-Amz-Target header.")
	}
	if len(r.Header.Values("Authorization")) > 1 {
		return apierr.New("IncompleteSignatureException", "The request has more than one Authorization header.")
	}
	return nil
}
