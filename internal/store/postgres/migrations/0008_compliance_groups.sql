-- The rule groups (conformance packs) of each source, as the results store
-- knows them (compliance.GroupStore): a row per (source, pack, rule), a
-- copy of the packs' control-plane documents that SyncGroup and
-- ReplaceGroups keep, and a row of rule_name '' per pack (no rule has that
-- name), so that a pack whose template's conditions left no rule is still
-- there.
--
-- Each row also holds its rule's compliance flags: whether the rule of the
-- source has a NON_COMPLIANT result (compliance_counts.non_compliant > 0)
-- and whether it has a COMPLIANT one. GroupSummaries folds a pack's rows
-- into its compliance and sums the packs from this table alone: joining
-- every pack rule with compliance_counts at read time made PostgreSQL hash
-- the counts of every rule of every source (tens of thousands of rows) on
-- each summary. The flags are copied from compliance_counts when a row is
-- written (SyncGroup and ReplaceGroups, in the source's turn or with the
-- counts locked, so no write of the counts runs beside them), and kept by
-- the triggers below in the transaction that changes the counts: they fire
-- when a rule of a source gets its first counts, loses them, or a flag
-- flips, which an evaluation that finds the verdicts it found before never
-- does.
CREATE TABLE compliance_groups (
    account_id    text COLLATE "C" NOT NULL,
    region        text COLLATE "C" NOT NULL,
    group_name    text COLLATE "C" NOT NULL,
    rule_name     text COLLATE "C" NOT NULL,
    non_compliant boolean NOT NULL DEFAULT false,
    compliant     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, region, group_name, rule_name)
);

-- The rows of a rule of a source, whose flags a trigger sets.
CREATE INDEX compliance_groups_by_rule ON compliance_groups (account_id, region, rule_name);

CREATE FUNCTION compliance_groups_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE compliance_groups g SET non_compliant = false, compliant = false
        WHERE g.account_id = OLD.account_id AND g.region = OLD.region AND g.rule_name = OLD.rule_name;
    ELSE
        UPDATE compliance_groups g SET non_compliant = NEW.non_compliant > 0, compliant = NEW.compliant > 0
        WHERE g.account_id = NEW.account_id AND g.region = NEW.region AND g.rule_name = NEW.rule_name;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER compliance_counts_flags_inserted AFTER INSERT ON compliance_counts FOR EACH ROW
    WHEN (NEW.non_compliant > 0 OR NEW.compliant > 0)
    EXECUTE FUNCTION compliance_groups_flags();
CREATE TRIGGER compliance_counts_flags_updated AFTER UPDATE ON compliance_counts FOR EACH ROW
    WHEN ((OLD.non_compliant > 0) <> (NEW.non_compliant > 0) OR (OLD.compliant > 0) <> (NEW.compliant > 0))
    EXECUTE FUNCTION compliance_groups_flags();
CREATE TRIGGER compliance_counts_flags_deleted AFTER DELETE ON compliance_counts FOR EACH ROW
    WHEN (OLD.non_compliant > 0 OR OLD.compliant > 0)
    EXECUTE FUNCTION compliance_groups_flags();
