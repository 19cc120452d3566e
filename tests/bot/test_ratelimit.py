"""The outgoing limiter on the real Redis: Telegram's limits shared by every bot process.

Buckets are scaled down (same shape, shorter periods) so the timings show in tenths of a second.
"""

from __future__ import annotations

import asyncio
import itertools
import time

from redis.asyncio import Redis

from bot.ratelimit import Bucket, Limits, RateLimiter, chat_key
from infomigra.runtime import Services
from tests.bot.conftest import MARIA
from tests.conftest import TEST_HASH_SECRET

# Private chat: 3 at once, then one per 0.2 s; a group: 2 at once, then one per 0.5 s.
SMALL = Limits(overall=Bucket(100, 1.0, 50), private=Bucket(1, 0.2, 3),
               group=Bucket(2, 1.0, 2), max_wait_seconds=5.0)


async def send_times(limiter: RateLimiter, key: str, n: int, *, group: bool = False
                     ) -> list[float]:
    start = time.monotonic()
    times = []
    for _ in range(n):
        await limiter.acquire(key, group=group)
        times.append(time.monotonic() - start)
    return times


async def test_a_private_chat_gets_a_short_burst_then_one_per_interval(
        services: Services) -> None:
    limiter = RateLimiter(services.redis, services.keys, SMALL)
    times = await send_times(limiter, "chat-a", 6)
    assert times[2] < 0.1  # the burst: a three-part answer leaves at once
    gaps = [b - a for a, b in itertools.pairwise(times[2:])]
    assert all(0.15 <= g <= 0.4 for g in gaps), gaps
    # Another chat is not slowed down by the first one.
    assert (await send_times(limiter, "chat-b", 3))[-1] < 0.1


async def test_groups_have_their_own_slower_budget(services: Services) -> None:
    limiter = RateLimiter(services.redis, services.keys, SMALL)
    times = await send_times(limiter, "family", 3, group=True)
    assert times[1] < 0.1 and times[2] >= 0.4


async def test_two_processes_share_one_budget_through_redis(services: Services,
                                                            redis: Redis) -> None:
    """Two limiters (two bot replicas) sending to one chat are together held to its rate."""
    first = RateLimiter(services.redis, services.keys, SMALL)
    second = RateLimiter(redis, services.keys, SMALL)
    start = time.monotonic()
    await asyncio.gather(send_times(first, "shared", 3), send_times(second, "shared", 3))
    # 6 messages: 3 in the burst, then 3 more at 0.2 s each.
    assert time.monotonic() - start >= 0.5


async def test_the_overall_limit_holds_across_chats(services: Services) -> None:
    tight = Limits(overall=Bucket(10, 1.0, 1), private=Bucket(1, 1.0, 3))
    limiter = RateLimiter(services.redis, services.keys, tight)
    start = time.monotonic()
    for i in range(5):  # five different people: only the overall 10/s applies
        await limiter.acquire(f"person-{i}")
    assert time.monotonic() - start >= 0.35


async def test_redis_holds_only_hashed_chat_keys(services: Services) -> None:
    limiter = RateLimiter(services.redis, services.keys, SMALL)
    await limiter.acquire(chat_key(TEST_HASH_SECRET.encode(), MARIA.id))
    keys = [k async for k in services.redis.scan_iter(match="im:{tg-out}:*")]
    assert keys and not [k for k in keys if str(MARIA.id) in k]


async def test_without_redis_the_limits_hold_in_the_process(services: Services) -> None:
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    limiter = RateLimiter(down, services.keys, SMALL)
    try:
        times = await send_times(limiter, "chat-a", 4)
    finally:
        await down.aclose()
    assert times[2] < 0.5 and times[3] - times[2] >= 0.15
