"""Shared fixtures: one real embedded Redis server for the whole run, a clean database per test.

No fakes for anything the project owns: the store, stats and matcher run on a real redis-server
(the same binary ``make run`` uses).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from faq.loader import Content, load_content
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import Services, build_services, redis_client
from infomigra.settings import Settings

TEST_HASH_SECRET = "test-hash-secret-not-for-production"


class FakeClock:
    """A clock tests can move: retention and day boundaries without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    # A short path: unix socket paths are limited to ~100 characters.
    with tempfile.TemporaryDirectory(prefix="im-redis-") as tmp, EmbeddedRedis(Path(tmp)) as srv:
        yield srv


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture
async def redis(redis_server: EmbeddedRedis) -> AsyncIterator[Redis]:
    client = redis_client(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, redis_server: EmbeddedRedis) -> Settings:
    return Settings(data_dir=tmp_path / "var", redis_url=redis_server.url,
                    user_hash_secret=TEST_HASH_SECRET, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def services(settings: Settings, redis: Redis, content: Content,
                   clock: FakeClock) -> Services:
    """The real core, seeded with the shipped content, on a clean database."""
    svc = build_services(settings, redis, content, clock=clock)
    await svc.store.seed(content.entries, content.categories)
    await svc.live.refresh()
    return svc


TEST_CHAT_KEY = "0Yt0W2m1o9Uq5lGkXw7vJbq3S3H4c8m6yR2pQ1aZx0E="
"""A Fernet key for tests only (chat ids are encrypted with it)."""


@pytest.fixture
def people_settings(tmp_path: Path, redis_server: EmbeddedRedis) -> Settings:
    """Settings with talking to a person and alerts on (a module overrides ``settings`` with
    this to get them in ``services`` and in the API)."""
    return Settings(data_dir=tmp_path / "var", redis_url=redis_server.url,
                    user_hash_secret=TEST_HASH_SECRET, helpdesk_enabled=True,
                    alerts_enabled=True, chat_key=TEST_CHAT_KEY,
                    _env_file=None)  # type: ignore[call-arg]
