"""Conversations and alerts in the console, in a real browser: an editor claims, replies and
closes (the person sees only what the bot delivers); a reply becomes a draft FAQ entry; an
editor drafts an alert with a preview and an administrator approves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from faq.apikeys import Role
from infomigra.runtime import Services
from tests.admin_api.console.conftest import Console, axe, shot, sign_in
from tests.conftest import FakeClock

pytestmark = pytest.mark.browser
CHAT = 770055667788


def open_conversation(console: Console, user: str, text: str, lang: str = "es") -> str:
    async def go(services: Services) -> str:
        assert services.conversations is not None
        conv, _ = await services.conversations.open(user, CHAT, lang)
        await services.conversations.add_person_message(user, text)
        return conv.id

    return console.run(go)


def outbox(console: Console) -> list[str]:
    async def read(services: Services) -> list[str]:
        entries = await services.redis.xrange(services.keys.conversation_outbox)
        return [fields.get("kind", "") for _, fields in entries]

    return console.run(read)


def test_claim_reply_close_and_a_reply_as_a_draft_entry(page: Page, console: Console) -> None:
    conv_id = open_conversation(console, "c0ffee" + "1" * 58,
                                "Hola, ¿cómo renuevo mi pasaporte? Mi cel es 5555-1234")
    sign_in(page, console, Role.EDITOR)
    page.get_by_role("link", name="Conversaciones").click()
    row = page.locator("tr").filter(has_text="Persona C0FF")
    expect(row).to_contain_text("Español")
    assert axe(page) == []
    shot(page, "conversations")
    row.get_by_role("link", name="Persona C0FF").click()
    expect(page.locator("ol.messages")).to_contain_text("[telefono]")
    expect(page.locator("ol.messages")).not_to_contain_text("5555-1234")
    page.get_by_role("button", name="Tomarla").click()
    expect(page.locator("main")).to_contain_text("editor de prueba")
    page.get_by_label("Su respuesta").fill("<b>Hola</b>, la renovación se pide con cita")
    page.get_by_role("button", name="Enviar la respuesta").click()
    expect(page.locator(".flash")).to_contain_text("Su respuesta se envió")
    expect(page.locator("ol.messages .telegram b")).to_have_text("Hola")
    assert axe(page) == []
    shot(page, "conversation")
    assert "reply" in outbox(console)

    page.get_by_role("link", name="Guardar esta respuesta como borrador").click()
    expect(page.get_by_role("textbox", name="Pregunta").first).to_have_value(
        "Hola, ¿cómo renuevo mi pasaporte? Mi cel es [telefono]")

    page.goto(f"{console.url}/console/conversations/{conv_id}")
    page.get_by_label("Su respuesta").fill("<b>sin cerrar")
    page.get_by_role("button", name="Enviar la respuesta").click()
    # The reason in Spanish with its data (the tag), not the core's English.
    expect(page.get_by_role("alert")).to_have_text(
        "Telegram rechazaría esta respuesta: Cierre cada etiqueta que abra: <b>.")
    page.get_by_label("Su respuesta").fill("   ")
    page.get_by_role("button", name="Enviar la respuesta").click()
    expect(page.get_by_role("alert")).to_have_text("Escriba primero una respuesta.")
    page.get_by_role("button", name="Cerrar la conversación").click()
    expect(page.locator(".flash")).to_contain_text("La conversación está cerrada")
    page.goto(f"{console.url}/console/conversations?status=closed")
    expect(page.locator("tr").filter(has_text="Persona C0FF")).to_be_visible()


def test_a_manager_reads_but_cannot_answer(page: Page, console: Console) -> None:
    conv_id = open_conversation(console, "bead" + "2" * 60, "necesito ayuda")
    sign_in(page, console, Role.MANAGER)
    page.goto(f"{console.url}/console/conversations/{conv_id}")
    expect(page.locator("ol.messages")).to_contain_text("necesito ayuda")
    expect(page.get_by_role("button", name="Enviar la respuesta")).to_have_count(0)


def test_an_alert_is_drafted_with_a_preview_and_approved_by_someone_else(
        page: Page, console: Console) -> None:
    async def subscribe(services: Services) -> None:
        assert services.alerts is not None
        for n in range(3):
            await services.alerts.subscribe(f"{n:064x}", "border-changes", 9000 + n, "es")

    console.run(subscribe)
    sign_in(page, console, Role.EDITOR)
    page.get_by_role("link", name="Avisos").click()
    page.get_by_label("Cambios en fronteras").check()
    page.get_by_label("Texto en español").fill("<b>Atención</b>: cambió el horario del paso.")
    page.get_by_label("Texto en inglés").fill("<b>Notice</b>: the crossing hours changed.")
    page.get_by_role("button", name="Vista previa").click()
    expect(page.locator(".preview .telegram b").first).to_have_text("Atención")
    assert axe(page) == []
    shot(page, "alerts")
    page.get_by_role("button", name="Guardar como borrador").click()
    expect(page.locator("#alert-status")).to_contain_text("borrador")
    expect(page.get_by_role("button", name="Aprobar")).to_have_count(0)  # not the author's
    url = page.url

    page.context.clear_cookies()
    sign_in(page, console, Role.ADMIN)
    page.goto(url)
    page.get_by_role("button", name="Aprobar").click()
    expect(page.locator(".flash")).to_contain_text("Aprobado")
    expect(page.locator("#alert-progress")).to_contain_text("0 de 3")
    assert axe(page) == []
    shot(page, "alert")


def test_a_draft_with_html_telegram_refuses_is_not_saved(page: Page, console: Console) -> None:
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/alerts")
    page.get_by_label("Avisos de estafas").check()
    page.get_by_label("Texto en español").fill("<b>sin cerrar")
    page.get_by_label("Texto en inglés").fill("fine")
    page.get_by_role("button", name="Vista previa").click()
    expect(page.locator(".preview .error")).to_have_text(
        "Telegram rechazaría este texto: Cierre cada etiqueta que abra: <b>.")
    page.get_by_role("button", name="Guardar como borrador").click()
    expect(page.get_by_role("alert")).to_have_text(
        "No se guardó: El texto en español: Cierre cada etiqueta que abra: <b>.")
    expect(page.get_by_label("Texto en español")).to_have_value("<b>sin cerrar")
    page.get_by_label("Texto en español").fill("Hola")
    page.get_by_label("Texto en inglés").fill("")
    page.get_by_role("button", name="Guardar como borrador").click()
    expect(page.get_by_role("alert")).to_have_text(
        "No se guardó: Falta el texto en inglés: cada idioma necesita el suyo.")


def test_managers_see_conversation_figures_by_language(page: Page, console: Console) -> None:
    """Two English conversations: one answered after ten minutes, one still waiting."""
    clock = FakeClock(datetime.now(UTC) - timedelta(minutes=20))

    async def talk(services: Services) -> None:
        desk = services.conversations
        assert desk is not None
        answered, _ = await desk.open("e" * 64, CHAT + 1, "en")
        await desk.add_person_message("e" * 64, "I need help with my visa")
        await desk.open("f" * 64, CHAT + 2, "en")
        await desk.add_person_message("f" * 64, "hello?")
        clock.advance(minutes=10)
        await desk.reply(answered.id, "Ana (key 1)", "Hello, how can I help?")

    console.run(talk, clock=clock)
    sign_in(page, console, Role.MANAGER)
    page.get_by_role("link", name="Estadísticas").click()
    page.get_by_role("link", name="Conversaciones con una persona: cifras").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversaciones con una persona")
    english = page.locator("#conversation-languages tr").filter(has_text="Inglés")
    expect(english.locator("td")).to_have_text(["2", "1", "50 %", "10 min", "2"])
    expect(page.locator("#open-now")).to_contain_text("conversaciones abiertas")
    assert axe(page) == []
    shot(page, "conversation-stats")
    page.set_viewport_size({"width": 390, "height": 860})
    assert page.evaluate("() => document.documentElement.scrollWidth"
                         " - document.documentElement.clientWidth") <= 1
    assert axe(page) == []
    page.context.clear_cookies()
    sign_in(page, console, Role.EDITOR)  # the figures are for managers
    assert page.goto(f"{console.url}/console/stats/conversations").status == 403  # type: ignore[union-attr]
