package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/credentials"
	"github.com/starlingcfg/starling/internal/identity"
)

// Error codes of a failed authentication in the awsJson protocol (Config,
// Organizations). QueryError maps them to the query protocol's (STS).
const (
	CodeMissingToken     = "MissingAuthenticationTokenException"
	CodeIncomplete       = "IncompleteSignatureException"
	CodeUnrecognized     = "UnrecognizedClientException"
	CodeInvalidSignature = "InvalidSignatureException"
)

// Messages of a failed authentication, as AWS words them.
const (
	MsgMissingToken      = "Request is missing Authentication Token"
	MsgUnrecognized      = "The security token included in the request is invalid."
	MsgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	MsgMissingDate       = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
	MsgDateHeaderOnly    = "Starling needs the signing time in an 'X-Amz-Date' header; the 'Date' header alone is not supported."
	MsgHostUnsigned      = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	MsgDateUnsigned      = "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."
	MsgContentSHA256     = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgDateFormat        = "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601"
	msgExpired           = "Signature expired: %s is now earlier than %s (%s - 15 min.)"
	msgNotYetCurrent     = "Signature not yet current: %s is still later than %s (%s + 15 min.)"
	msgWrongService      = "Credential should be scoped to correct service: '%s'. "
	msgScopeDateMismatch = "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'."
	msgInvalidRegion     = "Credential should be scoped to a valid region, not '%s'. "
	// MsgInvalidRegionQuery is how STS words msgInvalidRegion, without the
	// region.
	MsgInvalidRegionQuery = "Credential should be scoped to a valid region. "
	msgRepeatedHeader     = "The request has more than one '%s' header."
)

// errInvalidRegion marks (as the cause, never sent) the error of a
// credential scope whose region is not a region, which STS words
// differently.
var errInvalidRegion = errors.New("sigv4: the credential scope's region is not a region code")

// checkRegion returns the message that refuses the credential scope's
// region, or "" if it is a region code or empty. The Go SDK signs with an
// empty region when it has none; that caller is in us-east-1. The message
// quotes at most 64 bytes of the region, and no invalid UTF-8.
func checkRegion(region string) string {
	if region == "" || identity.IsRegion(region) {
		return ""
	}
	return fmt.Sprintf(msgInvalidRegion, strings.ToValidUTF8(truncate(region), "\uFFFD"))
}

// regionError is the error of a region checkRegion refused, alone.
func regionError(msg string) *apierr.Error {
	e := authError(CodeInvalidSignature, msg)
	e.Err = errInvalidRegion
	return e
}

// TimeFormat is the form of X-Amz-Date: ISO 8601 basic format, UTC.
const TimeFormat = "20060102T150405Z"

// MaxSkew is how far X-Amz-Date may be from the server's clock, either way.
const MaxSkew = 15 * time.Minute

// Verifier authenticates requests as AWS does: the Authorization header must
// be a SigV4 signature, by a known access key, for the right service, made
// within MaxSkew of now, over the request as received. The signature is
// computed with aws-sdk-go-v2's signer and compared in constant time. The
// credential scope's region must have the shape of an AWS Region code
// (identity.IsRegion) or be empty, as the Go SDK signs when it has none (the
// caller's region is then us-east-1). A header the client signed, and
// X-Amz-Date and Authorization, must appear once.
type Verifier struct {
	creds *credentials.Set
	clock clock.Clock
}

// NewVerifier returns a Verifier of the principals in creds; clk is the time
// X-Amz-Date is checked against (nil is the system clock).
func NewVerifier(creds *credentials.Set, clk clock.Clock) *Verifier {
	if clk == nil {
		clk = clock.System{}
	}
	return &Verifier{creds: creds, clock: clk}
}

