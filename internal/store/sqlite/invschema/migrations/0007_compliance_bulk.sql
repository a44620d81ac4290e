-- Replacing the results of whole rules at once (ReplaceResults,
-- inventory_compliance_replace.go): its transaction writes the rules'
-- results and their counts itself, in a few statements over the rules'
-- ranges, rather than through the triggers of migration 0006, one
-- statement per result.
--
-- compliance_bulk holds one row while such a transaction runs, and none
-- otherwise: the transaction inserts it first and deletes it before it
-- commits, so no reader ever sees it. While it is there, the triggers that
-- keep compliance_counts do nothing.
CREATE TABLE compliance_bulk (
    id INTEGER PRIMARY KEY
) STRICT;

DROP TRIGGER compliance_results_counted;
DROP TRIGGER compliance_results_recounted;
DROP TRIGGER compliance_results_uncounted;

-- The triggers of migration 0006, but for the compliance_bulk condition.
CREATE TRIGGER compliance_results_counted AFTER INSERT ON compliance_results
WHEN NOT EXISTS (SELECT 1 FROM compliance_bulk)
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

CREATE TRIGGER compliance_results_recounted AFTER UPDATE ON compliance_results
WHEN (OLD.compliance_type <> NEW.compliance_type OR OLD.recorded_time <> NEW.recorded_time)
    AND NOT EXISTS (SELECT 1 FROM compliance_bulk)
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

CREATE TRIGGER compliance_results_uncounted AFTER DELETE ON compliance_results
WHEN NOT EXISTS (SELECT 1 FROM compliance_bulk)
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
