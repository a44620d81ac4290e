// Package importertest writes AWS Config delivery files for tests: the
// fixtures under testdata, in AWS Config's file form, laid out in a
// temporary directory as AWS Config delivers them to S3 (gzip'd or not),
// and files that are broken in each of the ways an import must report.
//
// The fixtures are written here, after the shapes of AWS's documented and
// delivered files (AWS Config Developer Guide, "Example Configuration
// History File" and "Example Amazon SNS Notifications"; the S3 bucket
// example CI of awslabs/aws-config-rdk). The delivery tree is built at test
// time because its file names hold "::", which a Go module may not.
package importertest

import (
	"bytes"
	"compress/gzip"
	"embed"
	"os"
	"path/filepath"
	"testing"
)

//go:embed testdata/*.json
var fixtures embed.FS

// The sources of the fixtures.
const (
	AccountA = "111111111111"
	AccountB = "222222222222"
)

// Fixture returns the content of a fixture file of testdata.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Gzip returns b gzip'd.
func Gzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Write writes b to dir/rel, creating its directories.
func Write(t testing.TB, dir, rel string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The delivery tree's files, relative to its root. Account A records in
// us-east-1 (a snapshot taken at 10:30 and the EC2 instances' history file
// of 06:00-12:00, which holds the snapshot's instance version again, a
// later one, and an instance created and deleted) and in eu-west-1 (a
// snapshot); account B's history file is under a Control Tower style
// prefix (the organization id), not gzip'd.
const (
	SnapshotAUSEast1 = "AWSLogs/111111111111/Config/us-east-1/2026/6/1/ConfigSnapshot/111111111111_Config_us-east-1_ConfigSnapshot_20260601T103000Z_2f6c1a8e-5d0b-4c4e-9a57-0e3f1b2c4d5e.json.gz"
	HistoryAUSEast1  = "AWSLogs/111111111111/Config/us-east-1/2026/6/1/ConfigHistory/111111111111_Config_us-east-1_ConfigHistory_AWS::EC2::Instance_20260601T060000Z_20260601T120000Z_1.json.gz"
	SnapshotAEUWest1 = "AWSLogs/111111111111/Config/eu-west-1/2026/6/1/ConfigSnapshot/111111111111_Config_eu-west-1_ConfigSnapshot_20260601T103000Z_7a0d3c52-93e4-4b7e-8f0c-1d2e3f4a5b6c.json.gz"
	HistoryBEUWest1  = "o-exampleorg/AWSLogs/222222222222/Config/eu-west-1/2026/6/2/ConfigHistory/222222222222_Config_eu-west-1_ConfigHistory_AWS::S3::Bucket_20260602T120000Z_20260602T180000Z_1.json"
	// WritabilityCheck is the empty object AWS Config writes to check
	// that it may write to the bucket: not a delivery file.
	WritabilityCheck = "AWSLogs/111111111111/Config/ConfigWritabilityCheckFile"
)

// Tree writes the delivery tree into a new temporary directory and returns
// the directory.
func Tree(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	Write(t, dir, SnapshotAUSEast1, Gzip(t, Fixture(t, "snapshot-a-us-east-1.json")))
	Write(t, dir, HistoryAUSEast1, Gzip(t, Fixture(t, "history-a-us-east-1-instance.json")))
	Write(t, dir, SnapshotAEUWest1, Gzip(t, Fixture(t, "snapshot-a-eu-west-1.json")))
	Write(t, dir, HistoryBEUWest1, Fixture(t, "history-b-eu-west-1-bucket.json"))
	Write(t, dir, WritabilityCheck, nil)
	return dir
}

// A bad file: its name in the directory BadFiles writes, and the reason an
// import must give for it.
type Bad struct {
	Name, Reason string
}

// BadFiles writes into a new temporary directory one file for each way a
// file can be bad, and returns the directory and what an import must
// report of each file.
func BadFiles(t testing.TB) (string, []Bad) {
	t.Helper()
	dir := t.TempDir()
	snapshot := Gzip(t, Fixture(t, "snapshot-a-us-east-1.json"))
	Write(t, dir, "not-json.json", Fixture(t, "bad-not-json.json"))
	Write(t, dir, "wrong-format.json", Fixture(t, "bad-wrong-format.json"))
	Write(t, dir, "missing-key.json.gz", Gzip(t, Fixture(t, "bad-missing-key.json")))
	Write(t, dir, "truncated.json.gz", snapshot[:len(snapshot)*2/3])
	// A snapshot of account A filed under account B's delivery path.
	Write(t, dir, "AWSLogs/222222222222/Config/us-east-1/2026/6/1/ConfigSnapshot/snapshot.json.gz", snapshot)
	return dir, []Bad{
		{"not-json.json", "want a delivery file (a JSON object), got text that is not JSON (it begins with '<')"},
		{"wrong-format.json", "the file has no configurationItems"},
		{"missing-key.json.gz", "configurationItems[1]: missing resourceId"},
		{"truncated.json.gz", "the gzip stream is truncated"},
		{"AWSLogs/222222222222/Config/us-east-1/2026/6/1/ConfigSnapshot/snapshot.json.gz", "configurationItems[0] (AWS::EC2::Instance i-0a1b2c3d4e5f60001): of account 111111111111, in a file delivered for account 222222222222"},
	}
}
