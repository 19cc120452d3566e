"""The staff console: server-rendered pages under ``/console``, in the API's process.

Jinja2 templates and plain HTML forms, with htmx (vendored) refreshing parts of a page; no
front-end build, nothing from a CDN, no inline script (the CSP forbids it). Every action calls
the same core use cases as the API and the CLI.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from . import (
    routes_auth,
    routes_entries,
    routes_import,
    routes_inbox,
    routes_keys,
    routes_people,
    routes_stats,
)
from .i18n import ConsoleI18n
from .sessions import first_run_link
from .web import PREFIX, ConsoleApp, Page, Redirect, Refused

STATIC = Path(__file__).with_name("static")
__all__ = ["PREFIX", "first_run_link", "install_console"]


async def _redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": exc.url})
    return RedirectResponse(exc.url, status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    page: Page | None = getattr(request.state, "console_page", None)
    if page is None:
        return HTMLResponse(exc.message, status_code=exc.status)
    return page.render("message.html", http_status=exc.status, title=exc.title, text=exc.message)


def install_console(app: FastAPI, locales_dir: Path | None, languages: tuple[str, ...],
                    secure_cookies: bool | None = None) -> None:
    app.state.console = ConsoleApp(ConsoleI18n(locales_dir, languages), secure_cookies)
    for module in (routes_auth, routes_entries, routes_import, routes_inbox, routes_stats,
                   routes_keys, routes_people):
        app.include_router(module.router, prefix=PREFIX)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(Redirect, _redirect)
    app.add_exception_handler(Refused, _refused)
