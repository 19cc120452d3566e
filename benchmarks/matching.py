"""Match latency and index build time at 43 / 1,000 / 10,000 entries, against a naive scan."""

from __future__ import annotations

import gc
import os
import statistics
import time
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from benchmarks.synthetic import grow
from faq.loader import load_content
from faq.matcher import Matcher
from faq.text import TextPipeline

DEV_SET = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev.yaml"
FALLBACK_QUESTIONS = ["pasaporte por primera vez", "visa h2a pa trabajar en el campo",
                      "me cobran por la visa de trabajo", "receta de pepian",
                      "donde saco el dpi en el consulado", "my husband was detained by ice"]


def questions() -> list[str]:
    if DEV_SET.exists():
        data = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))
        return [str(q["q"]) for q in data["questions"]]
    return FALLBACK_QUESTIONS


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_mb() -> float:
    """Resident memory of this process (Linux), without tracemalloc's slowdown of the build."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except (OSError, ValueError):
        return float("nan")


def build_measured(entries: list[Any], pipeline: TextPipeline) -> tuple[Matcher, float, float]:
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    matcher = Matcher.build(entries, pipeline)
    seconds = time.perf_counter() - start
    gc.collect()
    return matcher, seconds, rss_mb() - before


def time_calls(fn: Any, items: list[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for q in items:
            start = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def run(sizes: tuple[int, ...] = (43, 1000, 10_000), rounds: int = 5) -> list[dict[str, Any]]:
    content = load_content()
    pipeline = TextPipeline(content.lexicon)
    qs = questions()
    rows = []
    for size in sizes:
        entries = grow(content.entries, size) if size != len(content.entries) else \
            content.entries
        matcher, build_s, mem_mb = build_measured(entries, pipeline)
        for q in qs:  # warm caches (stemmer, fuzzy lookups) once, as a running bot would be
            matcher.match(q)
        ours = time_calls(matcher.match, qs, rounds)
        phrasings = [p for e in entries for t in e.translations.values() for p in t.phrasings()]
        naive_rounds = 1 if size >= 10_000 else rounds
        naive = time_calls(
            lambda q, ph=phrasings: process.extractOne(q, ph, scorer=fuzz.WRatio), qs,
            naive_rounds)
        rows.append({
            "entries": len(entries), "phrasings": len(phrasings),
            "build_s": build_s, "mem_mb": mem_mb, "mem_per_1000_mb": mem_mb / len(entries) * 1000,
            "p50_ms": statistics.median(ours), "p99_ms": percentile(ours, 99),
            "naive_p50_ms": statistics.median(naive), "naive_p99_ms": percentile(naive, 99),
            "speedup_p50": statistics.median(naive) / statistics.median(ours),
        })
    return rows


def format_rows(rows: list[dict[str, Any]]) -> str:
    head = (f"{'entries':>8} {'phrasings':>9} {'build s':>8} {'MB/1000':>8} {'p50 ms':>7} "
            f"{'p99 ms':>7} {'naive p50':>10} {'naive p99':>10} {'speed-up':>9}")
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['entries']:>8} {r['phrasings']:>9} {r['build_s']:>8.2f} "
            f"{r['mem_per_1000_mb']:>8.1f} {r['p50_ms']:>7.3f} {r['p99_ms']:>7.3f} "
            f"{r['naive_p50_ms']:>10.2f} {r['naive_p99_ms']:>10.2f} {r['speedup_p50']:>8.0f}x")
    return "\n".join(lines)


# -- the hybrid cascade (issue 11) -----------------------------------------------------------------

def run_hybrid(rounds: int = 3) -> dict[str, Any]:
    """Cold and warm cache build, and per-question latency of each path of the cascade."""
    import asyncio

    from faq.calibration import Calibration
    from faq.hybrid import build_hybrid
    from faq.intents import load_conversation
    from faq.semantic import CacheReport, MemoryVectors
    from infomigra.embedding import QueryVectors, load_shipped_embedder
    from infomigra.threads import single_threaded_blas

    single_threaded_blas()  # as every `infomigra` command runs

    embedder = load_shipped_embedder()
    if embedder is None:
        return {"available": False}
    cache = getattr(embedder, "queries", None)
    if isinstance(cache, QueryVectors):
        embedder.queries = QueryVectors(size=0)  # type: ignore[attr-defined]  # time the model
    content = load_content()
    conversation = load_conversation()
    calibration = Calibration.load()
    lexical = Matcher.build(content.entries, TextPipeline(content.lexicon))
    store = MemoryVectors()
    cold, warm = CacheReport(), CacheReport()
    asyncio.run(build_hybrid(content.entries, lexical, conversation, calibration, embedder,
                             store, cold))
    start = time.perf_counter()
    hybrid = asyncio.run(build_hybrid(content.entries, lexical, conversation, calibration,
                                      embedder, store, warm))
    warm_total = time.perf_counter() - start
    qs = questions()
    for q in qs:
        hybrid.match(q)
    fast: list[float] = []
    semantic: list[float] = []
    semantic_cpu: list[float] = []
    needed = 0
    for _ in range(rounds):
        for q in qs:
            start, cpu = time.perf_counter(), time.process_time()
            result = hybrid.match(q)
            elapsed = (time.perf_counter() - start) * 1000
            (semantic if result.semantic else fast).append(elapsed)
            if result.semantic:
                # CPU of every thread of this process (the embedding runs in its worker): the
                # one-core cost, which other load on the machine does not inflate as it does
                # the wall time.
                semantic_cpu.append((time.process_time() - cpu) * 1000)
            needed += result.semantic
    every = fast + semantic
    repeated: list[float] = []
    if isinstance(cache, QueryVectors):
        embedder.queries = cache  # type: ignore[attr-defined]
        for q in qs:
            hybrid.match(q)
        for q in qs:
            start = time.perf_counter()
            if hybrid.match(q).semantic:
                repeated.append((time.perf_counter() - start) * 1000)
    return {
        "available": True, "model": embedder.model_id, "phrasings": cold.phrasings,
        "cold_build_s": cold.seconds, "warm_build_s": warm_total,
        "semantic_share": needed / max(1, len(every)),
        "fast_p50_ms": statistics.median(fast) if fast else 0.0,
        "fast_p99_ms": percentile(fast, 99) if fast else 0.0,
        "semantic_p50_ms": statistics.median(semantic) if semantic else 0.0,
        "semantic_p99_ms": percentile(semantic, 99) if semantic else 0.0,
        "semantic_cpu_p50_ms": statistics.median(semantic_cpu) if semantic_cpu else 0.0,
        "semantic_cpu_p99_ms": percentile(semantic_cpu, 99) if semantic_cpu else 0.0,
        "repeated_p50_ms": statistics.median(repeated) if repeated else 0.0,
        "repeated_p99_ms": percentile(repeated, 99) if repeated else 0.0,
        "all_p99_ms": percentile(every, 99),
    }


def format_hybrid(r: dict[str, Any]) -> str:
    if not r.get("available"):
        return "semantic stage not available (embedding model not installed)"
    return "\n".join([
        f"model {r['model']}: {r['phrasings']} phrasings; cache build cold "
        f"{r['cold_build_s']:.1f} s (every phrasing embedded), warm {r['warm_build_s']:.2f} s",
        f"questions needing the semantic stage: {100 * r['semantic_share']:.0f} %",
        f"{'path':<30} {'p50 ms':>8} {'p99 ms':>8}",
        f"{'lexical decides alone':<30} {r['fast_p50_ms']:>8.2f} {r['fast_p99_ms']:>8.2f}",
        f"{'with the semantic stage':<30} {r['semantic_p50_ms']:>8.1f} "
        f"{r['semantic_p99_ms']:>8.1f}",
        f"{'  the same, CPU time (1 core)':<30} {r['semantic_cpu_p50_ms']:>8.1f} "
        f"{r['semantic_cpu_p99_ms']:>8.1f}",
        f"{'  asked again (vector cached)':<30} {r['repeated_p50_ms']:>8.2f} "
        f"{r['repeated_p99_ms']:>8.2f}",
        f"{'every question':<30} {'':>8} {r['all_p99_ms']:>8.1f}",
    ])
