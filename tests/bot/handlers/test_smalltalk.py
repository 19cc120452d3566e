"""Small talk and out-of-scope subjects through the real bot: a warm line from content and the
topics button; counted apart, never in the inbox."""

from __future__ import annotations

from faq.intents import load_conversation
from infomigra.runtime import Services
from tests.bot.conftest import JOHN, MARIA, ChatFactory, buttons, only_sent


async def totals(services: Services) -> dict[str, int]:
    day = services.stats.today()
    t = await services.stats.summary(day, day)
    return {"asked": t.asked, "unmatched": t.unmatched, "smalltalk": t.smalltalk,
            "out_of_scope": t.out_of_scope}


async def test_a_greeting_gets_a_warm_line_and_the_topics(chat: ChatFactory,
                                                          services: Services) -> None:
    greeting = load_conversation().smalltalk.intent("greeting")
    assert greeting is not None
    message = only_sent(await chat(MARIA).send("¡Hola, buenas tardes!"))
    assert message["text"] == greeting.reply["es"]
    assert buttons(message) == ["📚 Ver los temas"]
    message = only_sent(await chat(JOHN).send("thanks a lot"))
    assert message["text"].startswith("You are very welcome")
    assert await services.stats.inbox() == []
    assert await totals(services) == {"asked": 2, "unmatched": 0, "smalltalk": 2,
                                      "out_of_scope": 0}


async def test_an_out_of_scope_subject_says_who_handles_it(chat: ChatFactory,
                                                           services: Services) -> None:
    message = only_sent(await chat(MARIA).send(
        "necesito renovar mi licencia de manejo que ya se vencio"))
    assert "Tránsito" in message["text"] and "migración" in message["text"]
    assert buttons(message) == ["📚 Ver los temas"]
    assert await services.stats.inbox() == []
    assert (await totals(services))["out_of_scope"] == 1
