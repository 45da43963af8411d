-- Head office (on SQLite) asks, for the messages on the bus its ingest may have taken out of
-- turn, whether it holds their batches: by store and the body's digest (server.bus.transit).
-- A store's embedded ledger holds no batches: the index stays empty there.
CREATE INDEX hq_batches_by_digest ON hq_batches (store_id, content_digest);
