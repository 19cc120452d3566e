"""FaqStore.save_many (all or nothing) and FaqStore.note (audit without an entry change)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from faq.loader import Content
from faq.store import FaqStore, VersionConflict
from tests.conftest import FakeClock


async def test_save_many_checks_every_version_before_writing(
        redis: Redis, content: Content, clock: FakeClock) -> None:
    store = FaqStore(redis, clock=clock)
    await store.seed(content.entries, content.categories)
    a, b = content.entries[0], content.entries[1]
    rev = await store.revision()
    with pytest.raises(VersionConflict) as info:
        await store.save_many([(a, 1), (b, 7)], actor="import", action="import")
    assert info.value.entry_id == b.id
    assert await store.revision() == rev
    assert (await store.get(a.id)).version == 1  # type: ignore[union-attr]

    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(store.keys.changed_channel)
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        saved = await store.save_many([(a, 1), (b, 1)], actor="import", action="import",
                                      details=["update", "update"])
        notice = await pubsub.get_message(timeout=2)
    assert [s.version for s in saved] == [2, 2]
    assert await store.revision() == rev + 2
    assert notice is not None and notice["data"] == str(rev + 2)  # one notice for the batch
    assert [h.version for h in await store.history(a.id)] == [2, 1]
    assert [r.action for r in await store.audit(limit=2)] == ["import", "import"]


async def test_note_goes_to_the_audit_stream(redis: Redis, clock: FakeClock) -> None:
    store = FaqStore(redis, clock=clock)
    await store.note(action="inbox-dismiss", actor="ana", detail="3 questions")
    [record] = await store.audit()
    assert (record.action, record.actor, record.entry, record.detail) == (
        "inbox-dismiss", "ana", "", "3 questions")
