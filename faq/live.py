"""The matcher every process answers from, kept current through Redis pub/sub.

Each process holds an immutable snapshot and swaps it whole when the store announces a change,
so a question is never matched against half an update. When Redis goes away the last snapshot
keeps answering; the outage is logged once, not once per retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from faq.calibration import Calibration
from faq.conversation import Conversation
from faq.hybrid import HybridMatcher, build_hybrid
from faq.matcher import Matcher, MatcherOptions, MatchResult
from faq.models import Entry
from faq.semantic import CacheReport, Embedder, VectorStore
from faq.store import FaqStore
from faq.text import TextPipeline

log = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class LiveMatcher:
    """``matcher`` is the lexical snapshot (lookups, inline mode); ``match()`` runs the whole
    cascade of ``faq.hybrid`` (small talk, lexical, semantic where needed, calibrated)."""

    def __init__(self, store: FaqStore, pipeline: TextPipeline,
                 options: MatcherOptions | None = None, *, retry_seconds: float = 1.0,
                 conversation: Conversation | None = None,
                 calibration: Calibration | None = None, embedder: Embedder | None = None,
                 vectors: VectorStore | None = None) -> None:
        self.store = store
        self.pipeline = pipeline
        self.options = options or MatcherOptions()
        self.retry_seconds = retry_seconds
        self.conversation = conversation or Conversation()
        self.calibration = calibration or Calibration.load()
        self.embedder = embedder
        self.vectors = vectors
        self.last_cache_report = CacheReport()
        self._matcher = Matcher.build([], pipeline, self.options)
        self._hybrid = HybridMatcher(self._matcher, self.conversation, self.calibration)
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
        """Rebuild when the store's revision moved (every save bumps it); a reconnect that
        finds nothing changed reads one counter, not the whole FAQ."""
        revision = await self.store.revision()
        if revision == self._matcher.revision and len(self._matcher):
            return self._matcher
        entries = await self.store.list_entries()
        matcher = await asyncio.to_thread(Matcher.build, entries, self.pipeline, self.options,
                                          revision)
        # The lexical snapshot answers at once; the semantic one follows when its vectors are
        # ready (from the cache: well under a second; only edited phrasings are embedded).
        self._matcher = matcher
        self._hybrid = await build_hybrid(entries, matcher, self.conversation, self.calibration,
                                          None, None)
        if self.embedder is not None and self.vectors is not None:
            report = CacheReport()
            hybrid = await build_hybrid(entries, matcher, self.conversation, self.calibration,
                                        self.embedder, self.vectors, report)
            if self._matcher is matcher:
                self._hybrid = hybrid
            self.last_cache_report = report
            log.info("semantic index: %d phrasings, %d embedded, %.2f s", report.phrasings,
                     report.embedded, report.seconds)
        self._changed.set()
        log.info("matcher rebuilt: %d published entries, revision %d", len(matcher), revision)
        return matcher

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
