"""No Telegram user id, username or name in Redis or in the logs, after a whole conversation."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import Services
from tests.bot.conftest import FAMILY, MARIA, PASSPORT_ES, VOICE, ChatFactory, only_sent

QUESTIONS = [PASSPORT_ES, "receta de pepián con mole", "visa de trabajo en Canadá"]


@pytest.fixture
async def raw_redis(redis_server: EmbeddedRedis, redis: Redis) -> AsyncIterator[Redis]:
    """Bytes in, bytes out: HyperLogLogs and anything else are read as stored."""
    client = Redis.from_url(redis_server.url, decode_responses=False)
    yield client
    await client.aclose()


async def dump_everything(redis: Redis) -> bytes:
    chunks: list[bytes] = []
    async for key in redis.scan_iter(count=1000):
        chunks.append(key)
        kind = (await redis.type(key)).decode()
        if kind == "string":
            chunks.append(await redis.get(key) or b"")
        elif kind == "hash":
            for field, value in (await redis.hgetall(key)).items():
                chunks += [field, value]
        elif kind == "list":
            chunks += await redis.lrange(key, 0, -1)
        elif kind == "set":
            chunks += list(await redis.smembers(key))
        elif kind == "zset":
            chunks += [member for member, _ in await redis.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            for entry_id, fields in await redis.xrange(key):
                chunks.append(entry_id)
                for field, value in fields.items():
                    chunks += [field, value]
        else:
            raise AssertionError(f"unexpected Redis type {kind} for {key!r}")
    return b"\n".join(chunks)


def identifiers() -> list[str]:
    return [str(MARIA.id), MARIA.username or "", MARIA.first_name, MARIA.last_name or ""]


async def test_nothing_identifies_the_person_in_redis_or_the_logs(
        chat: ChatFactory, services: Services, raw_redis: Redis,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    maria = chat(MARIA)
    await maria.send("/start")
    answers = [only_sent(await maria.send(q)) for q in QUESTIONS]
    await maria.tap(answers[0], "👍")
    await maria.tap(answers[0], "👎")
    await maria.edit(maria.tg.messages[(MARIA.id, 2)], "pasaporte para mi hija")
    await maria.send_content(**VOICE)
    language = only_sent(await maria.send("/language"))
    await maria.tap(language, "English")
    menu = only_sent(await maria.send("/temas"))
    await maria.tap(menu, "Documents")
    await maria.inline("pasaporte")
    await maria.send("/privacy")
    in_group = chat(MARIA, FAMILY)
    await in_group.send("@InfoMigraTestBot " + PASSPORT_ES)
    await in_group.send("hola familia, soy Mariela")

    stored = await dump_everything(raw_redis)
    assert b"im:user:{" in stored and b"im:{stats}:" in stored and b"im:{stats}:inbox" in stored
    for needle in identifiers():
        assert needle.encode() not in stored, f"{needle!r} is stored in Redis"
        assert needle.casefold().encode() not in stored.lower()

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}"
                       for r in caplog.records)
    assert "question lang=es decision=answer" in logged  # the log is really captured
    for needle in identifiers():
        assert needle not in logged, f"{needle!r} appears in the log"
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    for question in [*QUESTIONS, "pasaporte para mi hija", "hola familia"]:
        assert question not in info, "message text must not be logged at INFO"


async def test_forget_leaves_no_key_of_the_person(chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    await maria.tap(only_sent(await maria.send("/language")), "English")
    await maria.tap(only_sent(await maria.send(PASSPORT_ES)), "👍")
    await maria.tap(only_sent(await maria.send("/forget")), "Yes")
    assert [k async for k in services.redis.scan_iter(match="im:user:*")] == []
    assert await services.redis.exists("im:{stats}:inbox") == 0
