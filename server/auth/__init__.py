"""Who is calling, and what they may do: credentials, roles, sessions, limits, the audit trail."""
