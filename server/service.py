"""The parts every service's app is built from: its middlewares, its settings and clock,
its credentials (the auth store and the audit of failures), and its socket hub. Each
service's own factory adds its stores, routes and pages."""
from aiohttp import web

from server.auth.failures import FailureAudit
from server.auth.rate_limit import RateLimits
from server.auth.store import AuthStore
from server.config import ServiceSettings
from server.hub.credential_watch import CredentialWatch
from server.hub.hub import SocketHub
from server.web.assets import add_favicon
from server.web.authentication import auth_middleware
from server.web.envelope import error_middleware
from server.web.headers import security_headers_middleware
from server.web.keys import AUTH_FAILURES, AUTH_STORE, CLOCK, RATE_LIMITS, SETTINGS, SOCKET_HUB
from server.web.plain_bodies import plain_bodies_middleware
from server.web.validation import validation_middleware


def new_service_app(settings: ServiceSettings, clock, limits: RateLimits,
                    admission: tuple = ()) -> web.Application:
    """An app with the shared middlewares (outermost first: hardening headers, the error
    envelope, plain bodies, the service's own `admission` ones, authentication and
    authorization, validation) and its settings, clock and rate limits. Admission comes
    before authentication so that a request refused for load costs no body read and no
    signature check. Every service answers /favicon.ico."""
    app = web.Application(
        middlewares=[security_headers_middleware, error_middleware, plain_bodies_middleware,
                     *admission, auth_middleware, validation_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS], app[CLOCK], app[RATE_LIMITS] = settings, clock, limits
    add_favicon(app)
    return app


def keep_credentials(app: web.Application, store: AuthStore) -> FailureAudit:
    """Put the service's credential store on the app, with the audit of failed credentials
    at the settings' rates; that audit, for the service to listen to."""
    settings = app[SETTINGS]
    app[AUTH_STORE] = store
    app[AUTH_FAILURES] = FailureAudit(store, settings.audit_failures_per_address_per_min,
                                      settings.audit_failures_per_min)
    return app[AUTH_FAILURES]


async def socket_hub_ctx(app: web.Application):
    """Every socket, by who opened it: closed at once when its credential or session ends,
    and with GOING_AWAY when the service shuts down. (After the credential store.)"""
    hub = SocketHub(app[SETTINGS].ws_max_sockets_per_credential)
    app[SOCKET_HUB] = hub
    app[AUTH_STORE].on_revoked.append(hub.close_credentials)
    app[AUTH_STORE].on_session_ended.append(hub.close_session)
    app.on_shutdown.append(hub.close_all)
    watch = CredentialWatch(hub, app[AUTH_STORE], app[CLOCK])
    watch.start()
    yield
    await watch.stop()

