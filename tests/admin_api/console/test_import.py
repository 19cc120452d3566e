"""Importing a file in the console: preview first, then "Importar" writes exactly what was
previewed, once; bad files are explained in Spanish and import nothing."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from playwright.sync_api import FilePayload, Page, expect

from faq.apikeys import Role
from faq.exchange import entries_to_csv
from faq.models import Entry
from infomigra.runtime import Services
from tests.admin_api.console.conftest import (
    Console,
    axe,
    get_entry,
    in_thread,
    make_entry,
    shot,
    sign_in,
)
from tests.admin_api.helpers import new_entry
from tests.admin_api.test_limits import FIFTY_MB, post_raw

browser = pytest.mark.browser
FILE_LABEL = "Archivo con entradas (YAML o CSV)"


def _yaml(*entries: dict[str, Any]) -> bytes:
    return yaml.safe_dump({"entries": list(entries)}, allow_unicode=True).encode()


def _upload(page: Page, console: Console, name: str, body: bytes,
            mime: str = "application/yaml") -> None:
    page.goto(f"{console.url}/console/import")
    page.get_by_label(FILE_LABEL).set_input_files(
        files=[FilePayload(name=name, mimeType=mime, buffer=body)])
    page.get_by_role("button", name="Ver qué cambiaría").click()


def _no_overflow(page: Page) -> int:
    return int(page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@browser
def test_a_yaml_file_is_previewed_then_imported_once(page: Page, console: Console) -> None:
    make_entry(console, "console-import-old")
    changed = new_entry("console-import-old", tags=["pesca", "cambiada"])
    added = new_entry("console-import-new")
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/entries")
    page.get_by_role("link", name="Importar desde un archivo").click()
    page.get_by_label(FILE_LABEL).set_input_files(files=[FilePayload(
        name="faq.yaml", mimeType="application/yaml", buffer=_yaml(added, changed))])
    page.get_by_role("button", name="Ver qué cambiaría").click()
    preview = page.locator("section", has_text="Vista previa de faq.yaml")
    expect(preview).to_contain_text("Todavía no se ha importado nada")
    expect(preview.locator(".cards")).to_contain_text("1 entrada nueva")
    expect(preview.locator(".cards")).to_contain_text("1 entrada cambiada")
    expect(preview.get_by_role("row", name="console-import-new")).to_contain_text("nueva")
    expect(preview.get_by_role("row", name="console-import-old")).to_contain_text(
        "cambia 1 campo")
    assert get_entry(console, "console-import-new") is None  # a preview writes nothing
    token = page.locator("input[name=token]").get_attribute("value") or ""
    csrf = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    page.get_by_role("button", name="Importar", exact=True).click()
    page.wait_for_url("**/console/import?done=1")
    done = page.get_by_role("status")
    expect(done).to_contain_text("Importado desde faq.yaml")
    expect(done).to_contain_text("1 entrada nueva, 1 entrada cambiada, 0 sin cambios")
    done.get_by_role("link", name="console-import-new").click()
    expect(page.locator("h1")).to_contain_text("console-import-new")
    old = get_entry(console, "console-import-old")
    assert old is not None and old.version == 2 and "cambiada" in old.tags
    # The list shows the new entry.
    page.goto(f"{console.url}/console/entries?q=console-import-new")
    expect(page.locator("#results")).to_contain_text("console-import-new")
    # Reloading the summary shows it no more; posting the confirm again imports nothing.
    page.goto(f"{console.url}/console/import?done=1")
    expect(page.get_by_role("status")).to_contain_text("ya se hizo")
    again = page.request.post(f"{console.url}/console/import/apply",
                              form={"csrf": csrf, "token": token})
    assert again.status == 409 and "ya se importó" in again.text()
    old = get_entry(console, "console-import-old")
    assert old is not None and old.version == 2

    async def audit(services: Services) -> list[Any]:
        return [*await services.store.audit("console-import-new"),
                *await services.store.audit("console-import-old")]

    records = [r for r in console.run(audit) if r.action == "import"]
    assert sorted(r.entry for r in records) == ["console-import-new", "console-import-old"]
    assert all("faq.yaml" in r.detail for r in records)


@browser
def test_a_csv_file_is_imported(page: Page, console: Console) -> None:
    entry = Entry.model_validate(new_entry("console-import-csv"))
    body = entries_to_csv([entry], ["es", "en"]).encode()
    sign_in(page, console, Role.EDITOR)
    _upload(page, console, "hoja.csv", body, "text/csv")
    expect(page.locator(".cards")).to_contain_text("1 entrada nueva")
    page.get_by_role("button", name="Importar", exact=True).click()
    page.wait_for_url("**/console/import?done=1")
    saved = get_entry(console, "console-import-csv")
    assert saved is not None and saved.content() == entry.content()


@browser
def test_a_bad_file_is_explained_in_spanish_and_imports_nothing(page: Page,
                                                                 console: Console) -> None:
    good = new_entry("console-import-bad-good")
    bad = new_entry("Con Mayusculas", sources=[])
    sign_in(page, console, Role.EDITOR)
    _upload(page, console, "malo.yaml", _yaml(good, bad))
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("El archivo no se puede importar; no se importó nada")
    expect(problems).to_contain_text("Entrada n.º 2")
    expect(problems).to_contain_text("Identificador")
    expect(problems).to_contain_text("Use letras minúsculas")
    expect(problems).not_to_contain_text("lowercase")  # never the core's English
    expect(page.get_by_role("button", name="Importar", exact=True)).to_have_count(0)
    assert get_entry(console, "console-import-bad-good") is None
    assert axe(page) == []
    shot(page, "import-problems")

    _upload(page, console, "hondo.yaml", b"[" * 30 + b"]" * 30)
    expect(page.get_by_role("alert")).to_contain_text("más de 20 niveles de anidación")
    _upload(page, console, "roto.yaml", b"entries:\n  - id: x\n   category: [\n")
    expect(page.get_by_role("alert")).to_contain_text("no es YAML válido")
    _upload(page, console, "foto.png", b"\x89PNG\r\n")
    expect(page.get_by_role("alert")).to_contain_text("Elija un archivo YAML")
    _upload(page, console, "latin1.csv", "id,category\nañil,documents\n".encode("latin-1"),
            "text/csv")
    expect(page.get_by_role("alert")).to_contain_text("no es texto UTF-8")


@browser
def test_an_entry_changed_after_the_preview_stops_the_import(page: Page,
                                                             console: Console) -> None:
    make_entry(console, "console-import-race")
    sign_in(page, console, Role.EDITOR)
    _upload(page, console, "carrera.yaml", _yaml(
        new_entry("console-import-race", tags=["desde", "archivo"]),
        new_entry("console-import-race-new")))
    expect(page.locator(".cards")).to_contain_text("1 entrada cambiada")
    current = get_entry(console, "console-import-race")
    assert current is not None

    async def edit(services: Services) -> None:
        await services.store.save(current.model_copy(update={"tags": ["a", "mano"]}),
                                  expected_version=current.version, actor="Luis (key x)")

    console.run(edit)
    page.get_by_role("button", name="Importar", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Alguien cambió la entrada console-import-race después de su vista previa")
    kept = get_entry(console, "console-import-race")
    assert kept is not None and kept.tags == ["a", "mano"]
    assert get_entry(console, "console-import-race-new") is None  # all or nothing


@browser
def test_a_manager_has_no_import(page: Page, console: Console) -> None:
    sign_in(page, console, Role.MANAGER)
    page.goto(f"{console.url}/console/entries")
    expect(page.get_by_role("link", name="Importar desde un archivo")).to_have_count(0)
    response = page.goto(f"{console.url}/console/import")
    assert response is not None and response.status == 403


@browser
@pytest.mark.parametrize("width", [1100, 390])
def test_the_import_pages_pass_axe_and_fit_the_screen(page: Page, console: Console,
                                                      width: int) -> None:
    page.set_viewport_size({"width": width, "height": 860})
    sign_in(page, console, Role.EDITOR)
    page.goto(f"{console.url}/console/import")
    assert axe(page) == [] and _no_overflow(page) <= 1
    long_id = "console-import-a11y-" + "x" * 40
    _upload(page, console, "vista.yaml", _yaml(new_entry(long_id)))
    expect(page.locator(".cards")).to_contain_text("1 entrada nueva")
    assert axe(page) == []
    assert _no_overflow(page) <= 1
    shot(page, "import-preview" if width > 400 else "import-preview-390px")


def test_an_oversized_upload_is_refused_before_it_is_read(console: Console) -> None:
    status, answer, sent, _ = in_thread(lambda: post_raw(console.url, "/console/import",
                                                         FIFTY_MB))
    assert status == 413 and b"payload_too_large" in answer
    assert sent < FIFTY_MB / 2  # answered long before the body was sent
