"""Access rules on handlers: the route table says who may call each route."""
PUBLIC = frozenset({"public"})
ANY_ROLE = frozenset({"kiosk", "dashboard", "operator"})
KIOSK = frozenset({"kiosk"})
DASHBOARD = frozenset({"dashboard", "operator"})
OPERATOR = frozenset({"operator"})
KIOSK_OR_OPERATOR = frozenset({"kiosk", "operator"})


def allow(roles: frozenset, handler, rate_limit: str | None = None):
    """Mark `handler` with the roles that may call it (and an optional rate limit name)."""
    handler.__roles__ = roles
    handler.__rate_limit__ = rate_limit
    return handler


def roles_of(handler) -> frozenset | None:
    """The roles allowed on a handler, or None if it has no rule (which means: refused)."""
    return getattr(handler, "__roles__", None)
