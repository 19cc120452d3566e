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
