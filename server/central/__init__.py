"""The central ledger at head office: every accepted sale, exactly once."""
