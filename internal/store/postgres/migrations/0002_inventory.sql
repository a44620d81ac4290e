-- The configuration-item store (Inventory): every version of every resource
-- that the source accounts' recorders recorded. Reads are served from these
-- tables, through the indexes below; nothing is held in any process's
-- memory, so that several Starling processes (replicas) share them.
--
-- The text columns of the keys are COLLATE "C": they compare byte by byte,
-- the order of Go's strings, which is List's order (AccountID, Region,
-- ResourceType, ResourceID) whatever the database's default collation.

-- inventory_resources: one row per resource (source account, source region,
-- type, id), holding what List, Count and Scan filter, group and order by,
-- taken from the resource's latest version (the largest state_id). The
-- primary key is List order, so a page of one source (or of one source's
-- type) is a walk along it, with no sort.
--
-- rid is the resource's number, the link to its versions. It comes from the
-- identity's sequence, which every process shares, never from a counter in
-- a process's memory. A Write that finds the resource already there takes
-- no number.
--
-- There is no index on name, nor on resource_id alone: ids are random, and
-- each such index would put every new resource at a random place in a tree
-- the size of the whole store, a page written per CI at ingest. AWS's reads
-- name the type (and the source, or a set of them) along with a name or ids,
-- so they read a range of the primary key and check the name or id on its
-- rows.
--
-- fillfactor 90 leaves room on each page for the new row version of an
-- UPDATE, which then stays on its page without touching the primary key
-- (a HOT update: state_id, deleted and name are in no index).
CREATE TABLE inventory_resources (
    account_id  text COLLATE "C" NOT NULL,
    region      text COLLATE "C" NOT NULL,
    type        text COLLATE "C" NOT NULL,
    resource_id text COLLATE "C" NOT NULL,
    rid         bigint GENERATED ALWAYS AS IDENTITY,
    state_id    bigint  NOT NULL, -- the latest version's
    deleted     boolean NOT NULL, -- whether the latest version records a deletion
    name        text COLLATE "C", -- the latest version's name; NULL if it has none
    PRIMARY KEY (account_id, region, type, resource_id)
) WITH (fillfactor = 90);

-- inventory_versions: every version of every resource, the latest included.
--
--   configuration      the document's bytes exactly as recorded (key order,
--                      spacing, numbers beyond float64 and escapes kept);
--                      NULL when the item has none. This is what reads
--                      return.
--   configuration_doc  the same document as jsonb, for the query engine
--                      (SelectResourceConfig, SelectAggregateResourceConfig)
--                      to filter and project in SQL. The Write fills it
--                      from configuration, in the same statement; it is
--                      NULL when configuration is, and also when jsonb
--                      would refuse the document (invalid JSON, \u0000, a
--                      lone surrogate, a number beyond numeric's range),
--                      so that such a document is still stored, not the
--                      whole batch refused. A generated column would
--                      refuse it.
--   supplementary      the supplementary configuration in the compact
--                      binary encoding of inventory_codec.go, which keeps
--                      every value's bytes as recorded (jsonb would not);
--                      NULL when empty.
--   tags               a jsonb object of the tags, NULL when none.
--   relationships      a jsonb array of the relationships in their order,
--                      duplicates kept, each an object of resourceType,
--                      resourceId, resourceName and relationshipName (the
--                      empty ones left out); NULL when none.
--
-- Times are timestamptz, to the millisecond (AWS Config's precision).
--
-- No index on the jsonb columns yet: a GIN index costs ingest dearly, and
-- the query engine will say which paths it needs (an expression index on
-- one of them is far cheaper than GIN on the whole document).
CREATE TABLE inventory_versions (
    rid               bigint      NOT NULL,
    state_id          bigint      NOT NULL,
    capture_time      timestamptz NOT NULL,
    status            text        NOT NULL,
    version           text        NOT NULL,
    aws_region        text        NOT NULL,
    name              text        NOT NULL,
    arn               text        NOT NULL,
    az                text        NOT NULL,
    creation_time     timestamptz, -- NULL when unknown
    configuration     bytea,
    configuration_doc jsonb,
    supplementary     bytea,
    tags              jsonb,
    relationships     jsonb,
    -- A resource's versions in order: the latest (joined on the resources
    -- row's state_id), History's pages, Prune, and the identity of a version
    -- (Write's ON CONFLICT). rids grow, so a new resource's versions go at
    -- the right end of this index, not at a random place.
    PRIMARY KEY (rid, state_id)
);

-- A version with its jsonb form is about 3 KB, over the 2 KB past which
-- PostgreSQL compresses a row's largest values before storing it. Its
-- default method, pglz, makes that compression most of an insert's cost
-- (inserting 11,000 such rows took 0.8-1.4 s with pglz, 0.4-0.5 s with
-- lz4 or without compression); lz4 keeps the saving of space (a fifth to
-- a third of the table) at a fraction of the time. lz4 needs a server
-- built with it (the PGDG packages and the official images are); one
-- without it keeps versions up to a page long uncompressed instead.
DO $$
BEGIN
    ALTER TABLE inventory_versions
        ALTER COLUMN configuration SET COMPRESSION lz4,
        ALTER COLUMN configuration_doc SET COMPRESSION lz4,
        ALTER COLUMN supplementary SET COMPRESSION lz4,
        ALTER COLUMN tags SET COMPRESSION lz4,
        ALTER COLUMN relationships SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    ALTER TABLE inventory_versions SET (toast_tuple_target = 8160);
END
$$;

-- inventory_counts: how many resources of each (account, region, type) have
-- a latest version that is not a deletion, kept by the Write in the batch's
-- transaction, so that Count without a name or id filter reads one row per
-- source and type rather than every resource (the aggregate counts of
-- thousands of accounts). A row exists for every (account, region, type)
-- that inventory_resources has, with n = 0 when all of its resources are
-- deleted: it lists the primary key's prefixes, which List walks for a type
-- across every source (AllSources) instead of reading the whole primary
-- key.
--
-- fillfactor 50: every batch updates a few of these rows, in place (HOT)
-- when the page has room.
CREATE TABLE inventory_counts (
    account_id text COLLATE "C" NOT NULL,
    region     text COLLATE "C" NOT NULL,
    type       text COLLATE "C" NOT NULL,
    n          bigint NOT NULL,
    PRIMARY KEY (account_id, region, type)
) WITH (fillfactor = 50);

-- The prefixes of one type across every source, in List order (a type
-- across every source: ListAggregateDiscoveredResources without a scope
-- boundary, and Count of a type).
CREATE INDEX inventory_counts_type ON inventory_counts (type, account_id, region);
