# Helpers of the scripts of docs/bench, sourced by them after they set
# ENDPOINT, AGGREGATOR, OWNER, OWNER_REGION and TARGET.

# call OPERATION ACCOUNT REGION BODY: one request, signed with SigV4 in
# Starling's accept mode (the access key is the account).
call() {
  curl -sS --fail-with-body -X POST "$ENDPOINT/" -u "$2:x" --aws-sigv4 "aws:amz:$3:config" \
    -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Target: $TARGET.$1" -d "$4"
}

# groups KEY: the group names of the aggregator's compliance summary by
# KEY (ACCOUNT_ID or AWS_REGION), every page.
groups() {
  local token="" body out
  while :; do
    body=$(jq -cn --arg a "$AGGREGATOR" --arg k "$1" --arg t "$token" \
      '{ConfigurationAggregatorName: $a, GroupByKey: $k, Limit: 1000} + (if $t == "" then {} else {NextToken: $t} end)')
    out=$(call GetAggregateConfigRuleComplianceSummary "$OWNER" "$OWNER_REGION" "$body")
    jq -r '.AggregateComplianceCounts[].GroupName' <<<"$out"
    token=$(jq -r '.NextToken // ""' <<<"$out")
    [ -n "$token" ] || break
  done
}
