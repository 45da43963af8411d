"""The WebSocket hub: kiosks keep one socket each and heartbeat over it."""
