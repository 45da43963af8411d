"""Access rules on handlers: each service's route table says who may call each route (and
which rate limit a call takes). PUBLIC is open to anyone; the role sets below are the
store's (kiosk, dashboard, operator)."""
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


def rate_limit_of(handler) -> str | None:
    """The name of the rate limit a call of this handler takes, if any."""
    return getattr(handler, "__rate_limit__", None)
