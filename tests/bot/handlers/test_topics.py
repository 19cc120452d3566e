"""/topics and /temas: topics, a topic's questions page by page, the answer, and back."""

from __future__ import annotations

from faq.models import Category
from infomigra.runtime import Services
from tests.bot.conftest import (
    JOHN,
    MARIA,
    ChatFactory,
    DispatcherFactory,
    EntryAdder,
    buttons,
    edits,
    make_entry,
    only_sent,
)

MANY = Category(id="muchas-preguntas", names={"es": "Muchas preguntas", "en": "Many questions"})


async def add_many(add_entries: EntryAdder, count: int = 11) -> None:
    await add_entries(*[
        make_entry(f"pregunta-{i:02d}", category=MANY.id,
                   es=f"Pregunta de prueba número {i:02d}", en=f"Test question number {i:02d}")
        for i in range(1, count + 1)], category=MANY)


async def test_topics_then_entries_then_the_answer_and_back_in_english(
        chat: ChatFactory, services: Services) -> None:
    john = chat(JOHN)
    menu = only_sent(await john.send("/topics"))
    assert menu["text"] == "Choose a topic:"
    assert "Documents" in buttons(menu)

    page = edits(await john.tap(menu, "Documents"))[0]  # the menu message turns into the list
    assert page["message_id"] == menu["message_id"]
    assert "<b>Documents</b>" in page["text"] and "Choose a question:" in page["text"]
    passport = services.live.entry("passport-application").translations["en"].question
    assert passport in buttons(page)
    assert buttons(page)[-1] == "⬅ Back to the topics"
    assert "Page" not in page["text"]  # six entries: one page

    answer = edits(await john.tap(page, "Guatemalan passport for the first"))[0]
    assert answer["text"].startswith(
        services.live.entry("passport-application").translations["en"].answer)
    assert buttons(answer)[:2] == ["👍", "👎"] and buttons(answer)[-1] == "⬅ Back"

    back = edits(await john.tap(answer, "⬅ Back"))[0]
    assert "<b>Documents</b>" in back["text"]
    topics = edits(await john.tap(back, "Back to the topics"))[0]
    assert topics["text"] == "Choose a topic:"


async def test_temas_paginates_a_topic_with_more_than_eight_entries(
        chat: ChatFactory, add_entries: EntryAdder) -> None:
    await add_many(add_entries)
    maria = chat(MARIA)
    menu = only_sent(await maria.send("/temas"))
    assert menu["text"] == "Elija un tema:"
    first = edits(await maria.tap(menu, "Muchas preguntas"))[0]
    assert "Página 1 de 2" in first["text"]
    labels = buttons(first)
    assert [x for x in labels if x.startswith("Pregunta")] == [
        f"Pregunta de prueba número {i:02d}" for i in range(1, 9)]
    assert "Siguiente ▶" in labels and "◀ Anterior" not in labels

    second = edits(await maria.tap(first, "Siguiente"))[0]
    assert "Página 2 de 2" in second["text"]
    labels = buttons(second)
    assert [x for x in labels if x.startswith("Pregunta")] == [
        f"Pregunta de prueba número {i:02d}" for i in range(9, 12)]
    assert "◀ Anterior" in labels and "Siguiente ▶" not in labels

    answer = edits(await maria.tap(second, "número 10"))[0]
    assert answer["text"].startswith("Respuesta de prueba para Pregunta de prueba número 10")
    back = edits(await maria.tap(answer, "⬅ Regresar"))[0]
    assert "Página 2 de 2" in back["text"]  # back to the page it came from
    previous = edits(await maria.tap(back, "Anterior"))[0]
    assert "Página 1 de 2" in previous["text"]


async def test_exactly_eight_entries_fit_on_one_page(chat: ChatFactory,
                                                     add_entries: EntryAdder) -> None:
    await add_many(add_entries, count=8)
    maria = chat(MARIA)
    page = edits(await maria.tap(only_sent(await maria.send("/temas")), "Muchas preguntas"))[0]
    assert "Página" not in page["text"]
    assert len([x for x in buttons(page) if x.startswith("Pregunta")]) == 8


async def test_page_size_comes_from_the_config(chat: ChatFactory, add_entries: EntryAdder,
                                               make_dispatcher: DispatcherFactory) -> None:
    await add_many(add_entries, count=5)
    john = chat(JOHN, dispatcher=make_dispatcher(page_size=2))
    page = edits(await john.tap(only_sent(await john.send("/topics")), "Many questions"))[0]
    assert "Page 1 of 3" in page["text"]
