package e2e

import (
	"errors"
	"fmt"
	"net"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TestSDKRetryer checks what the e2e clients send again: only a read on a
// connection the transport closed under them.
func TestSDKRetryer(t *testing.T) {
	closed := &smithy.DeserializationError{Err: fmt.Errorf("failed to copy error response body, %w",
		&net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed})}
	serverError := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{Err: errors.New("internal")}}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"use of closed network connection", closed, true},
		{"an API error", &smithy.GenericAPIError{Code: "ValidationException", Message: "x"}, false},
		{"a response error", serverError, false},
		{"another read error", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, false},
	} {
		if got := sdkRetryer().IsErrorRetryable(tc.err); got != tc.want {
			t.Errorf("%s: retryable = %v, want %v", tc.name, got, tc.want)
		}
	}
	if n := sdkRetryer().MaxAttempts(); n != 3 {
		t.Errorf("MaxAttempts = %d, want 3", n)
	}
}
