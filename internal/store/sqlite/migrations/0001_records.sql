-- Every document of every namespace. Reads are served from memory, not from
-- this table: Open reads it whole, once, in key order, and the committer
-- writes each changed record back by its primary key (an upsert or a
-- delete). The primary key is the clustered index (WITHOUT ROWID), so such a
-- write touches one b-tree; TEXT compares with memcmp (BINARY collation),
-- i.e. in byte order, the order of the memory table.
CREATE TABLE records (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    doc        BLOB NOT NULL,
    PRIMARY KEY (account_id, region, kind, id)
) STRICT, WITHOUT ROWID;
