"""The inbox as an editor: attach to any entry (picker, suggestions first, reworded, with a
language), create an entry from a cluster, dismiss with undo; and "Try it"."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from faq.apikeys import Role
from faq.matcher import Candidate
from infomigra.runtime import Services
from tests.admin_api.console.conftest import Console, ask, get_entry, make_entry, sign_in

pytestmark = pytest.mark.browser


def cluster_card(page: Page, text: str):
    return page.locator("li.cluster").filter(has_text=text)


def test_attach_to_any_entry_through_the_picker_with_reworded_phrasings(
        page: Page, console: Console) -> None:
    make_entry(console, "console-attach-target")
    for user in ("a", "b"):
        ask(console, "como saco licencia para la lancha del lago", user=user,
            candidates=(Candidate("privacy", 0.3),))
    ask(console, "kmo saco lisencia pa la lancha del lago", user="c",
        candidates=(Candidate("privacy", 0.3),))
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/inbox")
    card = cluster_card(page, "lancha del lago")
    expect(card).to_contain_text("Preguntada 3 veces")
    card.get_by_role("link", name="Agregar a una entrada").click()
    picker = page.locator("#picker")
    expect(picker.locator("li").first).to_contain_text("sugerida")  # suggestions first
    page.get_by_label("Busque la entrada (primero las sugeridas)").fill("carné de pescador")
    expect(picker).to_contain_text("console-attach-target")  # any entry, by search
    picker.get_by_label("console-attach-target", exact=False).check()
    page.get_by_label("Redacción de la pregunta 1").fill("cómo saco licencia para la lancha")
    page.get_by_label("Conservar la pregunta 2").uncheck()
    page.get_by_label("Idioma de estas preguntas").select_option("es")
    page.get_by_role("button", name="Agregar a la entrada").click()
    expect(page.get_by_role("status")).to_contain_text("Se agregó 1 pregunta a esta entrada.")
    entry = get_entry(console, "console-attach-target")
    assert entry is not None and entry.version == 2
    assert entry.translations["es"].alternates[-1] == "cómo saco licencia para la lancha"
    assert "kmo saco lisencia pa la lancha del lago" not in entry.translations["es"].alternates
    page.goto(f"{console.url}/console/inbox")
    expect(cluster_card(page, "lancha del lago")).to_have_count(0)


def test_attach_refuses_a_language_the_entry_lacks_in_plain_words(page: Page,
                                                                  console: Console) -> None:
    make_entry(console, "console-attach-es-only", translations={
        "es": {"question": "¿Dónde pago la multa del volcán?", "answer": "En el banco."}})
    ask(console, "where do i pay the volcano fine", lang="en")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/inbox")
    cluster_card(page, "volcano fine").get_by_role("link", name="Agregar a una entrada").click()
    page.get_by_label("Busque la entrada (primero las sugeridas)").fill("multa del volcan")
    page.locator("#picker").get_by_label("console-attach-es-only", exact=False).check()
    page.get_by_role("button", name="Agregar a la entrada").click()
    expect(page.locator("#attach-error")).to_contain_text("todavía no tiene texto en este idioma")
    assert get_entry(console, "console-attach-es-only").version == 1  # type: ignore[union-attr]


def test_create_an_entry_from_a_cluster_starts_a_prefilled_draft(page: Page,
                                                                 console: Console) -> None:
    for user in ("a", "b"):
        ask(console, "cuanto cuesta el permiso para vender atol en la plaza", user=user)
    ask(console, "permiso para vender atol en la plaza cuanto cuesta", user="c")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/inbox")
    cluster_card(page, "vender atol").get_by_role(
        "link", name="Crear una entrada con esto").click()
    expect(page.get_by_label("Pregunta (Español)")).to_have_value(
        "cuanto cuesta el permiso para vender atol en la plaza")
    expect(page.get_by_label("Otra forma de preguntar, número 1").first).to_have_value(
        "permiso para vender atol en la plaza cuanto cuesta")
    expect(page.get_by_label("Estado")).to_have_value("draft")
    page.get_by_label("Identificador").fill("console-atol-permit")
    page.get_by_label("Categoría").select_option("documents")
    page.get_by_label("Pregunta (Español)").fill("¿Cuánto cuesta el permiso para vender atol?")
    page.get_by_label("Respuesta (Español)").fill("Pregunte en la municipalidad.")
    page.get_by_role("button", name="Crear la entrada").click()
    expect(page.get_by_role("status")).to_have_text("Se creó la entrada.")
    entry = get_entry(console, "console-atol-permit")
    assert entry is not None and entry.status.value == "draft"
    page.goto(f"{console.url}/console/inbox")
    expect(cluster_card(page, "vender atol")).to_have_count(0)  # resolved by the new entry


def test_dismiss_then_undo_puts_the_questions_back(page: Page, console: Console) -> None:
    ask(console, "receta del pepian de la abuela")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/inbox")
    cluster_card(page, "pepian de la abuela").get_by_role("button", name="Descartar").click()
    expect(page.get_by_role("status")).to_contain_text("Se descartó 1 pregunta.")
    expect(cluster_card(page, "pepian de la abuela")).to_have_count(0)
    page.get_by_role("button", name="Deshacer").click()
    expect(page.get_by_role("status")).to_contain_text("se ha restaurado")
    expect(cluster_card(page, "pepian de la abuela")).to_have_count(1)

    async def audit(services: Services) -> list[str]:
        return [r.action for r in await services.store.audit(limit=5)]

    assert console.run(audit)[:2] == ["inbox-undo", "inbox-dismiss"]


def test_try_it_explains_in_plain_words(page: Page, console: Console) -> None:
    sign_in(page, console, Role.MANAGER)
    page.get_by_role("link", name="Probar").click()
    page.get_by_label("Pregunta", exact=True).fill("como saco mi pasaporte por primera vez")
    page.get_by_role("button", name="Probar").click()
    result = page.locator("#try-result")
    expect(result.get_by_role("heading", level=2)).to_contain_text("El bot respondería con")
    expect(result).to_contain_text("claramente la más parecida")
    expect(result).to_contain_text("muy parecida")
    expect(result.locator(".telegram")).to_contain_text("IGM")
    assert "0." not in (result.text_content() or "")  # no raw scores
    page.get_by_label("Pregunta", exact=True).fill("zzz qqq xxyy")
    page.get_by_role("button", name="Probar").click()
    expect(result.get_by_role("heading", level=2)).to_have_text("El bot no sabría la respuesta.")
    expect(result).to_contain_text("guarda la pregunta en la bandeja")


def test_try_it_shows_small_talk_and_subjects_the_service_does_not_cover(
        page: Page, console: Console) -> None:
    sign_in(page, console, Role.EDITOR)
    page.get_by_role("link", name="Probar").click()
    page.get_by_label("Pregunta", exact=True).fill("hola buenas tardes")
    page.get_by_role("button", name="Probar").click()
    result = page.locator("#try-result")
    expect(result.get_by_role("heading", level=2)).to_have_text(
        "El bot respondería con una frase amable.")
    expect(result).to_contain_text("No se guarda en la bandeja")
    expect(result.locator("blockquote.telegram")).to_contain_text("Hola")
