-- inventory_terms: the terms (package invterms) of each resource's latest
-- version, so that advanced query finds the resources that may hold a value
-- at a path (SELECT ... WHERE resourceType = 'AWS::EC2::Instance' AND
-- configuration.instanceType = 't3.micro') by reading a few hundred bytes
-- per resource of the type rather than every configuration.
--
-- terms is the sorted set of the 32-bit hashes, as int4 (the same bits); a
-- query looks for any of a set of terms with && (a hash may collide: a
-- superset, which the query engine checks item by item). An int4[] is read
-- four times as fast as the same hashes as bytea searched with position():
-- 29 ms against 117 ms for the 24,812 instances of a million CIs.
--
-- Why not a GIN index on inventory_versions.configuration_doc: a jsonpath
-- such as $.a.b == "x" unwraps one level of arrays only (lax mode), so it
-- misses values the evaluator finds in arrays of arrays; its equality is
-- jsonb's, not the evaluator's (a number's text); and it indexes every
-- version, at a cost to each Write's time. The terms hold exactly the
-- evaluator's values, of the latest version only, for a row per resource.
--
-- The key is the type and the resource's number (rid): a type's terms are
-- one range, and a new resource's go at the end of its type's (rids
-- grow), not at a random place in the index, which an id-ordered key would
-- cost every Write. The resource's key is kept beside them, to join its
-- row of inventory_resources. The Write keeps them in its transaction,
-- while it holds the lock of the resource's row.
CREATE TABLE inventory_terms (
    type        text COLLATE "C" NOT NULL,
    rid         bigint NOT NULL,
    account_id  text COLLATE "C" NOT NULL,
    region      text COLLATE "C" NOT NULL,
    resource_id text COLLATE "C" NOT NULL,
    terms       int4[] NOT NULL,
    PRIMARY KEY (type, rid)
) WITH (fillfactor = 90);

-- A GIN index over the terms finds the resources that have one of a few
-- terms by reading those terms' posting lists, not the type's range: a
-- query that matches one instance of 24,812 (a million CIs) took 7 ms with
-- it, 35-70 ms without. It costs Writes about a fifth of their rate
-- (docs/performance.md, "Advanced query"); fastupdate (the default) gathers
-- new entries in a pending list that VACUUM or a full list merges.
CREATE INDEX inventory_terms_gin ON inventory_terms USING gin (terms);

-- The version of invterms whose terms the table holds; 0: none yet. The
-- process that migrates computes them (in Go) when it finds another
-- version, holding the migration lock.
CREATE TABLE inventory_terms_state (version integer NOT NULL);
INSERT INTO inventory_terms_state (version) VALUES (0);
