-- The control-plane store (Store): every record of every namespace, an
-- opaque document keyed by the namespace (owner, region), the kind and the
-- id. Every read and write names one key or one (owner, region, kind)
-- prefix, so the primary key's b-tree serves them all: Get, Put, Create and
-- Delete look up one entry, List and Count scan one prefix in id order.
--
-- Keys compare byte by byte, as Go compares strings, which is the order List
-- promises. owner, region and kind are Starling's own ASCII names (account
-- and organization ids, region names, record kinds), kept as text that a
-- person can read with psql; COLLATE "C" makes them compare bytewise instead
-- of by the database's locale. id is bytea: ids are chosen by API callers,
-- and bytea keeps any Go string exactly (text refuses NUL and bytes that are
-- not valid in the database's encoding), in byte order whatever that
-- encoding is. Read one with convert_from(id, 'UTF8').
--
-- A document that is replaced keeps its key, so PostgreSQL can write the new
-- version as a heap-only tuple (HOT), without a new index entry, when it
-- fits on the same page: fillfactor leaves room for that. Fewer index writes
-- also mean fewer false conflicts between SERIALIZABLE transactions, whose
-- predicate locks on the index are per page.
CREATE TABLE records (
    owner  text  COLLATE "C" NOT NULL,
    region text  COLLATE "C" NOT NULL,
    kind   text  COLLATE "C" NOT NULL,
    id     bytea NOT NULL,
    doc    bytea NOT NULL,
    PRIMARY KEY (owner, region, kind, id)
) WITH (fillfactor = 80);
