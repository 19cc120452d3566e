"""A person behind the bot, end to end: the real bot against the fake Bot API server, the admin
API over real HTTP, the outbox and broadcast workers, all on the real Redis.

Consent before anything is stored; the person's messages go to the open conversation; a staff
reply typed in the API reaches the chat; office hours; closing from both sides; retention;
/forget; alerts with one-tap subscriptions and an unsubscribe button under each; and a scan of
Redis and the logs for the person's id, name and username.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiogram import Bot, Dispatcher
from redis.asyncio import Redis

from admin_api import ApiConfig
from bot.broadcast import BroadcastWorker
from bot.config import LOCALES_DIR, BotConfig
from bot.factory import create_dispatcher
from bot.outbox import OutboxWorker
from bot.sender import Delivery
from faq.alerts import AlertDesk, load_topics
from faq.apikeys import ApiKeyRegistry, Role
from faq.conversations import ConversationDesk
from faq.loader import Content
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import Services
from infomigra.settings import Settings
from tests.admin_api.conftest import owned_app, serving
from tests.bot.conftest import (
    FAST_RETRIES,
    JOHN,
    MARIA,
    ChatFactory,
    buttons,
    callback_answers,
    only_sent,
    sent,
)
from tests.bot.fake_telegram import BadRequest, FakeTelegram
from tests.conftest import FakeClock
from tests.faq.test_conversations import dump

SATURDAY_NOON_GT = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
GIBBERISH = "zxqv plork wibble frandish"


@pytest.fixture
def settings(people_settings: Settings) -> Settings:
    return people_settings


@pytest.fixture
def bot_config(services: Services) -> BotConfig:
    return BotConfig(user_hash_secret=services.user_hash_secret, locales_dir=LOCALES_DIR,
                     languages=("es", "en"), default_language="es", send_policy=FAST_RETRIES,
                     office_hours=services.settings.office(), alerts_enabled=True,
                     conversation_retention_days=30)


@pytest.fixture
def dp(services: Services, bot_config: BotConfig, delivery: Delivery,
       clock: FakeClock) -> Dispatcher:
    return create_dispatcher(store=services.store, live=services.live, stats=services.stats,
                             config=bot_config, clock=clock, delivery=delivery,
                             conversations=services.conversations, alerts=services.alerts)


@pytest.fixture
def desk(services: Services) -> ConversationDesk:
    assert services.conversations is not None
    return services.conversations


@pytest.fixture
async def alerts(services: Services) -> AlertDesk:
    assert services.alerts is not None
    await services.alerts.seed_topics(load_topics())
    return services.alerts


@pytest.fixture
def outbox(bot: Bot, desk: ConversationDesk, dp: Dispatcher) -> OutboxWorker:
    return OutboxWorker(bot, desk, dp["i18n"], default_language="es", block_ms=10)


class Staff:
    def __init__(self, http: httpx.AsyncClient, key: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {key}"}

    async def open_conversations(self) -> list[dict[str, Any]]:
        res = await self.http.get("/api/v1/conversations", headers=self.headers)
        assert res.status_code == 200, res.text
        return list(res.json()["conversations"])

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(path, headers=self.headers, **kwargs)


@pytest.fixture
async def staff(services: Services, settings: Settings, redis_server: EmbeddedRedis,
                content: Content, clock: FakeClock) -> AsyncIterator[Staff]:
    """An editor on the admin API, served over HTTP by its own app (as ``infomigra api``)."""
    app = owned_app(settings, redis_server.url, content, clock,
                    ApiConfig(languages=("es", "en"), tz=settings.tz), [])
    key, _ = await ApiKeyRegistry(services.redis, services.keys).create(Role.EDITOR, "ana")
    async with serving(app) as server, httpx.AsyncClient(base_url=server.url,
                                                         timeout=30) as http:
        yield Staff(http, key)


async def conv_keys(redis: Redis) -> list[str]:
    return [k async for k in redis.scan_iter("im:{conv}:*")
            if not k.startswith("im:{conv}:stats")]


async def start_conversation(chat: ChatFactory, user: Any = MARIA) -> Any:
    person = chat(user)
    consent = only_sent(await person.send("/humano"))
    opened = await person.tap(consent, "✅")
    return person, opened


async def test_consent_comes_first_and_nothing_is_stored_before_it(
        chat: ChatFactory, redis: Redis) -> None:
    maria = chat(MARIA)
    consent = only_sent(await maria.send("/humano"))
    assert "horario de atención" in consent["text"] and "lunes a viernes" in consent["text"]
    assert "30 días" in consent["text"] and "/olvidar" in consent["text"]
    assert buttons(consent) == ["✅ Sí, hablar con una persona", "✖ No, cancelar"]
    assert await conv_keys(redis) == []
    cancelled = await maria.tap(consent, "✖")
    assert "no se guardó nada" in maria.tg.messages[(MARIA.id, consent["message_id"])]["text"]
    assert cancelled and await conv_keys(redis) == []

    john = chat(JOHN)
    consent = only_sent(await john.send("/human"))
    assert "office hours: Monday to Friday, 08:00 to 17:00" in consent["text"]
    await john.tap(consent, "✅")
    shown = john.tg.messages[(JOHN.id, consent["message_id"])]
    assert "You are now talking with the InfoMigra team" in shown["text"]
    assert buttons(shown) == ["🔚 End the conversation"]
    assert await conv_keys(redis) != []


async def test_the_no_answer_offers_writing_to_the_team(chat: ChatFactory,
                                                        redis: Redis) -> None:
    maria = chat(MARIA)
    reply = sent(await maria.send(GIBBERISH))[-1]
    assert "💬 Escribir al equipo aquí" in buttons(reply)
    consent = only_sent(await maria.tap(reply, "💬"))
    assert buttons(consent)[0].startswith("✅")
    assert await conv_keys(redis) == []


async def test_messages_go_to_the_conversation_and_a_staff_reply_reaches_the_chat(
        chat: ChatFactory, staff: Staff, outbox: OutboxWorker, desk: ConversationDesk,
        tg: FakeTelegram) -> None:
    maria, _ = await start_conversation(chat)
    ack = only_sent(await maria.send("Perdí mi pasaporte, mi cel es 5555-1234"))
    assert ack["text"].startswith("✓ Recibido")
    assert "Fuentes" not in ack["text"]  # not the matcher's answer
    assert buttons(ack) == ["🔚 Terminar la conversación"]

    [row] = await staff.open_conversations()
    assert row["person"].startswith("Persona ") and row["lang"] == "es"
    res = await staff.post(f"/api/v1/conversations/{row['id']}/messages",
                           json={"text": "Hola, soy Ana. <b>Le ayudo</b> con su pasaporte."})
    assert res.status_code == 201, res.text
    before = len(tg.calls)
    assert await outbox.step() == 1
    delivered = [c.result for c in tg.calls[before:] if c.method == "sendMessage"]
    assert len(delivered) == 1 and delivered[0]["chat"]["id"] == MARIA.id
    assert "Respuesta del equipo de InfoMigra" in delivered[0]["text"]
    assert "<b>Le ayudo</b>" in delivered[0]["text"] or "Le ayudo" in delivered[0]["text"]
    assert buttons(delivered[0]) == ["🔚 Terminar la conversación"]
    assert await outbox.step() == 0  # acknowledged: not delivered twice

    stored = (await desk.get(row["id"])).messages
    assert "5555-1234" not in stored[0].text and stored[1].sender == "staff"

    # Staff close it: the person is told, and questions go to the matcher again.
    res = await staff.post(f"/api/v1/conversations/{row['id']}/close")
    assert res.status_code == 200
    before = len(tg.calls)
    assert await outbox.step() == 1
    [note] = [c.result for c in tg.calls[before:] if c.method == "sendMessage"]
    assert "El equipo cerró esta conversación" in note["text"]
    answer = sent(await maria.send("¿Cómo saco mi pasaporte guatemalteco por primera vez?"))
    assert "Fuentes" in answer[-1]["text"]


async def test_the_person_closes_it_with_the_button(chat: ChatFactory,
                                                    desk: ConversationDesk) -> None:
    maria, _ = await start_conversation(chat)
    ack = only_sent(await maria.send("hola, necesito ayuda"))
    await maria.tap(ack, "🔚")
    shown = maria.tg.messages[(MARIA.id, ack["message_id"])]
    assert "La conversación terminó" in shown["text"]
    [closed] = await desk.list_conversations("closed")
    assert closed.closed_by == "person"
    answer = sent(await maria.send("¿Cómo saco mi pasaporte guatemalteco por primera vez?"))
    assert "Fuentes" in answer[-1]["text"]


async def test_out_of_office_hours_the_person_is_told_when_someone_answers(
        chat: ChatFactory, clock: FakeClock) -> None:
    clock.now = SATURDAY_NOON_GT
    maria = chat(MARIA)
    consent = only_sent(await maria.send("/humano"))
    await maria.tap(consent, "✅")
    opened = maria.tg.messages[(MARIA.id, consent["message_id"])]["text"]
    assert "no está en la oficina" in opened and "lunes" in opened
    first = only_sent(await maria.send("¿hay alguien?"))
    assert "no está en la oficina" in first["text"] and "a partir del lunes" in first["text"]
    second = only_sent(await maria.send("sigo aquí"))
    assert second["text"].startswith("✓ Recibido") and "oficina" not in second["text"]


async def test_closed_conversations_are_deleted_after_the_retention(
        chat: ChatFactory, desk: ConversationDesk, clock: FakeClock, redis: Redis) -> None:
    maria, _ = await start_conversation(chat)
    ack = only_sent(await maria.send("hola"))
    await maria.tap(ack, "🔚")
    clock.advance(days=29)
    assert await desk.expire() == 0 and await conv_keys(redis) != []
    clock.advance(days=2)
    assert await desk.expire() == 1
    assert await conv_keys(redis) == []


async def test_forget_deletes_conversations_and_subscriptions_at_once(
        chat: ChatFactory, alerts: AlertDesk, redis: Redis) -> None:
    maria, _ = await start_conversation(chat)
    await maria.send("hola")
    menu = only_sent(await maria.send("/alertas"))
    await maria.tap(menu, "Avisos de estafas")
    assert await alerts.subscriber_count("fraud-warnings") == 1
    confirm = only_sent(await maria.send("/olvidar"))
    assert "sus conversaciones con el equipo" in confirm["text"]
    await maria.tap(confirm, "Sí")
    assert await conv_keys(redis) == []
    assert await alerts.subscriber_count("fraud-warnings") == 0
    assert [k async for k in redis.scan_iter("im:user:*")] == []
    assert [k async for k in redis.scan_iter("im:{alert-subs}:person:*")] == []


async def test_alert_topics_are_chosen_and_left_with_one_tap(chat: ChatFactory,
                                                             alerts: AlertDesk) -> None:
    john = chat(JOHN)
    menu = only_sent(await john.send("/alerts"))
    assert "Scam warnings" in " ".join(buttons(menu))
    calls = await john.tap(menu, "Scam warnings")
    assert callback_answers(calls)[0]["text"].startswith("Done")
    shown = john.tg.messages[(JOHN.id, menu["message_id"])]
    assert "🔔 Scam warnings ✓" in buttons(shown) and "Leave all alerts" in buttons(shown)
    await john.tap(shown, "Safety notices")
    assert len(await alerts.subscriptions(_hash_of(john))) == 2
    await john.tap(shown, "Leave all alerts")
    assert await alerts.subscriptions(_hash_of(john)) == set()


def _hash_of(person: Any) -> str:
    from faq.privacy import user_hash
    from tests.conftest import TEST_HASH_SECRET

    return user_hash(TEST_HASH_SECRET.encode(), person.user.id)


class BlockingTelegram(FakeTelegram):
    """Refuses messages to chats that blocked the bot, with Telegram's 403."""

    blocked: set[int]

    async def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if int(params["chat_id"]) in getattr(self, "blocked", set()):
            raise BadRequest("Forbidden: bot was blocked by the user", code=403)
        return await super()._m_sendmessage(params)


