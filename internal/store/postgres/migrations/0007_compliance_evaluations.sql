-- When each rule of each source last evaluated (compliance.Store's
-- Evaluations: DescribeConfigRuleEvaluationStatus's
-- LastSuccessfulInvocationTime and LastSuccessfulEvaluationTime), written
-- by ReplaceResults in the transaction that replaces the rule's results,
-- and by MarkEvaluated. Kept here rather than in the rule's control-plane
-- record, so that evaluating a source's rules is one write of the results
-- store, not one more serializable transaction that rewrites every rule's
-- record. A row goes with the rule's results (DeleteResults).
--
-- results_recorded and results_invoked are the recorded and invoked times
-- of the rule's results whose own are NULL: a replacement whose results
-- all have the same times (an evaluation of the rule: nearly all) sets
-- them here, once per rule, and leaves its results' own NULL, so that a
-- re-evaluation that finds the verdicts it found before writes a row per
-- rule, not one per result. Every read of a result's times takes them
-- from here when its own are NULL (both are, or neither).
--
-- fillfactor 50: every evaluation updates its rules' rows, in place (HOT)
-- when the page has room.
CREATE TABLE compliance_evaluations (
    account_id       text COLLATE "C" NOT NULL,
    region           text COLLATE "C" NOT NULL,
    rule_name        text COLLATE "C" NOT NULL,
    evaluated        timestamptz, -- NULL: not known to have evaluated (MarkEvaluated, ReplaceResults)
    results_recorded timestamptz,
    results_invoked  timestamptz,
    PRIMARY KEY (account_id, region, rule_name)
) WITH (fillfactor = 50);

-- NOT VALID: the rows already there have both times, and checking so
-- would read the whole table; the rows written from now on are checked.
ALTER TABLE compliance_results
    ALTER COLUMN recorded_time DROP NOT NULL,
    ALTER COLUMN invoked_time DROP NOT NULL,
    ADD CONSTRAINT compliance_results_times CHECK ((recorded_time IS NULL) = (invoked_time IS NULL)) NOT VALID;
