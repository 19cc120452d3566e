"""Talking to a person over real HTTP: managers read, editors claim, reply and close; staff see
a pseudonym, never the account; the reply is queued for the bot."""

from __future__ import annotations

import pytest

from faq.conversations import ConversationDesk
from infomigra.runtime import Services
from infomigra.settings import Settings
from tests.admin_api.conftest import Api
from tests.conftest import FakeClock

CHAT = 770011223344
USER = "4f2a" + "b" * 60


@pytest.fixture
def settings(people_settings: Settings) -> Settings:
    return people_settings


def desk_of(services: Services) -> ConversationDesk:
    assert services.conversations is not None
    return services.conversations


async def test_staff_read_claim_reply_and_close(api: Api, clock: FakeClock) -> None:
    desk = desk_of(api.services)
    conv, _ = await desk.open(USER, CHAT, "es")
    await desk.add_person_message(USER, "Hola, me llamo Mariela, mi cel es 5555-1234")
    clock.advance(minutes=3)

    res = await api.http.get("/api/v1/conversations", headers=api.auth("manager"))
    assert res.status_code == 200, res.text
    [row] = res.json()["conversations"]
    assert row["person"] == "Persona 4F2A" and row["lang"] == "es"
    assert row["waiting_seconds"] == 180 and row["claimed_by"] is None
    res = await api.http.get(f"/api/v1/conversations/{conv.id}", headers=api.auth("manager"))
    body = res.text
    assert str(CHAT) not in body and USER not in body and "5555-1234" not in body
    assert "[telefono]" in res.json()["messages"][0]["text"]

    res = await api.http.post(f"/api/v1/conversations/{conv.id}/messages",
                              json={"text": "hola"}, headers=api.auth("manager"))
    assert res.status_code == 403
    res = await api.http.post(f"/api/v1/conversations/{conv.id}/claim",
                              headers=api.auth("editor"))
    assert res.status_code == 200 and res.json()["claimed_by"].startswith("test editor")
    res = await api.http.post(f"/api/v1/conversations/{conv.id}/claim",
                              headers=api.auth("admin"))
    assert res.status_code == 409 and res.json()["error"]["code"] == "claimed"
    mine = await api.http.get("/api/v1/conversations?status=mine", headers=api.auth("editor"))
    assert [c["id"] for c in mine.json()["conversations"]] == [conv.id]

    res = await api.http.post(f"/api/v1/conversations/{conv.id}/messages",
                              json={"text": "<b>Hola</b>, le ayudo con gusto."},
                              headers=api.auth("editor"))
    assert res.status_code == 201, res.text
    assert res.json()["conversation"]["waiting_seconds"] is None
    await desk.ensure_outbox()
    [queued] = await desk.take_outbox("test", block_ms=10)
    assert queued.kind == "reply" and queued.chat_id == CHAT

    res = await api.http.post(f"/api/v1/conversations/{conv.id}/close",
                              headers=api.auth("editor"))
    assert res.status_code == 200 and res.json()["status"] == "closed"
    closed = await api.http.get("/api/v1/conversations?status=closed",
                                headers=api.auth("manager"))
    assert [c["id"] for c in closed.json()["conversations"]] == [conv.id]
    again = await api.http.post(f"/api/v1/conversations/{conv.id}/close",
                                headers=api.auth("editor"))
    assert again.status_code == 409


async def test_a_reply_telegram_would_refuse_is_refused_with_the_reason(api: Api) -> None:
    conv, _ = await desk_of(api.services).open(USER, CHAT, "es")
    res = await api.http.post(f"/api/v1/conversations/{conv.id}/messages",
                              json={"text": "<b>sin cerrar"}, headers=api.auth("editor"))
    assert res.status_code == 422
    assert res.json()["error"]["details"]["problems"][0]["field"] == "text"
    # The API keeps the core's English wording (the console words the codes instead).
    assert res.json()["error"]["details"]["problems"][0]["message"] == "unclosed tag(s): <b>"
    res = await api.http.post(f"/api/v1/conversations/{conv.id}/messages",
                              json={"text": "x" * 5000}, headers=api.auth("editor"))
    assert res.status_code == 422
    res = await api.http.post(f"/api/v1/conversations/{conv.id}/messages",
                              json={"txt": "hola"}, headers=api.auth("editor"))
    assert res.status_code == 422
    assert (await api.http.get("/api/v1/conversations/0123456789ab",
                               headers=api.auth("editor"))).status_code == 404
    assert (await api.http.get("/api/v1/conversations/not-an-id",
                               headers=api.auth("editor"))).status_code == 422
    assert (await api.http.get("/api/v1/conversations?status=everything",
                               headers=api.auth("editor"))).status_code == 422


async def test_statistics_for_managers(api: Api, clock: FakeClock) -> None:
    desk = desk_of(api.services)
    a, _ = await desk.open(USER, CHAT, "es")
    await desk.open("77aa" + "c" * 60, CHAT + 1, "en")
    clock.advance(seconds=90)
    await desk.reply(a.id, "ana", "hola")
    res = await api.http.get("/api/v1/stats/conversations", headers=api.auth("manager"))
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["opened"], body["answered"], body["median_first_reply_seconds"]) == (2, 1, 90)
    assert body["by_language"]["en"] == {"opened": 1, "answered": 0,
                                         "median_first_reply_seconds": None}
    assert (await api.http.get("/api/v1/stats/conversations",
                               headers=api.auth("editor"))).status_code == 403
