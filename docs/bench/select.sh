#!/bin/bash
# usage: docs/bench/select.sh PORT PROPERTY VALUES_FILE [PARALLEL]
# (docs/performance.md, "Advanced query")
# One SelectAggregateResourceConfig per value (type + one configuration
# property), timed by curl; prints n, p50, p90, p99, max in ms.
port=$1 prop=$2 file=$3 par=${4:-1}
q() {
  curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:config" --user "000000000000:x" \
    -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: StarlingDoveService.SelectAggregateResourceConfig' \
    -d "{\"ConfigurationAggregatorName\":\"generated\",\"Expression\":\"SELECT resourceId, accountId WHERE resourceType = 'AWS::EC2::Instance' AND configuration.$prop = '$1'\"}" \
    -w "%{time_total}\n" "http://127.0.0.1:$port/"
}
export -f q; export port prop
xargs -P "$par" -I{} bash -c 'q {}' < "$file" | sort -n | awk '{a[NR]=$1*1000} END {printf "n=%d p50=%.1f p90=%.1f p99=%.1f max=%.1f ms\n", NR, a[int(NR*0.5)], a[int(NR*0.9)], a[int(NR*0.99)], a[NR]}'
