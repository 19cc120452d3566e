"""Making a deletion reach the disk: after /forget, Redis rewrites its append-only file.

Deleting keys appends a DEL to the append-only file; the older writes holding the forgotten
person's keyed hash stay in it until the file is rewritten. BGREWRITEAOF writes the current data
into a fresh file in the background (a fork; well under a second for this service's data) and
then replaces the old file, so the window is the rewrite's duration. A rewrite that was already
running when the keys were deleted does not count (it copies the deletion after the data), so
the request waits for it and asks again; requests arriving meanwhile share the next rewrite.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Redis 6.2 refuses BGREWRITEAOF while one runs; asking again twice a second costs nothing.
RETRY_SECONDS = 0.5
# A rewrite of this service's data takes well under a second; after this long something is
# wrong with the server and the deletion's trace waits for Redis's own automatic rewrite.
GIVE_UP_SECONDS = 300.0


class AppendOnlyRewriter:
    """Asks one Redis for rewrites in the background: ``request()`` never waits."""

    def __init__(self, redis: Redis, *, retry_seconds: float = RETRY_SECONDS) -> None:
        self.redis = redis
        self.retry_seconds = retry_seconds
        self._wanted = False
        self._task: asyncio.Task[None] | None = None

    def request(self) -> None:
        """A rewrite that starts after this call (call it once the keys are deleted)."""
        self._wanted = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(),
                                                                name="aof-rewrite")

    async def wait(self) -> None:
        """Until every requested rewrite has been accepted by Redis (tests, shutdown)."""
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while self._wanted:
            await self._rewrite_once()

    async def _rewrite_once(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GIVE_UP_SECONDS
        while True:
            self._wanted = False  # this attempt covers every deletion before it
            try:
                await self.redis.bgrewriteaof()
                return
            except RedisError as exc:
                if "in progress" in str(exc) and loop.time() < deadline:
                    await asyncio.sleep(self.retry_seconds)
                    continue
                # A managed Redis may disable the command: the keys are deleted all the same,
                # only the file keeps them until the server's own rewrite.
                log.warning("Redis refused BGREWRITEAOF after a deletion (%s): its append-only "
                            "file keeps the deleted keys until its next rewrite", exc)
                return
