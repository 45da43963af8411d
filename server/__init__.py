"""Always-On Checkout: the store's edge service."""
