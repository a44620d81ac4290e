-- inventory_resources.status is the latest version's
-- configurationItemStatus, kept beside deleted and name, so that the
-- counts of advanced query (which leave out ResourceNotRecorded and
-- ResourceDeletedNotRecorded items, and count ResourceDeleted ones) read
-- inventory_resources alone rather than joining every resource to its
-- latest version. It is in no index: updating it stays a HOT update.
ALTER TABLE inventory_resources ADD COLUMN status text COLLATE "C" NOT NULL DEFAULT '';
UPDATE inventory_resources r SET status = v.status
FROM inventory_versions v WHERE v.rid = r.rid AND v.state_id = r.state_id;
