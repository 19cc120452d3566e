"""The outgoing message limiter every bot process shares through Redis.

Telegram's published limits (core.telegram.org/bots/faq, "My bot is hitting limits"): about 30
messages a second overall, one a second in a private chat (short bursts are tolerated) and 20 a
minute in a group. Each limit is a GCRA bucket (the "generic cell rate algorithm": one stored
timestamp per bucket, no counters to reset) checked and advanced atomically in one Lua script on
Redis's clock, so replicas on different machines share one budget without clock drift.

The API is one call, ``await limiter.acquire(chat_key, group=...)``: it returns when a message to
that chat may be sent now, having waited for the budget. The alerts broadcast (which sends to
many people) uses the same call, so answers and alerts together stay under the limits.

Chat keys are keyed hashes (``chat_key``): Redis never holds a chat id. When Redis is away the
limiter falls back to the same buckets in this process, so the bot keeps answering.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.metrics import BOT_REDIS_ERRORS, RATE_LIMIT_WAIT
from faq.keys import Keys
from faq.live import REDIS_DOWN

log = logging.getLogger(__name__)
REDIS_RETRY_SECONDS = 5.0
"""While Redis is away, try it again this often (as ``RedisGuard`` does), not on every send."""


@dataclass(frozen=True)
class Bucket:
    """``rate`` messages per ``per_seconds``, with up to ``burst`` sent back to back."""

    rate: int
    per_seconds: float
    burst: int = 1

    @property
    def interval_ms(self) -> float:
        return self.per_seconds * 1000 / self.rate

    @property
    def tolerance_ms(self) -> float:
        return self.interval_ms * (self.burst - 1)


@dataclass(frozen=True)
class Limits:
    # Telegram's FAQ figures. The global burst of 5 lets a 3-part answer and two other replies
    # leave together while the long-run rate stays 30/s; a private chat may take a 3-part answer
    # at once ("short bursts"), then one a second; a group 20 a minute, 3 at once.
    overall: Bucket = Bucket(30, 1.0, 5)
    private: Bucket = Bucket(1, 1.0, 3)
    group: Bucket = Bucket(20, 60.0, 3)
    max_wait_seconds: float = 60.0
    """Longest a message waits for the budget; after that it is sent anyway and a 429, if
    Telegram answers one, is retried by the sender."""


def chat_key(secret: bytes, chat_id: int) -> str:
    """The keyed hash a chat is known by in Redis (the same one votes use)."""
    return hmac.new(secret, f"chat:{chat_id}".encode(), hashlib.sha256).hexdigest()[:16]


# KEYS: overall bucket, chat bucket. ARGV: overall interval ms, overall tolerance ms,
# chat interval ms, chat tolerance ms. Returns 0 (granted, both advanced) or the ms to wait.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local wait = 0
local tats = {}
for i = 1, 2 do
  local interval, tolerance = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  local over = tat - tolerance - now
  if over > wait then wait = over end
  tats[i] = tat + interval
end
if wait > 0 then return math.ceil(wait) end
for i = 1, 2 do
  redis.call('SET', KEYS[i], tostring(tats[i]), 'PX', math.ceil(tats[i] - now) + 1000)
end
return 0
"""


class _LocalBuckets:
    """The same arithmetic in this process, for while Redis is unreachable."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self.monotonic = monotonic
        self.tats: dict[str, float] = {}

    def try_acquire(self, keys: tuple[str, str], buckets: tuple[Bucket, Bucket]) -> float:
        now = self.monotonic() * 1000
        wait = 0.0
        new: list[float] = []
        for key, bucket in zip(keys, buckets, strict=True):
            tat = max(self.tats.get(key, 0.0), now)
            wait = max(wait, tat - bucket.tolerance_ms - now)
            new.append(tat + bucket.interval_ms)
        if wait > 0:
            return wait
        for key, tat in zip(keys, new, strict=True):
            self.tats[key] = tat
        if len(self.tats) > 10_000:  # forget chats whose budget is back to full
            self.tats = {k: v for k, v in self.tats.items() if v > now}
        return 0.0


class RateLimiter:
    def __init__(self, redis: Redis, keys: Keys, limits: Limits | None = None, *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.redis = redis
        self.limits = limits or Limits()
        self.keys = keys  # ``outgoing_budget``: one hash tag, both keys of a call in one slot
        self._script = redis.register_script(_GCRA)
        self._local = _LocalBuckets(monotonic)
        self._redis_down = False
        self._failed_at = 0.0
        self.monotonic = monotonic

    async def acquire(self, chat_key: str, *, group: bool = False) -> float:
        """Wait until one message to ``chat_key`` may be sent; the seconds waited."""
        bucket = self.limits.group if group else self.limits.private
        keys = (self.keys.outgoing_budget("all"),
                self.keys.outgoing_budget(f"{'g' if group else 'p'}:{chat_key}"))
        buckets = (self.limits.overall, bucket)
        started = self.monotonic()
        while True:
            wait_ms = await self._try(keys, buckets)
            waited = self.monotonic() - started
            if wait_ms <= 0:
                break
            if waited + wait_ms / 1000 > self.limits.max_wait_seconds:
                log.warning("rate limiter: a message waited %.1f s; sending it anyway", waited)
                break
            await asyncio.sleep(wait_ms / 1000)
        if waited > 0:
            RATE_LIMIT_WAIT.labels("group" if group else "private").inc(waited)
        return waited

    async def _try(self, keys: tuple[str, str], buckets: tuple[Bucket, Bucket]) -> float:
        if self._redis_down and self.monotonic() - self._failed_at < REDIS_RETRY_SECONDS:
            return self._local.try_acquire(keys, buckets)
        try:
            result = await self._script(keys=list(keys), args=[
                buckets[0].interval_ms, buckets[0].tolerance_ms,
                buckets[1].interval_ms, buckets[1].tolerance_ms])
        except REDIS_DOWN as exc:
            BOT_REDIS_ERRORS.labels(component="rate_limiter").inc()
            self._failed_at = self.monotonic()
            if not self._redis_down:
                self._redis_down = True
                log.warning("rate limiter: Redis unreachable (%s); limiting in this process "
                            "only until it is back", type(exc).__name__)
            return self._local.try_acquire(keys, buckets)
        if self._redis_down:
            self._redis_down = False
            log.info("rate limiter: Redis reachable again; the limits are shared again")
        return float(result)
