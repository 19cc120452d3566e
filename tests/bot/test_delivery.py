"""An answer longer than a Telegram message is split at paragraph boundaries, buttons last."""

from __future__ import annotations

from infomigra.runtime import Services
from tests.bot.conftest import MARIA, ChatFactory, EntryAdder, buttons, make_entry, sent

PARAGRAPHS = [f"<b>Paso {i}.</b> " + ("Lleve su documento original y una copia a la oficina. "
                                      * 6).strip() + f" <i>(nota {i})</i>"
              for i in range(1, 12)]


async def test_a_long_answer_arrives_in_parts_under_the_limit(
        chat: ChatFactory, services: Services, add_entries: EntryAdder) -> None:
    answer = "\n\n".join(PARAGRAPHS)
    assert 3900 < len(answer) <= 4000  # the most an answer may be; the footer comes on top
    entry = make_entry("tramite-largo", es="¿Cuáles son todos los pasos del trámite zorblax?",
                       answer_es=answer, sources=4)
    await add_entries(entry)

    messages = sent(await chat(MARIA).send("¿Cuáles son todos los pasos del trámite zorblax?"))
    assert len(messages) >= 2
    assert all(len(m["text"]) < 4096 for m in messages)  # the fake server also checks the HTML
    for paragraph in PARAGRAPHS:  # never cut inside a paragraph or a tag
        assert sum(paragraph in m["text"] for m in messages) == 1
    assert messages[0]["text"].startswith(PARAGRAPHS[0])
    assert "Revisado el 5 de marzo de 2026" in messages[-1]["text"]
    assert "documento-oficial-4" in messages[-1]["text"]
    assert [buttons(m) for m in messages[:-1]] == [[]] * (len(messages) - 1)
    assert buttons(messages[-1])[:2] == ["👍", "👎"]
