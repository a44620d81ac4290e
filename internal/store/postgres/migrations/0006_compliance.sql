-- The evaluation results of the Config rules (package compliance, the
-- Compliance of inventory_compliance.go): the latest verdict of each rule of
-- each source on each resource it evaluated. They grow with the resources,
-- so they live in tables beside the configuration items, and every process
-- (replica) reads and writes them there.
--
-- compliance_results: one row per (source account, source region, rule,
-- resource type, resource id). The primary key is List order, and a rule's
-- results (GetComplianceDetailsByConfigRule, DeleteEvaluationResults) are
-- one range of it. compliance_type is one of the four ComplianceType names,
-- as AWS spells them. Times are timestamptz, to the millisecond. The key's
-- text columns are COLLATE "C": they compare byte by byte, the order of
-- Go's strings, whatever the database's default collation.
--
-- fillfactor 90 leaves room on each page for the new row version of a
-- replaced result, which then stays on its page without touching the
-- indexes (a HOT update: none of the replaced columns is in an index).
CREATE TABLE compliance_results (
    account_id      text COLLATE "C" NOT NULL,
    region          text COLLATE "C" NOT NULL,
    rule_name       text COLLATE "C" NOT NULL,
    resource_type   text COLLATE "C" NOT NULL,
    resource_id     text COLLATE "C" NOT NULL,
    compliance_type text NOT NULL CHECK (compliance_type IN ('COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA')),
    annotation      text NOT NULL, -- '' when there is none
    ordering_time   timestamptz NOT NULL, -- OrderingTimestamp: the later one is kept
    recorded_time   timestamptz NOT NULL, -- ResultRecordedTime
    invoked_time    timestamptz NOT NULL, -- ConfigRuleInvokedTime
    PRIMARY KEY (account_id, region, rule_name, resource_type, resource_id)
) WITH (fillfactor = 90);

-- A resource's results by every rule, in rule order
-- (GetComplianceDetailsByResource, DeleteResource, the summaries by
-- resource type).
CREATE INDEX compliance_results_by_resource ON compliance_results (account_id, region, resource_type, resource_id, rule_name);

-- compliance_counts: how many results of each compliance type each rule of
-- each source has, and the latest recorded_time among them, kept by the
-- writes in the transaction that changes the results (after the results'
-- rows, in key order), so that the summaries by rule (Counts:
-- DescribeComplianceByConfigRule, the aggregate summaries of thousands of
-- sources) read one row per source and rule and never the results. A row
-- exists while its rule has results: the write that deletes the last one
-- deletes it.
--
-- fillfactor 50: every batch updates a few of these rows, in place (HOT)
-- when the page has room.
CREATE TABLE compliance_counts (
    account_id     text COLLATE "C" NOT NULL,
    region         text COLLATE "C" NOT NULL,
    rule_name      text COLLATE "C" NOT NULL,
    compliant      bigint NOT NULL,
    non_compliant  bigint NOT NULL,
    not_applicable bigint NOT NULL,
    insufficient   bigint NOT NULL,
    latest         timestamptz NOT NULL, -- max(recorded_time) of the rule's results
    PRIMARY KEY (account_id, region, rule_name)
) WITH (fillfactor = 50);
