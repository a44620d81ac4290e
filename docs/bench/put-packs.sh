#!/usr/bin/env bash
# Puts a conformance pack (PACK, three managed rules) in every source of an
# aggregator, PARALLEL requests at a time, as the data of the aggregated
# pack reads of docs/performance.md ("Compliance (issue 16)"): an
# organization pack deployed to every account gives each source one. The
# sources are the accounts and regions of the aggregator's compliance
# summaries, as docs/bench/evaluate-rules.sh finds them; one curl process
# sends every request (SigV4 in Starling's accept mode: the access key is
# the account). Each PutConformancePack evaluates its rules over the
# source's items, as AWS does when a pack is deployed.
#
#   ENDPOINT=http://127.0.0.1:4630 docs/bench/put-packs.sh
set -eu
ENDPOINT=${ENDPOINT:-http://127.0.0.1:4630}
AGGREGATOR=${AGGREGATOR:-generated}
OWNER=${OWNER:-000000000000}
OWNER_REGION=${OWNER_REGION:-us-east-1}
PARALLEL=${PARALLEL:-4}
PACK=${PACK:-baseline}
TARGET=StarlingDoveService

. "$(dirname "$0")/lib.sh"

template='Resources:
  Versioning:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: versioning
      Source:
        Owner: AWS
        SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED
  Volumes:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: encrypted-volumes
      Source:
        Owner: AWS
        SourceIdentifier: ENCRYPTED_VOLUMES
  Ssh:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: incoming-ssh-disabled
      Source:
        Owner: AWS
        SourceIdentifier: INCOMING_SSH_DISABLED
'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jq -cn --arg n "$PACK" --arg t "$template" '{ConformancePackName: $n, TemplateBody: $t}' >"$tmp/body.json"
groups ACCOUNT_ID >"$tmp/accounts"
groups AWS_REGION >"$tmp/regions"
awk -v ep="$ENDPOINT" -v target="$TARGET" -v body="$tmp/body.json" 'NR == FNR { regions[++nr] = $0; next } {
  for (i = 1; i <= nr; i++) {
    if (n++) print "next"
    printf "url = \"%s/\"\nuser = \"%s:x\"\naws-sigv4 = \"aws:amz:%s:config\"\n", ep, $0, regions[i]
    print "header = \"Content-Type: application/x-amz-json-1.1\""
    printf "header = \"X-Amz-Target: %s.PutConformancePack\"\n", target
    printf "data = \"@%s\"\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code}\\n\"\n", body
  }
}' "$tmp/regions" "$tmp/accounts" >"$tmp/curl.conf"
n=$(grep -c '^url' "$tmp/curl.conf")
echo "PutConformancePack $PACK in $n sources, $PARALLEL at a time"
start=$(date +%s.%N)
curl --no-progress-meter --parallel --parallel-max "$PARALLEL" -K "$tmp/curl.conf" >"$tmp/codes"
end=$(date +%s.%N)
bad=$(grep -vc '^200$' "$tmp/codes" || true)
awk -v s="$start" -v e="$end" -v n="$n" -v bad="$bad" 'BEGIN { printf "%d requests (%d not 200) in %.2f s\n", n, bad, e - s }'
[ "$bad" -eq 0 ]
