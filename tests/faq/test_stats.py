from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from faq.matcher import Candidate, Decision, MatchResult
from faq.stats import Stats
from tests.conftest import FakeClock

GT = ZoneInfo("America/Guatemala")


def result(decision: Decision, query: str = "q",
           entry: str = "h2a-agricultural-visa") -> MatchResult:
    return MatchResult(query, decision, (Candidate(entry, 0.9),))


@pytest.fixture
def stats(redis: Redis, clock: FakeClock) -> Stats:
    return Stats(redis, GT, clock=clock, retention_days=90)


async def test_counters_per_day_language_and_entry(stats: Stats) -> None:
    await stats.record_question(result(Decision.ANSWER), "es", "u1")
    await stats.record_question(result(Decision.ANSWER), "en", "u2")
    await stats.record_question(result(Decision.SUGGEST), "es", "u1")
    await stats.record_question(result(Decision.NONE), "es", "u3")
    day = stats.today()
    total = await stats.summary(day, day)
    assert (total.asked, total.answered, total.suggested, total.unmatched) == (4, 2, 1, 1)
    assert total.distinct_users == 3
    assert total.by_language["es"]["asked"] == 3
    assert total.answer_rate == 0.5
    entries = await stats.entries(day, day)
    assert entries[0].entry_id == "h2a-agricultural-visa" and entries[0].answers == 2


async def test_days_are_cut_in_guatemala_time(stats: Stats, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # 21:00 on the 20th in Guatemala
    await stats.record_question(result(Decision.ANSWER), "es", "u1")
    daily = await stats.daily(datetime(2026, 11, 20).date(), datetime(2026, 11, 21).date())
    assert [d.asked for d in daily] == [1, 0]


async def test_changed_vote_is_not_counted_twice(stats: Stats) -> None:
    await stats.record_feedback("h2a-agricultural-visa", "up", None)
    await stats.record_feedback("h2a-agricultural-visa", "up", "up")
    await stats.record_feedback("h2a-agricultural-visa", "down", "up")
    day = stats.today()
    total = await stats.summary(day, day)
    assert (total.feedback_up, total.feedback_down) == (0, 1)
    [entry] = await stats.entries(day, day)
    assert (entry.up, entry.down) == (0, 1)


async def test_inbox_is_redacted_and_trimmed_after_retention(
        stats: Stats, clock: FakeClock) -> None:
    await stats.record_question(
        result(Decision.NONE, "mi numero es 5555-1234, correo ana@example.com"), "es", "u1")
    [item] = await stats.inbox()
    assert "5555-1234" not in item.text and "ana@example.com" not in item.text
    assert "[telefono]" in item.text and item.lang == "es"
    clock.advance(days=91)
    await stats.record_question(result(Decision.NONE, "otra pregunta"), "es", "u2")
    texts = [i.text for i in await stats.inbox()]
    assert texts == ["otra pregunta"]


async def test_long_questions_can_be_kept_out_of_the_inbox(stats: Stats) -> None:
    await stats.record_question(result(Decision.NONE, "x" * 1200), "es", "u1", store_text=False)
    assert await stats.inbox() == []
    day = stats.today()
    assert (await stats.summary(day, day)).unmatched == 1


async def test_the_stored_length_limit_is_the_configured_one(redis: Redis,
                                                            clock: FakeClock) -> None:
    """A limit above 1,000 keeps such questions whole; one below keeps them out entirely."""
    generous = Stats(redis, GT, clock=clock, max_stored_chars=2000)
    await generous.record_question(result(Decision.NONE, "y" * 1500), "es", "u1")
    assert [len(i.text) for i in await generous.inbox()] == [1500]
    strict = Stats(redis, GT, clock=clock, max_stored_chars=200)
    await strict.record_question(result(Decision.NONE, "z" * 201), "es", "u2")
    await strict.record_question(result(Decision.NONE, "z" * 200), "es", "u3")
    assert [len(i.text) for i in await strict.inbox()] == [200, 1500]  # newest first
    day = strict.today()
    assert (await strict.summary(day, day)).unmatched == 3  # counted even when not stored


async def test_day_keys_expire_after_retention(stats: Stats, redis: Redis) -> None:
    await stats.record_question(result(Decision.ANSWER), "es", "u1")
    ttl = await redis.ttl(stats.keys.stats_day(stats.today()))
    assert timedelta(days=90).total_seconds() < ttl <= timedelta(days=91).total_seconds()
