#!/usr/bin/env bash
# The whole inventory's evaluation of docs/performance.md ("Compliance
# (issue 16)"): StartConfigRulesEvaluation of every rule of every source of
# an aggregator, PARALLEL requests at a time, as `starling generate
# --managed-rules` times it at its end, but over data generated earlier.
# The sources are the accounts and regions of the aggregator's compliance
# summaries (every source with a rule that has results); one curl process
# sends every request (SigV4 in Starling's accept mode: the access key is
# the account). ITEMS is the number of configuration items the rate is
# given for (the generated data's, as `starling generate` printed it).
# With SERVER_PID, the server's process id, or PG_PIDS, PostgreSQL's
# backends (a space-separated list), or both, on the same machine, it also
# prints the CPU time they spent, which a busy machine changes less than
# the elapsed time.
#
#   ENDPOINT=http://127.0.0.1:4630 ITEMS=1007651 SERVER_PID=$(pgrep -n starling) docs/bench/evaluate-rules.sh
#   PG_PIDS="$(pgrep -d ' ' -f 'postgres: .*starling compl1m')" docs/bench/evaluate-rules.sh
set -eu
ENDPOINT=${ENDPOINT:-http://127.0.0.1:4630}
AGGREGATOR=${AGGREGATOR:-generated}
OWNER=${OWNER:-000000000000}      # the aggregator's account
OWNER_REGION=${OWNER_REGION:-us-east-1}
PARALLEL=${PARALLEL:-4}
ITEMS=${ITEMS:-1007651}
TARGET=StarlingDoveService

. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
groups ACCOUNT_ID >"$tmp/accounts"
groups AWS_REGION >"$tmp/regions"
awk -v ep="$ENDPOINT" -v target="$TARGET" 'NR == FNR { regions[++nr] = $0; next } {
  for (i = 1; i <= nr; i++) {
    if (n++) print "next"
    printf "url = \"%s/\"\nuser = \"%s:x\"\naws-sigv4 = \"aws:amz:%s:config\"\n", ep, $0, regions[i]
    print "header = \"Content-Type: application/x-amz-json-1.1\""
    printf "header = \"X-Amz-Target: %s.StartConfigRulesEvaluation\"\n", target
    print "data = \"{}\"\noutput = \"/dev/null\"\nwrite-out = \"%{http_code}\\n\""
  }
}' "$tmp/regions" "$tmp/accounts" >"$tmp/curl.conf"
n=$(grep -c '^url' "$tmp/curl.conf")
# cpu PIDS...: the user and system time of the processes, in clock ticks.
cpu() {
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo "$t"
}
echo "StartConfigRulesEvaluation of every rule of $n sources, $PARALLEL at a time"
cpu0=$(cpu ${SERVER_PID:-} ${PG_PIDS:-})
start=$(date +%s.%N)
curl --no-progress-meter --parallel --parallel-max "$PARALLEL" -K "$tmp/curl.conf" >"$tmp/codes"
end=$(date +%s.%N)
cpu1=$(cpu ${SERVER_PID:-} ${PG_PIDS:-})
bad=$(grep -vc '^200$' "$tmp/codes" || true)
awk -v s="$start" -v e="$end" -v n="$n" -v items="$ITEMS" -v bad="$bad" 'BEGIN {
  t = e - s
  printf "%d requests (%d not 200) in %.2f s: %.0f configuration items/s over %d items\n", n, bad, t, items / t, items
}'
if [ -n "${SERVER_PID:-}${PG_PIDS:-}" ]; then
  awk -v c="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v items="$ITEMS" 'BEGIN {
    who = ENVIRON["SERVER_PID"] == "" ? "PostgreSQL" : (ENVIRON["PG_PIDS"] == "" ? "the server" : "the server and PostgreSQL")
    printf "CPU time of %s: %.2f s, %.1f µs per configuration item\n", who, c / hz, c / hz / items * 1e6
  }'
fi
[ "$bad" -eq 0 ]