async def test_an_alert_needs_approval_then_reaches_each_subscriber_in_their_language(
        chat: ChatFactory, alerts: AlertDesk, bot: Bot, dp: Dispatcher, tg: FakeTelegram,
        services: Services, redis: Redis) -> None:
    for person, label in ((chat(MARIA), "Avisos de estafas"), (chat(JOHN), "Scam warnings")):
        menu = only_sent(await person.send("/alertas"))
        await person.tap(menu, label)
    alert = await alerts.create(["fraud-warnings"], {
        "es": "Nadie cobra por una visa <b>H-2A</b>.", "en": "Nobody charges for an <b>H-2A</b> "
        "visa."}, actor="ed", actor_key="k1")
    worker = BroadcastWorker(bot, alerts, dp["i18n"], concurrency=2, poll_seconds=0.01)
    before = len(tg.calls)
    assert await worker.run_once() == 0  # a draft goes nowhere
    assert [c for c in tg.calls[before:] if c.method == "sendMessage"] == []

    await alerts.approve(alert.id, actor="admin", actor_key="k2")
    assert await worker.run_once() == 1
    got = {c.result["chat"]["id"]: c.result for c in tg.calls[before:]
           if c.method == "sendMessage"}
    assert set(got) == {MARIA.id, JOHN.id}
    assert got[MARIA.id]["text"].startswith("<b>🔔 Aviso: Avisos de estafas")
    assert "Nadie cobra" in got[MARIA.id]["text"]
    assert got[JOHN.id]["text"].startswith("<b>🔔 Alert: Scam warnings")
    assert buttons(got[JOHN.id]) == ["🔕 Stop these alerts"]
    done = await alerts.get(alert.id)
    assert (done.status.value, done.delivered, done.failed) == ("done", 2, 0)

    john = chat(JOHN)
    calls = await john.tap(got[JOHN.id], "Stop these alerts")
    assert "not receive these alerts" in callback_answers(calls)[0]["text"]
    assert buttons(tg.messages[(JOHN.id, got[JOHN.id]["message_id"])]) == []
    assert await alerts.subscriptions(_hash_of(john)) == set()


