"""The edge: the store's own durable record of every sale, and the kiosks that make them."""
