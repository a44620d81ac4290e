-- records_generation is the control-plane store's write generation
-- (store.Store.Generation): every Update that wrote takes its next value
-- right after its COMMIT, in the same round trip, and every process reads
-- its last value. Caches of what is derived from the records (an
-- aggregator's readable sources) are valid while it stays the same.
--
-- A sequence, not a row that every writer updates: nextval never waits
-- for another transaction nor makes SERIALIZABLE transactions conflict,
-- and it never returns a value twice.
CREATE SEQUENCE records_generation;

-- A new sequence's last_value is its start before the first nextval and
-- still that value after it; take the first value here, so that every
-- nextval after this one changes last_value.
SELECT nextval('records_generation');
