"""Question statistics and the inbox of unanswered questions.

Counters are per day (in the service's time zone) so that a report over 30 days reads 30 small
hashes, whatever the number of questions. Nothing here identifies a person: distinct users are
counted in a HyperLogLog over keyed hashes, and inbox texts are redacted before they are stored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from redis.asyncio import Redis

from faq.defaults import MAX_STORED_QUESTION_CHARS, RETENTION_DAYS
from faq.keys import Keys
from faq.matcher import Decision, MatchResult
from faq.privacy import redact
from faq.redis_values import Clock, as_text, utc_now

COUNTERS = ("asked", "answered", "suggested", "unmatched", "delivery_failed", "smalltalk",
            "out_of_scope")
DECISION_COUNTER = {Decision.ANSWER: "answered", Decision.SUGGEST: "suggested",
                    Decision.NONE: "unmatched", Decision.SMALLTALK: "smalltalk",
                    Decision.OUT_OF_SCOPE: "out_of_scope"}
"""Small talk and out-of-scope are counted apart: neither is a question the FAQ failed on, and
neither goes to the inbox (only "unmatched" does)."""
FAILED_COUNTER = "delivery_failed"
FAILED_REASON_PREFIX = "failed:"
"""Day-hash fields ``failed:{reason}``: why replies did not reach people (blocked, network...)."""
SUGGESTION_REJECTED = "suggestion_rejected"

# One script per question: the bot's hot path pays one round trip and one command, not a
# pipeline of nine. Inbox stream ids carry the service clock's time (not the server's) so that
# retention follows one clock; Redis 6.2 (the embedded server) has no "<ms>-*" ids.
# KEYS: day hash, users HLL, entries zset, inbox stream
# ARGV: lang, counter, ttl, user hash, answered entry id or "", failure reason or "", then for
#       the inbox (optional): ms, min_ms, text, candidates, at
_INBOX_ADD = """
  local ms = tonumber(ARGV[first])
  local seq = 0
  local last = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
  if last[1] then
    local lms, lseq = string.match(last[1][1], '(%d+)-(%d+)')
    if tonumber(lms) >= ms then ms = tonumber(lms); seq = tonumber(lseq) + 1 end
  end
  redis.call('XADD', KEYS[4], 'MINID', ARGV[first + 1], string.format('%d-%d', ms, seq),
             'text', ARGV[first + 2], 'lang', lang, 'candidates', ARGV[first + 3],
             'at', ARGV[first + 4])
"""
_RECORD_QUESTION = """
local lang, counter, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
redis.call('HINCRBY', KEYS[1], 'asked', 1)
redis.call('HINCRBY', KEYS[1], 'asked:' .. lang, 1)
redis.call('HINCRBY', KEYS[1], counter, 1)
redis.call('HINCRBY', KEYS[1], counter .. ':' .. lang, 1)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('PFADD', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[2], ttl)
if ARGV[5] ~= '' then
  redis.call('ZINCRBY', KEYS[3], 1, ARGV[5])
  redis.call('EXPIRE', KEYS[3], ttl)
end
if ARGV[6] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'failed:' .. ARGV[6], 1)
end
if #ARGV >= 11 then
  local first = 7
