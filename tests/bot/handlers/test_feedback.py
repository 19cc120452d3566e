"""👍/👎: one vote per person per answered message; a second tap changes it, never adds one."""

from __future__ import annotations

from infomigra.runtime import Services
from tests.bot.conftest import (
    JOHN,
    MARIA,
    PASSPORT_EN,
    PASSPORT_ES,
    ChatFactory,
    buttons,
    callback_answers,
    edits,
    only_sent,
    sent,
)


async def votes(services: Services, entry_id: str) -> tuple[int, int, int, int]:
    day = services.stats.today()
    total = await services.stats.summary(day, day)
    per_entry = {e.entry_id: e for e in await services.stats.entries(day, day)}[entry_id]
    return total.feedback_up, total.feedback_down, per_entry.up, per_entry.down


async def test_vote_once_change_it_and_never_count_twice(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    answer = only_sent(await maria.send(PASSPORT_ES))

    calls = await maria.tap(answer, "👍")
    assert callback_answers(calls)[0]["text"] == "Gracias por su calificación."
    assert buttons(edits(calls)[0])[:2] == ["👍 ✓", "👎"]  # the person sees their vote
    assert sent(calls) == []
    assert await votes(services, "passport-application") == (1, 0, 1, 0)

    calls = await maria.tap(answer, "👍")
    assert callback_answers(calls)[0]["text"] == "Usted ya calificó esta respuesta."
    assert await votes(services, "passport-application") == (1, 0, 1, 0)

    calls = await maria.tap(answer, "👎")
    assert callback_answers(calls)[0]["text"] == "Listo, cambié su calificación."
    assert buttons(edits(calls)[0])[:2] == ["👍", "👎 ✓"]
    assert await votes(services, "passport-application") == (0, 1, 0, 1)


async def test_a_thumbs_down_offers_related_entries_and_a_person(
        chat: ChatFactory, services: Services) -> None:
    john = chat(JOHN)
    answer = only_sent(await john.send(PASSPORT_EN))
    offer = only_sent(await john.tap(answer, "👎"))
    assert "I am sorry this answer did not help" in offer["text"]
    entry = services.live.entry("passport-application")
    related = [services.live.entry(i).translations["en"].question for i in entry.related]
    labels = buttons(offer)
    assert labels[-1] == "🙋 Talk to a person"
    assert len(labels) == len(related) + 1
    assert all(label.rstrip("…") in question for label, question in zip(labels, related,
                                                                          strict=False))
    person = only_sent(await john.tap(offer, "Talk to a person"))
    assert person["text"].startswith(
        services.live.entry("talk-to-person").translations["en"].answer)


async def test_votes_are_per_answered_message_and_per_person(
        chat: ChatFactory, services: Services) -> None:
    maria, john = chat(MARIA), chat(JOHN)
    first = only_sent(await maria.send(PASSPORT_ES))
    second = only_sent(await maria.send(PASSPORT_ES))
    other = only_sent(await john.send(PASSPORT_EN))
    await maria.tap(first, "👍")
    await maria.tap(second, "👍")
    await john.tap(other, "👍")
    assert await votes(services, "passport-application") == (3, 0, 3, 0)


async def test_the_previous_vote_is_kept_for_the_retention_period(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    await maria.tap(only_sent(await maria.send(PASSPORT_ES)), "👍")
    keys = [k async for k in services.redis.scan_iter(match="im:user:*:votes")]
    assert len(keys) == 1
    ttl = await services.redis.ttl(keys[0])
    assert 89 * 86400 < ttl <= 90 * 86400
