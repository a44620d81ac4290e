-- The rule groups (conformance packs) of each source, as the results store
-- knows them (compliance.GroupStore): a row per (source, pack, rule), a
-- copy of the packs' control-plane documents that SyncGroup and
-- ReplaceGroups keep, and a row of rule_name '' per pack (no rule has that
-- name), so that a pack whose template's conditions left no rule is still
-- there. GroupSummaries joins a pack's rows with
-- compliance_counts on (account_id, region, rule_name) and sums the packs
-- in one statement, so the aggregated summary of the packs of thousands
-- of sources reads a row per pack rule rather than each pack's document
-- and each of its rules' counts.
CREATE TABLE compliance_groups (
    account_id text COLLATE "C" NOT NULL,
    region     text COLLATE "C" NOT NULL,
    group_name text COLLATE "C" NOT NULL,
    rule_name  text COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, region, group_name, rule_name)
);
