package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Process metrics Starling exports (the Prometheus process collector).
const (
	MetricRSS = "process_resident_memory_bytes"
	MetricCPU = "process_cpu_seconds_total"
)

// Group-commit counters of Starling's SQLite store; a server on PostgreSQL
// need not export them.
const (
	MetricCommits = "starling_store_commits_total"
	MetricUpdates = "starling_store_updates_total"
	MetricSyncs   = "starling_store_syncs_total"
)

// Scrape reads the Prometheus text exposition at endpoint/metrics and
// returns its series without labels by name; labelled series are skipped.
func Scrape(ctx context.Context, hc *http.Client, endpoint string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	status, err := (&Client{http: hc}).Do(req, &buf)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("scrape metrics: HTTP %d", status)
	}
	return ParseMetrics(buf.Bytes()), nil
}

// ParseMetrics returns the unlabelled series of a Prometheus text
// exposition by name.
func ParseMetrics(text []byte) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.ContainsRune(f[0], '{') {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[f[0]] = v
		}
	}
	return out
}
