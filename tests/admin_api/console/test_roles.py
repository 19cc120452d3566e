"""Managers (statistics, CSV, read-only entries and inbox) and administrators (keys)."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from faq.apikeys import Role
from tests.admin_api.console.conftest import Console, ask, sign_in

pytestmark = pytest.mark.browser


def test_a_manager_sees_statistics_with_charts_tables_and_csv(page: Page,
                                                               console: Console) -> None:
    ask(console, "horario de la feria de jocotenango", user="m1")
    sign_in(page, console, Role.MANAGER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Estadísticas")  # their home
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    assert page.locator("svg.chart rect.answered").count() >= 14  # one bar per day with data
    expect(page.locator("svg.chart polyline.rate")).to_have_count(1)
    page.get_by_text("Las cifras por día, en una tabla").click()  # the table alternative
    expect(page.locator("#daily-table tbody tr")).to_have_count(30)
    cards = page.locator(".cards")
    expect(cards).to_contain_text("personas distintas")
    languages = page.locator("section[aria-labelledby=langs]")
    expect(languages).to_contain_text("Español")
    expect(languages).to_contain_text("Inglés")
    top = page.locator("section[aria-labelledby=top]")
    expect(top).to_contain_text("¿Cómo saco mi pasaporte guatemalteco por primera vez?")
    expect(top).to_contain_text("100 %")  # share of 👍, not raw counts only
    worst = page.locator("section[aria-labelledby=worst] tbody tr").first
    expect(worst).to_contain_text("0 %")  # the entry rated 👎 only comes first
    expect(page.locator("section[aria-labelledby=unanswered]")).to_contain_text(
        "horario de la feria de jocotenango")
    with page.expect_download() as download:
        page.locator("section[aria-labelledby=top]").get_by_role(
            "link", name="Descargar CSV").click()
    with open(download.value.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0] == ["id", "question", "answers", "up", "down"]
    assert rows[1][0] == "passport-application" and int(rows[1][2]) >= 42
    for table in ("daily", "languages", "worst", "unanswered"):
        res = page.context.request.get(f"{console.url}/console/stats/{table}.csv")
        assert res.status == 200 and res.headers["content-type"].startswith("text/csv")
    # A shorter range: 7 days, 7 rows.
    page.get_by_label("Desde").fill(_days_before(page, 6))
    page.get_by_role("button", name="Mostrar").click()
    expect(page.locator("#daily-table tbody tr")).to_have_count(7)


def _days_before(page: Page, days: int) -> str:
    until = page.get_by_label("Hasta").input_value()
    from datetime import date, timedelta
    return (date.fromisoformat(until) - timedelta(days=days)).isoformat()


def test_a_manager_reads_entries_and_the_inbox_but_cannot_change_them(
        page: Page, console: Console) -> None:
    ask(console, "donde queda la embajada de marte", user="m2")
    sign_in(page, console, Role.MANAGER)
    page.goto(f"{console.url}/console/inbox")
    card = page.locator("li.cluster").filter(has_text="embajada de marte")
    expect(card).to_have_count(1)
    expect(card.get_by_role("button", name="Descartar")).to_have_count(0)
    page.goto(f"{console.url}/console/entries/passport-application")
    expect(page.get_by_label("Pregunta (Español)")).to_be_disabled()
    expect(page.get_by_role("button", name="Guardar cambios")).to_have_count(0)
    response = page.goto(f"{console.url}/console/entries/new")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("El rol de su clave no permite")
    assert page.goto(f"{console.url}/console/keys").status == 403  # type: ignore[union-attr]


def test_an_editor_has_no_statistics_or_keys(page: Page, console: Console) -> None:
    sign_in(page, console, Role.EDITOR)
    expect(page.get_by_role("link", name="Estadísticas")).to_have_count(0)
    expect(page.get_by_role("link", name="Claves")).to_have_count(0)
    assert page.goto(f"{console.url}/console/stats").status == 403  # type: ignore[union-attr]


def test_an_admin_creates_a_key_shown_once_and_revokes_it(page: Page, console: Console) -> None:
    sign_in(page, console, Role.ADMIN)
    page.get_by_role("link", name="Claves").click()
    page.get_by_label("Quién la usará").fill("Lucía, voluntaria")
    page.get_by_label("Rol").select_option("editor")
    page.get_by_role("button", name="Crear la clave").click()
    created = page.get_by_label("La clave nueva")
    key = created.input_value()
    assert key.startswith("imk_")
    expect(page.locator("table")).to_contain_text("Lucía, voluntaria")
    keys_before = page.locator("tbody tr").count()
    page.reload()  # the redirect's GET: no second key, and the key is not shown again
    expect(page.get_by_role("status")).to_contain_text("Esta clave ya se mostró una vez")
    expect(page.get_by_label("La clave nueva")).to_have_count(0)
    assert key not in page.content()
    assert page.locator("tbody tr").count() == keys_before
    expect(page.locator("tbody tr").filter(has_text="Lucía, voluntaria")).to_have_count(1)
    page.goto(f"{console.url}/console/keys")  # shown once: the list shows no key
    assert key not in page.content()
    # The new key signs in (another browser), then the admin revokes it: its session ends.
    other = page.context.browser.new_context(locale="es-GT")  # type: ignore[union-attr]
    try:
        tab = other.new_page()
        tab.goto(f"{console.url}/console/login")
        tab.get_by_label("Su clave de acceso").fill(key)
        tab.get_by_role("button", name="Entrar").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Entradas")
        page.get_by_role("link", name="Revocar Lucía, voluntaria").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Lucía, voluntaria")
        page.get_by_role("button", name="Revocar").click()
        expect(page.get_by_role("status")).to_have_text("La clave fue revocada.")
        expect(page.locator("table")).not_to_contain_text("Lucía, voluntaria")
        tab.goto(f"{console.url}/console/entries")
        assert "/console/login" in tab.url
    finally:
        other.close()
    page.get_by_label("Quién la usará").fill("   ")  # the browser lets spaces through
    page.get_by_role("button", name="Crear la clave").click()
    expect(page.locator("#key-form-error")).to_contain_text("Escriba quién usará la clave")
