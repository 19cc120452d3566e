"""A database written with the untagged key names (layout 1) keeps working after the upgrade."""

from __future__ import annotations

import re
from datetime import UTC

from redis.asyncio import Redis

from faq.apikeys import ApiKeyRegistry
from faq.keys import LAYOUT_VERSION, Keys
from faq.loader import Content
from faq.matcher import Candidate, Decision, MatchResult
from faq.migrate import migrate_layout
from faq.stats import Stats
from faq.store import FaqStore
from tests.conftest import FakeClock

LAYOUT_1_ONLY_NEW = re.compile(r"^im:\{faq\}:(idx:.*|audit:.*|changes)$")


def layout_1_name(key: str) -> str:
    """The name a key had before hash tags (what the previous release wrote)."""
    for new, old in (("im:{faq}:audit", "im:audit"), ("im:{faq}:", "im:faq:"),
                     ("im:{stats}:inbox", "im:inbox"), ("im:{stats}:", "im:stats:"),
                     ("im:{keys}", "im:keys")):
        if key.startswith(new):
            return old + key[len(new):]
    return re.sub(r"^im:user:\{([^}]*)\}", r"im:user:\1", key)


async def write_layout_1(redis: Redis, store: FaqStore, stats: Stats,
                         content: Content) -> str:
    """A small deployment as the previous release left it; returns an API key."""
    await store.seed(content.entries, content.categories)
    await stats.record_question(MatchResult("receta de pepián", Decision.NONE, ()), "es", "u1")
    await stats.record_question(MatchResult("pasaporte", Decision.ANSWER,
                                            (Candidate(content.entries[0].id, 0.9),)), "es", "u2")
    await redis.hset(store.keys.user("abc123"), "lang", "en")
    await redis.expire(store.keys.user("abc123"), 3600)
    secret, _ = await ApiKeyRegistry(redis, store.keys).create("editor", "ana")
    for key in [k async for k in redis.scan_iter(match="im:*")]:
        if LAYOUT_1_ONLY_NEW.match(key):
            await redis.delete(key)
        else:
            await redis.rename(key, layout_1_name(key))
    await redis.delete("im:layout")
    return secret


async def test_layout_1_database_is_moved_and_keeps_working(
        redis: Redis, content: Content, clock: FakeClock) -> None:
    keys = Keys()
    store = FaqStore(redis, keys, clock=clock)
    stats = Stats(redis, UTC, keys=keys, clock=clock)
    secret = await write_layout_1(redis, store, stats, content)
    assert await store.list_entries() == [] and await redis.exists("im:faq:ids")

    report = await migrate_layout(redis, keys)
    assert report.moved > len(content.entries) and report.conflicts == []
    assert [k async for k in redis.scan_iter(match="im:*") if keys.legacy_name(k)] == []
    assert await redis.get(keys.layout) == str(LAYOUT_VERSION)
    await store.ensure_indexes()

    assert len(await store.list_entries()) == len(content.entries)
    assert (await store.page(limit=5))[1] == len(content.entries)
    entry = content.entries[0]
    assert [r.action for r in await store.audit(entry_id=entry.id)] == ["seed"]
    today = stats.today()
    summary = await stats.summary(today, today)
    assert (summary.asked, summary.answered, summary.unmatched, summary.distinct_users) == (
        2, 1, 1, 2)
    assert [i.text for i in await stats.inbox()] == ["receta de pepián"]
    assert await redis.hgetall(keys.user("abc123")) == {"lang": "en"}
    assert 0 < await redis.ttl(keys.user("abc123")) <= 3600
    assert await ApiKeyRegistry(redis, keys).authenticate(secret) is not None

    again = await migrate_layout(redis, keys)
    assert again.skipped and again.moved == 0


async def test_a_key_under_both_names_is_left_alone(redis: Redis) -> None:
    keys = Keys()
    await redis.set("im:faq:rev", "7")
    await redis.set(keys.rev, "9")
    await redis.set("im:faq:entry:x", "{}")
    report = await migrate_layout(redis, keys)
    assert report.conflicts == ["im:faq:rev"] and report.moved == 1
    assert (await redis.get(keys.rev), await redis.get("im:faq:rev")) == ("9", "7")
    assert await redis.get(keys.entry("x")) == "{}"


def test_only_layout_1_names_are_renamed() -> None:
    keys = Keys("im:")
    assert keys.legacy_name("im:faq:entry:a-b") == "im:{faq}:entry:a-b"
    assert keys.legacy_name("im:audit") == "im:{faq}:audit"
    assert keys.legacy_name("im:stats:2026-12-01:users") == "im:{stats}:2026-12-01:users"
    assert keys.legacy_name("im:inbox") == "im:{stats}:inbox"
    assert keys.legacy_name("im:keys") == "im:{keys}"
    assert keys.legacy_name("im:keys:ab12") == "im:{keys}:ab12"
    assert keys.legacy_name("im:user:ff00:votes") == "im:user:{ff00}:votes"
    assert keys.legacy_name("im:authfail:addr:1.2.3.4") == "im:{authfail}:addr:1.2.3.4"
    for current in ("im:{faq}:ids", "im:user:{ff00}", "im:{authfail}:key:ab", "im:layout",
                    "other:faq:ids", "im:conv:1"):
        assert keys.legacy_name(current) is None
