"""Wiring: from ``Settings`` to the connected services every front door receives.

The only place that decides which Redis to use and what the core is built with; bot, API and CLI
take a ``Services`` and never construct their own clients.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.sentinel import Sentinel

from faq.alerts import AlertDesk, load_topics
from faq.conversations import ConversationDesk, ConversationOptions
from faq.intents import load_conversation
from faq.keys import Keys
from faq.live import LiveMatcher
from faq.loader import CONTENT_DIR, Content, load_content
from faq.migrate import migrate_layout
from faq.redis_values import utc_now
from faq.semantic import PROCESS_VECTORS, Embedder, LayeredVectors, RedisVectors
from faq.stats import Stats
from faq.store import FaqStore
from faq.text import TextPipeline
from infomigra.embedding import load_shipped_embedder
from infomigra.metrics import instrument
from infomigra.redis_server import EmbeddedRedis
from infomigra.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    redis: Redis
    store: FaqStore
    stats: Stats
    live: LiveMatcher
    content: Content
    user_hash_secret: bytes
    conversations: ConversationDesk | None = None
    """Talking to a person; None unless ``helpdesk_enabled``."""
    alerts: AlertDesk | None = None
    """Opt-in alerts; None unless ``alerts_enabled``."""

    @property
    def keys(self) -> Keys:
        return self.store.keys


MAX_CONNECTIONS = 64  # per process (per node on a cluster): a burst of handlers waits for one


def redis_client(url: str, max_connections: int = MAX_CONNECTIONS) -> Redis:
    """A client whose pool makes a burst of updates wait for a connection instead of failing
    ("Too many connections") when more handlers run at once than the pool holds."""
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=10, decode_responses=True,
        health_check_interval=30, socket_connect_timeout=5)
    return Redis.from_pool(pool)


def cluster_client(url: str, max_connections: int = MAX_CONNECTIONS) -> Redis:
    """A Redis Cluster client (any node's URL; it finds the others).

    Typed as ``Redis``: ``RedisCluster`` offers the same commands, scripts, pipelines and
    pub/sub the core uses, routed by hash slot (``faq.keys`` keeps each script in one slot).
    """
    client = RedisCluster.from_url(url, decode_responses=True, max_connections=max_connections,
                                   socket_connect_timeout=5)
    return cast(Redis, client)


def sentinel_client(settings: Settings, max_connections: int = MAX_CONNECTIONS) -> Redis:
    """The current master of ``INFOMIGRA_REDIS_SENTINEL_MASTER``, asked of the Sentinels; the
    pool asks again after a failover."""
    password = settings.redis_password.get_secret_value() if settings.redis_password else None
    sentinel = Sentinel(settings.sentinel_addresses(), socket_timeout=5,
                        socket_connect_timeout=5)
    return sentinel.master_for(settings.redis_sentinel_master, decode_responses=True,
                               password=password, max_connections=max_connections,
                               socket_connect_timeout=5)


def connect(settings: Settings, url: str | None) -> Redis:
    """The client for the configured kind of Redis (``url``: from ``redis_url()``)."""
    if settings.redis_cluster_url:
        return cluster_client(settings.redis_cluster_url)
    if settings.redis_sentinels:
        return sentinel_client(settings)
    if url is None:
        raise ValueError("no Redis URL: set REDIS_URL, or leave it unset for the embedded server")
    return redis_client(url)


def is_cluster(settings: Settings) -> bool:
    return bool(settings.redis_cluster_url)


@contextlib.contextmanager
def redis_url(settings: Settings) -> Iterator[str | None]:
    """The configured ``REDIS_URL``, or the embedded server (started or joined) for the block;
    None when a cluster or Sentinel is configured (``connect`` reads those itself)."""
    if settings.redis_url:
        yield settings.redis_url
        return
    if settings.external_redis:
        yield None
        return
    server = EmbeddedRedis(Path(settings.data_dir), appendfsync=settings.redis_appendfsync)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def build_services(settings: Settings, redis: Redis, content: Content | None = None,
                   clock: Callable[[], datetime] = utc_now,
                   embedder: Embedder | None = None) -> Services:
    """``embedder`` None: the shipped model when ``settings.semantic`` (loaded once per process;
    lexical-only, said once, when it cannot load)."""
    content = content or load_content(CONTENT_DIR)
    keys = Keys(settings.redis_prefix)
    if embedder is None and settings.semantic:
        embedder = load_shipped_embedder()
    vectors = LayeredVectors(PROCESS_VECTORS, RedisVectors(
        redis, keys.embeddings(embedder.model_id))) if embedder is not None else None
    store = FaqStore(redis, keys, clock=clock, history_length=settings.history_length)
    stats = Stats(redis, settings.tz, keys=keys, clock=clock,
                  retention_days=settings.retention_days,
                  max_stored_chars=settings.max_stored_question_chars)
    pipeline = TextPipeline(content.lexicon, tuple(settings.languages))
    live = LiveMatcher(store, pipeline, settings.matcher_options(),
                       conversation=load_conversation(), embedder=embedder, vectors=vectors)
    instrument(stats, live)
    cipher = settings.chat_cipher()
    conversations = alerts = None
    if settings.helpdesk_enabled and cipher is not None:
        conversations = ConversationDesk(
            redis, keys, cipher, clock=clock, tz=settings.tz, office_hours=settings.office(),
            options=ConversationOptions(retention_days=settings.conversation_retention_days,
                                        stats_retention_days=settings.retention_days))
    if settings.alerts_enabled and cipher is not None:
        alerts = AlertDesk(redis, keys, cipher, clock=clock, languages=settings.languages,
                           default_language=settings.default_language)
    return Services(settings, redis, store, stats, live, content, settings.hash_secret(),
                    conversations, alerts)


async def prepare(services: Services) -> None:
    """Bring data written by an earlier version up to date: key names, then the indexes.
    Both are idempotent and cost one GET each once done."""
    await migrate_layout(services.redis, services.keys, cluster=is_cluster(services.settings))
    if await services.store.ensure_indexes():
        log.info("built the FAQ indexes for %d stored entries", await services.store.count())


def freeze_long_lived() -> None:
    """Move what exists after a whole snapshot build (at start: the snapshot, models, modules;
    after an import that rebuilt it: the new snapshot) out of the collector's reach.

    Every full collection walks every tracked object; with 10,000 entries in the snapshot that
    is millions of objects, walked while holding the GIL: the API's list p99 sat at 300 ms
    against a 70 ms p50 at 10,000 entries, the same for every kind of request (a pause, not a
    query). Frozen objects are still freed by reference counting when a later snapshot drops
    them; only cycles among them would stay, and the snapshot has none (dicts, tuples, arrays,
    models)."""
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def open_services(settings: Settings, *, seed: bool = True,
                        matcher: bool = True) -> AsyncIterator[Services]:
    """Connect, seed missing shipped entries on first start, load the matcher snapshot
    (``matcher=False``: a process that answers no questions, such as ``broadcast``)."""
    with redis_url(settings) as url:
        redis = connect(settings, url)
        services: Services | None = None
        try:
            services = build_services(settings, redis)
            await prepare(services)
            if seed:
                report = await services.store.seed(services.content.entries,
                                                   services.content.categories)
                if report.added:
                    log.info("seeded %d shipped FAQ entries", len(report.added))
                if services.alerts is not None:
                    await services.alerts.seed_topics(load_topics())
            if matcher:
                await services.live.refresh()
                freeze_long_lived()
                services.live.on_rebuilt = freeze_long_lived  # and after any later whole build
            yield services
        finally:
            if services is not None:
                await services.live.aclose()
            await redis.aclose()
