"""A chain of stores and its head office: each store's identity (its Ed25519 keys) and the
signed requests (RFC 9421) by which a store vouches for what it sends."""
