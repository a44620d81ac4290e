// Package apierr defines the error type every API operation returns to its
// caller. An *Error carries the modeled exception name (sent as __type), the
// message, and who is at fault; everything else an operation returns is an
// internal failure whose cause is logged and never sent.
package apierr

import (
	"errors"
	"net/http"
	"strconv"
)

// Fault says who caused an error, as smithy.ErrorFault does.
type Fault int

const (
	// Client faults are sent with HTTP 400 (or Status, when set).
	Client Fault = iota
	// Server faults are sent with HTTP 500.
	Server
)

// Error is an API error. Code is the modeled exception shape name, for
// example "NoSuchConfigurationAggregatorException".
type Error struct {
	Code    string
	Message string
	Fault   Fault
	// Status overrides the HTTP status; zero means 400 for client faults and
	// 500 for server faults.
	Status int
	// Fields are extra members sent beside __type and the message, such as
	// Organizations' "Reason".
	Fields map[string]string
	// CapitalMessage sends the message as "Message" instead of "message".
	// Organizations' error shapes model "Message"; Config's model "message"
	// (the Smithy models in aws/api-models-aws).
	CapitalMessage bool
	// Err is the cause: logged, never sent.
	Err error
}

// New returns a client-fault error with the given code and message.
func New(code, message string) *Error {
	return &Error{Code: code, Message: message}
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the exception name, as smithy.APIError does.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage returns the message, as smithy.APIError does.
func (e *Error) ErrorMessage() string { return e.Message }

// HTTPStatus returns the status the error is sent with.
func (e *Error) HTTPStatus() int {
	switch {
	case e.Status != 0:
		return e.Status
	case e.Fault == Server:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

// internalFailureMessage is what AWS services send for their own faults.
const internalFailureMessage = "An internal error has occurred. Please try again later."

// Internal wraps an unexpected error. The client sees only InternalFailure;
// the cause goes to the log.
func Internal(err error) *Error {
	return &Error{Code: "InternalFailure", Message: internalFailureMessage, Fault: Server, Err: err}
}

// ServiceUnavailable wraps a failure that may pass (the database is down
// or restarting): HTTP 503, which AWS's SDKs retry with backoff. Code and
// message are those of AWS's common errors ("Common Errors", every
// service's API Reference: "ServiceUnavailable — The request has failed due
// to a temporary failure of the server. HTTP Status Code: 503"). The cause
// goes to the log.
func ServiceUnavailable(err error) *Error {
	return &Error{Code: "ServiceUnavailable", Message: "The request has failed due to a temporary failure of the server.",
		Fault: Server, Status: http.StatusServiceUnavailable, Err: err}
}

// From returns err as an *Error, wrapping anything else with Internal.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Protocol errors that no service model declares but every AWS JSON service
// sends (general awsJson behaviour, not in any service's documentation).

// UnknownOperation is sent for an X-Amz-Target that names no operation.
func UnknownOperation(target string) *Error {
	return New("UnknownOperationException", "Unknown operation "+target)
}

// Serialization is sent for a body that is not JSON or has a member of the
// wrong JSON type.
func Serialization(message string) *Error {
	return New("SerializationException", message)
}

// NotImplemented is sent for an operation that the AWS model has but
// Starling does not serve yet. It is a client error so that SDKs do not
// retry it.
func NotImplemented(service, operation string) *Error {
	return New("NotImplementedException",
		"Starling does not implement the "+service+" operation "+operation+" yet.")
}

// RequestTooLarge is sent for a body above the server's limit.
func RequestTooLarge(limit int64) *Error {
	return &Error{
		Code:    "SerializationException",
		Message: "Request body is larger than " + strconv.FormatInt(limit, 10) + " bytes.",
		Status:  http.StatusRequestEntityTooLarge,
	}
}
