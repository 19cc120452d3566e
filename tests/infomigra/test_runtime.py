"""Wiring: settings reach the core objects they configure."""

from __future__ import annotations

from redis.asyncio import Redis

from faq.loader import Content
from faq.matcher import Decision, MatchResult
from infomigra.runtime import build_services
from infomigra.settings import Settings


async def test_the_stored_question_limit_is_the_configured_one(settings: Settings, redis: Redis,
                                                               content: Content) -> None:
    """INFOMIGRA_MAX_STORED_QUESTION_CHARS=2000 keeps a 1,500-character question whole (it
    used to be cut at 1,000 whatever the setting)."""
    generous = settings.model_copy(update={"max_stored_question_chars": 2000})
    services = build_services(generous, redis, content)
    question = "¿dónde " + "x" * 1493
    await services.stats.record_question(MatchResult(question, Decision.NONE, ()), "es", "u1")
    assert [item.text for item in await services.stats.inbox()] == [question]
