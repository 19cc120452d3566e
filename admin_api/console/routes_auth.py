"""Signing in and out, the first-run link, the language switch and the home page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from faq.apikeys import Role, failure_subjects

from ..deps import StateDep, client_address
from .web import COOKIE, LANG_COOKIE, PREFIX, Page, Refused, load_page, same_origin


async def page_dep(request: Request, state: StateDep) -> Page:
    return await load_page(request, state)


PageDep = Annotated[Page, Depends(page_dep)]
router = APIRouter(include_in_schema=False)


def home_for(page: Page) -> str:
    if page.role is Role.MANAGER:
        return f"{PREFIX}/stats"
    return f"{PREFIX}/entries"


def safe_next(target: str | None) -> str | None:
    """Only a path inside the console (no other site, no scheme-relative //host)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX + "/"):
        return None
    return target


@router.get("")
@router.get("/")
async def home(page: PageDep) -> Response:
    if page.session is None:
        return RedirectResponse(f"{PREFIX}/login", status_code=303)
    return RedirectResponse(home_for(page), status_code=303)


@router.get("/login")
async def login_form(page: PageDep, next: str | None = None) -> Response:
    if page.session is not None:
        return RedirectResponse(safe_next(next) or home_for(page), status_code=303)
    return page.render("login.html", next=safe_next(next) or "", error=None)


@router.post("/login")
async def login(page: PageDep, request: Request) -> Response:
    _ = page.gettext
    if not same_origin(request):
        raise Refused(403, _("Form expired"), _("This form did not come from the console."))
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > 4096:
        raise Refused(413, _("Too large"), _("What you sent is too large to be a console form."))
    data = await request.form()
    key = str(data.get("key") or "").strip()
    target = safe_next(str(data.get("next") or ""))
    throttle = page.state.throttle
    # As for the API: the key is checked first, so a valid key always signs in whatever others
    # tried from the same address; wrong keys count against the address and the key's start.
    found = await page.state.services.api_keys.authenticate_digest(key) if key else None
    if found is None:
        if not key:
            return page.render("login.html", http_status=401, next=target or "",
                               error=_("Paste your API key."))
        subjects = failure_subjects(client_address(request, page.state.config), key)
        wait = await throttle.retry_after(*subjects)
        if wait is not None:
            minutes = max(1, round(wait / 60))
            error = _("Too many wrong keys were tried from this computer. Wait {minutes} "
                      "minutes and try again.").format(minutes=minutes)
            return page.render("login.html", http_status=429, next=target or "", error=error)
        failures = await throttle.failed(*subjects)
        left = max(throttle.max_failures - failures, 0)
        error = _("That key is not valid: it is mistyped, unknown or revoked. Check it and try "
                  "again ({left} tries left).").format(left=left)
        return page.render("login.html", http_status=401, next=target or "", error=error)
    digest, _key = found
    token = await page.sessions.open(digest, page.lang)
    page.session = await page.sessions.load(token)
    response = RedirectResponse(target or home_for(page), status_code=303)
    page.set_session_cookie(response, token)
    return response


@router.get("/first-run")
async def first_run(page: PageDep, token: str = "") -> Response:
    """The one-time link printed on the terminal when the first admin key was created."""
    _ = page.gettext
    digest = await page.sessions.redeem(token)
    if digest is None:
        raise Refused(410, _("Link already used"),
                      _("This sign-in link was already used or has expired. Sign in with an "
                        "API key instead (an administrator creates one under Keys)."))
    session_token = await page.sessions.open(digest, page.lang)
    response = RedirectResponse(f"{PREFIX}/keys?msg=welcome", status_code=303)
    page.set_session_cookie(response, session_token)
    return response


@router.post("/logout")
async def logout(page: PageDep, request: Request) -> Response:
    if page.session is not None:
        await page.form()
        await page.sessions.close(request.cookies.get(COOKIE))
    response = RedirectResponse(f"{PREFIX}/login?msg=signed-out", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


@router.post("/language")
async def language(page: PageDep, request: Request) -> Response:
    """The staff member's choice: kept in the session, and in a cookie for the sign-in page."""
    _ = page.gettext
    if page.session is not None:
        data = await page.form()
    else:
        if not same_origin(request):
            raise Refused(403, _("Form expired"), _("This form did not come from the console."))
        data = await request.form()
    lang = str(data.get("lang") or "")
    if lang not in page.state.config.languages:
        lang = page.lang
    if page.session is not None:
        await page.sessions.set_language(page.session, lang)
    target = safe_next(str(data.get("next") or "")) or f"{PREFIX}/login"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict",
                        secure=page.secure, path=PREFIX, max_age=365 * 86400)
    return response
