"""/help, /contact and /privacy."""

from __future__ import annotations

from infomigra.runtime import Services
from tests.bot.conftest import (
    JOHN,
    MARIA,
    ChatFactory,
    DispatcherFactory,
    only_sent,
)


async def test_help_explains_how_to_ask_in_both_languages(chat: ChatFactory) -> None:
    es = only_sent(await chat(MARIA).send("/help"))["text"]
    assert "<b>Cómo preguntar</b>" in es
    assert "no puedo escuchar notas de voz" in es
    assert "/temas" in es and "/olvidar" in es and "/forget" not in es
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
    assert "hasta 90 días" in es and "/olvidar" in es
    short = chat(JOHN, dispatcher=make_dispatcher(retention_days=30))
    en = only_sent(await short.send("/privacy"))["text"]
    assert "up to 30 days" in en and "90" not in en
