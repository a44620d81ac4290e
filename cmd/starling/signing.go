package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// signAs returns the credentials that import and export sign their
// requests to --endpoint with, for the source account's data:
//
//   - when the environment has AWS_ACCESS_KEY_ID (and AWS_SECRET_ACCESS_KEY,
//     AWS_SESSION_TOKEN), those, for every account: a server in --auth
//     verify mode knows them, and lets their principal read and write its
//     own account's data only;
//   - otherwise the account id as the access key, with any secret: a
//     server in the default --auth accept mode takes a 12-digit key as the
//     account, so the command acts as each account in turn.
func signAs(getenv func(string) string) func(account string) aws.Credentials {
	if key := getenv("AWS_ACCESS_KEY_ID"); key != "" {
		creds := aws.Credentials{
			AccessKeyID:     key,
			SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken:    getenv("AWS_SESSION_TOKEN"),
			Source:          "environment",
		}
		return func(string) aws.Credentials { return creds }
	}
	return func(account string) aws.Credentials {
		return aws.Credentials{AccessKeyID: account, SecretAccessKey: secret, Source: "account id"}
	}
}

// serverClient is the HTTP client of a remote server, trusting the
// certificates of the PEM file caCert (--ca-cert) besides the system's.
func serverClient(caCert string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	if caCert != "" {
		pem, err := os.ReadFile(caCert)
		if err != nil {
			return nil, fmt.Errorf("--ca-cert: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-cert %s holds no PEM certificate", caCert)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}
