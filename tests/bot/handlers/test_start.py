"""/start: greeting in the person's language, what the bot is, the topic menu; deep links."""

from __future__ import annotations

from aiogram import Bot, Dispatcher

from infomigra.runtime import Services
from tests.bot.conftest import JOHN, MARIA, PIERRE, ChatFactory, buttons, only_sent, sent
from tests.bot.fake_telegram import FakeTelegram, TgUser


async def test_start_greets_in_spanish_for_es_419(chat: ChatFactory) -> None:
    message = only_sent(await chat(MARIA).send("/start"))
    assert "¡Hola! Soy InfoMigra." in message["text"]
    assert "No es asesoría legal" in message["text"]
    assert "<i>¿cómo saco el pasaporte?</i>" in message["text"]  # how to ask
    topics = buttons(message)
    assert {"Documentos", "Trabajo temporal en el extranjero", "Derechos"} <= set(topics)
    assert topics == sorted(topics, key=str.casefold)


async def test_start_greets_in_english_for_en_us(chat: ChatFactory) -> None:
    message = only_sent(await chat(JOHN).send("/start"))
    assert "Hello! I am InfoMigra." in message["text"]
    assert "It is not legal advice" in message["text"]
    assert {"Documents", "Temporary work abroad", "Rights"} <= set(buttons(message))


async def test_unknown_or_missing_language_falls_back_to_spanish(chat: ChatFactory) -> None:
    assert "¡Hola!" in only_sent(await chat(PIERRE).send("/start"))["text"]
    nameless = TgUser(id=123123123, first_name="Ana")
    assert "¡Hola!" in only_sent(await chat(nameless).send("/start"))["text"]


async def test_deep_link_opens_the_entry(chat: ChatFactory, services: Services) -> None:
    entry = services.live.entry("passport-application")
    message = only_sent(await chat(MARIA).send("/start faq_passport-application"))
    assert message["text"].startswith(entry.translations["es"].answer)
    assert "Revisado el 1 de diciembre de 2026" in message["text"]
    assert buttons(message)[:2] == ["👍", "👎"]

    english = only_sent(await chat(JOHN).send("/start faq_passport-application"))
    assert english["text"].startswith(entry.translations["en"].answer)
    assert "Reviewed on December 1, 2026" in english["text"]


async def test_deep_link_to_an_unknown_entry_falls_back_to_the_greeting(
        chat: ChatFactory) -> None:
    calls = await chat(MARIA).send("/start faq_no-such-entry")
    assert len(sent(calls)) == 1
    assert "¡Hola! Soy InfoMigra." in sent(calls)[0]["text"]


async def test_start_sets_the_command_menu_in_each_language(
        tg: FakeTelegram, bot: Bot, dp: Dispatcher) -> None:
    await dp.emit_startup(bot=bot, **dp.workflow_data)
    menus = {c.params.get("language_code"): c.params["commands"]
             for c in tg.calls if c.method == "setMyCommands"}
    assert set(menus) == {"es", "en", None}
    es = {c["command"]: c["description"] for c in menus["es"]}
    en = {c["command"]: c["description"] for c in menus["en"]}
    # The Spanish menu is Spanish through and through (each alias is a working command).
    assert list(es) == ["start", "temas", "idioma", "ayuda", "contacto", "privacidad",
                        "olvidar"]
    assert list(en) == ["start", "topics", "language", "help", "contact", "privacy", "forget"]
    assert es["olvidar"] == "Borrar todo lo que se guarda sobre usted"
    assert en["forget"] == "Delete everything stored about you"
    assert menus[None] == menus["es"]
