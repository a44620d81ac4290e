-- When each rule of each source last evaluated (compliance.Store's
-- Evaluations: DescribeConfigRuleEvaluationStatus's
-- LastSuccessfulInvocationTime and LastSuccessfulEvaluationTime), written
-- by ReplaceResults in the transaction that replaces the rule's results,
-- and by MarkEvaluated. Kept here rather than in the rule's control-plane
-- record, so that evaluating a source's rules is one write of this
-- database, not a second write, of the control plane, that rewrites every
-- rule's record. A row goes with the rule's results (DeleteResults).
-- evaluated is milliseconds since the Unix epoch (UTC).
CREATE TABLE compliance_evaluations (
    account_id TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    rule_name  TEXT    NOT NULL,
    evaluated  INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, rule_name)
) STRICT, WITHOUT ROWID;
