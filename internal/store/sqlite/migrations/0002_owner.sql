-- The first column holds a record's namespace owner (store.Namespace.Owner):
-- an account id, an organization id, a directory name or Starling's own
-- "starling", not only account ids. Name it for what it holds.
ALTER TABLE records RENAME COLUMN account_id TO owner;
