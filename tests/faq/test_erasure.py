"""After a deletion the append-only file is rewritten: the deleted keys leave the disk too."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from faq.erasure import AppendOnlyRewriter
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import redis_client

HASH = "5f3c9a0d1e7b42c8a6f0e9d8c7b6a5f4"


@pytest.fixture
async def own_redis() -> AsyncIterator[tuple[Redis, Path]]:
    """A server of its own: the test reads its append-only file."""
    with tempfile.TemporaryDirectory(prefix="im-aof-") as tmp:
        server = EmbeddedRedis(Path(tmp))
        client = redis_client(server.start())
        try:
            yield client, server.redis_dir / "appendonly.aof"
        finally:
            await client.aclose()
            server.stop()


async def rewritten(redis: Redis) -> None:
    for _ in range(200):
        info = await redis.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the rewrite did not finish")


async def test_a_deleted_key_leaves_the_append_only_file(own_redis: tuple[Redis, Path]) -> None:
    redis, aof = own_redis
    await redis.hset(f"im:user:{HASH}", "lang", "en")
    await redis.set("im:other", "stays")
    await asyncio.sleep(0.1)
    assert HASH.encode() in aof.read_bytes()
    await redis.delete(f"im:user:{HASH}")
    assert HASH.encode() in aof.read_bytes()  # a DEL alone leaves the old write in the file
    rewriter = AppendOnlyRewriter(redis)
    rewriter.request()
    await rewriter.wait()
    await rewritten(redis)
    content = aof.read_bytes()
    assert HASH.encode() not in content and b"stays" in content


async def test_a_rewrite_already_running_is_followed_by_a_new_one(
        own_redis: tuple[Redis, Path]) -> None:
    """A rewrite that began before the deletion copies the old data: it does not count."""
    redis, aof = own_redis
    await redis.hset(f"im:user:{HASH}", "lang", "en")
    await redis.bgrewriteaof()  # e.g. Redis's own automatic rewrite, started just before
    await redis.delete(f"im:user:{HASH}")
    rewriter = AppendOnlyRewriter(redis, retry_seconds=0.02)
    rewriter.request()
    rewriter.request()  # a burst shares the rewrite
    await rewriter.wait()
    await rewritten(redis)
    assert HASH.encode() not in aof.read_bytes()
