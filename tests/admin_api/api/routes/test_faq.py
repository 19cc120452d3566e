"""FAQ entries over HTTP: reading, validation, optimistic concurrency, history and rollback."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from admin_api import ApiConfig
from tests.admin_api.conftest import Api, ApiFactory
from tests.admin_api.helpers import has_problem, new_entry, problems, with_answer

FAQ = "/api/v1/faq"


# -- reading -----------------------------------------------------------------------------------

async def test_list_filters_searches_and_paginates(api: Api) -> None:
    everything = await api.services.store.list_entries()
    res = await api.http.get(FAQ, params={"limit": 200}, headers=api.auth("manager"))
    assert res.status_code == 200
    page = res.json()
    assert page["total"] == len(everything)
    assert {e["id"] for e in page["items"]} == {e.id for e in everything}

    res = await api.http.get(FAQ, params={"category": "about"}, headers=api.auth("editor"))
    assert res.json()["items"] and all(e["category"] == "about" for e in res.json()["items"])

    first = await api.http.get(FAQ, params={"limit": 3, "offset": 0}, headers=api.auth("editor"))
    second = await api.http.get(FAQ, params={"limit": 3, "offset": 3},
                                headers=api.auth("editor"))
    ids = [e["id"] for e in first.json()["items"] + second.json()["items"]]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert first.json()["total"] == len(everything)

    # Text search ignores accents and case: "PRIVACIDAD" finds "privacidad", "carne" finds
    # "carné".
    res = await api.http.get(FAQ, params={"q": "PRIVACIDAD"}, headers=api.auth("editor"))
    assert "privacy" in [e["id"] for e in res.json()["items"]]
    await api.http.post(FAQ, json=new_entry(status="draft"), headers=api.auth("editor"))
    res = await api.http.get(FAQ, params={"q": "CARNE de pescador"}, headers=api.auth("editor"))
    assert [e["id"] for e in res.json()["items"]] == ["staff-test-entry"]

    res = await api.http.get(FAQ, params={"status": "draft"}, headers=api.auth("editor"))
    assert [e["id"] for e in res.json()["items"]] == ["staff-test-entry"]
    res = await api.http.get(FAQ, params={"language": "en"}, headers=api.auth("editor"))
    assert all("en" in e["translations"] for e in res.json()["items"])


async def test_list_items_are_the_entries_as_get_shows_them(api: Api) -> None:
    """Pages pass the stored documents through unparsed: each item must still be exactly what
    GET /faq/{id} answers (same fields, same values), edits included."""
    res = await api.http.post(FAQ, json=new_entry(), headers=api.auth("editor"))
    assert res.status_code == 201, res.text
    page = await api.http.get(FAQ, params={"limit": 200}, headers=api.auth("manager"))
    assert page.headers["content-type"].startswith("application/json")
    items = page.json()["items"]
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    for item in [items[0], *(i for i in items if i["id"] == "staff-test-entry")]:
        one = await api.http.get(f"{FAQ}/{item['id']}", headers=api.auth("manager"))
        assert item == one.json()


async def test_list_finds_entries_due_for_review_in_id_order(api: Api) -> None:
    """The console's "not reviewed for six months": an edit that changes the review date moves
    the entry out of the list at once; filters combine and pages keep id order."""
    old = new_entry("aaa-old-review", reviewed_on="2025-01-15")
    recent = new_entry("zzz-recent-review", reviewed_on="2026-11-20")
    for body in (old, recent, new_entry("mmm-never", status="draft", reviewed_on=None)):
        res = await api.http.post(FAQ, json=body, headers=api.auth("editor"))
        assert res.status_code == 201, res.text
    params = {"reviewed_before": "2026-05-20", "category": "documents", "limit": 200}
    res = await api.http.get(FAQ, params=params, headers=api.auth("editor"))
    ids = [e["id"] for e in res.json()["items"]]
    assert "aaa-old-review" in ids and "mmm-never" in ids and "zzz-recent-review" not in ids
    assert ids == sorted(ids) and res.json()["total"] == len(ids)
    assert all(e["category"] == "documents" for e in res.json()["items"])

    entry, tag = await api.get_entry("aaa-old-review")
    entry["reviewed_on"] = "2026-11-30"
    res = await api.http.put(f"{FAQ}/aaa-old-review", json=entry,
                             headers={**api.auth("editor"), "If-Match": tag})
    assert res.status_code == 200, res.text
    res = await api.http.get(FAQ, params={**params, "q": "pescador"},
                             headers=api.auth("editor"))
    assert [e["id"] for e in res.json()["items"]] == ["mmm-never"]
    bad = await api.http.get(FAQ, params={"reviewed_before": "last year"},
                             headers=api.auth("editor"))
    assert bad.status_code == 422


async def test_list_refuses_a_language_that_is_not_offered(api: Api) -> None:
    res = await api.http.get(FAQ, params={"language": "fr"}, headers=api.auth("editor"))
    assert has_problem(res, "language", "not offered")


async def test_get_carries_the_version_as_etag(api: Api) -> None:
    res = await api.http.get(f"{FAQ}/privacy", headers=api.auth("manager"))
    assert res.status_code == 200
    assert res.headers["etag"] == f'"{res.json()["version"]}"'
    assert res.json()["translations"]["es"]["answer"]
    missing = await api.http.get(f"{FAQ}/no-such-entry", headers=api.auth("manager"))
    assert missing.status_code == 404
    assert "no-such-entry" in missing.json()["error"]["message"]


# -- creating and validation -------------------------------------------------------------------

async def test_create_returns_201_location_and_etag(api: Api) -> None:
    res = await api.http.post(FAQ, json=new_entry(), headers=api.auth("editor"))
    assert res.status_code == 201, res.text
    assert res.headers["location"] == f"{FAQ}/staff-test-entry"
    assert res.headers["etag"] == '"1"'
    body = res.json()
    assert body["version"] == 1 and body["updated_by"].startswith("test editor (key ")
    stored = await api.services.store.get("staff-test-entry")
    assert stored is not None and stored.translations["es"].question.startswith("¿Cómo")
    again = await api.http.post(FAQ, json=new_entry(), headers=api.auth("editor"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def _bad(**changes: Any) -> dict[str, Any]:
    return new_entry(**changes)


def _bad_translation(lang: str = "es", **changes: Any) -> dict[str, Any]:
    body = new_entry()
    body["translations"][lang].update(changes)
    return body


BAD_INPUTS: list[tuple[str, Any, str, str]] = [
    # (case, body, problem field, words the message must contain)
    ("HTML Telegram rejects", _bad_translation(answer="<script>alert(1)</script>"),
     "translations.es.answer", "<script> is not allowed"),
    ("unclosed tag", _bad_translation(answer="<b>hola"), "translations.es.answer", "unclosed"),
    ("link without http(s)", _bad_translation(answer='<a href="javascript:x">x</a>'),
     "translations.es.answer", "http(s)"),
    ("unknown related id", _bad(related=["no-such-entry"]), "related",
     "no entry 'no-such-entry'"),
    ("id not a slug", _bad(id="Matricula_Consular"), "id", "lowercase"),
    ("question too long", _bad_translation(question="¿" + "a" * 320 + "?"),
     "translations.es.question", "at most 300"),
    ("answer too long", _bad_translation(answer="a" * 4001), "translations.es.answer",
     "at most 4000"),
    ("language not configured", _bad(translations={"fr": {
        "question": "Comment obtenir la carte consulaire ?", "answer": "Au consulat."}}),
     "translations.fr", "not offered"),
    ("published without source", _bad(sources=[]), "entry", "at least one source"),
    ("published without review date", _bad(reviewed_on=None), "entry", "reviewed_on"),
    ("source not a web address", _bad(sources=[{"title": "Oficina", "url": "ftp://x.org/a"}]),
     "sources.0.url", "http"),
    ("unknown category", _bad(category="cooking"), "category", "unknown category"),
    ("unknown field", _bad(colour="red"), "colour", "not a known field"),
    ("no translations", _bad(translations={}), "translations", "at least 1"),
    ("related to itself", _bad(related=["staff-test-entry"]), "entry", "itself"),
    ("status not known", _bad(status="live"), "status", "draft"),
]


async def test_bad_entries_are_refused_with_plain_messages_and_nothing_written(api: Api) -> None:
    wrong = []
    for case, body, field, words in BAD_INPUTS:
        res = await api.http.post(FAQ, json=body, headers=api.auth("editor"))
        if res.status_code != 422 or not has_problem(res, field, words):
            wrong.append(f"{case}: {res.status_code} {res.text[:300]}")
            continue
        message = res.json()["error"]["message"]
        if "pattern" in message or "Value error" in message or "^" in message:
            wrong.append(f"{case}: message not plain: {message}")
    assert not wrong, "\n".join(wrong)
    assert await api.services.store.get("staff-test-entry") is None


async def test_a_body_that_is_not_json_is_a_422_not_a_500(api: Api) -> None:
    res = await api.http.post(FAQ, content=b"{not json", headers={
        **api.auth("editor"), "Content-Type": "application/json"})
    assert problems(res)[0]["message"] == "the body is not valid JSON"
    res = await api.http.post(FAQ, headers=api.auth("editor"))
    assert problems(res)[0]["message"] == "a JSON body is required"


# -- editing with If-Match ---------------------------------------------------------------------

async def test_put_needs_if_match_and_refuses_stale_versions(api: Api) -> None:
    entry, etag = await api.get_entry("privacy")
    version = entry["version"]
    edited = with_answer(entry, "<b>Nuevo texto sobre privacidad.</b>")

    res = await api.http.put(f"{FAQ}/privacy", json=edited, headers=api.auth("editor"))
    assert res.status_code == 428 and res.json()["error"]["code"] == "precondition_required"

    stale = f'"{version - 1}"' if version > 1 else '"99"'
    res = await api.http.put(f"{FAQ}/privacy", json=edited,
                             headers={**api.auth("editor"), "If-Match": stale})
    assert res.status_code == 412
    assert res.json()["error"]["details"]["current_version"] == version
    assert res.headers["etag"] == etag

    res = await api.http.put(f"{FAQ}/privacy", json=edited,
                             headers={**api.auth("editor"), "If-Match": "not-a-version"})
    assert res.status_code == 412

    stored = await api.services.store.get("privacy")
    assert stored is not None and stored.version == version  # nothing written by any of these
    assert len(await api.services.store.history("privacy")) == version

    # The entry exactly as GET returned it (version, updated_* included) is accepted back.
    res = await api.http.put(f"{FAQ}/privacy", json=edited,
                             headers={**api.auth("editor"), "If-Match": etag})
    assert res.status_code == 200, res.text
    assert res.headers["etag"] == f'"{version + 1}"'
    assert res.json()["translations"]["es"]["answer"] == "<b>Nuevo texto sobre privacidad.</b>"
    audit = await api.services.store.audit(entry_id="privacy")
    assert audit[0].action == "update" and audit[0].actor.startswith("test editor")


async def test_put_with_nothing_changed_makes_no_new_version(api: Api) -> None:
    entry, etag = await api.get_entry("privacy")
    res = await api.http.put(f"{FAQ}/privacy", json=entry,
                             headers={**api.auth("editor"), "If-Match": etag})
    assert res.status_code == 200 and res.headers["etag"] == etag


async def test_put_refuses_bad_content_an_id_change_and_unknown_entries(api: Api) -> None:
    entry, etag = await api.get_entry("privacy")
    headers = {**api.auth("editor"), "If-Match": etag}
    res = await api.http.put(f"{FAQ}/privacy", json=with_answer(entry, "<b>sin cerrar"),
                             headers=headers)
    assert has_problem(res, "translations.es.answer", "unclosed")
    renamed = {**entry, "id": "privacy-2"}
    res = await api.http.put(f"{FAQ}/privacy", json=renamed, headers=headers)
    assert has_problem(res, "id", "cannot be changed")
    res = await api.http.put(f"{FAQ}/no-such-entry", json={**entry, "id": "no-such-entry"},
                             headers={**api.auth("editor"), "If-Match": '"1"'})
    assert res.status_code == 404
    stored = await api.services.store.get("privacy")
    assert stored is not None and stored.version == entry["version"]


async def test_twenty_concurrent_puts_from_one_version_one_wins(api: Api) -> None:
    entry, etag = await api.get_entry("privacy")
    before = len(await api.services.store.history("privacy"))

    async def put(n: int) -> Any:
        body = with_answer(entry, f"<b>Versión del editor {n}</b>")
        return await api.http.put(f"{FAQ}/privacy", json=body,
                                  headers={**api.auth("editor"), "If-Match": etag})

    results = await asyncio.gather(*(put(n) for n in range(20)))
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [412] * 19, codes
    winner = next(r for r in results if r.status_code == 200).json()
    for loser in (r for r in results if r.status_code == 412):
        assert loser.json()["error"]["details"]["current_version"] == entry["version"] + 1

    history = await api.services.store.history("privacy")
    assert len(history) == before + 1  # the winner, and nothing of the 19 others
    assert [h.version for h in history] == list(range(entry["version"] + 1, 0, -1))
    current = await api.services.store.get("privacy")
    assert current is not None
    assert current.translations["es"].answer == winner["translations"]["es"]["answer"]
    updates = [a for a in await api.services.store.audit(entry_id="privacy")
               if a.action == "update"]
    assert len(updates) == 1


async def test_delete_archives_and_keeps_the_history(api: Api) -> None:
    entry, etag = await api.get_entry("privacy")
    res = await api.http.delete(f"{FAQ}/privacy", headers=api.auth("editor"))
    assert res.status_code == 428
    res = await api.http.delete(f"{FAQ}/privacy",
                                headers={**api.auth("editor"), "If-Match": '"999"'})
    assert res.status_code == 412
    res = await api.http.delete(f"{FAQ}/privacy",
                                headers={**api.auth("editor"), "If-Match": etag})
    assert res.status_code == 200
    assert res.json()["status"] == "archived" and res.json()["version"] == entry["version"] + 1
    # Still readable, with every version; listed as archived.
    assert (await api.http.get(f"{FAQ}/privacy", headers=api.auth("editor"))).status_code == 200
    history = await api.http.get(f"{FAQ}/privacy/history", headers=api.auth("editor"))
    assert len(history.json()["versions"]) == entry["version"] + 1
    archived = await api.http.get(FAQ, params={"status": "archived"}, headers=api.auth("editor"))
    assert [e["id"] for e in archived.json()["items"]] == ["privacy"]
    audit = await api.services.store.audit(entry_id="privacy")
    assert audit[0].action == "archive"


# -- history and rollback ----------------------------------------------------------------------

async def test_history_versions_and_rollback_make_a_new_version(api: Api) -> None:
    entry, etag = await api.get_entry("privacy")
    v1 = entry["version"]
    original = entry["translations"]["es"]["answer"]
    for text in ("<b>segunda</b>", "<b>tercera</b>"):
        current, etag = await api.get_entry("privacy")
        res = await api.http.put(f"{FAQ}/privacy", json=with_answer(current, text),
                                 headers={**api.auth("editor"), "If-Match": etag})
        assert res.status_code == 200

    res = await api.http.get(f"{FAQ}/privacy/history", headers=api.auth("manager"))
    history = res.json()
    assert history["current_version"] == v1 + 2
    assert [v["version"] for v in history["versions"]] == list(range(v1 + 2, 0, -1))
    assert history["versions"][0]["changes"] == ["translations.es.answer"]
    assert history["versions"][-1]["changes"] == []  # the first version changed nothing

    res = await api.http.get(f"{FAQ}/privacy/history/{v1}", headers=api.auth("manager"))
    assert res.json()["translations"]["es"]["answer"] == original
    res = await api.http.get(f"{FAQ}/privacy/history/999", headers=api.auth("manager"))
    assert res.status_code == 404

    stale = await api.http.post(f"{FAQ}/privacy/rollback/{v1}",
                                headers={**api.auth("editor"), "If-Match": f'"{v1}"'})
    assert stale.status_code == 412
    res = await api.http.post(f"{FAQ}/privacy/rollback/{v1}", headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    assert res.json()["version"] == v1 + 3
    assert res.json()["translations"]["es"]["answer"] == original
    assert res.headers["etag"] == f'"{v1 + 3}"'
    versions = [h.version for h in await api.services.store.history("privacy")]
    assert versions == list(range(v1 + 3, 0, -1))  # nothing rewritten
    audit = (await api.services.store.audit(entry_id="privacy"))[0]
    assert audit.action == "rollback" and audit.detail == f"to version {v1}"

    again = await api.http.post(f"{FAQ}/privacy/rollback/{v1 + 3}", headers=api.auth("editor"))
    assert again.status_code == 409
    missing = await api.http.post(f"{FAQ}/privacy/rollback/999", headers=api.auth("editor"))
    assert missing.status_code == 404


async def test_rollback_refuses_a_version_whose_related_entry_is_gone(
        api_factory: ApiFactory) -> None:
    async with api_factory(ApiConfig()) as api:
        body = new_entry(related=["privacy"])
        assert (await api.http.post(FAQ, json=body, headers=api.auth("editor"))).status_code == 201
        newer = copy.deepcopy(body)
        newer["related"] = []
        res = await api.http.put(f"{FAQ}/staff-test-entry", json=newer,
                                 headers={**api.auth("editor"), "If-Match": '"1"'})
        assert res.status_code == 200
        # Someone deletes "privacy" from Redis directly (not possible over the API): the old
        # version points at it, so rolling back must be refused, not saved broken.
        await api.services.redis.srem(api.services.keys.ids, "privacy")
        await api.services.redis.delete(api.services.keys.entry("privacy"))
        res = await api.http.post(f"{FAQ}/staff-test-entry/rollback/1",
                                  headers=api.auth("editor"))
        assert has_problem(res, "related", "no entry 'privacy'")
