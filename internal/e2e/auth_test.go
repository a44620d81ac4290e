package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/config"
)

// The principals of the verify-mode tests. The second key looks like an
// account id but belongs to another account: in verify mode the account is
// the profile's, never the key.
const (
	verifyKeyMgmt         = "AKIAVERIFYMANAGEMENT"
	verifySecretMgmt      = "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"
	verifyAcctMgmt        = "111111111111"
	verifyKeyOther        = "999999999999"
	verifySecretOther     = "o7HerSecretKeyVALUE+/0123456789abcdefgh"
	verifyAcctOther       = "444444444444"
	verifyCredentials     = "# principals of the verify-mode tests\n[management]\naws_access_key_id = " + verifyKeyMgmt + "\naws_secret_access_key = " + verifySecretMgmt + "\naws_account_id = " + verifyAcctMgmt + "\n\n; a key that looks like an account\n[other]\naws_access_key_id = " + verifyKeyOther + "\naws_secret_access_key = " + verifySecretOther + "\naws_account_id = " + verifyAcctOther + "\n"
	verifyMsgMismatch     = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	verifyMsgUnknownKey   = "The security token included in the request is invalid."
	verifyMsgMissingToken = "Request is missing Authentication Token"
	verifyTargetConfig    = "StarlingDoveService.DescribeConfigurationAggregators"
)

// startVerifyServer runs Starling with --auth verify and the test
// principals, like startServer. Its fake clock starts at the real time,
// because the SDK clients sign with the real time; logger may be nil.
func startVerifyServer(t *testing.T, logger *slog.Logger) *server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(verifyCredentials), 0o600); err != nil {
		t.Fatal(err)
	}
	// The SDK clients sign with the real time, so the server's clock starts there.
	return launch(t, logger, clock.NewFake(time.Now().UTC().Truncate(time.Second)), func(c *config.Config) {
		c.Auth, c.CredentialsFile = config.AuthVerify, path
	})
}

// verifyHTTPClient is an SDK HTTP client that remembers the Authorization
// headers it sent.
type verifyHTTPClient struct {
	next *awshttp.BuildableClient
	mu   sync.Mutex
	auth []string
}

func (c *verifyHTTPClient) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.auth = append(c.auth, r.Header.Get("Authorization"))
	c.mu.Unlock()
	return c.next.Do(r)
}

// signatures returns the Signature values of the requests sent so far.
func (c *verifyHTTPClient) signatures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sigs []string
	for _, a := range c.auth {
		if _, sig, ok := strings.Cut(a, "Signature="); ok {
			sigs = append(sigs, sig)
		}
	}
	return sigs
}

func newVerifyHTTPClient() *verifyHTTPClient {
	return &verifyHTTPClient{next: awshttp.NewBuildableClient()}
}

// verifyConfig returns an AWS Config client with the key and secret.
func (s *server) verifyConfig(key, secret, region string, hc *verifyHTTPClient) *configservice.Client {
	if hc == nil {
		hc = newVerifyHTTPClient()
	}
	return configservice.New(configservice.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      sdkRetryer(),
		HTTPClient:   hc,
	})
}

