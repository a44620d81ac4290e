
-- The configuration-item store (inventory.db), a database of its own beside
-- the control-plane store's starling.db. Reads are served from here, through
-- the indexes below; nothing is loaded into memory.
--
-- resources: one row per resource (source account, source region, type,
-- id), holding what List, Count and Scan filter, group and order by, taken
-- from the resource's latest version. The primary key is the clustered
-- index (WITHOUT ROWID), so one source's resources are contiguous, in List
-- order. rid is the resource's number, the link to its versions; Starling
-- assigns it (max(versions.rid) + 1 at open, then counting).
-- TEXT compares with memcmp (BINARY), byte order, the order Go's strings have.
CREATE TABLE resources (
    account_id  TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    rid         INTEGER NOT NULL,
    state_id    INTEGER NOT NULL, -- the latest version's
    deleted     INTEGER NOT NULL, -- 1 if the latest version records a deletion
    name        TEXT,             -- the latest version's name; NULL if it has none
    PRIMARY KEY (account_id, region, type, resource_id)
) STRICT, WITHOUT ROWID;

-- List order across sources: (type, resource_id) and the primary key's
-- account_id, region (which every index of a WITHOUT ROWID table ends
-- with); deleted makes it cover Count and the scope check.
CREATE INDEX resources_order ON resources (type, resource_id, account_id, region, deleted);
-- Filter.ResourceName.
CREATE INDEX resources_name ON resources (name) WHERE name IS NOT NULL;
-- No index on resource_id alone: AWS's reads name ids with their type
-- (ListDiscoveredResources, BatchGetResourceConfig, the aggregate ones),
-- which resources_order and the primary key serve. An index in id order
-- would cost ingest one page write at a random place per new resource
-- (ids are random), about a fifth of its rate; an id filter without a type
-- reads resources_order whole instead, which holds the id.

-- counts: how many resources of each (account, region, type) have a latest
-- version that is not a deletion, kept by the triggers below as resources
-- change, so that Count reads one row per source and type rather than
-- every resource (GetAggregateDiscoveredResourceCounts over a million CIs).
-- Rows of resources are never deleted but all at once (Reset, which clears
-- counts too).
CREATE TABLE counts (
    account_id TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, type)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER resources_counted AFTER INSERT ON resources WHEN NEW.deleted = 0
BEGIN
    INSERT INTO counts (account_id, region, type, n) VALUES (NEW.account_id, NEW.region, NEW.type, 1)
    ON CONFLICT (account_id, region, type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER resources_recounted AFTER UPDATE OF deleted ON resources WHEN OLD.deleted <> NEW.deleted
BEGIN
    INSERT INTO counts (account_id, region, type, n) VALUES (NEW.account_id, NEW.region, NEW.type, OLD.deleted - NEW.deleted)
    ON CONFLICT (account_id, region, type) DO UPDATE SET n = n + excluded.n;
END;

-- versions: every version of every resource, the latest included. Times are
-- milliseconds since the Unix epoch (UTC). configuration is the document's
-- JSON bytes as recorded (NULL when the item has none); supplementary, tags
-- and relationships are in the compact binary encoding of
-- internal/store/sqlite/inventory_codec.go (NULL when empty).
CREATE TABLE versions (
    rid           INTEGER NOT NULL,
    state_id      INTEGER NOT NULL,
    capture_time  INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    aws_region    TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    arn           TEXT    NOT NULL,
    az            TEXT    NOT NULL,
    creation_time INTEGER,          -- NULL when unknown
    configuration BLOB,
    supplementary BLOB,
    tags          BLOB,
    relationships BLOB
) STRICT;
-- A resource's versions in order: the latest (Get, List, joined on the
-- resources row's state_id), History's pages, Prune, and the identity of a
-- version (Write's ON CONFLICT).
CREATE UNIQUE INDEX versions_key ON versions (rid, state_id);
