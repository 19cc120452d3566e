"""The indexes the save script keeps (pages by id, filters), the per-entry audit, the trimmed
history, and building all of them for data written before they existed."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis

from faq.loader import Content
from faq.models import Entry, Status
from faq.store import EntryFilter, FaqStore
from tests.conftest import FakeClock


def variant(base: Entry, entry_id: str, **changes: object) -> Entry:
    return base.model_copy(update={"id": entry_id, "related": [], **changes})


@pytest.fixture
def store(redis: Redis, clock: FakeClock) -> FaqStore:
    return FaqStore(redis, clock=clock, history_length=3)


async def test_pages_follow_id_order_and_filters_follow_edits(
        store: FaqStore, content: Content) -> None:
    await store.seed(content.entries, content.categories)
    ids = sorted(e.id for e in content.entries)
    first, total = await store.page(offset=0, limit=5)
    second, _ = await store.page(offset=5, limit=5)
    assert (first + second, total) == (ids[:10], len(ids))

    entry = await store.get(ids[0])
    assert entry is not None
    other = next(c.id for c in content.categories if c.id != entry.category)
    moved = await store.save(entry.model_copy(update={"category": other,
                                                      "status": Status.DRAFT}),
                             expected_version=entry.version, actor="ana")
    in_old, _ = await store.page(EntryFilter(category=entry.category), limit=None)
    in_new, count = await store.page(EntryFilter(category=other), limit=None)
    assert moved.id not in in_old and moved.id in in_new
    assert count == sum(1 for e in await store.list_entries() if e.category == other)
    drafts, _ = await store.page(EntryFilter(status=Status.DRAFT), limit=None)
    published, _ = await store.page(EntryFilter(category=other, status=Status.PUBLISHED),
                                    limit=None)
    assert moved.id in drafts and moved.id not in published
    assert published == sorted(published) and published
    page = await store.page_entries(EntryFilter(category=other), offset=1, limit=2)
    assert [e.id for e in page.entries] == in_new[1:3] and page.total == count
    assert all(e.category == other for e in page.entries)


async def test_language_and_review_date_filters(store: FaqStore, content: Content) -> None:
    base = content.entries[0]
    es_only = {"es": base.translations["es"]}
    await store.save_many([
        (variant(base, "a-old", reviewed_on=date(2026, 1, 10)), 0),
        (variant(base, "b-recent", reviewed_on=date(2026, 11, 1)), 0),
        (variant(base, "c-never", status=Status.DRAFT, reviewed_on=None,
                 translations=es_only), 0),
        (variant(base, "d-old-es", reviewed_on=date(2025, 12, 31), translations=es_only), 0),
    ], actor="ana", action="import")
    due = EntryFilter(reviewed_before=date(2026, 6, 1))
    assert (await store.page(due, limit=None)) == (["a-old", "c-never", "d-old-es"], 3)
    english = EntryFilter(language="en", reviewed_before=date(2026, 6, 1))
    assert (await store.page(english, limit=None)) == (["a-old"], 1)
    page, total = await store.page(due, offset=1, limit=1)
    assert (page, total) == (["c-never"], 3)
    assert (await store.page(EntryFilter(language="es", status=Status.PUBLISHED),
                             limit=None))[0] == ["a-old", "b-recent", "d-old-es"]
    entry = await store.get("a-old")
    assert entry is not None
    await store.save(entry.model_copy(update={"reviewed_on": date(2026, 11, 30)}),
                     expected_version=1, actor="ana")
    assert (await store.page(due, limit=None))[0] == ["c-never", "d-old-es"]


async def test_existing_answers_from_the_id_set(store: FaqStore, content: Content) -> None:
    await store.seed(content.entries[:3], content.categories)
    known = [e.id for e in content.entries[:2]]
    assert await store.existing([*known, "no-such-entry", known[0]]) == set(known)
    assert await store.existing([]) == set()


async def test_history_is_trimmed_and_audit_is_read_per_entry(
        store: FaqStore, content: Content, clock: FakeClock) -> None:
    await store.seed(content.entries[:2], content.categories)
    entry = content.entries[0]
    for n in range(1, 6):
        clock.advance(minutes=1)
        current = await store.get(entry.id)
        assert current is not None
        tags = [f"t{n}"]
        await store.save(current.model_copy(update={"tags": tags}),
                         expected_version=current.version, actor=f"editor{n}")
    await store.note(action="inbox-attach-check", actor="ana", entry=entry.id, version=6)
    await store.note(action="key-create", actor="cli")
    assert [h.version for h in await store.history(entry.id)] == [6, 5, 4]
    assert await store.version(entry.id, 2) is None  # trimmed away
    records = await store.audit(entry_id=entry.id, limit=3)
    assert [(r.action, r.version) for r in records] == [
        ("inbox-attach-check", 6), ("update", 6), ("update", 5)]
    assert [r.actor for r in await store.audit(entry_id=entry.id)][-1] == "system:seed"
    other = await store.audit(entry_id=content.entries[1].id)
    assert [r.action for r in other] == ["seed"]
    assert (await store.audit(limit=1))[0].action == "key-create"


async def test_changed_since_names_what_moved(store: FaqStore, content: Content) -> None:
    await store.seed(content.entries[:3], content.categories)
    rev = await store.revision()
    entry = content.entries[1]
    await store.save(entry.model_copy(update={"tags": ["x"]}), expected_version=1, actor="a")
    assert await store.changed_since(rev) == [entry.id]
    assert await store.changed_since(await store.revision()) == []


async def test_indexes_are_built_for_entries_saved_before_them(
        store: FaqStore, redis: Redis, content: Content, clock: FakeClock) -> None:
    """Data from before the indexes: entries, ids, a long history and only the global audit.
    ``ensure_indexes`` builds the rest once; running it again changes nothing."""
    await store.seed(content.entries[:4], content.categories)
    entry = content.entries[0]
    for n in range(4):
        current = await store.get(entry.id)
        assert current is not None
        await store.save(current.model_copy(update={"tags": [f"v{n}"]}),
                         expected_version=current.version, actor="ana")
    before_audit = await store.audit(entry_id=entry.id)
    index_keys = [k async for k in redis.scan_iter(match="im:{faq}:idx:*")]
    audit_keys = [k async for k in redis.scan_iter(match="im:{faq}:audit:*")]
    await redis.delete(*index_keys, *audit_keys, store.keys.changes)
    for old in (await store.history(entry.id))[:1]:  # an untrimmed history: 6 versions
        await redis.rpush(store.keys.history(entry.id), old.model_dump_json(),
                          old.model_dump_json())
    assert await store.page(limit=None) == ([], 0)

    assert await store.ensure_indexes() is True
    ids = sorted(e.id for e in content.entries[:4])
    assert await store.page(limit=None) == (ids, 4)
    published, _ = await store.page(EntryFilter(status=Status.PUBLISHED), limit=None)
    assert published == [i for i in ids if (await store.get(i)).status is Status.PUBLISHED]  # type: ignore[union-attr]
    assert len(await store.history(entry.id)) == 3
    assert [r.id for r in await store.audit(entry_id=entry.id)] == [r.id for r in before_audit]

    await redis.delete(store.keys.index_version)  # as if a second process started meanwhile
    assert await store.ensure_indexes() is True
    assert [r.id for r in await store.audit(entry_id=entry.id)] == [r.id for r in before_audit]
    assert await store.ensure_indexes() is False
