"""Process metrics that belong to no single front door: what the matcher decides for people's
questions, and which FAQ revision (and how many entries) it answers from.

All metrics live on prometheus_client's default registry, which the admin API serves at
``/metrics`` (the bot's Telegram send counters, in ``bot/metrics.py``, join them there when bot
and API share a process, as ``infomigra serve`` does).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from faq.live import LiveMatcher
from faq.matcher import MatchResult
from faq.stats import Stats

MATCH_DECISIONS = Counter(
    "infomigra_match_decisions_total",
    "Questions people asked, by what the matcher decided (answer, suggest, none)",
    ["decision", "lang"])
MATCHER_REVISION = Gauge("infomigra_matcher_revision",
                         "FAQ revision the live matcher of this process answers from")
MATCHER_REDIS_REACHABLE = Gauge(
    "infomigra_matcher_redis_reachable",
    "1 while this process's live matcher follows Redis; 0 while it answers from its last "
    "snapshot because Redis is unreachable")
SEMANTIC_READY = Gauge(
    "infomigra_semantic_ready",
    "1 when this process answers with the semantic stage; 0 while lexical-only (model off or "
    "not loadable, or the phrasing vectors still being embedded at start)")
MATCHER_ENTRIES = Gauge("infomigra_matcher_entries",
                        "Published entries in the live matcher of this process")


def count_decision(result: MatchResult, lang: str) -> None:
    MATCH_DECISIONS.labels(decision=result.decision.value, lang=lang).inc()


def instrument(stats: Stats, live: LiveMatcher) -> None:
    """Count ``stats``' questions and report ``live``'s snapshot (the last one wired wins: one
    process has one live matcher)."""
    stats.on_question = count_decision
    MATCHER_REVISION.set_function(lambda: live.matcher.revision)
    MATCHER_ENTRIES.set_function(lambda: len(live.matcher))
    SEMANTIC_READY.set_function(lambda: 1.0 if live.hybrid.semantic_ready else 0.0)
    MATCHER_REDIS_REACHABLE.set_function(lambda: 1.0 if live.redis_reachable else 0.0)
