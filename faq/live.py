"""The matcher every process answers from, kept current through Redis pub/sub.

Each process holds an immutable snapshot and swaps it whole when the store announces a change,
so a question is never matched against half an update. A change costs what it changes: the
entries saved since the snapshot's revision (the store's change log) are read and applied to it
(``Matcher.apply``, ``SemanticIndex.apply``); the whole FAQ is read and indexed again only at
start, when many entries changed at once (an import), or when the change log does not add up.
When Redis goes away the last snapshot keeps answering; the outage is logged once, not once per
retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from faq.calibration import Calibration
from faq.exchange import collection_paused
from faq.hybrid import HybridMatcher, entry_phrasings
from faq.intents import Conversation
from faq.matcher import Matcher, MatcherOptions, MatchResult
from faq.models import Entry
from faq.semantic import CacheReport, Embedder, SemanticIndex, TooManyToEmbed, VectorStore
from faq.store import FaqStore
from faq.text import TextPipeline

log = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)

FULL_REBUILD_SHARE = 0.25
"""More than this share of the FAQ changed since the snapshot (an import): read and build it
all. Applying costs about twice a build per changed entry (the old version is analysed too, to
take it out), so past a quarter a build is as cheap and reads in bulk."""
FULL_REBUILD_MIN = 64
"""...but a change this small is always applied (a small FAQ would otherwise rebuild on any
batch of edits)."""


COLD_EMBED_LIMIT = 128
"""Phrasings a refresh embeds before it returns: about 1.3 s on one core (the cold build embedded
1,501 in 15.4 s). An edit embeds a handful and waits for them; more (the first start on an empty
cache: 15 s for the shipped FAQ, hours for 10,000 entries; a new model version; a large import)
are embedded in the background while the cascade answers lexical-only, so the service is ready
as soon as its lexical snapshot is."""


class LiveMatcher:
    """``matcher`` is the lexical snapshot (lookups, inline mode); ``match()`` runs the whole
    cascade of ``faq.hybrid`` (small talk, lexical, semantic where needed, calibrated). One matcher
    indexes the FAQ and, hidden, the out-of-scope intents, so the cascade needs no second one."""

    def __init__(self, store: FaqStore, pipeline: TextPipeline,
                 options: MatcherOptions | None = None, *, retry_seconds: float = 1.0,
                 conversation: Conversation | None = None,
                 calibration: Calibration | None = None, embedder: Embedder | None = None,
                 vectors: VectorStore | None = None,
                 cold_embed_limit: int = COLD_EMBED_LIMIT,
                 on_rebuilt: Callable[[], None] | None = None) -> None:
        """``on_rebuilt`` runs after a whole new snapshot was built and installed (the runtime
        freezes the long-lived objects then; the core leaves the process's collector alone)."""
        self.store = store
        self.pipeline = pipeline
        self.options = options or MatcherOptions()
        self.retry_seconds = retry_seconds
        self.conversation = conversation or Conversation()
        self.calibration = calibration or Calibration.load()
        self.embedder = embedder
        self.vectors = vectors
        self.last_cache_report = CacheReport()
        self._hidden = tuple(self.conversation.pseudo_entries())
        self._matcher = Matcher.build([], pipeline, self.options)
        self._hybrid = HybridMatcher(self._matcher, self.conversation, self.calibration)
        self._built = False
        self._stored: frozenset[str] = frozenset()
        """Ids of every stored entry (any status) the snapshot accounts for."""
        self._semantic: SemanticIndex | None = None
        self._semantic_of: Matcher | None = None
        """The lexical snapshot ``_semantic`` was made for (the next one is applied from it)."""
        self.cold_embed_limit = cold_embed_limit
        self.on_rebuilt = on_rebuilt
        self._rebuilt_whole = False
        self._warm_up: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._redis_down = False
        self._follower: asyncio.Task[None] | None = None

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    @property
    def hybrid(self) -> HybridMatcher:
        return self._hybrid

    def entry(self, entry_id: str) -> Entry | None:
        return self._matcher.get(entry_id)

    async def match(self, text: str, lang: str) -> MatchResult:
        """The decision for one question; the embedding (when needed) runs off the loop."""
        return await self._hybrid.amatch(text, lang)

    async def refresh(self) -> Matcher:
        """Bring the snapshot to the store's revision (every save bumps it); a reconnect that
        finds nothing changed reads one counter, not the whole FAQ. One refresh at a time: each
        is applied to the snapshot the previous one produced."""
        async with self._lock:
            matcher = await self._lexical()
            rebuilt = matcher is not self._matcher
            if rebuilt:
                # The lexical snapshot answers at once; the semantic one follows when its
                # vectors are ready (only changed phrasings are looked up or embedded).
                self._matcher = matcher
                self._hybrid = HybridMatcher(matcher, self.conversation, self.calibration,
                                             matcher)
            if self.embedder is not None and self.vectors is not None \
                    and self._semantic_of is not matcher and not self.warming_up:
                embedder, vectors = self.embedder, self.vectors
                try:
                    await self._follow_semantic(matcher, embedder, vectors,
                                                embed_limit=self.cold_embed_limit)
                    rebuilt = True
                except TooManyToEmbed as cold:
                    log.warning("semantic stage warming up: %d phrasings to embed; answering "
                                "lexical-only until they are ready", cold.missing)
                    self._warm_up = asyncio.create_task(self._warm(embedder, vectors),
                                                        name="faq-semantic-warm-up")
            if rebuilt:
                self._changed.set()
            if self._rebuilt_whole:
                self._rebuilt_whole = False
                if self.on_rebuilt is not None:
                    self.on_rebuilt()
            return matcher

    async def _lexical(self) -> Matcher:
        """The snapshot at the store's revision: the current one, the current one with the
        changes since applied, or (see ``FULL_REBUILD_SHARE``) a new build."""
        revision = await self.store.revision()
        current = self._matcher
        if self._built and revision == current.revision:
            return current
        if self._built and revision > current.revision:
            ids = await self.store.changed_since(current.revision)
            if len(ids) <= max(FULL_REBUILD_MIN, FULL_REBUILD_SHARE * len(self._stored)):
                found = await self.store.get_many(ids)
                stored = (self._stored - set(ids)) | found.keys()
                count = await self.store.count()
                if count == len(stored):
                    removed = [i for i in ids if i not in found]
                    matcher = await asyncio.to_thread(current.apply, list(found.values()),
                                                      removed, revision)
                    self._stored = stored
                    log.info("matcher updated: %d changed entries, %d published, revision %d",
                             len(ids), len(matcher), revision)
                    return matcher
                # Entries vanished without a save (a flushed or restored database).
                log.warning("the FAQ change log does not account for %d stored entries "
                            "(expected %d); reading the whole FAQ", count, len(stored))
        with collection_paused():  # 10,000 entries parsed: 0.6 s instead of 2.2 s (measured)
            entries = await self.store.list_entries()
        matcher = await asyncio.to_thread(
            Matcher.build, entries, self.pipeline, self.options, revision, hidden=self._hidden,
            analyser=current.analyser)
        self._stored = frozenset(e.id for e in entries)
        self._built = True
        self._rebuilt_whole = True
        log.info("matcher rebuilt: %d published entries, revision %d", len(matcher), revision)
        return matcher

    @property
    def warming_up(self) -> bool:
        """True while a first (or very large) semantic index is embedded in the background."""
        return self._warm_up is not None and not self._warm_up.done()

    async def semantic_warmed_up(self) -> None:
        """For tests and tools: returns once no background warm-up is running."""
        if self._warm_up is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._warm_up)

    async def _follow_semantic(self, matcher: Matcher, embedder: Embedder,
                               vectors: VectorStore, *, embed_limit: int | None = None) -> None:
        """The semantic index for ``matcher``, installed if it is still the current snapshot
        (``TooManyToEmbed`` past ``embed_limit``, after one cache lookup, nothing installed)."""
        report = CacheReport()
        semantic = await self._semantic_index(matcher, embedder, vectors, report, embed_limit)
        self._semantic, self._semantic_of = semantic, matcher
        if self._matcher is matcher:
            self._hybrid = HybridMatcher(matcher, self.conversation, self.calibration,
                                         matcher, semantic, embedder)
        self.last_cache_report = report
        log.info("semantic index: %d entries, %d phrasings looked up, %d embedded, "
                 "%.2f s", len(semantic), report.phrasings, report.embedded, report.seconds)

    async def _warm(self, embedder: Embedder, vectors: VectorStore) -> None:
        """Embed in the background (the model's thread; the loop stays free), then catch up
        with the edits made meanwhile (each a small apply) until the index matches the
        current snapshot. Questions meanwhile get the lexical cascade."""
        try:
            while self._semantic_of is not self._matcher:
                await self._follow_semantic(self._matcher, embedder, vectors)
            self._changed.set()
            log.info("semantic stage ready")
        except asyncio.CancelledError:
            raise
        except Exception:  # the next change notice tries again; answers stay lexical
            log.exception("semantic warm-up failed; answering lexical-only")

    async def aclose(self) -> None:
        """Stop a background warm-up (the process is stopping)."""
        if self._warm_up is not None and not self._warm_up.done():
            self._warm_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._warm_up

    async def _semantic_index(self, matcher: Matcher, embedder: Embedder,
                              vectors: VectorStore, report: CacheReport,
                              embed_limit: int | None = None) -> SemanticIndex:
        previous, base = self._semantic, self._semantic_of
        if previous is None or base is None or previous.model_id != embedder.model_id:
            return await SemanticIndex.build(
                embedder, vectors, entry_phrasings([*matcher.entries, *matcher.hidden]), report,
                embed_limit=embed_limit)
        upserts, removed = matcher.changed_since(base)
        return await previous.apply(embedder, vectors, entry_phrasings(upserts), removed,
                                    report, embed_limit=embed_limit)

    async def wait_for_change(self) -> None:
        """For tests and tools: returns after the next rebuild."""
        self._changed.clear()
        await self._changed.wait()

    async def run(self) -> None:
        """Follow change notices until cancelled; survive Redis outages on the last snapshot."""
        while True:
            try:
                async with self.store.redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.store.keys.changed_channel)
                    await self.refresh()  # catch up on what changed while we were away
                    if self._redis_down:
                        log.warning("Redis is reachable again; FAQ snapshot refreshed")
                        self._redis_down = False
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            await self.refresh()
            except asyncio.CancelledError:
                raise
            except REDIS_DOWN as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # redis-py can turn a cancellation during a pub/sub read into a connection
                    # error later; being stopped wins over reconnecting (else: no exit).
                    raise asyncio.CancelledError from exc
                if not self._redis_down:
                    log.error("Redis unreachable (%s); answering from the last FAQ snapshot "
                              "(revision %d)", type(exc).__name__, self._matcher.revision)
                    self._redis_down = True
                await asyncio.sleep(self.retry_seconds)

    @property
    def redis_reachable(self) -> bool:
        """False from the moment the follower lost Redis until it caught up again."""
        return not self._redis_down

    @property
    def following(self) -> bool:
        """True while a task from ``start()`` follows the change notices (one is enough)."""
        return self._follower is not None and not self._follower.done()

    async def start(self) -> asyncio.Task[None]:
        with contextlib.suppress(*REDIS_DOWN):
            await self.refresh()
        self._follower = asyncio.create_task(self.run(), name="faq-live-matcher")
        return self._follower
