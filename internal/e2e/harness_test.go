package e2e

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/smithy-go"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/apptest"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// testEpoch is where every test's fake clock starts.
var testEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// server is a Starling started for one test.
type server struct {
	t       *testing.T
	url     string
	clock   *clock.Fake
	dataDir string
	// store is the PostgreSQL DSN the server keeps its state in, when the
	// suite runs on PostgreSQL (STARLING_E2E_STORE=postgres); "" on SQLite.
	store string
	// stop shuts the server down; later calls do nothing.
	stop func()
}

// startServer runs Starling on a loopback port with a fresh data directory
// and a fake clock at testEpoch until the test ends. Options adjust the
// configuration.
func startServer(t *testing.T, opts ...func(*config.Config)) *server {
	t.Helper()
	return launch(t, nil, clock.NewFake(testEpoch), opts...)
}

// launch runs Starling with the logger (nil discards) and the clock.
func launch(t *testing.T, logger *slog.Logger, clk *clock.Fake, opts ...func(*config.Config)) *server {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	if apptest.Postgres() {
		cfg.Store = pgtest.DSN(t)
	}
	for _, o := range opts {
		o(&cfg)
	}
	url, stop := apptest.Start(t, cfg, app.Options{Clock: clk, Logger: logger})
	return &server{t: t, url: url, clock: clk, dataDir: cfg.DataDir, store: cfg.Store, stop: stop}
}

// skipOnPostgres skips a test of something only the embedded SQLite store
// has (its data directory, its backup), when the suite runs on PostgreSQL.
func skipOnPostgres(t *testing.T, why string) {
	t.Helper()
	if apptest.Postgres() {
		t.Skip("SQLite only: " + why)
	}
}

// restart stops the server and starts a new one on the same data
// directory (or PostgreSQL schema).
func (s *server) restart(opts ...func(*config.Config)) *server {
	s.t.Helper()
	s.stop()
	return startServer(s.t, append([]func(*config.Config){func(c *config.Config) { c.DataDir, c.Store = s.dataDir, s.store }}, opts...)...)
}

// config returns an AWS Config client signing with the access key in region.
// A 12-digit key is the account id; others map to the default account.
func (s *server) config(accessKey, region string) *configservice.Client {
	return configservice.New(configservice.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, "secret-"+accessKey, ""),
		Retryer:      sdkRetryer(),
		HTTPClient:   awshttp.NewBuildableClient(),
	})
}

// sdkRetryer is the e2e clients' retryer: it sends a call again only
// when the SDK's own transport closed the connection under it while it
// read the answer ("use of closed network connection", a known race of
// aws-sdk-go-v2: aws/aws-sdk-go-v2#2737; the SDK's default retryer retries
// it since #2949), at once and at most twice. Every other failure, 4xx and
// 5xx included, reaches the test as it is.
func sdkRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if errors.Is(err, net.ErrClosed) {
				return aws.TrueTernary
			}
			return aws.FalseTernary
		})}
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		o.RateLimiter = ratelimit.None
	})
}

// wantError fails the test unless err is an API error with the code and,
// when message is not empty, exactly that message.
func wantError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v; want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%q); want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if message != "" && ae.ErrorMessage() != message {
		t.Fatalf("%s message = %q;\nwant %q", code, ae.ErrorMessage(), message)
	}
}

// wantErrorPrefix is wantError for messages whose end varies.
func wantErrorPrefix(t *testing.T, err error, code, prefix string) {
	t.Helper()
	wantError(t, err, code, "")
	var ae smithy.APIError
	errors.As(err, &ae)
	if !strings.HasPrefix(ae.ErrorMessage(), prefix) {
		t.Fatalf("%s message = %q;\nwant prefix %q", code, ae.ErrorMessage(), prefix)
	}
}

// result holds a call's two results until a test checks them.
type result[T any] struct {
	v   T
	err error
}

// must captures a call's results; .get(t) fails the test on an error.
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

// get returns the value, failing the test if the call failed.
func (r result[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("unexpected error: %v", r.err)
	}
	return r.v
}

// configOpts is the configuration tests adjust.
type configOpts = config.Config

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
