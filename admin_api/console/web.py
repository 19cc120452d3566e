"""What every console page needs: the signed-in staff member, their language, CSRF, rendering.

Pages are plain server-rendered HTML forms (they work without JavaScript); htmx only refreshes
parts of a page (search results, the answer preview). Every POST carries the session's CSRF
token, in the form or in the ``X-CSRF-Token`` header htmx sends.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from faq.apikeys import Role

from ..clients import forwarded_https
from ..config import ApiState
from .errors import core_error
from .i18n import ConsoleI18n, Ngettext, pick_language
from .labels import language_name
from .sessions import Session, SessionStore

COOKIE = "im_console"
LANG_COOKIE = "im_lang"
PREFIX = "/console"
# A console form holds at most two answers of 4,000 characters, 60 alternates per language and
# ten sources: far below 256 KiB. Anything larger is refused before it is read.
MAX_FORM_BYTES = 256 * 1024


class Redirect(Exception):
    """Send the browser elsewhere (the sign-in page, say) from deep inside a page handler."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class Refused(Exception):
    """A page that cannot be shown: the message is already in the staff member's language."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass
class ConsoleApp:
    """Built once per application: the catalogs and templates."""

    i18n: ConsoleI18n
    secure_cookies: bool | None = None  # None: Secure when the request came over HTTPS


@dataclass
class Page:
    request: Request
    state: ApiState
    console: ConsoleApp
    sessions: SessionStore
    session: Session | None
    lang: str
    gettext: Callable[[str], str]
    extra: dict[str, Any] = field(default_factory=dict)

    # -- who -----------------------------------------------------------------------------------

    @property
    def role(self) -> Role | None:
        return self.session.key.role if self.session else None

    def can(self, *roles: Role) -> bool:
        return self.session is not None and self.session.key.allows(*roles)

    @property
    def ngettext(self) -> Ngettext:
        return self.console.i18n.ngettext(self.lang)

    def error_text(self, exc: Exception) -> str:
        """A core refusal in the staff member's words (never the core's English)."""
        return core_error(exc, self.gettext, self.ngettext, self.lang)

    @property
    def can_edit(self) -> bool:
        return self.can(Role.EDITOR)

    @property
    def actor(self) -> str:
        assert self.session is not None
        return self.session.key.actor

    def require(self, *roles: Role) -> Session:
        _ = self.gettext
        if self.session is None:
            target = self.request.url.path
            if self.request.url.query:
                target += "?" + self.request.url.query
            raise Redirect(f"{PREFIX}/login?next={quote(target, safe='')}")
        if not self.session.key.allows(*roles):
            raise Refused(403, _("Not allowed"),
                          _("Your key's role does not allow this page. Ask an administrator "
                            "if you need it."))
        return self.session

    @property
    def flash(self) -> str:
        """The confirmation for the ``msg`` code a redirect after a POST carried."""
        _ = self.gettext
        code = self.request.query_params.get("msg", "")
        count = self.request.query_params.get("n", "")
        added = int(count) if count.isdigit() and len(count) < 7 else 0
        messages = {
            "created": _("The entry was created."),
            "saved": _("Your changes were saved."),
            "unchanged": _("Nothing had changed, so nothing was saved."),
            "archived": _("The entry was archived; the bot no longer answers with it."),
            "restored": _("Done: it is back."),
            "attached": self.ngettext(
                "{n} question was added to this entry.",
                "{n} questions were added to this entry.", added).format(n=added),
            "changed": _("Someone changed this in the meantime; check again before you "
                         "confirm."),
            "revoked": _("The key was revoked."),
            "sent": _("Your reply was sent; the person receives it in their chat."),
            "closed": _("The conversation is closed; the person was told."),
            "drafted": _("The alert was saved as a draft. An administrator other than you must "
                         "approve it."),
            "approved": _("Approved: the alert is being sent to its subscribers."),
            "signed-out": _("You have signed out."),
            "welcome": _("Welcome. You are signed in as the first administrator. Create a key "
                         "for each colleague here."),
        }
        return messages.get(code, "")

    # -- input ---------------------------------------------------------------------------------

    async def form(self, max_bytes: int = MAX_FORM_BYTES) -> FormData:
        """The posted form, after the size limit and the CSRF check (``max_bytes``: larger
        only for a file upload, whose route names its own limit)."""
        _ = self.gettext
        length = self.request.headers.get("content-length")
        if length is None or not length.isdigit() or int(length) > max_bytes:
            raise Refused(413, _("Too large"),
                          _("What you sent is too large to be a console form."))
        data = await self.request.form()
        sent = data.get("csrf") or self.request.headers.get("x-csrf-token") or ""
        expected = self.session.csrf if self.session else ""
        if not expected or not isinstance(sent, str) or not hmac.compare_digest(
                sent.encode(), expected.encode()):
            raise Refused(403, _("Form expired"),
                          _("This form has expired (or did not come from the console). "
                            "Reload the page and try again; nothing was changed."))
        return data

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    def today(self) -> date:
        return datetime.now(self.state.config.tz).date()

    # -- output --------------------------------------------------------------------------------

    def render(self, template: str, http_status: int = 200, **values: Any) -> HTMLResponse:
        env = self.console.i18n.environment(self.lang)
        html = env.get_template(template).render(
            page=self, lang=self.lang, csrf=self.session.csrf if self.session else "",
            languages=self.state.config.languages, Role=Role, prefix=PREFIX,
            lang_name=lambda code: language_name(code, self.lang), **values)
        return HTMLResponse(html, status_code=http_status)

    def redirect(self, url: str) -> Response:
        if self.is_htmx:
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    def set_session_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                            secure=self.secure, path=PREFIX,
                            max_age=self.sessions.max_seconds)

    @property
    def secure(self) -> bool:
        if self.console.secure_cookies is not None:
            return self.console.secure_cookies
        return self.request.url.scheme == "https" or forwarded_https(
            self.request.client.host if self.request.client else None,
            self.request.headers.get("x-forwarded-proto"), self.state.config.trusted_proxies)


async def load_page(request: Request, state: ApiState) -> Page:
    console: ConsoleApp = request.app.state.console
    sessions = SessionStore(state.services.store.redis, state.services.store.keys,
                            state.services.api_keys)
    session = await sessions.load(request.cookies.get(COOKIE))
    offered = state.config.languages
    choice = (session.lang if session and session.lang else None) or request.cookies.get(
        LANG_COOKIE)
    lang = pick_language(choice, request.headers.get("accept-language"), offered,
                         state.config.default_language)
    page = Page(request, state, console, sessions, session, lang, console.i18n.gettext(lang))
    request.state.console_page = page
    return page


def same_origin(request: Request) -> bool:
    """A form posted from this site (or by a client that sends no Origin, like curl)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host
