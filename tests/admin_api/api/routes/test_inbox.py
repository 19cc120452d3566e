"""The inbox over HTTP: clusters of similar unanswered questions, attach and dismiss."""

from __future__ import annotations

from faq.matcher import Candidate, Decision
from tests.admin_api.conftest import Api, record
from tests.conftest import FakeClock

NEAR_PRIVACY = (Candidate("privacy", 0.35), Candidate("talk-to-person", 0.2))


async def fill_inbox(api: Api, clock: FakeClock) -> None:
    svc = api.services
    questions = [
        ("borran mis datos si uso el bot", "es"),
        ("se borran mis datos si uso este bot?", "es"),
        ("BORRAN MIS DATOS si uso el bot", "es"),
        ("mi telefono es 5555 1234 borran mis datos si uso el bot", "es"),
        ("do you delete my data if I use the bot", "en"),
        ("receta de pepian", "es"),
    ]
    for text, lang in questions:
        clock.advance(minutes=1)
        await record(svc, text, lang, Decision.NONE, candidates=NEAR_PRIVACY)


async def clusters(api: Api) -> list[dict]:
    res = await api.http.get("/api/v1/inbox", headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    return res.json()["clusters"]


async def test_similar_questions_form_one_cluster_largest_first(
        api: Api, clock: FakeClock) -> None:
    await fill_inbox(api, clock)
    res = await api.http.get("/api/v1/inbox", headers=api.auth("editor"))
    body = res.json()
    assert body["questions"] == 6
    top = body["clusters"][0]
    assert top["count"] == 4
    assert top["languages"] == {"es": 4}
    assert "borran mis datos si uso el bot" in top["examples"]
    assert len(top["examples"]) == 3  # case-insensitive duplicates shown once
    assert not any("5555" in e for e in top["examples"])  # stored redacted
    assert top["candidates"][0]["id"] == "privacy"
    assert top["candidates"][0]["question"]
    assert top["first_seen"] < top["last_seen"]
    assert sorted(c["count"] for c in body["clusters"]) == [1, 1, 4]


async def test_attach_adds_alternates_as_a_new_version_and_empties_the_cluster(
        api: Api, clock: FakeClock) -> None:
    await fill_inbox(api, clock)
    top = (await clusters(api))[0]
    before = await api.services.store.get("privacy")
    assert before is not None
    res = await api.http.post(f"/api/v1/inbox/{top['id']}/attach",
                              json={"entry": "privacy",
                                    "phrasings": ["borran mis datos si uso el bot",
                                                  "se borran mis datos si uso este bot?"]},
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["resolved"] == 4
    assert body["added"] == ["borran mis datos si uso el bot",
                             "se borran mis datos si uso este bot?"]
    assert body["entry"]["version"] == before.version + 1
    after = await api.services.store.get("privacy")
    assert after is not None
    assert after.translations["es"].alternates[-2:] == body["added"]
    assert after.translations["es"].answer == before.translations["es"].answer
    audit = (await api.services.store.audit(entry_id="privacy"))[0]
    assert audit.action == "inbox-attach" and audit.actor.startswith("test editor")
    assert top["id"] in audit.detail
    assert [c["count"] for c in await clusters(api)] == [1, 1]


async def test_attach_without_a_choice_takes_the_clusters_wordings(
        api: Api, clock: FakeClock) -> None:
    await fill_inbox(api, clock)
    english = next(c for c in await clusters(api) if c["languages"] == {"en": 1})
    res = await api.http.post(f"/api/v1/inbox/{english['id']}/attach",
                              json={"entry": "privacy"}, headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    assert res.json()["added"] == ["do you delete my data if I use the bot"]
    entry = await api.services.store.get("privacy")
    assert entry is not None
    assert "do you delete my data if I use the bot" in entry.translations["en"].alternates


async def test_attach_refusals_write_nothing(api: Api, clock: FakeClock) -> None:
    await fill_inbox(api, clock)
    top = (await clusters(api))[0]
    version = (await api.services.store.get("privacy")).version  # type: ignore[union-attr]
    cases = [
        ({"entry": "no-such-entry"}, 404),
        ({"entry": "privacy", "lang": "fr"}, 422),
        ({"entry": "privacy", "phrasings": ["x" * 400]}, 422),
        ({"entry": "privacy", "phrasings": []}, 422),
        ({"entry": "Not A Slug"}, 422),
    ]
    for body, status in cases:
        res = await api.http.post(f"/api/v1/inbox/{top['id']}/attach", json=body,
                                  headers=api.auth("editor"))
        assert res.status_code == status, (body, res.text)
    res = await api.http.post("/api/v1/inbox/1-0/attach", json={"entry": "privacy"},
                              headers=api.auth("editor"))
    assert res.status_code == 404
    assert (await api.services.store.get("privacy")).version == version  # type: ignore[union-attr]
    assert (await clusters(api))[0]["count"] == 4


async def test_dismiss_drops_the_cluster_and_is_audited(api: Api, clock: FakeClock) -> None:
    await fill_inbox(api, clock)
    pepian = next(c for c in await clusters(api) if "receta de pepian" in c["examples"])
    res = await api.http.post(f"/api/v1/inbox/{pepian['id']}/dismiss",
                              headers=api.auth("editor"))
    assert res.status_code == 200 and res.json() == {"dismissed": 1}
    assert all("receta de pepian" not in c["examples"] for c in await clusters(api))
    audit = (await api.services.store.audit(limit=1))[0]
    assert audit.action == "inbox-dismiss" and audit.actor.startswith("test editor")
    assert "receta de pepian" in audit.detail
    again = await api.http.post(f"/api/v1/inbox/{pepian['id']}/dismiss",
                                headers=api.auth("editor"))
    assert again.status_code == 404


async def test_names_addresses_and_spelled_emails_never_reach_the_inbox(
        api: Api, clock: FakeClock) -> None:
    """Issue 13: typed names, street addresses and spelled-out e-mails stayed for 90 days."""
    text = ("me llamo Juan Pérez, vivo en la 5a avenida 3-45 zona 1, escribame a juan punto "
            "perez arroba gmail punto com, necesito pasaporte")
    await record(api.services, text, "es", Decision.NONE)
    (cluster,) = await clusters(api)
    (example,) = cluster["examples"]
    assert example == ("me llamo [nombre], vivo en la [direccion], escribame a [email], "
                       "necesito pasaporte")
    stored = await api.services.redis.xrange("im:inbox")
    assert "Juan" not in str(stored) and "3-45" not in str(stored)
