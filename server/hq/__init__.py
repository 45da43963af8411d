"""Head office's service: every store's sales, taken in signed batches, on PostgreSQL (or
SQLite for demos); its stores' keys; its reads for people and for each store."""
