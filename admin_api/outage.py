"""Redis outages as episodes: one log line when the API loses Redis, one when it is back.

During an outage every request that needs Redis is refused with a 503; logging each of them
would bury the one line that matters under hundreds a second. The first refusal opens an episode
(logged as an error) and starts a probe that pings Redis until it answers; then one line says the
outage is over, how long it lasted and how many requests were refused meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisOutage:
    def __init__(self, redis: Redis, *, probe_seconds: float = 1.0,
                 ping_timeout: float = 2.0) -> None:
        self.redis = redis
        self.probe_seconds = probe_seconds
        self.ping_timeout = ping_timeout
        self.refused = 0
        self._since: float | None = None
        self._probe: asyncio.Task[None] | None = None

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, exc: BaseException, where: str) -> None:
        """A request was refused because Redis did not answer."""
        self.refused += 1
        if self._since is not None:
            return
        self._since = time.monotonic()
        log.error("Redis unreachable (%s, first on %s); the admin API answers 503 to whatever "
                  "needs it until it is back", type(exc).__name__, where)
        self._probe = asyncio.get_running_loop().create_task(self._wait_for_redis(),
                                                             name="redis-outage-probe")

    async def _wait_for_redis(self) -> None:
        while True:
            await asyncio.sleep(self.probe_seconds)
            try:
                async with asyncio.timeout(self.ping_timeout):
                    await self.redis.ping()
            except (*REDIS_DOWN, TimeoutError):
                continue
            since = self._since or time.monotonic()
            log.warning("Redis reachable again after %.1f s; %d request(s) were refused "
                        "meanwhile", time.monotonic() - since, self.refused)
            self._since = None
            self.refused = 0
            return

    async def close(self) -> None:
        if self._probe is not None and not self._probe.done():
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        self._probe = None
