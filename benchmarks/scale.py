"""Edit-to-visible latency and memory at 43 / 1,000 / 10,000 entries (synthetic FAQ).

A save through ``FaqStore`` (what the API's PUT does) against a ``LiveMatcher`` following the
change notices in this process (what every bot and API process runs): the time from the save's
return to the first moment the follower answers from the new version. Also the Redis memory the
FAQ takes per 1,000 entries (entries, history, indexes, audit) and the resident growth of the
process holding the snapshot.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.matching import rss_mb
from benchmarks.synthetic import grow
from faq.live import LiveMatcher
from faq.loader import load_content
from faq.models import Entry
from faq.store import FaqStore
from faq.text import TextPipeline
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import redis_client

SEED_CHUNK = 500  # entries per save_many while filling (bounded script arguments)
EDITS = {43: 10, 1000: 10, 10_000: 10}
"""Edits measured per size (issue 14's first figures, with a full rebuild per edit, took 5 / 3 / 1
to bound the run's time)."""
VISIBLE_TIMEOUT_S = 120.0


def edited(entry: Entry, n: int) -> Entry:
    """A new answer and one more way of asking (so the edit changes the index, not only the
    text shown)."""
    lang, tr = entry.translation("es")
    answer = f"<b>Edición de prueba {n}</b>\n{tr.answer}"[:3900]
    alternates = [*tr.alternates, f"pregunta de prueba número {n}"][-60:]
    return entry.model_copy(update={"translations": {
        **entry.translations, lang: tr.model_copy(update={"answer": answer,
                                                          "alternates": alternates})}})


async def fill(store: FaqStore, entries: list[Entry]) -> None:
    for start in range(0, len(entries), SEED_CHUNK):
        chunk = entries[start:start + SEED_CHUNK]
        await store.save_many([(e, 0) for e in chunk], actor="bench", action="seed")


async def redis_memory(redis: Any) -> int:
    info = await redis.info("memory")
    return int(info["used_memory"])


async def measure(size: int, tmp: Path) -> dict[str, Any]:
    content = load_content()
    entries = grow(content.entries, size) if size != len(content.entries) else content.entries
    with EmbeddedRedis(tmp / f"redis-{size}") as server:
        redis = redis_client(server.url)
        await redis.flushdb()
        empty = await redis_memory(redis)
        store = FaqStore(redis)
        await store.save_categories(content.categories)
        await fill(store, entries)
        redis_bytes = await redis_memory(redis) - empty
        gc.collect()
        rss_before = rss_mb()
        live = LiveMatcher(store, TextPipeline(content.lexicon))
        start = time.perf_counter()
        follower = await live.start()
        start_s = time.perf_counter() - start
        gc.collect()
        rss_growth = rss_mb() - rss_before
        target = next(e for e in entries[len(content.entries) // 2:]
                      if live.entry(e.id) is not None)
        latencies = []
        try:
            for n in range(EDITS.get(size, 1)):
                current = await store.get(target.id)
                assert current is not None
                saved = await store.save(edited(current, n), expected_version=current.version,
                                         actor="bench")
                t0 = time.perf_counter()
                while True:
                    seen = live.entry(saved.id)
                    if seen is not None and seen.version == saved.version:
                        break
                    if time.perf_counter() - t0 > VISIBLE_TIMEOUT_S:
                        raise RuntimeError(f"edit not visible after {VISIBLE_TIMEOUT_S} s")
                    await asyncio.sleep(0.005)
                latencies.append(time.perf_counter() - t0)
        finally:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
            await redis.aclose()
    return {"entries": size, "edits": len(latencies), "start_s": start_s,
            "visible_p50_s": statistics.median(latencies), "visible_max_s": max(latencies),
            "redis_mb_per_1000": redis_bytes / 1024 / 1024 / size * 1000,
            "rss_mb_per_1000": rss_growth / size * 1000}


async def run(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="im-bench-scale-") as tmp:
        return [await measure(size, Path(tmp)) for size in sizes]


def main() -> None:
    sizes = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "43,1000,10000").split(","))
    print("== edit-to-visible: a save until the following snapshot answers from it "
          "(applied to the last snapshot); memory ==")
    rows = asyncio.run(run(sizes))
    print(f"{'entries':>8} {'edits':>5} {'first build s':>13} {'visible p50 s':>13} "
          f"{'visible max s':>13} {'Redis MB/1000':>13} {'RSS MB/1000':>11}")
    for r in rows:
        print(f"{r['entries']:>8} {r['edits']:>5} {r['start_s']:>13.2f} "
              f"{r['visible_p50_s']:>13.3f} {r['visible_max_s']:>13.3f} "
              f"{r['redis_mb_per_1000']:>13.1f} {r['rss_mb_per_1000']:>11.1f}")


if __name__ == "__main__":
    main()
