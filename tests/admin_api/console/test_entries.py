"""Entries as an editor: list and filters, create, edit every field, preview, errors in plain
words, the unsaved-changes warning, the merge view after a conflict, history and rollback."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from faq.apikeys import Role
from faq.models import Status
from infomigra.runtime import Services
from tests.admin_api.console.conftest import Console, get_entry, make_entry, sign_in

pytestmark = pytest.mark.browser
TODAY = datetime.now(ZoneInfo("America/Guatemala")).date()


def test_search_and_filters_find_entries_by_alternates_tags_and_review_date(
        page: Page, console: Console) -> None:
    make_entry(console, "console-list-old", reviewed_on="2020-01-15",
               tags=["tortilleria"], translations={
                   "es": {"question": "¿Dónde vendo tortillas en la feria?",
                          "alternates": ["puesto de comal en el mercado"],
                          "answer": "En la municipalidad."}})
    sign_in(page, console, Role.EDITOR)
    search = page.get_by_label("Buscar en preguntas, otras formas de preguntar y etiquetas")
    search.fill("puesto de comal")  # an alternate, typed: htmx refreshes the table
    expect(page.locator("#results")).to_contain_text("¿Dónde vendo tortillas en la feria?")
    expect(page.locator("#results")).to_contain_text("1 entrada encontrada")
    search.fill("tortilleria")  # a tag
    expect(page.locator("#results")).to_contain_text("console-list-old")
    search.fill("")
    page.get_by_label("Datos sin revisar desde hace 6 meses").check()
    page.get_by_label("Estado").select_option("published")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#results")).to_contain_text("console-list-old")
    expect(page.locator("#results")).not_to_contain_text("passport-application")


def test_an_editor_creates_an_entry_field_by_field_with_plain_errors_first(
        page: Page, console: Console) -> None:
    sign_in(page, console, Role.EDITOR)
    page.get_by_role("link", name="Nueva entrada").click()
    page.get_by_label("Identificador").fill("Con Mayusculas")
    page.get_by_label("Categoría").select_option("documents")
    page.get_by_label("Estado").select_option("published")
    page.get_by_label("Pregunta (Español)").fill("¿Cómo saco la licencia de pesca artesanal?")
    page.get_by_label("Otra forma de preguntar, número 1").first.fill("licencia para pescar")
    answer = page.get_by_label("Respuesta (Español)")
    answer.fill("<b>La licencia</b> se pide en <a href=\"https://www.maga.gob.gt\">MAGA</a>.")
    preview = page.locator("#preview_es")
    expect(preview.locator("b")).to_have_text("La licencia")  # the live preview
    expect(preview.locator("a")).to_have_attribute("href", "https://www.maga.gob.gt")
    answer.fill("<div>no</div>")
    expect(preview).to_contain_text("Telegram no acepta <div>")
    answer.fill("<b>La licencia</b> se pide en el MAGA.")
    page.get_by_role("button", name="Crear la entrada").click()
    # Refused: the errors sit next to their fields, in Spanish, and nothing was saved.
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id-error")).to_contain_text("Use letras minúsculas")
    expect(page.locator("#sources-error")).to_contain_text("al menos una fuente")
    expect(page.locator("#reviewed_on-error")).to_contain_text("fecha")
    expect(page.get_by_label("Pregunta (Español)")).to_have_value(
        "¿Cómo saco la licencia de pesca artesanal?")  # what was typed is kept
    page.get_by_label("Identificador").fill("console-fishing-licence")
    page.get_by_label("Título").first.fill("MAGA: pesca artesanal")
    page.get_by_label("Dirección web").first.fill("https://www.maga.gob.gt")
    page.get_by_label("Revisé los datos hoy").check()
    expect(page.get_by_label("Datos revisados el")).to_have_value(TODAY.isoformat())
    page.get_by_label("Etiquetas").fill("pesca, licencia")
    page.get_by_label("Entradas relacionadas").fill("privacy")
    page.get_by_role("button", name="Crear la entrada").click()
    expect(page.get_by_role("status")).to_have_text("Se creó la entrada.")
    saved = get_entry(console, "console-fishing-licence")
    assert saved is not None and saved.status is Status.PUBLISHED
    assert saved.reviewed_on == TODAY and saved.tags == ["pesca", "licencia"]
    assert saved.related == ["privacy"] and str(saved.sources[0].url).startswith("https://www.maga")
    assert saved.translations["es"].alternates == ["licencia para pescar"]
    assert "en" not in saved.translations  # an empty language is not part of the entry
    assert saved.updated_by is not None and saved.updated_by.startswith("editor de prueba")


def test_an_editor_edits_every_field_and_the_review_date(page: Page, console: Console) -> None:
    make_entry(console, "console-edit-all", reviewed_on="2025-01-10")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/entries/console-edit-all")
    page.get_by_label("Pregunta (Inglés)").fill("How do I get a fishing permit?")
    alternates = page.locator("#alternates_es")
    alternates.get_by_role("button", name="Agregar otra forma de preguntar").click()
    expect(alternates.locator("input").last).to_be_focused()
    alternates.locator("input").last.fill("permiso de pesca en el lago")
    alternates.locator("input").first.fill("")  # removing one
    page.get_by_label("Respuesta (Español)").fill("<i>Nuevo</i> texto del MAGA.")
    page.get_by_role("button", name="Agregar una fuente").click()
    page.get_by_label("Título").last.fill("Diario de Centro América")
    page.get_by_label("Dirección web").last.fill("https://dca.gob.gt")
    page.get_by_label("Estado").select_option("draft")
    page.get_by_label("Categoría").select_option("work-abroad")
    page.get_by_label("Etiquetas").fill("lago")
    page.get_by_label("Entradas relacionadas").fill("")
    page.get_by_label("Revisé los datos hoy").check()
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("status")).to_have_text("Se guardaron sus cambios.")
    saved = get_entry(console, "console-edit-all")
    assert saved is not None and saved.version == 2
    es, en = saved.translations["es"], saved.translations["en"]
    assert en.question == "How do I get a fishing permit?"
    assert es.answer == "<i>Nuevo</i> texto del MAGA."
    assert "permiso de pesca en el lago" in es.alternates
    assert "carne de pescador como lo saco" not in es.alternates
    assert [s.title for s in saved.sources][-1] == "Diario de Centro América"
    assert saved.status is Status.DRAFT and saved.category == "work-abroad"
    assert saved.tags == ["lago"] and saved.related == [] and saved.reviewed_on == TODAY


def test_leaving_with_unsaved_changes_asks_first(page: Page, console: Console) -> None:
    make_entry(console, "console-unsaved")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/entries/console-unsaved")
    page.get_by_label("Etiquetas").fill("cambio sin guardar")
    dialogs: list[str] = []

    def answer(dialog: object) -> None:
        dialogs.append(dialog.type)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]  # stay on the page

    page.on("dialog", answer)
    page.get_by_role("link", name="Actividad").click()
    page.wait_for_timeout(300)
    assert "beforeunload" in dialogs
    assert page.url.endswith("/console/entries/console-unsaved")
    expect(page.get_by_label("Etiquetas")).to_have_value("cambio sin guardar")


def test_a_conflict_shows_what_the_other_person_changed_and_merges(page: Page,
                                                                    console: Console) -> None:
    make_entry(console, "console-conflict")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/entries/console-conflict")
    page.get_by_label("Pregunta (Español)").fill("¿Dónde saco el carné de pescador?")

    async def other_person(services: Services) -> None:  # saves while this editor types
        entry = await services.store.get("console-conflict")
        assert entry is not None
        tr = entry.translations["en"].model_copy(update={"answer": "Changed by Marta."})
        await services.store.save(entry.model_copy(update={
            "translations": {**entry.translations, "en": tr}}), expected_version=1,
            actor="Marta (key abc)")

    console.run(other_person)
    page.get_by_role("button", name="Guardar cambios").click()
    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("Otra persona guardó esta entrada")
    expect(conflict).to_contain_text("Marta (key abc)")
    expect(conflict).to_contain_text("Changed by Marta.")
    assert get_entry(console, "console-conflict").version == 2  # type: ignore[union-attr]
    # The form holds both changes; saving keeps both.
    expect(page.get_by_label("Pregunta (Español)")).to_have_value(
        "¿Dónde saco el carné de pescador?")
    expect(page.get_by_label("Respuesta (Inglés)")).to_have_value("Changed by Marta.")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("status")).to_have_text("Se guardaron sus cambios.")
    saved = get_entry(console, "console-conflict")
    assert saved is not None and saved.version == 3
    assert saved.translations["es"].question == "¿Dónde saco el carné de pescador?"
    assert saved.translations["en"].answer == "Changed by Marta."


def test_history_shows_each_change_and_rollback_asks_before_restoring(
        page: Page, console: Console) -> None:
    make_entry(console, "console-history")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/entries/console-history")
    page.get_by_label("Respuesta (Español)").fill("Texto equivocado.")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("status")).to_have_text("Se guardaron sus cambios.")
    page.get_by_role("link", name="Historial").click()
    latest = page.locator(".versions > li").first
    expect(latest).to_contain_text("Versión 2")
    expect(latest.locator("ins")).to_have_text("Texto equivocado.")
    expect(latest.get_by_role("rowheader")).to_have_text("Respuesta (Español)")
    page.get_by_role("link", name="Restaurar la versión 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Restaurar la versión 1?")
    expect(page.locator("table.diff")).to_contain_text("Texto equivocado.")
    page.get_by_role("button", name="Restaurar").click()
    expect(page.get_by_role("status")).to_have_text("Listo: se ha restaurado.")
    saved = get_entry(console, "console-history")
    assert saved is not None and saved.version == 3
    assert saved.translations["es"].answer.startswith("<b>El carné de pescador")


def test_archive_asks_first_and_the_bot_stops_answering(page: Page, console: Console) -> None:
    make_entry(console, "console-archive")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/entries/console-archive")
    page.get_by_role("link", name="Archivar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Archivar esta entrada?")
    page.get_by_role("button", name="Archivar").click()
    expect(page.get_by_role("status")).to_contain_text("se archivó")
    assert get_entry(console, "console-archive").status is Status.ARCHIVED  # type: ignore[union-attr]


def test_audit_filters_by_who_entry_and_date(page: Page, console: Console) -> None:
    make_entry(console, "console-audit", actor="Rosa (key r0sa)")
    sign_in(page, console, Role.MANAGER)
    page.goto(f"{console.url}/console/audit")
    page.get_by_label("Quién").fill("Rosa")
    page.get_by_label("Identificador de la entrada").fill("console-audit")
    page.get_by_label("Desde").fill(date.today().replace(day=1).isoformat()
                                    if date.today().day > 1 else date.today().isoformat())
    page.get_by_role("button", name="Filtrar").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Rosa (key r0sa)")
    expect(rows.first).to_contain_text("creó")
    page.get_by_label("Hasta").fill("2001-01-01")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_text("No hay registros con estos filtros.")).to_be_visible()
