"""Signing in: a key becomes a server-side session; the key stays out of the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from faq.apikeys import ApiKeyRegistry, Role
from infomigra.runtime import Services
from tests.admin_api.console.conftest import Console, sign_in

pytestmark = pytest.mark.browser


def test_a_wrong_key_says_so_in_spanish_and_the_right_one_still_works(
        page: Page, console: Console) -> None:
    page.goto(f"{console.url}/console/login")
    page.get_by_label("Su clave de acceso").fill("imk_" + "x" * 40)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("alert")).to_contain_text("Esa clave no es válida")
    expect(page.get_by_label("Su clave de acceso")).to_have_attribute("aria-invalid", "true")
    sign_in(page, console, Role.EDITOR)
    expect(page.get_by_role("heading", level=1)).to_have_text("Entradas")


def test_the_session_cookie_is_httponly_strict_and_the_key_is_never_stored(
        page: Page, context: BrowserContext, console: Console) -> None:
    sign_in(page, console, Role.EDITOR)
    cookies = {c["name"]: c for c in context.cookies()}
    session = cookies["im_console"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert session["path"] == "/console"
    key = console.keys[Role.EDITOR]
    assert all(key not in c["value"] for c in cookies.values())
    local = page.evaluate("() => JSON.stringify({...localStorage})")
    session_storage = page.evaluate("() => JSON.stringify({...sessionStorage})")
    assert local == "{}"  # htmx keeps no page snapshots (historyCacheSize 0)
    assert key not in session_storage
    assert page.evaluate("() => document.cookie") == ""  # nothing readable by scripts
    assert key not in page.content()


def test_pages_have_a_strict_csp_and_no_inline_script(page: Page, console: Console) -> None:
    sign_in(page, console, Role.ADMIN)
    response = page.goto(f"{console.url}/console/entries/new")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    inline = page.evaluate("() => [...document.scripts].filter(s => !s.src).length")
    assert inline == 0
    sources = page.evaluate("() => [...document.querySelectorAll('script[src], link[href]')]"
                            ".map(e => e.src || e.href)")
    assert sources and all(s.startswith(console.url) for s in sources)  # all vendored


def test_a_form_without_the_csrf_token_is_refused(page: Page, console: Console) -> None:
    sign_in(page, console, Role.EDITOR)
    before = page.context.request.post(f"{console.url}/console/entries/new",
                                       form={"id": "csrf-probe", "category": "documents"})
    assert before.status == 403 and "venció" in before.text()
    forged = page.context.request.post(f"{console.url}/console/entries/new",
                                       form={"id": "csrf-probe", "csrf": "guess"})
    assert forged.status == 403


def test_signing_out_ends_the_session_on_the_server(page: Page, context: BrowserContext,
                                                     console: Console) -> None:
    sign_in(page, console, Role.EDITOR)
    token = {c["name"]: c["value"] for c in context.cookies()}["im_console"]
    page.get_by_role("button", name="Salir").click()
    expect(page.get_by_role("status")).to_contain_text("salió")
    context.add_cookies([{"name": "im_console", "value": token, "url": console.url + "/console"}])
    page.goto(f"{console.url}/console/entries")
    assert "/console/login" in page.url  # the old cookie opens nothing


def test_language_follows_the_browser_then_the_staff_members_choice(
        browser: Browser, console: Console) -> None:
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{console.url}/console/login")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Sign in to the staff console")
        page.get_by_label("Your API key").fill(console.keys[Role.EDITOR])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Entries")
        page.get_by_label("Language").select_option("es")  # submits by itself
        expect(page.get_by_role("heading", level=1)).to_have_text("Entradas")
        page.goto(f"{console.url}/console/inbox")
        expect(page.get_by_role("heading", level=1)).to_have_text("Preguntas sin respuesta")
        assert page.evaluate("() => document.documentElement.lang") == "es"
    finally:
        context.close()


def test_a_page_opened_signed_out_comes_back_after_signing_in(page: Page,
                                                              console: Console) -> None:
    page.goto(f"{console.url}/console/audit?who=nadie")
    assert "/console/login" in page.url
    page.get_by_label("Su clave de acceso").fill(console.keys[Role.EDITOR])
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/console/audit\?who=nadie$"))
    expect(page.get_by_label("Quién")).to_have_value("nadie")


def test_the_first_run_link_signs_in_once(page: Page, console: Console) -> None:
    from admin_api.console.sessions import SessionStore

    async def link(services: Services) -> str:
        registry = ApiKeyRegistry(services.redis, services.keys)
        _secret, info = await registry.create("admin", "primer admin de prueba")
        digest = next(d for d in await services.redis.smembers(services.keys.api_keys)
                      if d.startswith(info.id))
        return await SessionStore(services.redis, services.keys, registry).signin_link(digest)

    token = console.run(link)
    page.goto(f"{console.url}/console/first-run?token={token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claves de acceso")
    expect(page.get_by_role("status")).to_contain_text("primer administrador")
    other = page.context.browser.new_context(locale="es-GT")  # type: ignore[union-attr]
    try:
        again = other.new_page()
        response = again.goto(f"{console.url}/console/first-run?token={token}")
        assert response is not None and response.status == 410
        expect(again.get_by_role("alert")).to_contain_text("ya se usó")
    finally:
        other.close()
