"""Starting the new release on a database the previous one wrote (layout 1): the processes move
the keys and build the indexes by themselves, and staff edits survive the shipped-content seed."""

from __future__ import annotations

from redis.asyncio import Redis

from faq.keys import Keys
from faq.loader import Content
from faq.stats import Stats
from faq.store import EntryFilter, FaqStore
from infomigra.runtime import open_services
from infomigra.settings import Settings
from tests.conftest import FakeClock
from tests.faq.test_migrate import write_layout_1


async def test_open_services_upgrades_a_layout_1_database(
        redis: Redis, settings: Settings, content: Content, clock: FakeClock) -> None:
    store = FaqStore(redis, Keys(), clock=clock)
    await store.seed(content.entries, content.categories)
    entry = content.entries[0]
    edited = await store.save(entry.model_copy(update={"tags": ["editado por ana"]}),
                              expected_version=1, actor="ana")
    await write_layout_1(redis, store, Stats(redis, settings.tz, clock=clock), content)

    async with open_services(settings) as services:
        ids, total = await services.store.page(EntryFilter(category=entry.category), limit=None)
        assert entry.id in ids and total == len(ids)
        current = await services.store.get(entry.id)
        assert current is not None and current.version == edited.version
        assert current.tags == ["editado por ana"]  # not overwritten by the seed
        assert [r.action for r in await services.store.audit(entry_id=entry.id)] == [
            "update", "seed"]
        assert services.live.entry(entry.id) is not None
    assert await redis.exists("im:faq:ids") == 0
    assert await redis.get("im:layout") == "2"
