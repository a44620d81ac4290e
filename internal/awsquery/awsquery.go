// Package awsquery writes responses of the AWS query protocol (form-encoded
// requests, XML responses) that STS speaks (AWS STS API Reference,
// GetCallerIdentity).
package awsquery

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"

	"github.com/starlingcfg/starling/internal/apierr"
)

// ContentType is the media type of query-protocol responses.
const ContentType = "text/xml"

// WriteResponse writes the 200 response of action: result, marshalled as the
// children of <ActionResult>, wrapped in <ActionResponse xmlns=namespace>
// with the ResponseMetadata AWS sends.
func WriteResponse(w http.ResponseWriter, requestID, namespace, action string, result any) error {
	var buf bytes.Buffer
	buf.WriteString(`<` + action + `Response xmlns="` + namespace + `">`)
	enc := xml.NewEncoder(&buf)
	if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
		WriteError(w, requestID, namespace, apierr.Internal(err))
		return err
	}
	buf.WriteString(`<ResponseMetadata><RequestId>` + requestID + `</RequestId></ResponseMetadata>`)
	buf.WriteString(`</` + action + `Response>`)
	write(w, requestID, http.StatusOK, buf.Bytes())
	return nil
}

// errorResponse is the query protocol's error document.
type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// WriteError writes e as a query-protocol error: <ErrorResponse> with the
// code, message and whether the sender or the receiver is at fault.
func WriteError(w http.ResponseWriter, requestID, namespace string, e *apierr.Error) {
	doc := errorResponse{Xmlns: namespace, Type: "Sender", Code: e.Code, Message: e.Message, RequestID: requestID}
	if e.Fault == apierr.Server {
		doc.Type = "Receiver"
	}
	body, _ := xml.Marshal(doc) // only strings: always encodes
	write(w, requestID, e.HTTPStatus(), body)
}

func write(w http.ResponseWriter, requestID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
