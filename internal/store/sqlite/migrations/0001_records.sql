-- Every document of every tenant. The primary key is the clustered index
-- (WITHOUT ROWID), so Get is one b-tree lookup and List one range scan in id
-- order; TEXT compares with memcmp (BINARY collation), i.e. in byte order.
CREATE TABLE records (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    doc        BLOB NOT NULL,
    PRIMARY KEY (account_id, region, kind, id)
) STRICT, WITHOUT ROWID;
