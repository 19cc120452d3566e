"""Topics (categories) and their entries, for browsing with /topics.

Entries come from the matcher snapshot (published only, current after a reload). Category names
come from the store; the last list read is kept so browsing still works while Redis is away.
"""

from __future__ import annotations

from bot.callbacks import resolve_ref, short_ref
from bot.guard import RedisGuard
from bot.render import entry_title
from faq.matcher import Matcher
from faq.models import Category, Entry
from faq.store import FaqStore


def find_entry(ref: str, matcher: Matcher) -> Entry | None:
    entry = matcher.get(ref)
    if entry is not None:
        return entry
    entry_id = resolve_ref(ref, (e.id for e in matcher.entries))
    return matcher.get(entry_id) if entry_id else None


class TopicCatalog:
    def __init__(self, store: FaqStore, guard: RedisGuard) -> None:
        self.store = store
        self.guard = guard
        self._known: dict[str, Category] = {}

    async def warm(self) -> None:
        """Dispatcher start-up hook: read the names once, so an outage later still has them."""
        read = await self.guard.run(self.store.categories, None)
        if read is not None:
            self._known = {c.id: c for c in read}

    async def topics(self, matcher: Matcher, lang: str) -> list[Category]:
        """Categories with at least one published entry, by name in ``lang``."""
        read = await self.guard.run(self.store.categories, None)
        if read is not None:
            self._known = {c.id: c for c in read}
        in_use = {e.category for e in matcher.entries}
        topics = [self._known.get(i) or Category(id=i, names={}) for i in in_use]
        return sorted(topics, key=lambda c: c.name(lang).casefold())

    async def topic(self, ref: str, matcher: Matcher, lang: str) -> Category | None:
        for topic in await self.topics(matcher, lang):
            if short_ref(topic.id) == ref:
                return topic
        return None

    @staticmethod
    def entries(matcher: Matcher, topic_id: str, lang: str) -> list[Entry]:
        found = [e for e in matcher.entries if e.category == topic_id]
        return sorted(found, key=lambda e: entry_title(e, lang).casefold())
