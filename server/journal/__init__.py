"""The tamper-evident sales journal: a hash chain per kiosk, and the tool that verifies it."""
