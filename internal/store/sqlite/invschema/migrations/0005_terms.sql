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
-- The key is the type and the resource's number (rid): a type's terms are
-- one range, and a new resource's go at the end of its type's (rids grow),
-- not at a random place, which an id-ordered key would cost every Write
-- (a page written per new resource). The resource's key is kept beside
-- them, to join its resources row. A read of a few sources goes the other
-- way: it seeks each source's resources and then their terms by rid.
CREATE TABLE terms (
    type        TEXT    NOT NULL,
    rid         INTEGER NOT NULL,
    account_id  TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    terms       BLOB    NOT NULL,
    PRIMARY KEY (type, rid)
) STRICT, WITHOUT ROWID;

-- The version of invterms whose terms the table holds; 0: none yet. The
-- store computes them (in Go) when it opens with another version.
CREATE TABLE terms_state (version INTEGER NOT NULL) STRICT;
INSERT INTO terms_state (version) VALUES (0);
