-- The control-plane store (Store): filled in by the control-plane backend.
SELECT 1;
