"""/help, /contact, /privacy and /forget (with its confirmation)."""

from __future__ import annotations

from infomigra.runtime import Services
from tests.bot.conftest import (
    JOHN,
    MARIA,
    PASSPORT_ES,
    ChatFactory,
    DispatcherFactory,
    buttons,
    edits,
    only_sent,
)


async def test_help_explains_how_to_ask_in_both_languages(chat: ChatFactory) -> None:
    es = only_sent(await chat(MARIA).send("/help"))["text"]
    assert "<b>Cómo preguntar</b>" in es
    assert "no puedo escuchar notas de voz" in es
    assert "/temas" in es and "/forget" in es
    en = only_sent(await chat(JOHN).send("/help"))["text"]
    assert "<b>How to ask</b>" in en and "/topics" in en and "/privacy" in en


async def test_contact_is_the_talk_to_a_person_entry(chat: ChatFactory,
                                                     services: Services) -> None:
    talk = services.live.entry("talk-to-person")
    es = only_sent(await chat(MARIA).send("/contact"))
    assert es["text"].startswith(talk.translations["es"].answer)
    assert "minex.gob.gt" in es["text"] and "Fuentes:" in es["text"]
    en = only_sent(await chat(JOHN).send("/contacto"))
    assert en["text"].startswith(talk.translations["en"].answer)


async def test_privacy_says_what_is_kept_and_for_how_long(
        chat: ChatFactory, make_dispatcher: DispatcherFactory) -> None:
    es = only_sent(await chat(MARIA).send("/privacy"))["text"]
    assert "No guardo su nombre, su usuario ni su número de teléfono" in es
    assert "hasta 90 días" in es and "/forget" in es
    short = chat(JOHN, dispatcher=make_dispatcher(retention_days=30))
    en = only_sent(await short.send("/privacy"))["text"]
    assert "up to 30 days" in en and "90" not in en


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
