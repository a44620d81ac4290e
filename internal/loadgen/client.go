// Package loadgen is the logic of cmd/starling-load: a closed-loop load
// generator that sends real, SigV4-signed awsJson1_1 requests to Starling (or
// to a trivial fixed-response "ceiling" server), records every request's
// latency and summarises the run; and a startup timer that measures how long
// the starling binary takes from exec to its first served request.
package loadgen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Wire constants of AWS Config's awsJson1_1 protocol.
const (
	// TargetPrefix starts every X-Amz-Target header of AWS Config.
	TargetPrefix = "StarlingDoveService."
	// ContentType is the media type of awsJson1_1 bodies.
	ContentType = "application/x-amz-json-1.1"
	// SigningName is AWS Config's SigV4 service name.
	SigningName = "config"
)

// NewHTTPClient returns the keep-alive client every load run uses: one
// transport that keeps at least conns idle connections to a host, so that
// conns workers in a closed loop never open a new connection once warm.
// Compression and HTTP/2 are off, so Starling and the ceiling server are
// spoken to identically.
func NewHTTPClient(conns int) *http.Client {
	if conns < 2 {
		conns = 2
	}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        2 * conns,
			MaxIdleConnsPerHost: 2 * conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// Client sends AWS Config requests signed with SigV4 to one endpoint. It is
// safe for concurrent use.
type Client struct {
	endpoint string
	http     *http.Client
	creds    aws.Credentials
	region   string
	signer   *v4.Signer
}

// NewClient returns a client of endpoint (a base URL such as
// http://127.0.0.1:4566) that sends over hc and signs as accessKey/secret in
// region.
func NewClient(endpoint string, hc *http.Client, accessKey, secret, region string) *Client {
	return &Client{
		endpoint: strings.TrimRight(endpoint, "/"),
		http:     hc,
		creds:    aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secret, Source: "starling-load"},
		region:   region,
		signer:   v4.NewSigner(),
	}
}

// Endpoint returns the base URL the client sends to.
func (c *Client) Endpoint() string { return c.endpoint }

// HTTP returns the client's HTTP client.
func (c *Client) HTTP() *http.Client { return c.http }

// WithAccessKey returns a client like c that signs with another access key
// (in Starling's accept mode, a 12-digit key is the account) and the same
// secret, sharing c's connections.
func (c *Client) WithAccessKey(key string) *Client {
	cp := *c
	cp.creds.AccessKeyID = key
	return &cp
}

// Account is the account Starling's accept mode takes the client for: its
// access key when that is 12 digits, otherwise the default account
// 000000000000 (a server started with another --default-account differs).
func (c *Client) Account() string {
	k := c.creds.AccessKeyID
	if len(k) == 12 && strings.Trim(k, "0123456789") == "" {
		return k
	}
	return "000000000000"
}

// Region is the region the client signs for.
func (c *Client) Region() string { return c.region }

// NewRequest builds the awsJson1_1 request of the AWS Config operation op
// (for example "PutConfigurationAggregator", or a whole X-Amz-Target when op
// holds a dot) with body, and signs it now as
// an AWS SDK would: the payload hash is the body's SHA-256.
func (c *Client) NewRequest(ctx context.Context, op string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ContentType)
	target := TargetPrefix + op
	if strings.Contains(op, ".") {
		target = op // a whole target, such as Starling's own ingest operation
	}
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), SigningName, c.region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign %s: %w", op, err)
	}
	return req, nil
}

// Do sends req and reads the whole response body into buf, which it resets
// first, so that the connection goes back to the pool. It returns the HTTP
// status.
func (c *Client) Do(req *http.Request, buf *bytes.Buffer) (int, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := io.Copy(buf, resp.Body); err != nil {
		return resp.StatusCode, fmt.Errorf("read response: %w", err)
	}
	return resp.StatusCode, nil
}

// Call sends one signed request of op and returns the status and body. A
// non-200 status is not an error here; the caller judges it.
func (c *Client) Call(ctx context.Context, op string, body []byte) (int, []byte, error) {
	req, err := c.NewRequest(ctx, op, body)
	if err != nil {
		return 0, nil, err
	}
	var buf bytes.Buffer
	status, err := c.Do(req, &buf)
	return status, buf.Bytes(), err
}

// CallOK is Call that also fails on a status other than 200, quoting the
// start of the body.
func (c *Client) CallOK(ctx context.Context, op string, body []byte) ([]byte, error) {
	status, resp, err := c.Call(ctx, op, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", op, status, Truncate(resp, 300))
	}
	return resp, nil
}

// Truncate returns b as a string of at most n bytes, marking a cut.
func Truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
