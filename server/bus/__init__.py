"""Sales on a message bus (NATS JetStream): the shape both ends share. Each store's signed
batches go to one stream at head office, under one subject per store, for HQ's ingest and
for any other system at head office (finance, stock, analytics) to read."""