func (s *server) verifyOrgs(key, secret string, hc *verifyHTTPClient) *organizations.Client {
	if hc == nil {
		hc = newVerifyHTTPClient()
	}
	return organizations.New(organizations.Options{
		Region:       "eu-central-1",
		BaseEndpoint: aws.String(s.url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      sdkRetryer(),
		HTTPClient:   hc,
	})
}

func (s *server) verifySTS(key, secret string, hc *verifyHTTPClient) *sts.Client {
	if hc == nil {
		hc = newVerifyHTTPClient()
	}
	return sts.New(sts.Options{
		Region:       "ap-southeast-2",
		BaseEndpoint: aws.String(s.url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      sdkRetryer(),
		HTTPClient:   hc,
	})
}

// verifySignedPost sends an awsJson request signed for service at the given time.
func (s *server) verifySignedPost(t *testing.T, key, secret, service, target, body string, at time.Time) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), service, "us-west-2", at); err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func TestVerify_SDKClientsRunAsTheProfilesAccount(t *testing.T) {
	s := startVerifyServer(t, nil)
	ctx := context.Background()

	agg := must(s.verifyConfig(verifyKeyMgmt, verifySecretMgmt, "eu-west-1", nil).
		PutConfigurationAggregator(ctx, putAccounts("verified", acctB))).get(t).ConfigurationAggregator
	if arn := aws.ToString(agg.ConfigurationAggregatorArn); !strings.HasPrefix(arn, "arn:aws:config:eu-west-1:"+verifyAcctMgmt+":") {
		t.Errorf("aggregator ARN = %s; want one of account %s in eu-west-1", arn, verifyAcctMgmt)
	}
	// The key 999999999999 acts as its profile's account, not as itself.
	agg = must(s.verifyConfig(verifyKeyOther, verifySecretOther, "eu-west-1", nil).
		PutConfigurationAggregator(ctx, putAccounts("verified", acctB))).get(t).ConfigurationAggregator
	if arn := aws.ToString(agg.ConfigurationAggregatorArn); !strings.HasPrefix(arn, "arn:aws:config:eu-west-1:"+verifyAcctOther+":") {
		t.Errorf("aggregator ARN = %s; want one of account %s", arn, verifyAcctOther)
	}
	// Without a region the Go SDK signs with an empty one: us-east-1.
	agg = must(s.verifyConfig(verifyKeyMgmt, verifySecretMgmt, "", nil).
		PutConfigurationAggregator(ctx, putAccounts("no-region", acctB))).get(t).ConfigurationAggregator
	if arn := aws.ToString(agg.ConfigurationAggregatorArn); !strings.HasPrefix(arn, "arn:aws:config:us-east-1:"+verifyAcctMgmt+":") {
		t.Errorf("aggregator ARN without a region = %s; want us-east-1", arn)
	}

	org := must(s.verifyOrgs(verifyKeyMgmt, verifySecretMgmt, nil).CreateOrganization(ctx, &organizations.CreateOrganizationInput{
		FeatureSet: orgtypes.OrganizationFeatureSetAll,
	})).get(t).Organization
	if aws.ToString(org.MasterAccountId) != verifyAcctMgmt {
		t.Errorf("organization management account = %s; want %s", aws.ToString(org.MasterAccountId), verifyAcctMgmt)
	}

	for key, want := range map[string]string{verifyKeyMgmt: verifyAcctMgmt, verifyKeyOther: verifyAcctOther} {
		secret := map[string]string{verifyKeyMgmt: verifySecretMgmt, verifyKeyOther: verifySecretOther}[key]
		id := must(s.verifySTS(key, secret, nil).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})).get(t)
		if aws.ToString(id.Account) != want || aws.ToString(id.Arn) != "arn:aws:iam::"+want+":root" {
			t.Errorf("GetCallerIdentity as %s = %s %s; want account %s", key, aws.ToString(id.Account), aws.ToString(id.Arn), want)
		}
	}
}

