"""Command-line entry points: serving, and the operator's commands beside it."""
