"""Buttons that open entries: long entry ids, and entries gone since the button was sent."""

from __future__ import annotations

from infomigra.runtime import Services
from tests.bot.conftest import (
    JOHN,
    MARIA,
    ChatFactory,
    EntryAdder,
    buttons,
    callback_answers,
    inline_results,
    make_entry,
    only_sent,
    sent,
)

LONG_ID = "como-tramitar-la-constancia-de-antecedentes-penales-desde-el-ext"  # 64 characters


async def test_entries_with_64_character_ids_work_in_every_button(
        chat: ChatFactory, add_entries: EntryAdder) -> None:
    assert len(LONG_ID) == 64
    await add_entries(
        make_entry(LONG_ID, es="¿Cómo saco la constancia zorblax de antecedentes?",
                   en="How do I get the zorblax criminal record certificate?",
                   related=("passport-application",)),
        make_entry("zorblax-hub", es="¿Qué trámites zorblax hay?", related=(LONG_ID,)))
    maria = chat(MARIA)
    hub = only_sent(await maria.send("¿Qué trámites zorblax hay?"))
    # The fake Bot API refuses callback data over 64 bytes: these buttons were accepted.
    opened = only_sent(await maria.tap(hub, "constancia zorblax"))
    assert opened["text"].startswith("Respuesta de prueba para ¿Cómo saco la constancia")
    calls = await maria.tap(opened, "👍")
    assert callback_answers(calls)[0]["text"] == "Gracias por su calificación."

    deep = only_sent(await maria.send(f"/start faq_{LONG_ID}"))
    assert deep["text"].startswith("Respuesta de prueba para ¿Cómo saco la constancia")
    results = inline_results(await chat(JOHN).inline("zorblax criminal record certificate"))
    link = results[0]["reply_markup"]["inline_keyboard"][0][0]["url"]
    token = link.split("?start=", 1)[1]
    assert len(token) <= 64  # Telegram's deep-link payload limit
    shared = only_sent(await chat(JOHN).send(f"/start {token}"))
    assert shared["text"].startswith("Test answer for How do I get the zorblax criminal")


async def test_a_button_to_an_archived_entry_says_so(chat: ChatFactory,
                                                     services: Services) -> None:
    maria = chat(MARIA)
    answer = only_sent(await maria.send("/start faq_passport-application"))
    renewal = await services.store.get("passport-renewal-lost")
    await services.store.archive(renewal.id, expected_version=renewal.version, actor="editor")
    await services.live.refresh()
    calls = await maria.tap(answer, "renuevo mi pasaporte")
    assert sent(calls) == []
    [alert] = callback_answers(calls)
    assert alert["text"].startswith("Esta respuesta ya no está disponible.")
    assert alert["show_alert"] is True


async def test_a_long_answer_shared_inline_is_cut_points_to_the_bot_and_keeps_its_sources(
        chat: ChatFactory, add_entries: EntryAdder) -> None:
    paragraph = "Lleve su documento original y una copia a la oficina. " * 7
    await add_entries(make_entry("tramite-zorblax-largo", es="¿Cuáles son los pasos zorblax?",
                                 answer_es="\n\n".join([paragraph.strip()] * 10), sources=5))
    calls = await chat(MARIA).inline("pasos zorblax")
    [result] = [r for r in inline_results(calls) if r["id"] == "tramite-zorblax-largo"]
    text = result["input_message_content"]["message_text"]
    assert len(text) < 4096
    head, sources = text.split("<i>La respuesta completa sigue en el bot.</i>")
    assert head.startswith(paragraph.strip()[:60])
    # Shared in a family group, the official sources travel with the answer.
    assert "<b>Fuentes:</b>" in sources
    assert all(f"documento-oficial-{i}" in sources for i in range(1, 6))
    assert sources.endswith("<i>Revisado el 5 de marzo de 2026</i>")
    assert buttons(result) == ["Abrir en InfoMigra"]
