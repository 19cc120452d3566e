"""Inline mode: official answers to share into any chat, at most five."""

from __future__ import annotations

from infomigra.runtime import Services
from tests.bot.conftest import JOHN, MARIA, ChatFactory, inline_results


async def test_inline_query_returns_up_to_five_sourced_articles(
        chat: ChatFactory, services: Services) -> None:
    results = inline_results(await chat(MARIA).inline("visa de trabajo en estados unidos"))
    assert 1 <= len(results) <= 5
    assert len({r["id"] for r in results}) == len(results)
    first = results[0]
    entry = services.live.entry(first["id"])
    assert first["title"] == entry.translations["es"].question
    body = first["input_message_content"]["message_text"]
    assert body.startswith(entry.translations["es"].answer)
    assert "Fuentes:" in body and "Revisado el" in body
    [[button]] = first["reply_markup"]["inline_keyboard"]
    assert button["url"] == f"https://t.me/InfoMigraTestBot?start=faq_{entry.id}"
    assert button["text"] == "Abrir en InfoMigra"


async def test_inline_query_in_english(chat: ChatFactory) -> None:
    results = inline_results(await chat(JOHN).inline("h2a visa for farm work"))
    assert results[0]["id"] == "h2a-agricultural-visa"
    assert "Reviewed on" in results[0]["input_message_content"]["message_text"]


async def test_more_than_three_candidates_can_be_offered(chat: ChatFactory) -> None:
    # The matcher suggests three at most; inline mode asks it for five.
    results = inline_results(await chat(MARIA).inline("pasaporte"))
    assert len(results) > 3


async def test_short_or_off_topic_queries_offer_nothing(chat: ChatFactory) -> None:
    assert inline_results(await chat(MARIA).inline("pa")) == []
    assert inline_results(await chat(MARIA).inline("receta de pepián")) == []
