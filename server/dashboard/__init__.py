"""What store staff see: fleet and per-kiosk metrics."""