async def test_who_blocked_the_bot_counts_as_failed_and_is_marked_inactive(
        services: Services, bot_config: BotConfig, alerts: AlertDesk, dp: Dispatcher,
        redis: Redis) -> None:
    from bot.factory import create_bot
    from tests.bot.conftest import TOKEN

    server = BlockingTelegram(TOKEN)
    server.blocked = {JOHN.id}
    await server.start()
    delivery = Delivery(services.redis, services.keys, bot_config)
    blocking_bot = create_bot(TOKEN, server.url, delivery=delivery)
    try:
        from faq.privacy import user_hash

        secret = services.user_hash_secret
        for user in (MARIA, JOHN):
            await alerts.subscribe(user_hash(secret, user.id), "safety-notices", user.id, "es")
        alert = await alerts.create(["safety-notices"], {"es": "Aviso", "en": "Notice"},
                                    actor="ed", actor_key="k1")
        await alerts.approve(alert.id, actor="admin", actor_key="k2")
        worker = BroadcastWorker(blocking_bot, alerts, dp["i18n"], concurrency=1)
        assert await worker.run_once() == 1
        done = await alerts.get(alert.id)
        assert (done.delivered, done.failed) == (1, 1)
        states = await alerts.states(alert.id)
        assert states[user_hash(secret, JOHN.id)] == "failed:blocked"
        assert await redis.hget(services.keys.user(user_hash(secret, JOHN.id)), "inactive")
    finally:
        await blocking_bot.session.close()
        await server.stop()


