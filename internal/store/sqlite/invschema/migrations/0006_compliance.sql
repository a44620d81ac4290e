-- The evaluation results of the Config rules (package compliance): the
-- latest verdict of each rule of each source on each resource it
-- evaluated. They grow with the resources, so they live here, beside the
-- configuration items, and are written on the same writer connection.
--
-- compliance_results: one row per (source account, source region, rule,
-- resource type, resource id). The primary key is List order, and a rule's
-- results (GetComplianceDetailsByConfigRule, DeleteEvaluationResults) are
-- one range of it. Times are milliseconds since the Unix epoch (UTC).
-- compliance_type is one of the four ComplianceType names, as AWS spells
-- them. TEXT compares with memcmp (BINARY), the order of Go's strings.
CREATE TABLE compliance_results (
    account_id      TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    rule_name       TEXT    NOT NULL,
    resource_type   TEXT    NOT NULL,
    resource_id     TEXT    NOT NULL,
    compliance_type TEXT    NOT NULL CHECK (compliance_type IN ('COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA')),
    annotation      TEXT    NOT NULL, -- '' when there is none
    ordering_time   INTEGER NOT NULL, -- OrderingTimestamp: the later one is kept
    recorded_time   INTEGER NOT NULL, -- ResultRecordedTime
    invoked_time    INTEGER NOT NULL, -- ConfigRuleInvokedTime
    PRIMARY KEY (account_id, region, rule_name, resource_type, resource_id)
) STRICT, WITHOUT ROWID;

-- A resource's results by every rule (GetComplianceDetailsByResource,
-- DeleteResource, the summaries by resource type). The index ends with the
-- primary key's rule_name, so one resource's results come in List order.
CREATE INDEX compliance_results_by_resource ON compliance_results (account_id, region, resource_type, resource_id);

-- compliance_counts: how many results of each compliance type each rule of
-- each source has, and the latest recorded_time among them, kept by the
-- triggers below in the transaction that changes the results, so that the
-- summaries by rule (Counts: DescribeComplianceByConfigRule, the aggregate
-- summaries of thousands of sources) read one row per source and rule and
-- never the results. A row exists while its rule has results: the last
-- result deleted deletes it.
CREATE TABLE compliance_counts (
    account_id     TEXT    NOT NULL,
    region         TEXT    NOT NULL,
    rule_name      TEXT    NOT NULL,
    compliant      INTEGER NOT NULL,
    non_compliant  INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    insufficient   INTEGER NOT NULL,
    latest         INTEGER NOT NULL, -- max(recorded_time) of the rule's results
    PRIMARY KEY (account_id, region, rule_name)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER compliance_results_counted AFTER INSERT ON compliance_results
BEGIN
    INSERT INTO compliance_counts (account_id, region, rule_name, compliant, non_compliant, not_applicable, insufficient, latest)
    VALUES (NEW.account_id, NEW.region, NEW.rule_name,
        NEW.compliance_type = 'COMPLIANT', NEW.compliance_type = 'NON_COMPLIANT',
        NEW.compliance_type = 'NOT_APPLICABLE', NEW.compliance_type = 'INSUFFICIENT_DATA', NEW.recorded_time)
    ON CONFLICT (account_id, region, rule_name) DO UPDATE SET
        compliant = compliant + excluded.compliant,
        non_compliant = non_compliant + excluded.non_compliant,
        not_applicable = not_applicable + excluded.not_applicable,
        insufficient = insufficient + excluded.insufficient,
        latest = max(latest, excluded.latest);
END;

-- A replaced result moves its count from its old type to its new one. The
-- latest time only grows, but for a replacement recorded before the result
-- it replaces (clocks of two writers), which takes the largest away: then
-- the rule's range of results is read for the new largest, unless another
-- result has the old one.
CREATE TRIGGER compliance_results_recounted AFTER UPDATE ON compliance_results
WHEN OLD.compliance_type <> NEW.compliance_type OR OLD.recorded_time <> NEW.recorded_time
BEGIN
    UPDATE compliance_counts SET
        compliant = compliant + (NEW.compliance_type = 'COMPLIANT') - (OLD.compliance_type = 'COMPLIANT'),
        non_compliant = non_compliant + (NEW.compliance_type = 'NON_COMPLIANT') - (OLD.compliance_type = 'NON_COMPLIANT'),
        not_applicable = not_applicable + (NEW.compliance_type = 'NOT_APPLICABLE') - (OLD.compliance_type = 'NOT_APPLICABLE'),
        insufficient = insufficient + (NEW.compliance_type = 'INSUFFICIENT_DATA') - (OLD.compliance_type = 'INSUFFICIENT_DATA'),
        latest = CASE
            WHEN NEW.recorded_time >= latest OR OLD.recorded_time < latest THEN max(latest, NEW.recorded_time)
            WHEN EXISTS (SELECT 1 FROM compliance_results r
                WHERE r.account_id = NEW.account_id AND r.region = NEW.region AND r.rule_name = NEW.rule_name
                AND r.recorded_time >= OLD.recorded_time) THEN latest
            ELSE (SELECT max(r.recorded_time) FROM compliance_results r
                WHERE r.account_id = NEW.account_id AND r.region = NEW.region AND r.rule_name = NEW.rule_name)
        END
    WHERE account_id = NEW.account_id AND region = NEW.region AND rule_name = NEW.rule_name;
END;

-- A deleted result takes its count away, and the rule's row once it has
-- none. A deletion of a rule's whole range (DeleteEvaluationResults)
-- deletes the row first, so that each deleted result's UPDATE finds none
-- and never reads the range again for the latest time.
CREATE TRIGGER compliance_results_uncounted AFTER DELETE ON compliance_results
BEGIN
    UPDATE compliance_counts SET
        compliant = compliant - (OLD.compliance_type = 'COMPLIANT'),
        non_compliant = non_compliant - (OLD.compliance_type = 'NON_COMPLIANT'),
        not_applicable = not_applicable - (OLD.compliance_type = 'NOT_APPLICABLE'),
        insufficient = insufficient - (OLD.compliance_type = 'INSUFFICIENT_DATA'),
        latest = CASE
            WHEN OLD.recorded_time < latest THEN latest
            WHEN EXISTS (SELECT 1 FROM compliance_results r
                WHERE r.account_id = OLD.account_id AND r.region = OLD.region AND r.rule_name = OLD.rule_name
                AND r.recorded_time >= OLD.recorded_time) THEN latest
            ELSE coalesce((SELECT max(r.recorded_time) FROM compliance_results r
                WHERE r.account_id = OLD.account_id AND r.region = OLD.region AND r.rule_name = OLD.rule_name), latest)
        END
    WHERE account_id = OLD.account_id AND region = OLD.region AND rule_name = OLD.rule_name;
    DELETE FROM compliance_counts
    WHERE account_id = OLD.account_id AND region = OLD.region AND rule_name = OLD.rule_name
        AND compliant = 0 AND non_compliant = 0 AND not_applicable = 0 AND insufficient = 0;
END;
