-- resources.status is the latest version's configurationItemStatus, kept
-- beside deleted and name, so that the counts of advanced query (which
-- leave out ResourceNotRecorded and ResourceDeletedNotRecorded items, and
-- count ResourceDeleted ones) are read from resources alone rather than by
-- a join of every resource to its latest version: 0.3 s instead of 1.5 s at
-- 600,000 resources.
ALTER TABLE resources ADD COLUMN status TEXT NOT NULL DEFAULT '';
UPDATE resources SET status = (
    SELECT v.status FROM versions v WHERE v.rid = resources.rid AND v.state_id = resources.state_id
) WHERE true;
