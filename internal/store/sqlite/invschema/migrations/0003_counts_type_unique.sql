-- A page of one type over a set of sources reads through counts: each
-- (account, region) of the set is sought in counts_type for the type, and
-- only those with resources of it are sought in resources (sourcesCond).
-- The same index, declared UNIQUE (it is: its columns are counts' primary
-- key), tells SQLite's planner that each seek finds one row, so that the
-- resources it joins come in List order and no page sorts them.
CREATE UNIQUE INDEX counts_by_type ON counts (type, account_id, region);
DROP INDEX counts_type;
