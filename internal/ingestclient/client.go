// Package ingestclient sends configuration items to a running Starling
// through its ingest API (StarlingIngest_20261129.PutConfigurationItems),
// signed with SigV4 as the account and region that recorded them. starling
// generate and starling import --endpoint use it.
package ingestclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Target is the X-Amz-Target of Starling's ingest operation.
const Target = "StarlingIngest_20261129.PutConfigurationItems"

// MaxBatchBytes bounds a request's body, well below the server's default
// limit (8 MiB): a caller batching items keeps the sum of their sizes
// under it; Put halves a batch the server still finds too large.
const MaxBatchBytes = 4 << 20

// attempts is how many times Put sends one request that failed for a
// reason that may pass (no connection, 5xx, throttling).
const attempts = 5

// Client posts items to one server. Safe for concurrent use.
type Client struct {
	endpoint string
	http     *http.Client
	creds    func(account string) aws.Credentials
	signer   *v4.Signer
}

// New returns a client of the server at endpoint (its base URL), signing
// each request with the credentials that creds gives for the items'
// account.
func New(endpoint string, hc *http.Client, creds func(account string) aws.Credentials) *Client {
	return &Client{endpoint: strings.TrimRight(endpoint, "/"), http: hc, creds: creds, signer: v4.NewSigner()}
}

// Error is the server's refusal of a batch: nothing of it was recorded.
// Code and Message are the AWS error's.
type Error struct {
	Source  inventory.Source
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("ingest into %s %s: %s: %s", e.Source.AccountID, e.Source.Region, e.Code, e.Message)
}

// errTooLarge is a 413 answer.
var errTooLarge = errors.New("request body too large")

// Put records items, all recorded by src, in one request (or, when the
// server finds the body too large, in halves, each atomic), and returns
// what the store did with them. A refusal is an *Error; a server that
// cannot be reached or keeps failing is another error.
func (c *Client) Put(ctx context.Context, src inventory.Source, items []inventory.Item) (inventory.WriteResult, error) {
	res, err := c.post(ctx, src, ingest.AppendFile(nil, items))
	if errors.Is(err, errTooLarge) && len(items) > 1 {
		half := len(items) / 2
		first, err := c.Put(ctx, src, items[:half])
		if err != nil {
			return first, err
		}
		second, err := c.Put(ctx, src, items[half:])
		first.Add(second)
		return first, err
	}
	return res, err
}

// post sends one delivery file, trying again after failures that may pass.
func (c *Client) post(ctx context.Context, src inventory.Source, body []byte) (inventory.WriteResult, error) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	creds := c.creds(src.AccountID)
	var lastErr error
	for attempt := range attempts {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
			case <-ctx.Done():
				return inventory.WriteResult{}, ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
		if err != nil {
			return inventory.WriteResult{}, fmt.Errorf("endpoint %q: %w", c.endpoint, err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", Target)
		if err := c.signer.SignHTTP(ctx, creds, req, hash, "config", src.Region, time.Now()); err != nil {
			return inventory.WriteResult{}, fmt.Errorf("sign: %w", err)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return inventory.WriteResult{}, ctx.Err()
			}
			lastErr = fmt.Errorf("cannot reach Starling at %s: %w", c.endpoint, err)
			continue
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case rerr != nil:
			lastErr = fmt.Errorf("ingest into %s %s: reading the answer: %w", src.AccountID, src.Region, rerr)
			continue
		case resp.StatusCode == http.StatusOK:
			var res inventory.WriteResult
			if err := json.Unmarshal(data, &res); err != nil {
				return res, fmt.Errorf("ingest into %s %s: the answer is not the ingest operation's: %s", src.AccountID, src.Region, data)
			}
			return res, nil
		case resp.StatusCode == http.StatusRequestEntityTooLarge:
			return inventory.WriteResult{}, errTooLarge
		}
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		apiErr := &Error{Source: src, Status: resp.StatusCode, Code: e.Type[strings.LastIndexByte(e.Type, '#')+1:], Message: e.Message}
		switch {
		case apiErr.Code == "UnknownOperationException" || resp.StatusCode == http.StatusNotFound:
			return inventory.WriteResult{}, fmt.Errorf("%w (does this server serve Starling's ingest API?)", apiErr)
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || apiErr.Code == "ThrottlingException":
			lastErr = apiErr
			continue
		}
		return inventory.WriteResult{}, apiErr
	}
	return inventory.WriteResult{}, lastErr
}
