// Package shape is the runtime that the generated API packages
// (configapi, orgapi) build on: the timestamp type, the validator that renders
// AWS's ValidationException messages, request decoding and the adapter that
// turns a typed operation method into a Handler.
//
// It knows the awsJson1_1 body format but nothing of HTTP; it imports only
// apierr.
package shape
