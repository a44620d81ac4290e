package generate

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
)

// Words that names are made of.
var (
	apps = []string{
		"payments", "checkout", "catalog", "search", "identity", "billing", "orders", "inventory",
		"analytics", "reporting", "notifications", "gateway", "ledger", "recommendations", "media",
		"shipping", "pricing", "fraud", "support", "loyalty",
	}
	fnWords = []string{
		"processor", "handler", "worker", "sync", "ingest", "export", "resize", "notify", "scheduler",
		"cleanup", "validator", "router", "indexer", "aggregator", "webhook", "reconciler",
	}
	bucketWords = []string{"logs", "assets", "data", "backups", "artifacts", "uploads", "reports", "exports", "static", "archive"}
	roleWords   = []string{"web", "api", "worker", "batch", "bastion", "db", "cache", "queue", "admin"}
	owners      = []string{"platform", "sre", "data", "security", "backend", "frontend", "finops"}
)

const (
	hexDigits   = "0123456789abcdef"
	upperAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum  = "abcdefghijklmnopqrstuvwxyz0123456789"
	iamIDDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" // the unique ids of IAM use these
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// ec2ID is an EC2 id of today's form: a prefix and 17 hex digits.
func ec2ID(r *rand.Rand, prefix string) string { return prefix + "-0" + randString(r, hexDigits, 16) }

// iamID is an IAM unique id: a four-letter prefix (AROA roles, AIDA users,
// ANPA policies, AGPA groups) and 17 more characters.
func iamID(r *rand.Rand, prefix string) string { return prefix + randString(r, iamIDDigits, 17) }

func uuid(r *rand.Rand) string {
	s := randString(r, hexDigits, 32)
	return s[:8] + "-" + s[8:12] + "-4" + s[13:16] + "-" + string("89ab"[r.IntN(4)]) + s[17:20] + "-" + s[20:]
}

// ipString renders an IPv4 address.
func ipString(ip uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", ip>>24, ip>>16&0xff, ip>>8&0xff, ip&0xff)
}

// privateDNS is EC2's private DNS name of an address.
func privateDNS(ip uint32, region string) string {
	name := "ip-" + strings.ReplaceAll(ipString(ip), ".", "-")
	if region == "us-east-1" {
		return name + ".ec2.internal"
	}
	return name + "." + region + ".compute.internal"
}

func macAddress(r *rand.Rand) string {
	s := randString(r, hexDigits, 10)
	return "0e:" + s[0:2] + ":" + s[2:4] + ":" + s[4:6] + ":" + s[6:8] + ":" + s[8:10]
}

// azID is the zone id of a zone, such as use1-az4 for us-east-1d.
func azID(region string, zone byte) string {
	parts := strings.Split(region, "-")
	short := ""
	for _, p := range parts[:len(parts)-1] {
		short += p[:1]
	}
	if len(parts[0]) == 2 {
		short = parts[0] + short[1:]
	}
	return fmt.Sprintf("%s%s-az%d", short, parts[len(parts)-1], int(zone-'a')+1)
}

// lambdaTime is the form of Lambda's lastModified.
func lambdaTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// policyDocument is an IAM policy document as IAM records it in AWS Config:
// URL-encoded JSON.
func policyDocument(doc string) string { return url.QueryEscape(doc) }

// canonicalID is an S3 canonical user id of an account.
func canonicalID(account string) string {
	r := rand.New(rand.NewPCG(subSeed(0, account), 7))
	return randString(r, hexDigits, 64)
}
