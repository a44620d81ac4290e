-- The rule groups (conformance packs) of each source, as the results store
-- knows them (compliance.GroupStore): a row per (source, pack, rule), a
-- copy of the packs' control-plane documents that SyncGroup and
-- ReplaceGroups keep, and a row of rule_name '' per pack (no rule has that
-- name), so that a pack whose template's conditions left no rule is still
-- there. GroupSummaries joins a pack's rows with
-- compliance_counts on its primary key and sums the packs in one
-- statement, so the aggregated summary of the packs of thousands of
-- sources reads a row per pack rule rather than each pack's document and
-- each of its rules' counts.
CREATE TABLE compliance_groups (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    group_name TEXT NOT NULL,
    rule_name  TEXT NOT NULL,
    PRIMARY KEY (account_id, region, group_name, rule_name)
) STRICT, WITHOUT ROWID;
