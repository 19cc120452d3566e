"""Admin API: requests per second for GET /stats/summary over 30 days, 1k vs 100k questions.

The statistics are per-day counters, so the cost of a summary depends on the number of days
asked for, not on the number of questions: the two rows should be about the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn

from admin_api.app import create_app
from faq.apikeys import ApiKeyRegistry
from faq.matcher import Candidate, Decision, MatchResult
from infomigra.api_runner import api_config, api_services
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import build_services, redis_client
from infomigra.settings import Settings

DAYS = 30
REQUESTS = 400
CONCURRENCY = 8


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def record(services: object, clock: Clock, questions: int, end: datetime) -> None:
    stats = services.stats  # type: ignore[attr-defined]
    decisions = [Decision.ANSWER, Decision.ANSWER, Decision.SUGGEST, Decision.NONE]
    per_day = max(1, questions // DAYS)
    batch = []
    for day in range(DAYS):
        clock.now = end - timedelta(days=day, hours=3)
        for i in range(per_day):
            decision = decisions[i % 4]
            result = MatchResult(f"pregunta {i}", decision,
                                 (Candidate("passport-application", 0.9),))
            batch.append(stats.record_question(result, "es" if i % 3 else "en", f"user{i % 5000}",
                                               store_text=False))
            if len(batch) >= 200:
                await asyncio.gather(*batch)
                batch = []
    await asyncio.gather(*batch)
    clock.now = end


@contextlib.asynccontextmanager
async def running(app: object, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,  # type: ignore[arg-type]
                                           log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def measure(questions: int, tmp: Path) -> dict[str, float]:
    with EmbeddedRedis(tmp / f"redis-{questions}") as server:
        end = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
        clock = Clock(end)
        settings = Settings(data_dir=tmp / "var", redis_url=server.url,
                            user_hash_secret="bench", _env_file=None)
        redis = redis_client(server.url)
        services = build_services(settings, redis, clock=clock)
        start = time.perf_counter()
        await record(services, clock, questions, end)
        fill_s = time.perf_counter() - start
        key, _ = await ApiKeyRegistry(redis, services.keys).create("manager", "bench")
        app = create_app(api_services(services), api_config(settings))
        port = free_port()
        start_day = (end - timedelta(days=DAYS - 1)).date().isoformat()
        url = (f"http://127.0.0.1:{port}/api/v1/stats/summary?from={start_day}"
               f"&to={end.date().isoformat()}")
        async with running(app, port), httpx.AsyncClient(
                headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
            first = (await client.get(url)).json()
            latencies: list[float] = []

            async def worker(n: int) -> None:
                for _ in range(n):
                    t = time.perf_counter()
                    response = await client.get(url)
                    latencies.append((time.perf_counter() - t) * 1000)
                    response.raise_for_status()

            start = time.perf_counter()
            await asyncio.gather(*(worker(REQUESTS // CONCURRENCY) for _ in range(CONCURRENCY)))
            elapsed = time.perf_counter() - start
        await redis.aclose()
    return {"questions": first.get("questions", 0), "fill_s": fill_s,
            "rps": len(latencies) / elapsed, "p50_ms": statistics.median(latencies)}


async def run() -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="im-bench-") as tmp:
        return [await measure(n, Path(tmp)) for n in (1_000, 100_000)]


def main() -> None:
    print(f"== admin API: GET /stats/summary over {DAYS} days "
          f"({REQUESTS} requests, {CONCURRENCY} concurrent, real HTTP, one process) ==")
    rows = asyncio.run(run())
    print(f"{'questions':>10} {'req/s':>8} {'p50 ms':>8}")
    for row in rows:
        print(f"{int(row['questions']):>10} {row['rps']:>8.0f} {row['p50_ms']:>8.2f}")
    print(f"ratio 100k/1k: {rows[1]['rps'] / rows[0]['rps']:.2f} (flat = 1.0)")
