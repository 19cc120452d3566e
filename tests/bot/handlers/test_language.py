"""/language: the choice is kept in the person's Redis hash and survives a restart."""

from __future__ import annotations

from aiogram import Bot

from bot.factory import create_bot
from faq.privacy import user_hash
from infomigra.runtime import Services
from tests.bot.conftest import (
    MARIA,
    PASSPORT_ES,
    TOKEN,
    ChatFactory,
    Conversation,
    DispatcherFactory,
    buttons,
    callback_answers,
    edits,
    only_sent,
)
from tests.bot.fake_telegram import FakeTelegram


async def test_choose_english_and_it_is_remembered_after_a_restart(
        chat: ChatFactory, tg: FakeTelegram, make_dispatcher: DispatcherFactory,
        services: Services) -> None:
    maria = chat(MARIA)  # Telegram says es-419
    menu = only_sent(await maria.send("/language"))
    assert menu["text"] == "Elija su idioma:"
    assert buttons(menu) == ["Español ✓", "English"]

    calls = await maria.tap(menu, "English")
    assert edits(calls)[0]["text"] == "Done. From now on I will write to you in English."
    assert len(callback_answers(calls)) == 1

    # A new process: new Bot, new Dispatcher, same Redis.
    restarted_bot: Bot = create_bot(TOKEN, tg.url)
    try:
        again = Conversation(tg, restarted_bot, make_dispatcher(), MARIA)
        assert "Hello! I am InfoMigra." in only_sent(await again.send("/start"))["text"]
        answer = only_sent(await again.send(PASSPORT_ES))  # asked in Spanish, answered in English
        assert answer["text"].startswith(
            services.live.entry("passport-application").translations["en"].answer)
        menu = only_sent(await again.send("/language"))
        assert buttons(menu) == ["Español", "English ✓"]
        calls = await again.tap(menu, "Español")
        assert edits(calls)[0]["text"] == "Listo. Desde ahora le escribiré en español."
        assert "¡Hola!" in only_sent(await again.send("/start"))["text"]
    finally:
        await restarted_bot.session.close()


async def test_the_choice_is_stored_under_the_keyed_hash_only(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    await maria.tap(only_sent(await maria.send("/idioma")), "English")
    key = f"im:user:{{{user_hash(services.user_hash_secret, MARIA.id)}}}"
    assert await services.redis.hgetall(key) == {"lang": "en"}
    assert [k async for k in services.redis.scan_iter() if str(MARIA.id) in k] == []
