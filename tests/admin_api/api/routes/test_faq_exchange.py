"""Import and export over HTTP: YAML and CSV, the dry-run diff, all or nothing."""

from __future__ import annotations

import csv
import io
from typing import Any

import yaml

from admin_api import ApiConfig
from tests.admin_api.conftest import Api, ApiFactory
from tests.admin_api.helpers import has_problem, new_entry

FAQ = "/api/v1/faq"


def yaml_file(entries: list[dict[str, Any]], name: str = "faq.yaml") -> dict[str, Any]:
    text = yaml.safe_dump({"entries": entries}, allow_unicode=True, sort_keys=False)
    return {"file": (name, text.encode(), "application/yaml")}


async def exported(api: Api, fmt: str = "yaml") -> str:
    res = await api.http.get(f"{FAQ}/export", params={"format": fmt}, headers=api.auth("manager"))
    assert res.status_code == 200, res.text
    assert f".{fmt}" in res.headers["content-disposition"]
    return res.text


async def test_export_yaml_has_every_entry_and_imports_back_unchanged(api: Api) -> None:
    text = await exported(api, "yaml")
    data = yaml.safe_load(text)
    stored = await api.services.store.list_entries()
    assert {e["id"] for e in data["entries"]} == {e.id for e in stored}
    assert "version" not in data["entries"][0]  # only what staff write
    res = await api.http.post(f"{FAQ}/import", params={"dry_run": "true"},
                              files={"file": ("faq.yaml", text.encode(), "application/yaml")},
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    report = res.json()
    assert report["unchanged"] == len(stored) and report["added"] == report["updated"] == 0


async def test_export_csv_is_a_spreadsheet_that_imports_back_unchanged(api: Api) -> None:
    text = await exported(api, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    stored = await api.services.store.list_entries()
    assert len(rows) == len(stored)
    privacy = next(r for r in rows if r["id"] == "privacy")
    entry = next(e for e in stored if e.id == "privacy")
    assert privacy["question_es"] == entry.translations["es"].question
    assert privacy["alternates_es"].split("\n") == entry.translations["es"].alternates
    assert " | https://" in privacy["sources"]
    res = await api.http.post(f"{FAQ}/import", params={"dry_run": True},
                              files={"file": ("faq.csv", text.encode(), "text/csv")},
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    assert res.json()["unchanged"] == len(stored)


async def test_import_dry_run_shows_the_per_entry_diff_and_writes_nothing(api: Api) -> None:
    privacy, _ = await api.get_entry("privacy")
    old_answer = privacy["translations"]["es"]["answer"]
    changed = {k: v for k, v in privacy.items() if k not in ("version", "updated_at",
                                                              "updated_by")}
    changed["translations"]["es"]["answer"] = "<b>Nueva respuesta importada.</b>"
    changed["tags"] = [*changed["tags"], "importado"]
    rev_before = await api.services.store.revision()

    res = await api.http.post(f"{FAQ}/import", params={"dry_run": "true"},
                              files=yaml_file([changed, new_entry()]),
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    report = res.json()
    assert report["dry_run"] is True and report["written"] == 0
    assert (report["added"], report["updated"], report["unchanged"]) == (1, 1, 0)
    by_id = {e["id"]: e for e in report["entries"]}
    assert by_id["staff-test-entry"]["action"] == "add"
    update = by_id["privacy"]
    assert update["action"] == "update"
    changes = {c["field"]: c for c in update["changes"]}
    assert set(changes) == {"translations.es.answer", "tags"}
    assert changes["translations.es.answer"]["before"] == old_answer
    assert changes["translations.es.answer"]["after"] == "<b>Nueva respuesta importada.</b>"

    assert await api.services.store.revision() == rev_before
    assert await api.services.store.get("staff-test-entry") is None


async def test_import_writes_everything_in_one_step(api: Api) -> None:
    privacy, _ = await api.get_entry("privacy")
    changed = {k: v for k, v in privacy.items() if k not in ("version", "updated_at",
                                                              "updated_by")}
    changed["translations"]["es"]["answer"] = "<b>Importada.</b>"
    res = await api.http.post(f"{FAQ}/import", files=yaml_file([changed, new_entry()]),
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    assert res.json()["written"] == 2 and res.json()["dry_run"] is False
    stored = await api.services.store.get("privacy")
    assert stored is not None and stored.version == privacy["version"] + 1
    assert stored.translations["es"].answer == "<b>Importada.</b>"
    added = await api.services.store.get("staff-test-entry")
    assert added is not None and added.version == 1
    audit = await api.services.store.audit(limit=2)
    assert {a.action for a in audit} == {"import"}
    assert all(a.actor.startswith("test editor") for a in audit)


async def test_one_bad_row_and_nothing_is_imported(api: Api) -> None:
    privacy, _ = await api.get_entry("privacy")
    good = {k: v for k, v in privacy.items() if k not in ("version", "updated_at",
                                                           "updated_by")}
    good["translations"]["es"]["answer"] = "<b>Esto no debe guardarse.</b>"
    bad = new_entry("staff-test-two")
    bad["translations"]["es"]["answer"] = "<b>sin cerrar"
    dangling = new_entry("staff-test-three", related=["no-such-entry"])
    rev_before = await api.services.store.revision()

    res = await api.http.post(f"{FAQ}/import", files=yaml_file([good, new_entry(), bad]),
                              headers=api.auth("editor"))
    assert has_problem(res, "translations.es.answer", "unclosed")
    assert any("entry #3" in p["where"] for p in res.json()["error"]["details"]["problems"])

    res = await api.http.post(f"{FAQ}/import", files=yaml_file([good, dangling]),
                              headers=api.auth("editor"))
    assert has_problem(res, "related", "no entry 'no-such-entry'")

    assert await api.services.store.revision() == rev_before
    stored = await api.services.store.get("privacy")
    assert stored is not None and stored.version == privacy["version"]
    assert await api.services.store.get("staff-test-entry") is None


async def test_csv_import_names_the_bad_row(api: Api) -> None:
    header = ("id,category,status,tags,related,reviewed_on,sources,question_es,alternates_es,"
              "answer_es\r\n")
    good = ('staff-test-entry,documents,draft,pesca,,,,¿Cómo saco el carné de pescador?,'
            '"carne de pescador\nlicencia de pesca",<b>En el MAGA.</b>\r\n')
    bad = "staff-test-two,documents,draft,,,,,¿Otra pregunta?,,<i>sin cerrar\r\n"
    unsourced = "staff-test-three,documents,published,,,,,¿Y otra más?,,<i>bien</i>\r\n"
    res = await api.http.post(f"{FAQ}/import",
                              files={"file": ("faq.csv", (header + good + bad + unsourced
                                                          ).encode(), "text/csv")},
                              headers=api.auth("editor"))
    found = has_problem(res, "translations.es.answer", "unclosed")
    wheres = {p["where"] for p in res.json()["error"]["details"]["problems"]}
    assert found and "row 3 (staff-test-two)" in wheres
    assert {"where": "row 4 (staff-test-three)", "field": "entry",
            "message": "a published entry needs at least one source with an http(s) URL"
            } in res.json()["error"]["details"]["problems"]
    assert await api.services.store.get("staff-test-entry") is None

    res = await api.http.post(f"{FAQ}/import",
                              files={"file": ("faq.csv", (header + good).encode(), "text/csv")},
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    entry = await api.services.store.get("staff-test-entry")
    assert entry is not None
    assert entry.translations["es"].alternates == ["carne de pescador", "licencia de pesca"]


async def test_import_refuses_garbage_files_plainly(api_factory: ApiFactory) -> None:
    async with api_factory(ApiConfig(max_import_bytes=2000)) as api:
        cases = [
            (b"\xff\xfe\x00garbage", "not UTF-8"),
            (b"entries: [unclosed", "not valid YAML"),
            (b"just a string", "expected 'entries:'"),
            (b"a: &x [1]\nentries: *x\n", "aliases"),
        ]
        for content, words in cases:
            res = await api.http.post(f"{FAQ}/import",
                                      files={"file": ("x.yaml", content, "application/yaml")},
                                      headers=api.auth("editor"))
            assert res.status_code == 422, (words, res.text)
            assert words in res.json()["error"]["message"], res.text
        res = await api.http.post(f"{FAQ}/import",
                                  files={"file": ("x.yaml", b"#" * 3000, "application/yaml")},
                                  headers=api.auth("editor"))
        assert res.status_code == 413 and res.json()["error"]["code"] == "payload_too_large"