// Authenticate verifies the request's signature for the API whose SigV4
// signing name is service and returns the principal's account, in the region
// of the credential scope. It checks everything the headers alone tell
// before it calls body, so that a request that cannot succeed is refused
// without reading its body.
func (v *Verifier) Authenticate(r *http.Request, service string, body func() ([]byte, error)) (identity.Caller, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" || !strings.HasPrefix(h, "AWS4-") {
		// AWS answers a missing header, and one of another scheme (Basic,
		// Bearer, AWS v2), with MissingAuthenticationToken.
		return identity.Caller{}, authError(CodeMissingToken, MsgMissingToken)
	}
	cred, missing, err := parse(h)
	if err != nil {
		return identity.Caller{}, err
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" && r.Header.Get("Date") == "" {
		missing = append(missing, MsgMissingDate)
	}
	if len(missing) > 0 {
		return identity.Caller{}, authError(CodeIncomplete, strings.Join(missing, " "))
	}
	if name := repeatedHeader(r, cred); name != "" {
		return identity.Caller{}, authError(CodeIncomplete, fmt.Sprintf(msgRepeatedHeader, name))
	}
	if amzDate == "" {
		return identity.Caller{}, authError(CodeIncomplete, MsgDateHeaderOnly)
	}
	if !signs(cred, "host") {
		return identity.Caller{}, authError(CodeInvalidSignature, MsgHostUnsigned)
	}
	if !signs(cred, "x-amz-date") {
		return identity.Caller{}, authError(CodeInvalidSignature, MsgDateUnsigned)
	}
	signed, err := time.Parse(TimeFormat, amzDate)
	if err != nil || signed.Format(TimeFormat) != amzDate {
		return identity.Caller{}, authError(CodeIncomplete, fmt.Sprintf(msgDateFormat, truncate(amzDate)))
	}
	now := v.clock.Now().UTC().Truncate(time.Second)
	if earliest := now.Add(-MaxSkew); signed.Before(earliest) {
		return identity.Caller{}, authError(CodeInvalidSignature,
			fmt.Sprintf(msgExpired, amzDate, earliest.Format(TimeFormat), now.Format(TimeFormat)))
	}
	if latest := now.Add(MaxSkew); signed.After(latest) {
		return identity.Caller{}, authError(CodeInvalidSignature,
			fmt.Sprintf(msgNotYetCurrent, amzDate, latest.Format(TimeFormat), now.Format(TimeFormat)))
	}
	scope := checkRegion(cred.Region)
	if cred.Service != service {
		scope += fmt.Sprintf(msgWrongService, service)
	}
	if day := signed.Format("20060102"); cred.Date != day {
		scope += fmt.Sprintf(msgScopeDateMismatch, truncate(cred.Date), day, amzDate)
	}
	if scope != "" {
		e := authError(CodeInvalidSignature, scope)
		if strings.HasPrefix(scope, "Credential should be scoped to a valid region, ") {
			e.Err = errInvalidRegion
		}
		return identity.Caller{}, e
	}
	p, ok := v.creds.Lookup(cred.AccessKeyID)
	if !ok {
		return identity.Caller{}, authError(CodeUnrecognized, MsgUnrecognized)
	}

	b, err := body()
	if err != nil {
		return identity.Caller{}, err
	}
	sum := sha256.Sum256(b)
	payloadHash := hex.EncodeToString(sum[:])
	if vals := r.Header.Values("X-Amz-Content-Sha256"); len(vals) > 0 && (len(vals) > 1 || vals[0] != payloadHash) {
		return identity.Caller{}, authError(CodeInvalidSignature, MsgContentSHA256)
	}
	want, err := v.sign(r, cred, p.SecretAccessKey, payloadHash, signed)
	if err != nil {
		return identity.Caller{}, apierr.Internal(fmt.Errorf("sigv4: compute the signature: %w", err))
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(cred.Signature)) != 1 {
		return identity.Caller{}, authError(CodeInvalidSignature, MsgSignatureMismatch)
	}
	// Starling's principals are long-term keys: a session token cannot be
	// theirs, as AWS rejects a token that does not belong to the key.
	if r.Header.Get("X-Amz-Security-Token") != "" {
		return identity.Caller{}, authError(CodeUnrecognized, MsgUnrecognized)
	}
	region := cred.Region
	if region == "" {
		region = identity.DefaultRegion
	}
	return identity.Caller{AccountID: p.AccountID, Region: region, AccessKeyID: cred.AccessKeyID}, nil
}

