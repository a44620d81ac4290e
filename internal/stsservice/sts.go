// Package stsservice serves the one AWS STS call Starling answers,
// GetCallerIdentity, so that users can check which account an access key
// maps to (AWS STS API Reference, GetCallerIdentity).
package stsservice

import (
	"context"
	"errors"
	"net/url"

	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/identity"
)

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// CallerIdentity is GetCallerIdentity's result.
type CallerIdentity struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

// GetCallerIdentity answers as AWS does for an account's root user: the
// account id is the user id and the ARN is arn:aws:iam::<account>:root.
// Starling has no IAM users; every key of an account acts as its root.
func GetCallerIdentity(ctx context.Context, _ url.Values) (any, error) {
	c, ok := identity.CallerFrom(ctx)
	if !ok {
		return nil, apierr.Internal(errors.New("stsservice: no caller in context"))
	}
	return &CallerIdentity{UserID: c.AccountID, Account: c.AccountID, Arn: "arn:aws:iam::" + c.AccountID + ":root"}, nil
}
