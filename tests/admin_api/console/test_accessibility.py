"""Every page: no critical or serious axe-core violation, keyboard reachable, usable at 390 px
(nothing wider than the screen). With CONSOLE_SCREENSHOTS=1 this also refreshes docs/console/."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from faq.apikeys import Role
from tests.admin_api.console.conftest import Console, ask, axe, make_entry, shot, sign_in

pytestmark = pytest.mark.browser
Prepare = Callable[[Page], None]
MOBILE_SHOTS = {"entries", "entry-edit", "inbox", "stats"}


def _cluster_id(page: Page, console: Console, text: str) -> str:
    page.goto(f"{console.url}/console/inbox")
    link = page.locator("li.cluster").filter(has_text=text).get_by_role(
        "link", name="Agregar a una entrada")
    href = link.get_attribute("href") or ""
    return href.split("/inbox/")[1].split("/")[0]


def _refused_create(page: Page) -> None:
    page.get_by_label("Identificador").fill("No Valido")
    page.get_by_label("Estado").select_option("published")
    page.get_by_role("button", name="Crear la entrada").click()


def _created_key(page: Page) -> None:
    page.get_by_label("Quién la usará").fill("Captura de pantalla")
    page.get_by_role("button", name="Crear la clave").click()
    page.wait_for_url("**/console/keys?created=1")  # POST, then the redirect shows it once


def _pages(console: Console, role: Role) -> list[tuple[str, str, Prepare | None]]:
    base = "/console"
    if role is Role.EDITOR:
        return [("entries", f"{base}/entries", None),
                ("entry-edit", f"{base}/entries/console-a11y", None),
                ("entry-new-errors", f"{base}/entries/new", _refused_create),
                ("history", f"{base}/entries/console-a11y/history", None),
                ("rollback-confirm", f"{base}/entries/passport-application/rollback/1", None),
                ("archive-confirm", f"{base}/entries/console-a11y/archive", None),
                ("inbox", f"{base}/inbox", None),
                ("attach", "ATTACH", None),
                ("try", f"{base}/try?q=necesito+pasaporte+por+primera+vez", None),
                ("audit", f"{base}/audit", None)]
    if role is Role.MANAGER:
        return [("stats", f"{base}/stats", None),
                ("entry-read-only", f"{base}/entries/passport-application", None),
                ("inbox-manager", f"{base}/inbox", None)]
    return [("keys", f"{base}/keys", _created_key),
            ("key-revoke-confirm", "REVOKE", None)]


def _check(page: Page, console: Console, role: Role, width: int) -> list[str]:
    failures: list[str] = []
    for name, path, prepare in _pages(console, role):
        if path == "ATTACH":
            path = f"/console/inbox/{_cluster_id(page, console, 'cajero del banrural')}/attach"
        if path == "REVOKE":
            page.goto(f"{console.url}/console/keys")
            path = page.get_by_role("link", name="Revocar").first.get_attribute("href") or ""
        page.goto(console.url + path)
        if prepare is not None:
            prepare(page)
        violations = axe(page)
        if violations:
            failures.append(f"{name} @ {width}px: {violations}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            failures.append(f"{name} @ {width}px: {overflow}px wider than the screen")
        if width > 400 or name in MOBILE_SHOTS:
            shot(page, name if width > 400 else f"{name}-390px")
    return failures


@pytest.mark.parametrize("width", [1100, 390])
@pytest.mark.parametrize("role", [Role.EDITOR, Role.MANAGER, Role.ADMIN])
def test_every_page_passes_axe_and_fits_the_screen(browser: Browser, console: Console,
                                                   role: Role, width: int) -> None:
    make_entry(console, "console-a11y") if role is Role.EDITOR and width == 1100 else None
    ask(console, "no me funciona el cajero del banrural", user="a11y")
    context = browser.new_context(locale="es-GT", viewport={"width": width, "height": 860})
    context.add_init_script(path=str(__import__("tests.admin_api.console.conftest",
                                                fromlist=["VENDOR"]).VENDOR / "axe.min.js"))
    try:
        page = context.new_page()
        if width > 400 and role is Role.EDITOR:
            page.goto(f"{console.url}/console/login")
            shot(page, "login")
        sign_in(page, console, role)
        assert _check(page, console, role, width) == []
    finally:
        context.close()


def test_the_sign_in_page_passes_axe_and_works_by_keyboard(page: Page, console: Console) -> None:
    page.goto(f"{console.url}/console/login")
    assert axe(page) == []
    expect(page.get_by_label("Su clave de acceso")).to_be_focused()  # ready to paste
    page.keyboard.type(console.keys[Role.EDITOR])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Entradas")
    page.keyboard.press("Tab")  # the skip link comes first on every page
    expect(page.get_by_role("link", name="Saltar al contenido")).to_be_focused()
    # Keyboard only: Tab reaches the search box and typing filters.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "q":
            break
    page.keyboard.type("pasaporte")
    expect(page.locator("#results")).to_contain_text("pasaporte")


def test_the_axe_check_itself_catches_an_unlabelled_field(page: Page) -> None:
    page.set_content('<html lang="es"><title>t</title><main><textarea></textarea></main></html>')
    assert [v["id"] for v in axe(page)] == ["label"]
