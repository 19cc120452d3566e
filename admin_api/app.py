"""``create_app``: the admin API as a FastAPI application.

Two ways to give it its services:

* ``create_app(services, config)``: the caller owns Redis (``infomigra serve`` shares one
  connection and one live matcher between the bot and the API; tests pass the seeded core);
* ``create_app(config=config, connect=factory)``: the app owns Redis. ``factory()`` is an async
  context manager yielding ``ApiServices``; the lifespan enters it at start-up and leaves it at
  shutdown, which opens and closes the connection (``infomigra api``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api.main import api_router
from .api.routes import health
from .config import ApiConfig, ApiServices, ApiState
from .console import PREFIX as CONSOLE_PREFIX
from .console import install_console
from .errors import install_error_handlers

log = logging.getLogger(__name__)

Connect = Callable[[], AbstractAsyncContextManager[ApiServices]]
_CONSOLE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
_DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")


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


def create_app(services: ApiServices | None = None, config: ApiConfig | None = None, *,
               connect: Connect | None = None) -> FastAPI:
    if (services is None) == (connect is None):
        raise ValueError("create_app needs either services or connect, not both")
    config = config or ApiConfig()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if connect is None:
            yield  # the caller opened Redis and will close it
            return
        async with connect() as owned:
            app.state.api = ApiState.assemble(owned, config)
            log.info("admin API ready")
            try:
                yield
            finally:
                app.state.api = None

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
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.include_router(health.router)
    app.include_router(api_router)

    install_console(app, config.locales_dir, config.languages, config.secure_cookies)

    @app.get("/dashboard", include_in_schema=False)
    async def dashboard() -> RedirectResponse:
        """The old dashboard's address, kept for bookmarks: the console replaced it."""
        return RedirectResponse(CONSOLE_PREFIX + "/", status_code=308)

    return app
