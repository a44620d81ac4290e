// Package awsjson writes awsJson1_1 responses: the success body, the error
// body {"__type": ..., "message": ...}, and the headers every AWS JSON
// response carries (Smithy's "AWS JSON 1.1 protocol" page, sections
// "Protocol behaviors" and "Operation error serialization").
package awsjson

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/starlingcfg/starling/internal/apierr"
)

// ContentType is the media type of awsJson1_1 bodies.
const ContentType = "application/x-amz-json-1.1"

// Header names set on every response.
const (
	HeaderRequestID = "x-amzn-RequestId"
	HeaderErrorType = "X-Amzn-ErrorType"
)

// rawBody is an output that is already its JSON body (shape.RawJSON).
type rawBody interface {
	RawJSONBody() []byte
}

// collections is an operation output with list or map members, which AWS
// always sends: FillEmptyCollections turns the nil ones into empty ones, so
// that they encode as [] or {} (the generated output types implement it).
type collections interface {
	FillEmptyCollections()
}

// WriteResponse writes a 200 response with v as its JSON body. If v cannot be
// encoded it writes an internal failure instead and returns the cause. The
// list and map members of an output are sent even when empty, as [] or {};
// v is changed to hold empty ones instead of nil.
func WriteResponse(w http.ResponseWriter, requestID string, v any) error {
	if raw, ok := v.(rawBody); ok {
		write(w, requestID, http.StatusOK, raw.RawJSONBody())
		return nil
	}
	if c, ok := v.(collections); ok {
		c.FillEmptyCollections()
	}
	body, err := json.Marshal(v)
	if err != nil {
		WriteError(w, requestID, apierr.Internal(err))
		return err
	}
	write(w, requestID, http.StatusOK, body)
	return nil
}

// WriteError writes e as an awsJson1_1 error: HTTP status from e, the body
// {"__type": Code, "message": Message} (or "Message", plus e.Fields), and
// the X-Amzn-ErrorType header, which the Go and JS SDKs read first.
func WriteError(w http.ResponseWriter, requestID string, e *apierr.Error) {
	m := make(map[string]string, 2+len(e.Fields))
	for k, v := range e.Fields {
		m[k] = v
	}
	m["__type"] = e.Code
	if e.CapitalMessage {
		m["Message"] = e.Message
	} else {
		m["message"] = e.Message
	}
	body, _ := json.Marshal(m) // a map of strings always encodes
	w.Header().Set(HeaderErrorType, e.Code)
	write(w, requestID, e.HTTPStatus(), body)
}

func write(w http.ResponseWriter, requestID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(HeaderRequestID, requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
