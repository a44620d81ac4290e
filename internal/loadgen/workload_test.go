package loadgen

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/apptest"
	"github.com/starlingcfg/starling/internal/config"
)

// TestPrepareBatchGet records the batchget workload's instances on a real
// Starling and checks that each request of the plan finds its instance.
func TestPrepareBatchGet(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	url, _ := apptest.Start(t, cfg, app.Options{})
	c := NewClient(url, NewHTTPClient(1), "111111111111", "x", "eu-west-1")
	ctx := context.Background()
	const n = 1201 // more than two ingest batches
	plan, err := Prepare(ctx, c, OpBatchGet, n)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	for _, i := range []uint64{0, 1, n - 1, n, 2*n + 7} {
		req := plan.Request(i)
		resp, err := c.CallOK(ctx, req.Op, req.Body)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		var out struct {
			BaseConfigurationItems []struct{ ResourceID, AccountID, AwsRegion string } `json:"baseConfigurationItems"`
		}
		if err := json.Unmarshal(resp, &out); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		want := instanceID(int(i % n))
		if len(out.BaseConfigurationItems) != 1 || out.BaseConfigurationItems[0].ResourceID != want ||
			out.BaseConfigurationItems[0].AccountID != "111111111111" || out.BaseConfigurationItems[0].AwsRegion != "eu-west-1" {
			t.Errorf("request %d = %s; want instance %s of 111111111111 in eu-west-1", i, Truncate(resp, 300), want)
		}
	}
}
