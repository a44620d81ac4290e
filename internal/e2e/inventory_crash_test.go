package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// TestCrash_AcknowledgedItemsSurviveKill9 is TestCrash_AcknowledgedWritesSurviveKill9
// for the configuration-item store: it kills the server with SIGKILL in the
// middle of an ingest load and checks, after a restart on the same data
// directory, that every version of every batch the server acknowledged is
// recorded, in both --sync modes.
func TestCrash_AcknowledgedItemsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, args := range crashModes() {
		t.Run(strings.Join(args, " "), func(t *testing.T) { crashItemsAndCheck(t, bin, args...) })
	}
}

// itemsPerBatch is how many resources a batch records a version of, and
// versionsPerResource how many consecutive batches of a writer record the
// same resources (versions 1, 2, ...).
const (
	itemsPerBatch       = 3
	versionsPerResource = 3
)

func crashItemsAndCheck(t *testing.T, bin string, args ...string) {
	const region = "us-east-1"
	data := t.TempDir()
	args = withStore(t, args)
	p := startProcess(t, bin, data, args...)
	startRecording(t, (&server{t: t, url: p.url}).config(acctA, region), nil)

	// The writers post over raw HTTP with their own transport: they must
	// not fail the test from their goroutines when the server goes away.
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	post := func(body string) (int, error) {
		req, err := http.NewRequest(http.MethodPost, p.url+"/", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", ingestTarget)
		req.Header.Set("Authorization", authAs(acctA, region))
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}

	const (
		writers   = 4
		loadFor   = 2 * time.Second
		killAfter = 1000 // acknowledged batches; whichever comes first
	)
	base := time.Now().Add(-time.Hour)
	var (
		mu      sync.Mutex
		acked   = map[string][]int64{} // resource id -> acknowledged stateIds
		batches int
		refused []string
		wg      sync.WaitGroup
		once    sync.Once
	)
	killed := make(chan struct{})
	kill := func() {
		once.Do(func() {
			_ = p.cmd.Process.Signal(os.Kill)
			close(killed)
		})
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				group, version := i/versionsPerResource, int64(i%versionsPerResource+1)
				ids := make([]string, itemsPerBatch)
				items := make([]fileCI, itemsPerBatch)
				for k := range ids {
					ids[k] = fmt.Sprintf("i-w%d-g%05d-%d", w, group, k)
					items[k] = fileItem(acctA, region, string(typeInstance), ids[k], version,
						base.Add(time.Duration(version)*time.Second)).with("configuration", map[string]any{"id": ids[k], "v": version})
				}
				status, err := post(deliveryFile(items...))
				if err != nil {
					return // the server is gone
				}
				if status != 200 {
					mu.Lock()
					refused = append(refused, fmt.Sprintf("batch %d of writer %d: status %d", i, w, status))
					mu.Unlock()
					kill()
					return
				}
				mu.Lock()
				for _, id := range ids {
					acked[id] = append(acked[id], version)
				}
				batches++
				n := batches
				mu.Unlock()
				if n >= killAfter {
					kill()
				}
			}
		}()
	}
	select {
	case <-killed:
	case <-time.After(loadFor):
		kill()
	}
	wg.Wait()
	_ = p.cmd.Wait()
	if len(refused) > 0 {
		t.Fatalf("ingest refused batches before the kill: %q", refused)
	}
	if batches == 0 {
		t.Fatal("no batch was acknowledged before the kill")
	}

	p2 := startProcess(t, bin, data, args...)
	// Reading back may retry, as in crashAndCheck: reads are safe to repeat.
	c := (&server{t: t, url: p2.url}).config(acctA, region)
	c = configservice.New(c.Options(), func(o *configservice.Options) { o.RetryMaxAttempts = 3 })

	ids := make([]string, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	lost := 0
	lose := func(format string, a ...any) {
		lost++
		if lost <= 20 {
			t.Errorf(format, a...)
		}
	}
	// The latest version of each resource, 100 keys a call.
	for chunk := range slices.Chunk(ids, 100) {
		keys := make([]types.ResourceKey, len(chunk))
		for i, id := range chunk {
			keys[i] = types.ResourceKey{ResourceType: typeInstance, ResourceId: aws.String(id)}
		}
		out := must(c.BatchGetResourceConfig(context.Background(), &configservice.BatchGetResourceConfigInput{ResourceKeys: keys})).get(t)
		latest := map[string]int64{}
		for _, it := range out.BaseConfigurationItems {
			n, err := strconv.ParseInt(aws.ToString(it.ConfigurationStateId), 10, 64)
			if err != nil {
				t.Fatalf("resource %s: configurationStateId %q: %v", aws.ToString(it.ResourceId), aws.ToString(it.ConfigurationStateId), err)
			}
			latest[aws.ToString(it.ResourceId)] = n
		}
		for _, id := range chunk {
			if got, want := latest[id], slices.Max(acked[id]); got < want {
				lose("resource %s: latest stateId after kill -9 = %d; want >= %d (acknowledged)", id, got, want)
			}
		}
	}
	// Every acknowledged version in each resource's history.
	versions := 0
	for _, id := range ids {
		have := map[string]bool{}
		for _, it := range history(t, c, typeInstance, id, 0) {
			have[aws.ToString(it.ConfigurationStateId)] = true
		}
		for _, v := range acked[id] {
			versions++
			if !have[strconv.FormatInt(v, 10)] {
				lose("resource %s: acknowledged version %d missing from history after kill -9 (history %v)", id, v, have)
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d acknowledged versions lost (%d batches, %d resources, %d versions acknowledged)", lost, batches, len(ids), versions)
	}
	t.Logf("%d acknowledged batches (%d resources, %d versions) before kill -9, all present after restart", batches, len(ids), versions)
}
