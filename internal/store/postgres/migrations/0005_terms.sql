-- inventory_terms: the terms (package invterms) of each resource's latest
-- version, so that advanced query finds the resources that may hold a value
-- at a path (SELECT ... WHERE resourceType = 'AWS::EC2::Instance' AND
-- configuration.instanceType = 't3.micro') by reading a few hundred bytes
-- per resource of the type rather than every configuration.
--
-- terms is the sorted set of 32-bit hashes, 4 bytes each (little-endian);
-- a query looks for a term with position(), which may also find it across
-- two hashes: a superset, which the query engine checks item by item.
--
-- Why not a GIN index on inventory_versions.configuration_doc: a jsonpath
-- such as $.a.b == "x" unwraps one level of arrays only (lax mode), so it
-- misses values the evaluator finds in arrays of arrays; its equality is
-- jsonb's, not the evaluator's (a number's text); and it indexes every
-- version, at a cost to each Write's time. The terms hold exactly the
-- evaluator's values, of the latest version only, for a row per resource.
--
-- The key is inventory_resources' with the type first, so that a type's
-- terms are one range; the Write keeps them in its transaction, while it
-- holds the lock of the resource's row.
CREATE TABLE inventory_terms (
    type        text COLLATE "C" NOT NULL,
    account_id  text COLLATE "C" NOT NULL,
    region      text COLLATE "C" NOT NULL,
    resource_id text COLLATE "C" NOT NULL,
    terms       bytea NOT NULL,
    PRIMARY KEY (type, account_id, region, resource_id)
) WITH (fillfactor = 90);

-- The version of invterms whose terms the table holds; 0: none yet. The
-- process that migrates computes them (in Go) when it finds another
-- version, holding the migration lock.
CREATE TABLE inventory_terms_state (version integer NOT NULL);
INSERT INTO inventory_terms_state (version) VALUES (0);