func TestVerify_Refusals(t *testing.T) {
	s := startVerifyServer(t, nil)
	ctx := context.Background()

	_, err := s.verifyConfig(verifyKeyMgmt, "not-the-secret", "us-east-1", nil).DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
	wantError(t, err, "InvalidSignatureException", verifyMsgMismatch)
	_, err = s.verifyOrgs(verifyKeyMgmt, verifySecretOther, nil).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "InvalidSignatureException", verifyMsgMismatch)
	_, err = s.verifyConfig("AKIAUNKNOWN", verifySecretMgmt, "us-east-1", nil).DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
	wantError(t, err, "UnrecognizedClientException", verifyMsgUnknownKey)
	// The accept mode's convention does not apply: a 12-digit key that is
	// not in the file is unknown.
	_, err = s.verifyOrgs(acctA, "secret", nil).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "UnrecognizedClientException", verifyMsgUnknownKey)

	// STS speaks the query protocol, whose codes differ.
	_, err = s.verifySTS(verifyKeyMgmt, "not-the-secret", nil).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "SignatureDoesNotMatch", verifyMsgMismatch)
	_, err = s.verifySTS("AKIAUNKNOWN", "x", nil).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "InvalidClientTokenId", verifyMsgUnknownKey)

	// Unsigned and otherwise authenticated requests, raw.
	r := s.post(t, verifyTargetConfig, `{}`)
	wantRawError(t, r, 403, "MissingAuthenticationTokenException", verifyMsgMissingToken)
	r = s.post(t, verifyTargetConfig, `{}`, "Authorization", "Bearer abc")
	wantRawError(t, r, 403, "MissingAuthenticationTokenException", verifyMsgMissingToken)
	r = s.post(t, verifyTargetConfig, `{}`, "Authorization", "AWS4-HMAC-SHA256 Credential="+verifyKeyMgmt+"/20260102/us-east-1/config/aws4_request")
	wantRawError(t, r, 400, "IncompleteSignatureException",
		"Authorization header requires 'SignedHeaders' parameter. Authorization header requires 'Signature' parameter. "+
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	req, _ := http.NewRequest(http.MethodPost, s.url+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r = do(t, req)
	if r.status != 403 || !strings.Contains(r.raw, "<Code>MissingAuthenticationToken</Code><Message>"+verifyMsgMissingToken+"</Message>") {
		t.Errorf("unsigned STS call = %d %s; want 403 MissingAuthenticationToken", r.status, r.raw)
	}

	// A request signed 20 minutes before the server's clock has expired.
	now := s.clock.Now()
	at := now.Add(-20 * time.Minute)
	r = s.verifySignedPost(t, verifyKeyMgmt, verifySecretMgmt, "config", verifyTargetConfig, `{}`, at)
	wantRawError(t, r, 400, "InvalidSignatureException", "Signature expired: "+at.Format("20060102T150405Z")+" is now earlier than "+
		now.Add(-15*time.Minute).Format("20060102T150405Z")+" ("+now.Format("20060102T150405Z")+" - 15 min.)")
	// A signature for Organizations does not open AWS Config.
	r = s.verifySignedPost(t, verifyKeyMgmt, verifySecretMgmt, "organizations", verifyTargetConfig, `{}`, now)
	wantRawError(t, r, 400, "InvalidSignatureException", "Credential should be scoped to correct service: 'config'. ")
	// The right signature works raw too; an unsigned header may be added.
	r = s.verifySignedPost(t, verifyKeyMgmt, verifySecretMgmt, "config", verifyTargetConfig, `{}`, now)
	if r.status != 200 {
		t.Errorf("correctly signed raw request = %d %s", r.status, r.raw)
	}
}

// The default accept mode checks no signature: any secret works, and so
// does a request without one.
func TestVerify_AcceptModeIgnoresSignatures(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	agg := must(s.verifyConfig(acctA, "any secret at all", "eu-west-1", nil).PutConfigurationAggregator(ctx, putAccounts("a", acctB))).get(t)
	if arn := aws.ToString(agg.ConfigurationAggregator.ConfigurationAggregatorArn); !strings.HasPrefix(arn, "arn:aws:config:eu-west-1:"+acctA+":") {
		t.Errorf("ARN = %s", arn)
	}
	r := s.post(t, verifyTargetConfig, `{}`, "Authorization",
		"AWS4-HMAC-SHA256 Credential="+acctA+"/19990101/eu-west-1/not-config/aws4_request, SignedHeaders=host, Signature=00")
	if r.status != 200 || !strings.Contains(r.raw, `"ConfigurationAggregatorName":"a"`) {
		t.Errorf("bogus signature in accept mode = %d %s; want the account's aggregators", r.status, r.raw)
	}
	if r := s.post(t, verifyTargetConfig, `{}`); r.status != 200 {
		t.Errorf("unsigned request in accept mode = %d %s", r.status, r.raw)
	}
}

// Neither a secret nor a signature reaches the log or the metrics, whatever
// the request's fate.
func TestVerify_SecretsStayOutOfLogsAndMetrics(t *testing.T) {
	var logs lockedBuffer
	s := startVerifyServer(t, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx := context.Background()
	hc := newVerifyHTTPClient()
	_ = must(s.verifyConfig(verifyKeyMgmt, verifySecretMgmt, "eu-west-1", hc).PutConfigurationAggregator(ctx, putAccounts("logged", acctB))).get(t)
	_, err := s.verifyConfig(verifyKeyMgmt, verifySecretMgmt, "eu-west-1", hc).DescribeConfigurationAggregators(ctx,
		&configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"missing"}})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "")
	_, err = s.verifyConfig(verifyKeyMgmt, verifySecretOther, "eu-west-1", hc).DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
	wantError(t, err, "InvalidSignatureException", verifyMsgMismatch)
	_, err = s.verifyConfig("AKIAUNKNOWN", verifySecretMgmt, "eu-west-1", hc).DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
	wantError(t, err, "UnrecognizedClientException", verifyMsgUnknownKey)
	_, err = s.verifyOrgs(verifyKeyOther, verifySecretOther, hc).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", "")
	_ = must(s.verifySTS(verifyKeyOther, verifySecretOther, hc).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})).get(t)
	_, err = s.verifySTS(verifyKeyOther, verifySecretMgmt, hc).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "SignatureDoesNotMatch", verifyMsgMismatch)

	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s.stop()

	sigs := hc.signatures()
	if len(sigs) != 7 {
		t.Fatalf("recorded %d signatures; want 7", len(sigs))
	}
	log := logs.String()
	if n := strings.Count(log, `"msg":"request"`); n != 7 {
		t.Errorf("access-log lines = %d; want 7:\n%s", n, log)
	}
	if !strings.Contains(log, `"principals":2`) || !strings.Contains(log, `"account":"`+verifyAcctOther+`"`) {
		t.Errorf("the log lacks the startup line or the accounts:\n%s", log)
	}
	secrets := append([]string{verifySecretMgmt, verifySecretOther, "K7MDENG", "o7HerSecret"}, sigs...)
	for name, text := range map[string]string{"log": log, "metrics": string(metrics)} {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("the %s contains %q", name, secret)
			}
		}
		if strings.Contains(text, "Signature=") || strings.Contains(text, "AWS4-HMAC-SHA256") {
			t.Errorf("the %s contains an Authorization header", name)
		}
	}
}

