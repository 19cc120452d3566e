"""Free text through the three bands of the matcher, in Spanish and English."""

from __future__ import annotations

import re

import pytest
from babel.dates import format_date

from faq.models import Category
from infomigra.runtime import Services
from tests.bot.conftest import (
    JOHN,
    MARIA,
    PASSPORT_EN,
    PASSPORT_ES,
    ChatFactory,
    EntryAdder,
    button_rows,
    buttons,
    callback_answers,
    edits,
    make_entry,
    only_sent,
    sent,
)


async def day_totals(services: Services) -> dict[str, int]:
    day = services.stats.today()
    total = await services.stats.summary(day, day)
    return {"asked": total.asked, "answered": total.answered, "suggested": total.suggested,
            "unmatched": total.unmatched}


@pytest.fixture
async def zorblax(add_entries: EntryAdder) -> None:
    """Three entries a question can match equally well: a did-you-mean, whatever the tuning."""
    await add_entries(*[
        make_entry(f"zorblax-{side}", category="pruebas",
                   es=f"¿Dónde queda la oficina zorblax quimérica del {side}?",
                   en=f"Where is the {side} zorblax chimeric office?")
        for side in ("norte", "sur", "centro")],
        category=Category(id="pruebas", names={"es": "Pruebas", "en": "Tests"}))


async def test_answer_in_spanish_with_sources_date_votes_and_related(
        chat: ChatFactory, services: Services) -> None:
    entry = services.live.entry("passport-application")
    message = only_sent(await chat(MARIA).send(PASSPORT_ES))
    text = message["text"]
    assert text.startswith(entry.translations["es"].answer)
    footer = text[len(entry.translations["es"].answer):]
    assert "<b>Fuentes:</b>" in footer
    for source in entry.sources:
        assert f'<a href="{source.url}">' in footer
    assert f"Revisado el {format_date(entry.reviewed_on, 'long', locale='es')}" in footer
    assert re.search(r"Revisado el \d{1,2} de [a-z]+ de \d{4}", footer)
    rows = button_rows(message)
    assert rows[0] == ["👍", "👎"]
    related = [services.live.entry(i).translations["es"].question for i in entry.related]
    assert [r[0] for r in rows[1:]] == [q if len(q) <= 60 else q[:59].rstrip() + "…"
                                        for q in related]
    assert await day_totals(services) == {"asked": 1, "answered": 1, "suggested": 0,
                                          "unmatched": 0}


async def test_answer_in_english(chat: ChatFactory, services: Services) -> None:
    entry = services.live.entry("passport-application")
    message = only_sent(await chat(JOHN).send(PASSPORT_EN))
    assert message["text"].startswith(entry.translations["en"].answer)
    assert "<b>Sources:</b>" in message["text"]
    assert "Reviewed on December 1, 2026" in message["text"]
    assert buttons(message)[:2] == ["👍", "👎"]
    day = services.stats.today()
    assert (await services.stats.summary(day, day)).by_language["en"]["answered"] == 1


