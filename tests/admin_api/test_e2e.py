"""End to end: a staff member's edit over HTTP reaches the matcher of another process (and the
Telegram bot) through the store's pub/sub change notice, with no restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from infomigra.api_runner import following_changes
from infomigra.runtime import Services
from tests.admin_api.conftest import Api
from tests.admin_api.helpers import with_answer
from tests.bot import conftest as bot_e2e
from tests.bot.conftest import MARIA, ChatFactory, only_sent

# The bot's end-to-end fixtures (fake Bot API server, real aiogram session and dispatcher).
tg = bot_e2e.tg
bot = bot_e2e.bot
bot_config = bot_e2e.bot_config
health = bot_e2e.health
delivery = bot_e2e.delivery
make_dispatcher = bot_e2e.make_dispatcher
dp = bot_e2e.dp
chat = bot_e2e.chat

PASSPORT_Q = "¿Cómo saco mi pasaporte guatemalteco por primera vez?"


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the change did not arrive in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def following(services: Services) -> AsyncIterator[Services]:
    """The test side's LiveMatcher following the change notices, as a bot process does."""
    async with following_changes(services):
        yield services


async def test_a_put_reaches_the_live_matcher_of_another_process(
        api: Api, following: Services) -> None:
    live = following.live
    entry, etag = await api.get_entry("passport-application")
    new_answer = "<b>Texto nuevo del pasaporte</b>, publicado por la API."
    body = with_answer(entry, new_answer)
    body["translations"]["es"]["alternates"].append("zorblax pasaporte quimerico")
    res = await api.http.put("/api/v1/faq/passport-application", json=body,
                             headers={**api.auth("editor"), "If-Match": etag})
    assert res.status_code == 200, res.text

    def updated() -> bool:
        current = live.entry("passport-application")
        return current is not None and current.translations["es"].answer == new_answer

    await eventually(updated)
    result = live.matcher.match("zorblax pasaporte quimerico", "es")
    assert result.best is not None and result.best.entry_id == "passport-application"


async def test_a_put_then_the_bot_answers_with_the_new_text(
        api: Api, following: Services, chat: ChatFactory) -> None:
    before = only_sent(await chat(MARIA).send(PASSPORT_Q))
    entry, etag = await api.get_entry("passport-application")
    assert before["text"].startswith(entry["translations"]["es"]["answer"])

    new_answer = "<b>Nuevo:</b> el pasaporte se pide con cita en el IGM."
    res = await api.http.put("/api/v1/faq/passport-application",
                             json=with_answer(entry, new_answer),
                             headers={**api.auth("editor"), "If-Match": etag})
    assert res.status_code == 200, res.text
    await eventually(lambda: getattr(following.live.entry("passport-application"),
                                     "translations", {}).get("es").answer == new_answer)

    after = only_sent(await chat(MARIA).send(PASSPORT_Q))
    assert after["text"].startswith(new_answer)


async def test_staff_first_five_minutes(api: Api) -> None:
    """The quickstart (docs/staff-quickstart.md) as a test: an admin key makes an editor key;
    the editor lists entries, edits one with If-Match, loses a race politely, checks the
    new phrasing with /match and reads the audit."""
    res = await api.http.post("/api/v1/keys", json={"name": "Ana (helpdesk)", "role": "editor"},
                              headers=api.auth("admin"))
    editor = {"Authorization": f"Bearer {res.json()['key']}"}

    listing = await api.http.get("/api/v1/faq", params={"q": "pasaporte", "status": "published"},
                                 headers=editor)
    assert "passport-application" in [e["id"] for e in listing.json()["items"]]

    res = await api.http.get("/api/v1/faq/passport-application", headers=editor)
    entry, etag = res.json(), res.headers["etag"]
    body = with_answer(entry, "<b>Pasaporte:</b> pida cita en línea en el IGM.")
    body["translations"]["es"]["alternates"].append("tramite zorblax del pasaporte quimerico")
    saved = await api.http.put("/api/v1/faq/passport-application", json=body,
                               headers={**editor, "If-Match": etag})
    assert saved.status_code == 200 and saved.headers["etag"] != etag
    late = await api.http.put("/api/v1/faq/passport-application", json=body,
                              headers={**editor, "If-Match": etag})
    assert late.status_code == 412
    assert "changed by someone else" in late.json()["error"]["message"]

    # The API's own matcher follows the same notice: /match soon answers the new phrasing.
    for _ in range(200):
        match = await api.http.post("/api/v1/match", json={
            "q": "tramite zorblax del pasaporte quimerico", "lang": "es"}, headers=editor)
        if match.json()["id"] == "passport-application":
            break
        await asyncio.sleep(0.02)
    assert match.json()["id"] == "passport-application"
    assert match.json()["decision"] in {"answer", "suggest"}

    audit = await api.http.get("/api/v1/audit", params={"entry": "passport-application"},
                               headers=editor)
    assert audit.json()["items"][0]["actor"].startswith("Ana (helpdesk) (key ")