// A mistake in the credentials file stops the start, naming the line and
// never the secret.
func TestVerify_BadCredentialsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	file := verifyCredentials + "[third]\naws_access_key_id = " + verifyKeyMgmt + "\naws_secret_access_key = " + verifySecretOther + "\naws_account_id = 555555555555\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Auth, cfg.CredentialsFile = config.AuthVerify, path
	err := app.Run(context.Background(), cfg, app.Options{Ready: func(net.Addr) { t.Error("the server started") }})
	want := path + ":13: access key id " + verifyKeyMgmt + " is already used on line 3"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("app.Run() = %v; want an error containing %q", err, want)
	}
	if strings.Contains(err.Error(), verifySecretOther) {
		t.Errorf("the error %q shows a secret", err)
	}
}

// TestVerify_RefusesReset checks that a verifying server, reachable by
// others, refuses the unauthenticated reset endpoints.
func TestVerify_RefusesReset(t *testing.T) {
	s := startVerifyServer(t, nil)
	for _, path := range []string{"/_starling/reset", "/moto-api/reset"} {
		req, _ := http.NewRequest(http.MethodPost, s.url+path, nil)
		if r := do(t, req); r.status != http.StatusForbidden {
			t.Errorf("POST %s in verify mode = %d; want 403", path, r.status)
		}
	}
}
