"""Redis as a helper, not a dependency, on the bot's hot path.

Answers come from the in-memory matcher snapshot; statistics, preferences, votes and flood
control live in Redis. When Redis goes away the bot keeps answering without them, logs the outage
once (not once per message), and only retries every few seconds so each message is not delayed by
a connection attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.metrics import BOT_REDIS_ERRORS
from faq.live import REDIS_DOWN

log = logging.getLogger(__name__)
T = TypeVar("T")


class RedisGuard:
    def __init__(self, retry_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.retry_seconds = retry_seconds
        self.monotonic = monotonic
        self.down = False
        self._failed_at = 0.0

    async def run(self, operation: Callable[[], Awaitable[T]], fallback: T) -> T:
        """``operation()``, or ``fallback`` when Redis is unreachable (or was a moment ago)."""
        if self.down and self.monotonic() - self._failed_at < self.retry_seconds:
            return fallback
        try:
            result = await operation()
        except REDIS_DOWN as exc:
            BOT_REDIS_ERRORS.labels(component="guard").inc()
            self._failed_at = self.monotonic()
            if not self.down:
                self.down = True
                log.error("Redis unreachable (%s): answering from the FAQ snapshot without "
                          "statistics, preferences, votes or flood control until it is back",
                          type(exc).__name__)
            return fallback
        if self.down:
            self.down = False
            log.warning("Redis is reachable again: statistics and preferences resume")
        return result