// sign returns the signature the client should have sent: the SDK signer's,
// over a copy of the request that holds only the headers the client signed,
// with their values as received.
func (v *Verifier) sign(r *http.Request, cred Credential, secret, payloadHash string, signed time.Time) (string, error) {
	req := &http.Request{
		Method: r.Method,
		// The path and query as received; the signer escapes the path once
		// more, as every client but S3's does when it signs.
		URL:    &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: make(http.Header, len(cred.SignedHeaders)),
	}
	for _, name := range cred.SignedHeaders {
		lower := strings.ToLower(name)
		switch lower {
		case "host", "x-amz-date":
			// The signer signs req.Host and the signing time, which is
			// X-Amz-Date as received: Authenticate parsed it strictly.
			continue
		case "content-length":
			// The signer signs ContentLength when it is positive, and only
			// then: set it only when the client signed it.
			req.ContentLength = r.ContentLength
			continue
		}
		if vals := r.Header.Values(name); len(vals) > 0 {
			// The lower-case key matters: the signer leaves out headers
			// it never signs itself (User-Agent, Expect, ...) by their
			// canonical names only, and a client may have signed them.
			req.Header[lower] = vals
		}
	}
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: secret}
	// A signer per request: a shared one caches a derived key per region
	// the client names, without bound, and the region is the client's
	// choice. Deriving the key costs four HMACs.
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, req, payloadHash, cred.Service, cred.Region, signed); err != nil {
		return "", err
	}
	_, sig, ok := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !ok || sig == "" {
		return "", errors.New("the signer wrote no signature")
	}
	return sig, nil
}

// QueryError returns err as the query protocol (STS) sends it: AWS's query
// services name the authentication errors differently, and send most of
// them with 403. STS also words the refusal of a credential scope's region
// without the region (MsgInvalidRegionQuery).
func (v *Verifier) QueryError(err error) error { return queryError(err) }

func queryError(err error) error {
	var e *apierr.Error
	if !errors.As(err, &e) {
		return err
	}
	q, ok := queryCodes[e.Code]
	if !ok {
		return err
	}
	c := *e
	c.Code, c.Status = q.code, q.status
	if errors.Is(e.Err, errInvalidRegion) {
		c.Message = MsgInvalidRegionQuery
	}
	return &c
}

var queryCodes = map[string]struct {
	code   string
	status int
}{
	CodeMissingToken:     {"MissingAuthenticationToken", http.StatusForbidden},
	CodeIncomplete:       {"IncompleteSignature", http.StatusBadRequest},
	CodeUnrecognized:     {"InvalidClientTokenId", http.StatusForbidden},
	CodeInvalidSignature: {"SignatureDoesNotMatch", http.StatusForbidden},
}

// authError returns an authentication error; a missing token is 403, the
// others 400, as AWS's JSON services send them.
func authError(code, message string) *apierr.Error {
	e := apierr.New(code, message)
	if code == CodeMissingToken {
		e.Status = http.StatusForbidden
	}
	return e
}

// repeatedHeader returns the name of a header that the request repeats and
// must not: one the client signed, X-Amz-Date or Authorization; or "" if
// there is none. Go reads the first of repeated headers where a proxy may
// read the last, and the signer signs them all joined by commas, so a value
// added to a signed request would otherwise go unnoticed (X-Amz-Date, which
// is signed as the signing time rather than as a header) or mean one thing
// to the proxy and another to Starling. Host is not among the headers: Go
// refuses a request that repeats it.
func repeatedHeader(r *http.Request, cred Credential) string {
	for _, name := range []string{"X-Amz-Date", "Authorization"} {
		if len(r.Header.Values(name)) > 1 {
			return name
		}
	}
	for _, name := range cred.SignedHeaders {
		if len(r.Header.Values(name)) > 1 {
			return truncate(http.CanonicalHeaderKey(name))
		}
	}
	return ""
}

// signs reports whether the credential's SignedHeaders include name.
func signs(c Credential, name string) bool {
	for _, h := range c.SignedHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}
