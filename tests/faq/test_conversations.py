"""Conversations with staff on the real Redis: consent-opened, redacted, claimed, answered,
closed, expired and forgotten; the chat id never in plain form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from faq.conversations import (
    ConversationClaimed,
    ConversationClosed,
    ConversationDesk,
    ConversationError,
    ConversationErrorCode,
    ConversationNotFound,
    ConversationOptions,
    OfficeHours,
)
from faq.crypto import ChatCipher
from faq.keys import Keys
from faq.telegram_html import TelegramHtmlError
from tests.conftest import FakeClock

CHAT = 770011223344
USER = "ab12" + "c" * 60
OTHER = "9f00" + "d" * 60
GT = "America/Guatemala"


@pytest.fixture
def desk(redis: Redis, clock: FakeClock) -> ConversationDesk:
    # FakeClock starts on Friday 2026-11-20 15:00 UTC = 09:00 in Guatemala: office open.
    return ConversationDesk(redis, Keys(), ChatCipher(ChatCipher.new_key()), clock=clock,
                            tz=UTC, office_hours=OfficeHours.parse("mon-fri 08:00-17:00", GT),
                            options=ConversationOptions(retention_days=30))


async def dump(redis: Redis) -> str:
    """Every key and value in the database, as one string to search for leaks."""
    parts = []
    async for key in redis.scan_iter(count=1000):
        kind = await redis.type(key)
        parts.append(key)
        if kind == "string":
            parts.append(str(await redis.get(key)))
        elif kind == "hash":
            parts.append(str(await redis.hgetall(key)))
        elif kind == "list":
            parts.append(str(await redis.lrange(key, 0, -1)))
        elif kind in ("set",):
            parts.append(str(await redis.smembers(key)))
        elif kind == "zset":
            parts.append(str(await redis.zrange(key, 0, -1)))
        elif kind == "stream":
            parts.append(str(await redis.xrange(key)))
    return "\n".join(parts)


async def test_open_keeps_the_chat_only_encrypted_and_labels_the_person(
        desk: ConversationDesk, redis: Redis) -> None:
    conv, created = await desk.open(USER, CHAT, "es")
    again, created_again = await desk.open(USER, CHAT, "es")
    assert created and not created_again and again.id == conv.id
    assert conv.person == "Persona AB12" and conv.lang == "es" and conv.status == "open"
    assert str(CHAT) not in await dump(redis)
    [item] = await _reply_and_take(desk, conv.id, "Hola, le ayudo.")
    assert item.chat_id == CHAT


async def _reply_and_take(desk: ConversationDesk, conv_id: str, text: str) -> list:
    await desk.ensure_outbox()
    await desk.reply(conv_id, "ana (key 1)", text)
    items = await desk.take_outbox("test", block_ms=10)
    await desk.ack([i.id for i in items])
    return items


async def test_person_messages_are_redacted_before_they_are_stored(
        desk: ConversationDesk, redis: Redis) -> None:
    conv, _ = await desk.open(USER, CHAT, "es")
    await desk.add_person_message(USER, "Mi número es +502 5555-1234, correo maria@example.com "
                                        "y mi DPI 2456789010101")
    stored = (await desk.get(conv.id)).messages[0].text
    assert "5555" not in stored and "maria@" not in stored and "2456789010101" not in stored
    assert "[telefono]" in stored and "[email]" in stored
    assert "5555-1234" not in await dump(redis)


async def test_claim_reply_and_close_by_staff(desk: ConversationDesk,
                                             clock: FakeClock) -> None:
    conv, _ = await desk.open(USER, CHAT, "es")
    await desk.add_person_message(USER, "necesito ayuda con mi pasaporte")
    await desk.claim(conv.id, "ana (key 1)")
    with pytest.raises(ConversationClaimed, match="ana") as claimed:
        await desk.claim(conv.id, "beto (key 2)")
    assert claimed.value.code is ConversationErrorCode.CLAIMED
    assert claimed.value.details == {"holder": "ana (key 1)"}
    with pytest.raises(ConversationClaimed):
        await desk.reply(conv.id, "beto (key 2)", "Hola")
    assert [c.id for c in await desk.list_conversations("mine", "ana (key 1)")] == [conv.id]
    assert await desk.list_conversations("mine", "beto (key 2)") == []
    with pytest.raises(TelegramHtmlError):
        await desk.reply(conv.id, "ana (key 1)", "<b>sin cerrar")
    with pytest.raises(ConversationError, match="empty") as empty:
        await desk.reply(conv.id, "ana (key 1)", "   ")
    assert empty.value.code is ConversationErrorCode.REPLY_EMPTY
    clock.advance(minutes=4)
    [item] = await _reply_and_take(desk, conv.id, "Hola, <b>le ayudo</b>.")
    assert item.kind == "reply" and item.text == "Hola, <b>le ayudo</b>." and item.lang == "es"
    read = await desk.get(conv.id)
    assert [m.sender for m in read.messages] == ["person", "staff"]
    assert read.first_reply_at == clock() and read.waiting_since is None
    await desk.ensure_outbox()
    closed = await desk.close(conv.id, "ana (key 1)")
    assert closed.status == "closed" and closed.closed_by == "staff"
    [note] = await desk.take_outbox("test", block_ms=10)
    assert note.kind == "closed" and note.chat_id == CHAT
    assert await desk.active(USER) is None
    assert [c.id for c in await desk.list_conversations("closed")] == [conv.id]
    assert await desk.list_conversations("open") == []
    with pytest.raises(ConversationClosed):
        await desk.close(conv.id, "ana (key 1)")
    with pytest.raises(ConversationClosed):
        await desk.reply(conv.id, "ana (key 1)", "¿sigue ahí?")


async def test_the_person_closes_and_the_next_message_opens_nothing(
        desk: ConversationDesk) -> None:
    conv, _ = await desk.open(USER, CHAT, "en")
    closed = await desk.close_by_person(USER)
    assert closed is not None and closed.closed_by == "person"
    assert await desk.add_person_message(USER, "hello?") is None
    assert await desk.close_by_person(USER) is None
    fresh, created = await desk.open(USER, CHAT, "en")
    assert created and fresh.id != conv.id


async def test_closed_conversations_expire_after_the_retention(desk: ConversationDesk,
                                                               redis: Redis,
                                                               clock: FakeClock) -> None:
    old, _ = await desk.open(USER, CHAT, "es")
    await desk.add_person_message(USER, "hola")
    await desk.close_by_person(USER)
    still_open, _ = await desk.open(OTHER, CHAT + 1, "en")
    clock.advance(days=29)
    assert await desk.expire() == 0
    clock.advance(days=1, seconds=1)
    assert await desk.expire() == 1
    with pytest.raises(ConversationNotFound):
        await desk.get(old.id)
    assert old.id not in await dump(redis)
    assert (await desk.get(still_open.id)).status == "open"


async def test_forget_deletes_every_conversation_of_the_person_at_once(
        desk: ConversationDesk, redis: Redis) -> None:
    first, _ = await desk.open(USER, CHAT, "es")
    await desk.close_by_person(USER)
    second, _ = await desk.open(USER, CHAT, "es")
    await desk.add_person_message(USER, "quiero borrar todo")
    other, _ = await desk.open(OTHER, CHAT + 1, "es")
    assert await desk.forget(USER) == 2
    everything = await dump(redis)
    assert first.id not in everything and second.id not in everything
    assert USER not in everything
    assert (await desk.get(other.id)).status == "open"


async def test_statistics_count_opened_answered_and_the_median_first_reply(
        desk: ConversationDesk, clock: FakeClock) -> None:
    a, _ = await desk.open(USER, CHAT, "es")
    b, _ = await desk.open(OTHER, CHAT + 1, "en")
    c, _ = await desk.open("7777" + "e" * 60, CHAT + 2, "es")
    clock.advance(seconds=60)
    await desk.reply(a.id, "ana (key 1)", "hola")
    clock.advance(seconds=120)
    await desk.reply(c.id, "ana (key 1)", "hola")
    await desk.reply(c.id, "ana (key 1)", "¿algo más?")  # not a first reply
    figures = (await desk.stats(desk.today(), desk.today())).as_dict()
    assert figures["opened"] == 3 and figures["answered"] == 2
    assert figures["median_first_reply_seconds"] == 120.0  # 60 and 180
    assert figures["by_language"]["es"] == {"opened": 2, "answered": 2,
                                            "median_first_reply_seconds": 120.0}
    assert figures["by_language"]["en"]["answered"] == 0
    assert b.id


async def test_out_of_hours_the_notice_comes_once_every_few_hours(
        desk: ConversationDesk, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)  # Saturday noon in Guatemala
    await desk.open(USER, CHAT, "es")
    first = await desk.add_person_message(USER, "hola")
    second = await desk.add_person_message(USER, "¿hay alguien?")
    clock.advance(hours=6)
    third = await desk.add_person_message(USER, "sigo esperando")
    assert first and second and third
    assert (first.out_of_hours, second.out_of_hours, third.out_of_hours) == (True, False, True)


def test_office_hours_parse_and_next_opening() -> None:
    hours = OfficeHours.parse("mon-fri 08:00-17:00, sat 09:00-12:00", GT)
    friday_evening = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)  # Friday 18:30 in Guatemala
    assert not hours.is_open(friday_evening)
    opening = hours.next_opening(friday_evening)
    assert (opening.weekday(), opening.hour) == (5, 9)
    assert hours.is_open(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    for bad in ("", "lun-vie 8:00-17:00", "mon 17:00-08:00", "mon 25:00-26:00"):
        with pytest.raises(ValueError):
            OfficeHours.parse(bad, GT)
