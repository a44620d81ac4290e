#!/usr/bin/env bash
# The aggregated-inventory passes of docs/performance.md ("Aggregated
# inventory (issue 14)", "After the fixes"): for each endpoint, a List and a
# BatchGet load at concurrency 8, then Counts by each GroupByKey one at a
# time. SQLITE and POSTGRES are the endpoints of two servers over the same
# generated data; PASSES is how many times to run the whole set.
set -u
SQLITE=${SQLITE:-http://127.0.0.1:4612}
POSTGRES=${POSTGRES:-http://127.0.0.1:4611}
LOAD=${LOAD:-starling-load}
for pass in $(seq 1 "${PASSES:-2}"); do
  for e in "$SQLITE" "$POSTGRES"; do
    for op in agg-list agg-batchget; do
      echo "=== pass $pass $e $op $(uptime)"
      "$LOAD" run --endpoint "$e" --op "$op" --names 1000 --concurrency 8 --duration 20s --warmup 2s --rounds 2 2>&1 | grep -A2 "requests  errors"
    done
    for g in RESOURCE_TYPE ACCOUNT_ID AWS_REGION; do
      echo "=== pass $pass $e counts $g c=1 $(uptime)"
      "$LOAD" run --endpoint "$e" --op agg-counts --group "$g" --concurrency 1 --duration 10s --warmup 2s 2>&1 | grep -A2 "requests  errors"
    done
  done
done
