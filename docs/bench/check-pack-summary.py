#!/usr/bin/env python3
# Checks GetAggregateConformancePackComplianceSummary against the packs
# that DescribeAggregateComplianceByConformancePacks pages: each account's
# and region's counts of COMPLIANT and NON_COMPLIANT packs, and the total,
# summed here from every page, must be the summary's. Run with Debian's
# boto3 against a server on 127.0.0.1:PORT whose aggregator "generated"
# (of account 000000000000 in us-east-1) reads the packs
# (docs/bench/put-packs.sh):
#
#   /usr/bin/python3 docs/bench/check-pack-summary.py 4630
import collections
import sys

import boto3

AGGREGATOR = "generated"
COUNTED = {"COMPLIANT": 0, "NON_COMPLIANT": 1}


def pages(call, key, **kw):
    """Yields the items under key of every page of call."""
    while True:
        page = call(**kw)
        yield from page[key]
        if "NextToken" not in page:
            return
        kw["NextToken"] = page["NextToken"]


def main(port):
    config = boto3.client("config", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="000000000000", aws_secret_access_key="x")
    # By account and by region (12-digit accounts and region names do not
    # collide), and in all, from the packs.
    groups = collections.defaultdict(lambda: [0, 0])
    total = [0, 0]
    packs = 0
    for p in pages(config.describe_aggregate_compliance_by_conformance_packs, "AggregateComplianceByConformancePacks",
                   ConfigurationAggregatorName=AGGREGATOR, Limit=100):
        packs += 1
        i = COUNTED.get(p["Compliance"]["ComplianceType"])
        for g in (p["AccountId"], p["AwsRegion"]):
            groups[g]  # a group of INSUFFICIENT_DATA packs only has zeros
            if i is not None:
                groups[g][i] += 1
        if i is not None:
            total[i] += 1
    # The summary's.
    summary = {}
    for key in ("ACCOUNT_ID", "AWS_REGION"):
        for g in pages(config.get_aggregate_conformance_pack_compliance_summary, "AggregateConformancePackComplianceSummaries",
                       ConfigurationAggregatorName=AGGREGATOR, GroupByKey=key, Limit=100):
            s = g["ComplianceSummary"]
            summary[g["GroupName"]] = [s["CompliantConformancePackCount"], s["NonCompliantConformancePackCount"]]
    s = config.get_aggregate_conformance_pack_compliance_summary(ConfigurationAggregatorName=AGGREGATOR)
    s = s["AggregateConformancePackComplianceSummaries"][0]["ComplianceSummary"]
    summary_total = [s["CompliantConformancePackCount"], s["NonCompliantConformancePackCount"]]
    ok = dict(groups) == summary and total == summary_total
    print("packs", packs, "groups", len(groups), "summary groups", len(summary), "total", total,
          "summary total", summary_total, "OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