async def test_no_id_name_or_username_in_redis_or_the_logs(
        chat: ChatFactory, staff: Staff, outbox: OutboxWorker, alerts: AlertDesk,
        redis: Redis, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    maria, _ = await start_conversation(chat)
    await maria.send("Soy Mariela, escríbanme por favor")
    menu = only_sent(await maria.send("/alertas"))
    await maria.tap(menu, "Avisos de seguridad")
    [row] = await staff.open_conversations()
    await staff.post(f"/api/v1/conversations/{row['id']}/claim")
    await staff.post(f"/api/v1/conversations/{row['id']}/messages", json={"text": "Hola"})
    await outbox.step()
    stored = await dump(redis)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "[nombre]" in stored  # she wrote her own name: removed before storing
    for secret in (str(MARIA.id), MARIA.username, MARIA.first_name, MARIA.last_name, "Xocop"):
        assert secret and secret not in stored, f"{secret!r} stored in Redis"
        assert secret not in logged, f"{secret!r} in the logs"
    assert "Soy Mariela" not in logged  # no message text in the logs


async def test_privacy_says_what_talking_to_a_person_keeps(chat: ChatFactory) -> None:
    text = only_sent(await chat(MARIA).send("/privacidad"))["text"]
    assert "cifrado, el chat donde le respondemos" in text and "30 días" in text
