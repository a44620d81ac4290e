package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	starcfg "github.com/starlingcfg/starling/internal/configservice"
)

// The source-account resource tests record configuration items (CIs) the
// way a test suite would: a recording recorder, then Starling's ingest
// operation with CIs in AWS Config's delivery-file form, over raw HTTP.

// ingestTarget is the X-Amz-Target of Starling's ingest operation.
const ingestTarget = starcfg.IngestTargetPrefix + ".PutConfigurationItems"

// authAs is an Authorization header naming account and region. Accept mode
// checks no signature: the credential scope is all it reads.
func authAs(account, region string) string {
	return "AWS4-HMAC-SHA256 Credential=" + account + "/20260102/" + region +
		"/config/aws4_request, SignedHeaders=host, Signature=00"
}

// ingest posts a delivery-file body to the ingest operation as account in
// region.
func (s *server) ingest(t *testing.T, account, region, body string) rawResponse {
	t.Helper()
	return s.post(t, ingestTarget, body, "Authorization", authAs(account, region))
}

// mustIngest ingests items and returns the counts, failing the test unless
// the call succeeds.
func (s *server) mustIngest(t *testing.T, account, region string, items ...fileCI) (newCount, unchanged, superseded int) {
	t.Helper()
	r := s.ingest(t, account, region, deliveryFile(items...))
	if r.status != 200 {
		t.Fatalf("PutConfigurationItems = %d %s; want 200", r.status, r.raw)
	}
	var out struct{ New, Unchanged, Superseded int }
	if err := json.Unmarshal([]byte(r.raw), &out); err != nil {
		t.Fatalf("PutConfigurationItems answered %s: %v", r.raw, err)
	}
	return out.New, out.Unchanged, out.Superseded
}

// fileCI is one CI in the form AWS Config's snapshot and history files hold
// it (AWS Config Developer Guide, "Example Configuration History File").
type fileCI map[string]any

// isoTime renders t as the files do, ISO 8601 with milliseconds.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// fileItem returns a CI of account and region with every member a real
// file has: no name, no creation time, configuration {"id": id}.
func fileItem(account, region, typ, id string, stateID int64, captured time.Time) fileCI {
	return fileCI{
		"relatedEvents":                []any{},
		"relationships":                []any{},
		"configuration":                map[string]any{"id": id},
		"supplementaryConfiguration":   map[string]any{},
		"tags":                         map[string]any{},
		"configurationItemVersion":     "1.3",
		"configurationItemCaptureTime": isoTime(captured),
		"configurationStateId":         stateID,
		"awsAccountId":                 account,
		"configurationItemStatus":      "OK",
		"resourceType":                 typ,
		"resourceId":                   id,
		"resourceName":                 nil,
		"ARN":                          "arn:aws:test:" + region + ":" + account + ":" + id,
		"awsRegion":                    region,
		"availabilityZone":             "Not Applicable",
		"configurationStateMd5Hash":    "",
		"resourceCreationTime":         nil,
	}
}

// with returns the CI with member k set to v (nil for null); it changes c.
func (c fileCI) with(k string, v any) fileCI {
	c[k] = v
	return c
}

// without returns the CI without member k; it changes c.
func (c fileCI) without(k string) fileCI {
	delete(c, k)
	return c
}

// deleted returns the CI as the version recording the resource's deletion.
func (c fileCI) deleted() fileCI {
	return c.with("configurationItemStatus", "ResourceDeleted").with("configuration", nil)
}

// deliveryFile returns the top-level object of a delivery file holding items.
func deliveryFile(items ...fileCI) string {
	if items == nil {
		items = []fileCI{}
	}
	b, err := json.Marshal(map[string]any{"fileVersion": "1.0", "configurationItems": items})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// startRecording gives the client's account and region a recording
// recorder, with the recording group (nil: all supported types), and a
// delivery channel.
func startRecording(t *testing.T, c *configservice.Client, group *types.RecordingGroup) {
	t.Helper()
	ctx := context.Background()
	in := putRecorderInput("default")
	in.ConfigurationRecorder.RecordingGroup = group
	_ = must(c.PutConfigurationRecorder(ctx, in)).get(t)
	_ = must(c.PutDeliveryChannel(ctx, putChannelInput("default"))).get(t)
	_ = must(c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
}

// stopRecording stops the client's recorder.
func stopRecording(t *testing.T, c *configservice.Client) {
	t.Helper()
	_ = must(c.StopConfigurationRecorder(context.Background(), &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
}

// history returns the resource's whole history, newest first, through
// every page of limit items.
func history(t *testing.T, c *configservice.Client, typ types.ResourceType, id string, limit int32) []types.ConfigurationItem {
	t.Helper()
	var all []types.ConfigurationItem
	in := &configservice.GetResourceConfigHistoryInput{ResourceType: typ, ResourceId: aws.String(id), Limit: limit}
	for {
		out := must(c.GetResourceConfigHistory(context.Background(), in)).get(t)
		all = append(all, out.ConfigurationItems...)
		if out.NextToken == nil {
			return all
		}
		in.NextToken = out.NextToken
	}
}

// stateIDs renders the items' configurationStateIds and statuses.
func stateIDs(items []types.ConfigurationItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = aws.ToString(it.ConfigurationStateId) + ":" + string(it.ConfigurationItemStatus)
	}
	return out
}

// resourceIDs renders the identifiers' ids, deleted ones marked.
func resourceIDs(ids []types.ResourceIdentifier) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = aws.ToString(id.ResourceId)
		if id.ResourceDeletionTime != nil {
			out[i] += "(deleted " + isoTime(*id.ResourceDeletionTime) + ")"
		}
	}
	return out
}
