-- When each rule of each source last evaluated (compliance.Store's
-- Evaluations: DescribeConfigRuleEvaluationStatus's
-- LastSuccessfulInvocationTime and LastSuccessfulEvaluationTime), written
-- by ReplaceResults in the transaction that replaces the rule's results,
-- and by MarkEvaluated. Kept here rather than in the rule's control-plane
-- record, so that evaluating a source's rules is one write of the results
-- store, not one more serializable transaction that rewrites every rule's
-- record. A row goes with the rule's results (DeleteResults).
--
-- fillfactor 50: every evaluation updates its rules' rows, in place (HOT)
-- when the page has room.
CREATE TABLE compliance_evaluations (
    account_id text COLLATE "C" NOT NULL,
    region     text COLLATE "C" NOT NULL,
    rule_name  text COLLATE "C" NOT NULL,
    evaluated  timestamptz NOT NULL,
    PRIMARY KEY (account_id, region, rule_name)
) WITH (fillfactor = 50);
