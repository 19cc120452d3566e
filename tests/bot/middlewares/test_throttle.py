"""Flood control: over the per-minute limit, one polite notice, then silence until it passes."""

from __future__ import annotations

from infomigra.runtime import Services
from tests.bot.conftest import (
    FAMILY,
    JOHN,
    MARIA,
    PASSPORT_EN,
    PASSPORT_ES,
    ChatFactory,
    DispatcherFactory,
    only_sent,
    sent,
)
from tests.conftest import FakeClock


async def test_one_notice_then_silence_until_the_minute_passes(
        chat: ChatFactory, make_dispatcher: DispatcherFactory, clock: FakeClock,
        services: Services) -> None:
    maria = chat(MARIA, dispatcher=make_dispatcher(rate_limit_per_minute=3))
    clock.now = clock.now.replace(second=0)
    for _ in range(3):
        assert len(sent(await maria.send(PASSPORT_ES))) == 1
    notice = only_sent(await maria.send(PASSPORT_ES))
    assert notice["text"].startswith("Está enviando muchos mensajes muy rápido")
    assert await maria.send(PASSPORT_ES) == []
    assert await maria.send("/help") == []
    day = services.stats.today()
    assert (await services.stats.summary(day, day)).asked == 3  # silenced ones are not counted

    clock.advance(seconds=61)
    assert only_sent(await maria.send(PASSPORT_ES))["text"].startswith(
        services.live.entry("passport-application").translations["es"].answer)


async def test_the_limit_is_per_person_and_in_the_person_language(
        chat: ChatFactory, make_dispatcher: DispatcherFactory, clock: FakeClock) -> None:
    dp = make_dispatcher(rate_limit_per_minute=2)
    clock.now = clock.now.replace(second=0)
    maria, john = chat(MARIA, dispatcher=dp), chat(JOHN, dispatcher=dp)
    for _ in range(2):
        await john.send(PASSPORT_EN)
    assert only_sent(await john.send(PASSPORT_EN))["text"].startswith(
        "You are sending many messages very quickly")
    assert len(sent(await maria.send(PASSPORT_ES))) == 1


async def test_group_chatter_does_not_use_up_the_budget(
        chat: ChatFactory, make_dispatcher: DispatcherFactory, clock: FakeClock) -> None:
    dp = make_dispatcher(rate_limit_per_minute=2)
    clock.now = clock.now.replace(second=0)
    in_group = chat(MARIA, FAMILY, dispatcher=dp)
    for _ in range(5):
        assert await in_group.send("hola a todos") == []
    private = chat(MARIA, dispatcher=dp)
    assert len(sent(await private.send(PASSPORT_ES))) == 1
    assert len(sent(await private.send(PASSPORT_ES))) == 1