""" + _INBOX_ADD + """
end
return 1
"""
# A "did you mean" the person rejected ("none of these"): counted, and the question goes to the
# inbox like an unanswered one. KEYS: day hash, -, -, inbox. ARGV: lang, ttl, ms, min_ms, text,
# candidates, at.
_RECORD_REJECTED = """
local lang, ttl = ARGV[1], tonumber(ARGV[2])
redis.call('HINCRBY', KEYS[1], 'suggestion_rejected', 1)
redis.call('EXPIRE', KEYS[1], ttl)
local first = 3
""" + _INBOX_ADD + """
return 1
"""

# The counters and distinct users of several days in one round trip, on one server as on a
# cluster (whose pipelines refuse PFCOUNT). KEYS: day hash, users HLL, per day.
_READ_DAYS = """
local out = {}
for i = 1, #KEYS, 2 do
  out[#out + 1] = redis.call('HGETALL', KEYS[i])
  out[#out + 1] = redis.call('PFCOUNT', KEYS[i + 1])
end
return out
"""


@dataclass
class DayTotals:
    day: date | None = None
    asked: int = 0
    answered: int = 0
    suggested: int = 0
    unmatched: int = 0
    smalltalk: int = 0
    out_of_scope: int = 0
    feedback_up: int = 0
    feedback_down: int = 0
    distinct_users: int = 0
    delivery_failed: int = 0
    """Questions whose reply did not reach the person after every retry (not in answered)."""
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    suggestion_rejected: int = 0
    by_language: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def answer_rate(self) -> float:
        return round(self.answered / self.asked, 4) if self.asked else 0.0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "questions": self.asked, "answered": self.answered, "suggested": self.suggested,
            "unmatched": self.unmatched, "smalltalk": self.smalltalk,
            "out_of_scope": self.out_of_scope, "answer_rate": self.answer_rate,
            "distinct_users": self.distinct_users, "feedback_up": self.feedback_up,
            "feedback_down": self.feedback_down, "delivery_failed": self.delivery_failed,
            "failed_by_reason": self.failed_by_reason,
            "suggestion_rejected": self.suggestion_rejected, "by_language": self.by_language,
        }
        if self.day is not None:
            data = {"day": self.day.isoformat(), **data}
        return data


@dataclass(frozen=True)
class EntryStats:
    entry_id: str
    answers: int
    up: int
    down: int

    @property
    def up_rate(self) -> float | None:
        votes = self.up + self.down
        return round(self.up / votes, 4) if votes else None


@dataclass(frozen=True)
class InboxItem:
    id: str
    text: str
    lang: str
    candidates: list[dict[str, Any]]
    at: datetime


def days_between(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


QuestionObserver = Callable[[MatchResult, str], None]


class Stats:
    # Told of every question recorded (result, language), before it is written: the
    # composition root hangs the Prometheus decision counter here; the core imports no metrics.
    on_question: QuestionObserver | None = None

    def __init__(self, redis: Redis, tz: tzinfo, *, keys: Keys | None = None,
                 clock: Clock = utc_now, retention_days: int = RETENTION_DAYS,
                 max_stored_chars: int = MAX_STORED_QUESTION_CHARS) -> None:
        self.redis = redis
        self.tz = tz
        self.keys = keys or Keys()
        self.clock = clock
        self.retention = timedelta(days=retention_days)
        # Longer questions are counted and matched but never stored (pasted documents, spam).
        self.max_stored_chars = max_stored_chars
        self._record = redis.register_script(_RECORD_QUESTION)
        self._read_days = redis.register_script(_READ_DAYS)
        self._rejected = redis.register_script(_RECORD_REJECTED)

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    # -- writing (the bot's hot path: one round trip) ----------------------------------------

    async def record_question(self, result: MatchResult, lang: str, user_hash: str, *,
                              store_text: bool = True, failed: str | None = None) -> None:
        """Count a question once its reply reached the person (``failed``: it did not, and
        why; then it counts as asked and ``delivery_failed``, not as answered)."""
        if self.on_question is not None:
            self.on_question(result, lang)
        day = self.today()
        answered = (result.best.entry_id if result.decision is Decision.ANSWER and result.best
                    and failed is None else "")
        counter = FAILED_COUNTER if failed is not None else DECISION_COUNTER[result.decision]
        args: list[Any] = [lang, counter, self._ttl(), user_hash, answered, failed or ""]
        if (result.decision is Decision.NONE and store_text
                and len(result.query) <= self.max_stored_chars):
            args += self._inbox_args(result.query, [c.as_dict() for c in result.candidates])
        await self._record(keys=[self.keys.stats_day(day), self.keys.stats_users(day),
                                 self.keys.stats_entries(day), self.keys.inbox], args=args)

    async def record_rejected_suggestion(self, question: str, lang: str,
                                         candidates: list[dict[str, Any]]) -> None:
        """The person said "none of these" to a did-you-mean: the question is unanswered."""
        day_key = self.keys.stats_day(self.today())
        await self._rejected(keys=[day_key, day_key, day_key, self.keys.inbox],
                             args=[lang, self._ttl(),
                                   *self._inbox_args(question, candidates)])

    def _ttl(self) -> int:
        return int(self.retention.total_seconds()) + 86400

    def _inbox_args(self, question: str, candidates: list[dict[str, Any]]) -> list[Any]:
        now = self.clock()
        return [int(now.timestamp() * 1000), int((now - self.retention).timestamp() * 1000),
                redact(question[:self.max_stored_chars]), json.dumps(candidates),
                now.isoformat()]

    async def record_feedback(self, entry_id: str, vote: str, previous: str | None) -> None:
        """Count a 👍/👎; a changed vote moves one count, it never adds a second."""
        if vote == previous:
            return
        day_key = self.keys.stats_day(self.today())
        pipe = self.redis.pipeline(transaction=False)
        if previous in {"up", "down"}:
            pipe.hincrby(day_key, f"feedback_{previous}", -1)
            pipe.hincrby(day_key, f"{previous}:{entry_id}", -1)
        pipe.hincrby(day_key, f"feedback_{vote}", 1)
        pipe.hincrby(day_key, f"{vote}:{entry_id}", 1)
        pipe.expire(day_key, int(self.retention.total_seconds()) + 86400)
        await pipe.execute()

    # -- reading ---------------------------------------------------------------------------

    async def daily(self, start: date, end: date) -> list[DayTotals]:
        days = list(days_between(start, end))
        keys = [k for day in days for k in (self.keys.stats_day(day), self.keys.stats_users(day))]
        raw = await self._read_days(keys=keys) if days else []
        return [_totals(day, _pairs(raw[2 * i]), raw[2 * i + 1]) for i, day in enumerate(days)]

    async def summary(self, start: date, end: date) -> DayTotals:
        days = await self.daily(start, end)
        total = DayTotals()
        for day in days:
            for name in (*COUNTERS, "feedback_up", "feedback_down", SUGGESTION_REJECTED):
                setattr(total, name, getattr(total, name) + getattr(day, name))
            for reason, count in day.failed_by_reason.items():
                total.failed_by_reason[reason] = total.failed_by_reason.get(reason, 0) + count
            for lang, counts in day.by_language.items():
                bucket = total.by_language.setdefault(lang, {})
                for k, v in counts.items():
                    bucket[k] = bucket.get(k, 0) + v
        user_keys = [self.keys.stats_users(d) for d in days_between(start, end)]
        total.distinct_users = int(await self.redis.pfcount(*user_keys)) if user_keys else 0
        return total

    async def entries(self, start: date, end: date) -> list[EntryStats]:
        days = list(days_between(start, end))
        pipe = self.redis.pipeline(transaction=False)
        for day in days:
            pipe.zrange(self.keys.stats_entries(day), 0, -1, withscores=True)
            pipe.hgetall(self.keys.stats_day(day))
        raw = await pipe.execute()
        answers: dict[str, int] = defaultdict(int)
        votes: dict[str, dict[str, int]] = defaultdict(lambda: {"up": 0, "down": 0})
        for i in range(len(days)):
            for member, score in raw[2 * i]:
                answers[as_text(member)] += int(score)
            for k, v in raw[2 * i + 1].items():
                key = as_text(k)
                kind, _, entry_id = key.partition(":")
                if kind in {"up", "down"} and entry_id:
                    votes[entry_id][kind] += int(v)
        ids = set(answers) | set(votes)
        ranked = [EntryStats(i, answers.get(i, 0), votes[i]["up"], votes[i]["down"])
                  for i in ids]
        return sorted(ranked, key=lambda e: (-e.answers, e.entry_id))

    async def inbox(self, limit: int = 5000) -> list[InboxItem]:
        await self.trim_inbox()
        rows = await self.redis.xrevrange(self.keys.inbox, count=limit)
        items = []
        for stream_id, fields in rows or []:
            sid = as_text(stream_id)
            f = {as_text(k): as_text(v) for k, v in (fields or {}).items()}
            items.append(InboxItem(sid, f.get("text", ""), f.get("lang", ""),
                                   json.loads(f.get("candidates", "[]")),
                                   datetime.fromisoformat(f["at"]) if "at" in f else self.clock()))
        return items

    async def restore(self, items: list[InboxItem]) -> None:
        """Put questions back in the inbox (an undone dismissal), as new stream entries."""
        if not items:
            return
        pipe = self.redis.pipeline(transaction=True)
        for item in items:
            pipe.xadd(self.keys.inbox, {"text": item.text, "lang": item.lang,
                                        "candidates": json.dumps(item.candidates),
                                        "at": item.at.isoformat()})
        await pipe.execute()

    async def dismiss(self, item_ids: list[str]) -> None:
        if item_ids:
            await self.redis.xdel(self.keys.inbox, *item_ids)

    async def trim_inbox(self) -> int:
        oldest_ms = int((self.clock() - self.retention).timestamp() * 1000)
        return int(await self.redis.xtrim(self.keys.inbox, minid=oldest_ms, approximate=False))


def _pairs(flat: list[Any]) -> dict[Any, Any]:
    """HGETALL's reply inside a script is a flat list: field, value, field, value..."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _totals(day: date, raw: dict[Any, Any], users: int) -> DayTotals:
    fields = {as_text(k): int(v) for k, v in raw.items()}
    totals = DayTotals(day=day, distinct_users=int(users))
    for name in COUNTERS:
        setattr(totals, name, fields.get(name, 0))
    totals.feedback_up = fields.get("feedback_up", 0)
    totals.feedback_down = fields.get("feedback_down", 0)
    totals.suggestion_rejected = fields.get(SUGGESTION_REJECTED, 0)
    totals.failed_by_reason = {k.removeprefix(FAILED_REASON_PREFIX): v for k, v in fields.items()
                               if k.startswith(FAILED_REASON_PREFIX)}
    for key, value in fields.items():
        name, _, lang = key.partition(":")
        if name in COUNTERS and lang:
            totals.by_language.setdefault(lang, {})[name] = value
    return totals
