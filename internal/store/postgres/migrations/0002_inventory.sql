-- The configuration-item store (Inventory): filled in by the inventory backend.
SELECT 1;
