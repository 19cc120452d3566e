from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from faq.loader import Content
from faq.models import Entry
from faq.store import SEED_ACTOR, EntryNotFound, FaqStore, VersionConflict
from tests.conftest import FakeClock


def edited(entry: Entry, answer: str) -> Entry:
    lang, tr = entry.translation("es")
    translations = dict(entry.translations)
    translations[lang] = tr.model_copy(update={"answer": answer})
    return entry.model_copy(update={"translations": translations})


@pytest.fixture
def store(redis: Redis, clock: FakeClock) -> FaqStore:
    return FaqStore(redis, clock=clock)


async def test_seed_adds_every_shipped_entry(store: FaqStore, content: Content) -> None:
    report = await store.seed(content.entries, content.categories)
    assert sorted(report.added) == sorted(e.id for e in content.entries)
    assert len(await store.list_entries()) == len(content.entries)
    assert {c.id for c in await store.categories()} == {c.id for c in content.categories}
    again = await store.seed(content.entries, content.categories)
    assert again.added == [] and again.updated == []


async def test_save_bumps_version_history_audit_and_revision(
        store: FaqStore, content: Content) -> None:
    await store.seed(content.entries, content.categories)
    entry = await store.get(content.entries[0].id)
    assert entry is not None and entry.version == 1
    rev_before = await store.revision()
    saved = await store.save(edited(entry, "<b>Nuevo texto</b>"), expected_version=1,
                             actor="editor:ana")
    assert saved.version == 2 and saved.updated_by == "editor:ana"
    assert await store.revision() == rev_before + 1
    history = await store.history(entry.id)
    assert [h.version for h in history] == [2, 1]
    audit = await store.audit(entry_id=entry.id)
    assert [a.action for a in audit] == ["update", "seed"]
    assert audit[0].actor == "editor:ana"


async def test_stale_version_is_refused_and_nothing_written(
        store: FaqStore, content: Content) -> None:
    await store.seed(content.entries, content.categories)
    entry = await store.get(content.entries[0].id)
    assert entry is not None
    await store.save(edited(entry, "<b>primero</b>"), expected_version=1, actor="a")
    with pytest.raises(VersionConflict) as info:
        await store.save(edited(entry, "<b>segundo</b>"), expected_version=1, actor="b")
    assert info.value.current == 2
    current = await store.get(entry.id)
    assert current is not None and "primero" in current.translations["es"].answer
    assert len(await store.history(entry.id)) == 2


async def test_twenty_concurrent_writers_exactly_one_wins(
        store: FaqStore, content: Content) -> None:
    await store.seed(content.entries, content.categories)
    entry = await store.get(content.entries[0].id)
    assert entry is not None

    async def attempt(n: int) -> str:
        try:
            await store.save(edited(entry, f"<b>writer {n}</b>"), expected_version=1,
                             actor=f"w{n}")
            return "won"
        except VersionConflict:
            return "refused"

    outcomes = await asyncio.gather(*(attempt(n) for n in range(20)))
    assert outcomes.count("won") == 1 and outcomes.count("refused") == 19
    history = await store.history(entry.id)
    assert [h.version for h in history] == [2, 1]
    winner = outcomes.index("won")
    assert f"writer {winner}" in history[0].translations["es"].answer


async def test_creating_an_existing_id_is_a_conflict(store: FaqStore, content: Content) -> None:
    await store.seed(content.entries, content.categories)
    with pytest.raises(VersionConflict):
        await store.save(content.entries[0], expected_version=0, actor="x")


async def test_update_of_missing_entry_is_not_found(store: FaqStore, content: Content) -> None:
    with pytest.raises(EntryNotFound):
        await store.save(content.entries[0], expected_version=3, actor="x")


async def test_rollback_is_a_new_version(store: FaqStore, content: Content) -> None:
    await store.seed(content.entries, content.categories)
    entry = await store.get(content.entries[0].id)
    assert entry is not None
    await store.save(edited(entry, "<b>cambio</b>"), expected_version=1, actor="a")
    rolled = await store.rollback(entry.id, 1, expected_version=2, actor="b")
    assert rolled.version == 3
    assert rolled.translations == entry.translations
    assert [h.version for h in await store.history(entry.id)] == [3, 2, 1]


async def test_seed_never_overwrites_staff_edits(store: FaqStore, content: Content) -> None:
    first, second = content.entries[0], content.entries[1]
    await store.seed([first, second], content.categories)
    await store.save(edited(first, "<b>staff text</b>"), expected_version=1, actor="editor")
    shipped_first = edited(first, "<b>new shipped text</b>")
    shipped_second = edited(second, "<b>new shipped text 2</b>")
    third = content.entries[2]

    plain = await store.seed([shipped_first, shipped_second, third], content.categories)
    assert plain.added == [third.id] and plain.updated == []
    got = await store.get(second.id)
    assert got is not None and "new shipped" not in got.translations["es"].answer

    update = await store.seed([shipped_first, shipped_second, third], content.categories,
                              update=True)
    assert update.updated == [second.id]
    kept = await store.get(first.id)
    refreshed = await store.get(second.id)
    assert kept is not None and "staff text" in kept.translations["es"].answer
    assert refreshed is not None and refreshed.updated_by == SEED_ACTOR
    assert "new shipped text 2" in refreshed.translations["es"].answer


async def test_save_announces_the_change(store: FaqStore, content: Content) -> None:
    await store.seed(content.entries[:1], content.categories)
    async with store.redis.pubsub() as pubsub:
        await pubsub.subscribe(store.keys.changed_channel)
        await pubsub.get_message(timeout=1)  # subscribe confirmation
        entry = content.entries[0]
        await store.save(edited(entry, "<b>x</b>"), expected_version=1, actor="a")
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
    assert message is not None and int(message["data"]) == await store.revision()
