"""The sync coroutine: drains the edge outbox into the central ledger, exactly once."""
