-- terms: the terms (package invterms) of each resource's latest version, so
-- that advanced query finds the resources that may hold a value at a path
-- (SELECT ... WHERE resourceType = 'AWS::EC2::Instance' AND
-- configuration.instanceType = 't3.micro') by reading a few hundred bytes
-- per resource of the type rather than every configuration.
--
-- terms is the sorted set of 32-bit hashes, 4 bytes each (little-endian);
-- a query looks for a term with instr(), which may also find it across two
-- hashes: a superset, which the query engine checks item by item.
--
-- The key is resources' with the type first, so that a type's terms are one
-- range. Its rows change with resources' rows: a batch of one source writes
-- into that source's range of each of its types, not at random places.
CREATE TABLE terms (
    type        TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    terms       BLOB NOT NULL,
    PRIMARY KEY (type, account_id, region, resource_id)
) STRICT, WITHOUT ROWID;

-- The version of invterms whose terms the table holds; 0: none yet. The
-- store computes them (in Go) when it opens with another version.
CREATE TABLE terms_state (version INTEGER NOT NULL) STRICT;
INSERT INTO terms_state (version) VALUES (0);
