package server

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/awsquery"
	"github.com/starlingcfg/starling/internal/identity"
)

// serveQuery serves a query-protocol request (a form-encoded POST), such as
// STS GetCallerIdentity.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := newRecord()
	defer s.finish(r.Context(), rec, start)
	api, action, out, err := s.callQuery(r, rec)
	s.respond(r.Context(), rec, err,
		func() error { return awsquery.WriteResponse(w, rec.requestID, api.Namespace, action, out) },
		func(e *apierr.Error) { awsquery.WriteError(w, rec.requestID, api.Namespace, e) })
}

func (s *Server) callQuery(r *http.Request, rec *record) (api QueryAPI, action string, out any, err error) {
	api = s.queries[0]
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, apierr.Internal(fmt.Errorf("panic: %v", p))
		}
	}()
	if err := checkSingleHeaders(r); err != nil {
		return api, "", nil, err
	}
	service := scopeService(r)
	for _, q := range s.queries {
		if q.Name == service {
			api = q
		}
	}
	readBody := s.bodyOnce(r)
	caller, err := s.auth.Authenticate(r, api.Name, readBody)
	if err != nil {
		if m, ok := s.auth.(queryErrorMapper); ok {
			err = m.QueryError(err)
		}
		return api, "", nil, err
	}
	rec.service, rec.caller = api.Name, caller
	body, err := readBody()
	if err != nil {
		return api, "", nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return api, "", nil, apierr.New("MalformedQueryString", "The request body is not a valid form-encoded query string.")
	}
	action = form.Get("Action")
	if action == "" {
		return api, "", nil, apierr.New("MissingAction", "Missing Action")
	}
	h, ok := api.Actions[action]
	if !ok {
		return api, "", nil, apierr.New("InvalidAction", "Could not find operation "+action+" for version "+form.Get("Version"))
	}
	rec.operation = action
	out, err = h(identity.WithCaller(r.Context(), caller), form)
	return api, action, out, err
}
