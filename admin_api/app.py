"""``create_app``: the admin API as a FastAPI application.

Two ways to give it its services:

* ``create_app(services, config)``: the caller owns Redis (``infomigra serve`` shares one
  connection and one live matcher between the bot and the API; tests pass the seeded core);
* ``create_app(config=config, connect=factory)``: the app owns Redis. ``factory()`` is an async
  context manager yielding ``ApiServices``; the lifespan enters it at start-up and leaves it at
  shutdown, which opens and closes the connection (``infomigra api``). When Redis cannot be
  reached at start-up the server starts anyway (``/healthz`` and ``/metrics`` answer, everything
  else is a 503) and keeps trying, 1, 2, 4... seconds apart up to ``redis_retry_max_seconds``,
  one log line per try, until it connects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api.main import api_router
from .api.routes import health, metrics
from .config import ApiConfig, ApiServices, ApiState
from .console import PREFIX as CONSOLE_PREFIX
from .console import install_console
from .errors import install_error_handlers
from .limits import BodyLimit
from .metrics import RequestMetrics, RouteTemplates

log = logging.getLogger(__name__)

Connect = Callable[[], AbstractAsyncContextManager[ApiServices]]
_CONSOLE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
_DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")
# What "Redis is not there yet" looks like at start-up (refused, unreachable, timing out);
# anything else (a bad setting, a broken data dir) still stops the start.
_NOT_YET = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class SecurityHeaders:
    """Plain ASGI middleware (no BaseHTTPMiddleware: it would interfere with error handling):
    no caching of API answers or console pages, no sniffing, no framing, a strict CSP (no
    inline script, nothing from another site) on the console."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # The console checks Origin on its sign-in form; with no-referrer a browser
                # sends "Origin: null", so its pages say same-origin (still nothing leaves).
                console = path.startswith(CONSOLE_PREFIX)
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin" if console else b"no-referrer")]
                if not path.startswith(_DOCS_PATHS):
                    extra.append((b"x-frame-options", b"DENY"))
                if path.startswith("/api/"):
                    extra.append((b"cache-control", b"no-store"))
                if console:
                    extra.append((b"content-security-policy", _CONSOLE_CSP.encode()))
                    if not path.startswith(f"{CONSOLE_PREFIX}/static/"):
                        extra.append((b"cache-control", b"no-store"))
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _connect_until_up(attach: Callable[[], Awaitable[None]], config: ApiConfig) -> None:
    """Try ``attach`` again with a doubling delay (bounded) until Redis answers."""
    delay = 1.0
    attempt = 1
    while True:
        await asyncio.sleep(delay)
        attempt += 1
        try:
            await attach()
        except _NOT_YET as exc:
            delay = min(delay * 2, config.redis_retry_max_seconds)
            log.warning("Redis still unreachable (attempt %d: %s: %s); next try in %.0f s",
                        attempt, type(exc).__name__, exc, delay)
            continue
        log.info("Redis reachable after %d attempts; the admin API is ready", attempt)
        return


def create_app(services: ApiServices | None = None, config: ApiConfig | None = None, *,
               connect: Connect | None = None) -> FastAPI:
    if (services is None) == (connect is None):
        raise ValueError("create_app needs either services or connect, not both")
    config = config or ApiConfig()

    async def close_state(app: FastAPI, *, forget: bool) -> None:
        state: ApiState | None = app.state.api
        if forget:
            app.state.api = None
        if state is not None:
            await state.outage.close()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if connect is None:
            try:
                yield  # the caller opened Redis and will close it
            finally:
                await close_state(app, forget=False)
            return
        async with contextlib.AsyncExitStack() as stack:

            async def attach() -> None:
                owned = await stack.enter_async_context(connect())
                app.state.api = ApiState.assemble(owned, config)

            waiting: asyncio.Task[None] | None = None
            try:
                await attach()
                log.info("admin API ready")
            except _NOT_YET as exc:
                log.error("Redis unreachable at start-up (%s: %s); serving /healthz and 503s "
                          "while retrying (at most %.0f s apart)", type(exc).__name__, exc,
                          config.redis_retry_max_seconds)
                waiting = asyncio.create_task(_connect_until_up(attach, config),
                                              name="admin-api-connect")
            try:
                yield
            finally:
                if waiting is not None:
                    waiting.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await waiting
                await close_state(app, forget=True)

    app = FastAPI(
        title=config.title, version=config.version, lifespan=lifespan,
        docs_url="/docs" if config.docs else None, redoc_url="/redoc" if config.docs else None,
        openapi_url="/openapi.json" if config.docs else None,
        description="Staff edit the FAQ safely (versions, If-Match, history, audit); managers "
                    "see what people ask. Authenticate with `Authorization: Bearer <key>` "
                    "(keys from `infomigra keys create`). Errors are always "
                    '`{"error": {"code", "message", "details"}}`.',
        openapi_tags=[
            {"name": "faq", "description": "Entries (editor writes; editor/manager read)"},
            {"name": "audit", "description": "Who changed what, when"},
            {"name": "match", "description": "Test a phrasing against the live matcher"},
            {"name": "statistics", "description": "Manager reports (JSON or CSV)"},
            {"name": "inbox", "description": "Unanswered questions -> better answers (editor)"},
            {"name": "conversations", "description": "Talk to a person: reply in the chat "
                                                      "(editor; manager reads)"},
            {"name": "alerts", "description": "Opt-in alerts: draft (editor), approve (a "
                                              "second person, admin), progress"},
            {"name": "keys", "description": "API keys (admin)"},
            {"name": "health", "description": "Liveness and readiness"},
        ])
    app.state.api = ApiState.assemble(services, config) if services is not None else None
    app.state.api_config = config
    install_error_handlers(app)
    # Outermost last: metrics time everything, security headers go on every answer (413s
    # too), and the body cap sits in front of every route and form parser.
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes,
                       routes={"/api/v1/faq/import": config.import_body_bytes,
                               "/console/import": config.import_body_bytes})
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics,
                       templates=RouteTemplates(lambda: app.openapi().get("paths", {})))
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(api_router)

    install_console(app, config.locales_dir, config.languages, config.secure_cookies)

    @app.get("/dashboard", include_in_schema=False)
    async def dashboard() -> RedirectResponse:
        """The old dashboard's address, kept for bookmarks: the console replaced it."""
        return RedirectResponse(CONSOLE_PREFIX + "/", status_code=308)

    return app
