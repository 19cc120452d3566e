"""Whatever staff or migrants type is shown as text: HTML and javascript: links in questions,
alternates, sources, inbox questions and "Try it" never run or become links."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from faq.apikeys import Role
from tests.admin_api.console.conftest import Console, ask, make_entry, sign_in

pytestmark = pytest.mark.browser
QUESTION = '¿Qué pasa con <img src=x onerror="window.__xss=1">?'
ALTERNATE = "<script>window.__xss=2</script> otra forma"
SOURCE_TITLE = '<b onmouseover="window.__xss=3">fuente</b>'
INBOX = '<script>window.__xss=4</script> mira <a href="javascript:window.__xss=5">clic</a>'


def assert_inert(page: Page) -> None:
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("main img, main script, main b[onmouseover]").count() == 0


def test_html_in_entries_and_sources_is_shown_as_text(page: Page, console: Console) -> None:
    make_entry(console, "console-xss", tags=['"><svg onload=window.__xss=6>'],
               sources=[{"title": SOURCE_TITLE, "url": "https://example.org/?q=<x>"}],
               translations={"es": {"question": QUESTION, "alternates": [ALTERNATE],
                                    "answer": "Texto <b>seguro</b>."}})
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/entries?q=xss")
    expect(page.locator("#results")).to_contain_text(QUESTION)  # literally, as text
    assert_inert(page)
    page.goto(f"{console.url}/console/entries/console-xss")
    expect(page.get_by_label("Pregunta (Español)")).to_have_value(QUESTION)
    expect(page.get_by_label("Título").first).to_have_value(SOURCE_TITLE)
    assert_inert(page)
    page.goto(f"{console.url}/console/entries/console-xss/history")
    assert_inert(page)


def test_javascript_links_are_refused_in_answers_and_sources(page: Page,
                                                              console: Console) -> None:
    make_entry(console, "console-xss-links")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/entries/console-xss-links")
    page.get_by_label("Respuesta (Español)").fill(
        'Vea <a href="javascript:window.__xss=7">esto</a>.')
    expect(page.locator("#preview_es")).to_contain_text("Telegram rechazaría")
    page.get_by_label("Dirección web").first.fill("javascript:window.__xss=8")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.locator("#answer_es-error")).to_contain_text("dirección web completa")
    expect(page.locator("#sources-error")).to_contain_text("https://")
    assert_inert(page)


def test_inbox_questions_and_try_it_show_html_as_text(page: Page, console: Console) -> None:
    ask(console, INBOX, user="x1")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/inbox")
    card = page.locator("li.cluster").filter(has_text="window.__xss=4")
    expect(card).to_contain_text("<script>window.__xss=4</script>")
    assert_inert(page)
    card.get_by_role("button", name="Descartar").click()
    page.goto(f"{console.url}/console/audit")
    expect(page.locator("tbody")).to_contain_text("<script>")  # the audit detail, as text
    assert_inert(page)
    page.goto(f"{console.url}/console/try?q=%3Cscript%3Ewindow.__xss%3D9%3C%2Fscript%3E")
    expect(page.get_by_label("Pregunta", exact=True)).to_have_value(
        "<script>window.__xss=9</script>")
    assert_inert(page)
