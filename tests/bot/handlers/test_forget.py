"""/forget: after a confirmation, everything kept about the person is deleted."""

from __future__ import annotations

import asyncio

from aiogram import Dispatcher

from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import Services
from tests.bot.conftest import JOHN, MARIA, PASSPORT_ES, ChatFactory, buttons, edits, only_sent


async def test_forget_deletes_language_votes_and_flood_state_after_confirmation(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    await maria.tap(only_sent(await maria.send("/language")), "English")
    await maria.tap(only_sent(await maria.send(PASSPORT_ES)), "👍")
    mine = [k async for k in services.redis.scan_iter(match="im:user:*")]
    assert {k.rsplit(":", 1)[-1] for k in mine} >= {"votes", "rate"}
    day = services.stats.today()
    before = await services.stats.summary(day, day)

    question = only_sent(await maria.send("/forget"))
    assert "This deletes everything I keep about you" in question["text"]
    assert buttons(question) == ["Yes, delete my data", "No, keep it"]
    assert [k async for k in services.redis.scan_iter(match="im:user:*")] != []

    done = edits(await maria.tap(question, "Yes, delete"))[0]
    assert done["text"].startswith("Done: I deleted everything I kept about you.")
    assert [k async for k in services.redis.scan_iter(match="im:user:*")] == []
    after = await services.stats.summary(day, day)
    assert (after.asked, after.feedback_up) == (before.asked, before.feedback_up)  # anonymous
    # Forgotten: back to Telegram's language.
    assert "¡Hola!" in only_sent(await maria.send("/start"))["text"]


async def test_forget_can_be_cancelled(chat: ChatFactory, services: Services) -> None:
    john = chat(JOHN)
    await john.tap(only_sent(await john.send("/language")), "Español")
    question = only_sent(await john.send("/olvidar"))
    assert "¿Desea continuar?" in question["text"]
    done = edits(await john.tap(question, "No, dejarlo así"))[0]
    assert done["text"] == "Está bien, no se borró nada."
    [hash_key] = [k async for k in services.redis.scan_iter(match="im:user:*")
                  if not k.endswith((":rate", ":votes"))]
    assert await services.redis.hget(hash_key, "lang") == "es"  # still remembered


async def test_forget_also_clears_the_hash_from_the_append_only_file(
        chat: ChatFactory, dp: Dispatcher, services: Services,
        redis_server: EmbeddedRedis) -> None:
    maria = chat(MARIA)
    await maria.tap(only_sent(await maria.send("/language")), "English")
    [key] = [k async for k in services.redis.scan_iter(match="im:user:*")
             if not k.endswith((":rate", ":votes"))]
    person = key.removeprefix("im:user:").encode()
    aof = redis_server.redis_dir / "appendonly.aof"
    question = only_sent(await maria.send("/forget"))
    await maria.tap(question, "Yes, delete")
    await dp["users"].rewriter.wait()
    for _ in range(200):  # the rewrite runs in the background, in a forked Redis
        if person not in aof.read_bytes():
            break
        await asyncio.sleep(0.02)
    assert person not in aof.read_bytes()