async def test_a_related_button_opens_that_entry(chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    answer = only_sent(await maria.send(PASSPORT_ES))
    renewal = services.live.entry("passport-renewal-lost")
    calls = await maria.tap(answer, renewal.translations["es"].question[:30])
    opened = only_sent(calls)
    assert opened["text"].startswith(renewal.translations["es"].answer)
    assert len(callback_answers(calls)) == 1  # the tap's spinner stops


@pytest.mark.usefixtures("zorblax")
async def test_did_you_mean_offers_entries_and_none_of_these(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    message = only_sent(await maria.send("oficina zorblax quimérica"))
    assert "¿Quiso preguntar alguna de estas?" in message["text"]
    labels = buttons(message)
    assert len(labels) == 4 and labels[-1] == "Ninguna de estas"
    assert all("zorblax" in label for label in labels[:3])
    assert (await day_totals(services))["suggested"] == 1

    calls = await maria.tap(message, "del sur")
    assert only_sent(calls)["text"].startswith("Respuesta de prueba para ¿Dónde queda la "
                                               "oficina zorblax quimérica del sur?")

    calls = await maria.tap(message, "Ninguna de estas")
    replaced = edits(calls)[0]
    assert "Gracias por decírmelo" in replaced["text"]
    assert buttons(replaced) == ["📚 Ver los temas", "🙋 Hablar con una persona"]


@pytest.mark.usefixtures("zorblax")
async def test_did_you_mean_in_english(chat: ChatFactory) -> None:
    john = chat(JOHN)
    message = only_sent(await john.send("zorblax chimeric office"))
    assert "Did you mean" in message["text"]
    assert buttons(message)[-1] == "None of these"
    calls = await john.tap(message, "None of these")
    assert buttons(edits(calls)[0]) == ["📚 See the topics", "🙋 Talk to a person"]


async def test_no_match_is_honest_offers_topics_and_a_person_and_fills_the_inbox(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    message = only_sent(await maria.send(
        "receta de pepián, me escriben al 5555-1234 o a ana.perez@example.com"))
    assert "no tengo una respuesta segura" in message["text"]
    assert buttons(message) == ["📚 Ver los temas", "🙋 Hablar con una persona"]
    inbox = await services.stats.inbox()
    assert len(inbox) == 1
    assert inbox[0].lang == "es"
    assert "pepián" in inbox[0].text
    assert "5555-1234" not in inbox[0].text and "ana.perez@example.com" not in inbox[0].text
    assert "[telefono]" in inbox[0].text and "[email]" in inbox[0].text
    assert (await day_totals(services))["unmatched"] == 1

    person = only_sent(await maria.tap(message, "Hablar con una persona"))
    talk = services.live.entry("talk-to-person")
    assert person["text"].startswith(talk.translations["es"].answer)

    menu = only_sent(await maria.tap(message, "Ver los temas"))
    assert menu["text"] == "Elija un tema:"
    assert "Documentos" in buttons(menu)


async def test_no_match_in_english(chat: ChatFactory, services: Services) -> None:
    message = only_sent(await chat(JOHN).send("best pepian recipe with chicken"))
    assert "I do not have a reliable answer" in message["text"]
    assert buttons(message) == ["📚 See the topics", "🙋 Talk to a person"]
    assert (await services.stats.inbox())[0].lang == "en"


async def test_a_message_over_1000_characters_is_matched_but_not_stored(
        chat: ChatFactory, services: Services) -> None:
    long_question = ("receta de pepián " * 70).strip()
    assert len(long_question) > 1000
    message = only_sent(await chat(MARIA).send(long_question))
    assert "no tengo una respuesta segura" in message["text"]
    assert await services.stats.inbox() == []
    assert (await day_totals(services))["unmatched"] == 1  # counted, not kept

    long_passport = PASSPORT_ES + " " + "por favor " * 110
    assert len(long_passport) > 1000
    answer = only_sent(await chat(MARIA).send(long_passport))
    assert answer["text"].startswith(
        services.live.entry("passport-application").translations["es"].answer)


async def test_an_edited_message_is_answered_like_a_new_one(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    calls = await maria.send("receta de pepián")
    first = maria.tg.messages[(MARIA.id, 1)]
    assert "no tengo una respuesta segura" in only_sent(calls)["text"]
    fixed = only_sent(await maria.edit(first, PASSPORT_ES))
    assert fixed["text"].startswith(
        services.live.entry("passport-application").translations["es"].answer)


async def test_unknown_commands_point_to_help(chat: ChatFactory) -> None:
    message = only_sent(await chat(JOHN).send("/weather"))
    assert message["text"] == "I do not know that command. Send /help to see what I can do."
    assert sent(await chat(MARIA).send("/clima"))[0]["text"].startswith("No conozco ese comando")


async def test_an_entry_without_an_english_text_is_answered_in_spanish_and_says_so(
        chat: ChatFactory, add_entries: EntryAdder) -> None:
    await add_entries(make_entry("solo-espanol", es="¿Dónde queda la oficina zorblax de Xela?"))
    message = only_sent(await chat(JOHN).send("¿Dónde queda la oficina zorblax de Xela?"))
    assert message["text"].startswith("<i>This answer is only available in Spanish.</i>")
    assert "Respuesta de prueba para" in message["text"]
    assert "Reviewed on March 5, 2026" in message["text"]


@pytest.mark.usefixtures("zorblax")
async def test_none_of_these_sends_the_question_to_the_inbox(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    message = only_sent(await maria.send("oficina zorblax quimérica, llamar al 5555-1234"))
    assert buttons(message)[-1] == "Ninguna de estas"
    assert await services.stats.inbox() == []  # a did-you-mean is not (yet) unanswered

    await maria.tap(message, "Ninguna de estas")
    [item] = await services.stats.inbox()
    assert "oficina zorblax quimérica" in item.text and "5555-1234" not in item.text
    assert item.lang == "es"
    assert {c["id"] for c in item.candidates} >= {"zorblax-norte", "zorblax-sur"}
    day = services.stats.today()
    assert (await services.stats.summary(day, day)).suggestion_rejected == 1

    await maria.tap(message, "📚")  # the menu below it; a second "none" finds nothing to add
    assert len(await services.stats.inbox()) == 1


@pytest.mark.parametrize("media", [
    {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
    {"document": {"file_id": "d1", "file_unique_id": "u2", "file_name": "carta.pdf"}},
])
async def test_a_captioned_photo_or_document_is_the_captions_question(
        chat: ChatFactory, services: Services, media: dict[str, object]) -> None:
    answer = only_sent(await chat(MARIA).send_content(caption=PASSPORT_ES, **media))
    assert answer["text"].startswith(
        services.live.entry("passport-application").translations["es"].answer)
    assert (await day_totals(services))["answered"] == 1
