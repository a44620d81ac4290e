
-- Ingest at scale: List order becomes the primary key's (account_id,
-- region, type, resource_id), and the two secondary indexes of resources go.
--
-- Resource ids are random, so each of resources_order (type, resource_id,
-- ...) and resources_name put every new resource at a random place in a
-- tree the size of the whole store: a batch of 1,000 CIs dirtied about a
-- thousand pages of each, all written to the log at commit and again to the
-- database at the checkpoint. Without them a CI costs 4.5 KB of writes
-- instead of 7.2 KB, and ingest runs 1.55 times as fast (27,000 against
-- 17,500 CIs/s at 110,000 CIs; docs/performance.md, "Ingest").
--
-- What they served is served otherwise:
--   - a name filter reads its source's and type's range of the primary
--     key (ListDiscoveredResources names the type; so do the aggregate
--     reads), checking the name on each row;
--   - a set of sources seeks the primary key to each source in turn;
--   - a type across every source (AllSources) seeks the primary key to
--     each (account, region, type) that counts holds, through counts_type.
DROP INDEX resources_order;
DROP INDEX resources_name;

-- counts now has a row for every (account, region, type) that resources
-- has, n = 0 when all its resources are deleted, so that counts lists the
-- primary key's prefixes. A resource whose first version records a deletion
-- made none before.
DROP TRIGGER resources_counted;
CREATE TRIGGER resources_counted AFTER INSERT ON resources
BEGIN
    INSERT INTO counts (account_id, region, type, n) VALUES (NEW.account_id, NEW.region, NEW.type, 1 - NEW.deleted)
    ON CONFLICT (account_id, region, type) DO UPDATE SET n = n + excluded.n;
END;
INSERT INTO counts (account_id, region, type, n)
SELECT DISTINCT account_id, region, type, 0 FROM resources WHERE true
ON CONFLICT (account_id, region, type) DO NOTHING;

-- The prefixes of one type (or a few), in primary-key order.
CREATE INDEX counts_type ON counts (type, account_id, region);
