package main

import (
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
