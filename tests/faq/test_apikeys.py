"""faq/apikeys.py on the real Redis: keys kept only as digests, lookup, revoke, lockout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from faq.apikeys import (
    ApiKey,
    ApiKeyRegistry,
    AuthThrottle,
    KeyLookupError,
    Role,
    digest_of,
    failure_subjects,
)


async def test_create_authenticate_list_revoke(redis: Redis) -> None:
    registry = ApiKeyRegistry(redis)
    secret, info = await registry.create(Role.MANAGER, "  Luis   (reports) ")
    assert info.name == "Luis (reports)" and info.id == digest_of(secret)[:12]
    assert await redis.exists(f"im:keys:{digest_of(secret)}")
    found = await registry.authenticate(secret)
    assert found is not None and found.role is Role.MANAGER
    assert (await registry.list())[0].last_used_at is not None  # recorded for `keys list`
    assert await registry.authenticate(secret + "x") is None
    assert await registry.authenticate("") is None
    assert [k.id for k in await registry.list()] == [info.id]
    with pytest.raises(KeyLookupError):
        await registry.revoke(info.id[:3])  # too short to be safe
    assert (await registry.revoke(info.id[:5])).id == info.id
    assert await registry.authenticate(secret) is None
    assert await registry.list() == []


def test_roles() -> None:
    now = datetime.now(UTC)
    editor = ApiKey("a" * 12, "e", Role.EDITOR, now, "cli")
    admin = ApiKey("b" * 12, "a", Role.ADMIN, now, "cli")
    assert editor.allows(Role.EDITOR) and not editor.allows(Role.MANAGER)
    assert admin.allows(Role.MANAGER) and admin.allows()


async def test_throttle_locks_out_after_the_limit(redis: Redis) -> None:
    throttle = AuthThrottle(redis, max_failures=2, window_seconds=30)
    assert await throttle.retry_after("10.0.0.1") is None
    await throttle.failed("10.0.0.1")
    assert await throttle.retry_after("10.0.0.1") is None
    await throttle.failed("10.0.0.1")
    wait = await throttle.retry_after("10.0.0.1")
    assert wait is not None and 1 <= wait <= 30
    assert await throttle.retry_after("10.0.0.2") is None


def test_failures_count_against_the_address_and_a_hash_of_the_key_start() -> None:
    key = "imk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"
    address, prefix = failure_subjects("203.0.113.7", key)
    assert address == "addr:203.0.113.7"
    assert prefix.startswith("key:") and "AbCd" not in prefix
    # Guesses that share the start of a key share its counter; others do not.
    assert failure_subjects("198.51.100.1", key[:12] + "zzzz")[1] == prefix
    assert failure_subjects("203.0.113.7", "imk_ZZZZZZZZ" + key[12:])[1] != prefix


async def test_the_longest_lockout_of_several_subjects_is_reported(redis: Redis) -> None:
    throttle = AuthThrottle(redis, max_failures=1, window_seconds=30)
    await throttle.failed("addr:a")
    assert await throttle.retry_after("addr:b", "key:x") is None
    wait = await throttle.retry_after("addr:b", "addr:a")
    assert wait is not None and 1 <= wait <= 30
