"""Admin API: ``GET /api/v1/faq`` pages at 10,000 entries under 50 concurrent clients.

The API runs as its own process (``infomigra api``, as deployed) on the embedded redis-server;
this process only generates load. The FAQ is filled with the synthetic 10,000 entries by a
helper process running the code under test, so the same script measures another checkout
(``BENCH_CODE_ROOT=/path/to/checkout``: the figures "before" in docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from benchmarks.matching import percentile
from infomigra.redis_server import EmbeddedRedis

ENTRIES = int(os.environ.get("BENCH_API_ENTRIES", "10000"))
CLIENTS = 50  # issue 14's goal: 50 concurrent clients
DURATION_S = 20.0  # measured load phase; bounded whatever the API's speed
WARM_UP_S = 3.0  # first seconds of load, not recorded (50 connections opening at once)
START_TIMEOUT_S = 300.0  # the API builds its 10,000-entry matcher before it is ready
REQUEST_TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parents[1]


def seed(redis_url: str, size: int) -> None:
    """(In the helper process) fill the FAQ and print an editor API key."""
    async def work() -> None:
        from benchmarks.synthetic import grow
        from faq.apikeys import ApiKeyRegistry
        from faq.loader import load_content
        from faq.store import FaqStore
        from infomigra.runtime import redis_client

        content = load_content()
        redis = redis_client(redis_url)
        store = FaqStore(redis)
        await store.save_categories(content.categories)
        entries = [vary(i, e) for i, e in enumerate(grow(content.entries, size))]
        for start in range(0, len(entries), 500):
            await store.save_many([(e, 0) for e in entries[start:start + 500]], actor="bench",
                                  action="seed")
        key, _ = await ApiKeyRegistry(redis, store.keys).create("editor", "bench")
        await redis.aclose()
        print(key)

    asyncio.run(work())


def vary(i: int, entry: Any) -> Any:
    """Spread the synthetic FAQ over the console's filters: one entry in 7 a draft, one in 5
    last reviewed in 2025 (due for review), the rest as grown."""
    from datetime import date

    from faq.models import Status

    changes: dict[str, Any] = {}
    if i % 7 == 3:
        changes["status"] = Status.DRAFT
    if i % 5 == 1:
        changes["reviewed_on"] = date(2025, 9, 1)
    return entry.model_copy(update=changes) if changes else entry


def requests_mix(categories: list[str]) -> list[dict[str, Any]]:
    """What a console asks: plain pages anywhere in the list, one category, the published ones,
    the entries due for review, a category's drafts."""
    rng = random.Random(14)
    mix: list[dict[str, Any]] = []
    for _ in range(200):
        kind = rng.randrange(5)
        if kind == 0:
            mix.append({"limit": 50, "offset": rng.randrange(0, ENTRIES, 50)})
        elif kind == 1:
            mix.append({"limit": 50, "category": rng.choice(categories)})
        elif kind == 2:
            mix.append({"limit": 50, "status": "published", "offset": rng.randrange(0, 5000, 50)})
        elif kind == 3:
            mix.append({"limit": 50, "reviewed_before": "2026-06-01"})
        else:
            mix.append({"limit": 50, "category": rng.choice(categories), "status": "draft"})
    return mix


async def load(url: str, key: str, mix: list[dict[str, Any]]) -> dict[str, Any]:
    """``CLIENTS`` loops, each sending its next request when the last one is answered (no
    think time: the worst a console crowd can do). The first ``WARM_UP_S`` (connections
    opening) are not recorded. aiohttp, not httpx: it costs the load generator a third of the
    CPU per request, on a machine the server shares."""
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    warm_until = time.perf_counter() + WARM_UP_S
    deadline = warm_until + DURATION_S
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(url, headers={"Authorization": f"Bearer {key}"},
                                     connector=connector, timeout=timeout) as http:
        async def client(n: int) -> None:
            i = n
            while time.perf_counter() < deadline:
                params = {k: str(v) for k, v in mix[i % len(mix)].items()}
                i += CLIENTS
                t = time.perf_counter()
                try:
                    async with http.get("/api/v1/faq", params=params) as res:
                        await res.read()
                        outcome = str(res.status)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    outcome = type(exc).__name__
                if t >= warm_until:
                    latencies.append((time.perf_counter() - t) * 1000)
                    kind = "+".join(k for k in sorted(params) if k not in {"limit", "offset"})
                    by_kind.setdefault(kind or "plain", []).append(latencies[-1])
                    statuses[outcome] = statuses.get(outcome, 0) + 1

        await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return {"requests": len(latencies), "rps": len(latencies) / DURATION_S,
            "p50_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 99),
            "statuses": statuses,
            "p99_by_kind": {k: round(percentile(v, 99)) for k, v in sorted(by_kind.items())}}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell server from client cost."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(url: str, api: subprocess.Popen[bytes], log: Path) -> float:
    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        while time.perf_counter() - start < START_TIMEOUT_S:
            if api.poll() is not None:
                raise RuntimeError(f"infomigra api exited: {log.read_text()[-2000:]}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return time.perf_counter() - start
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("infomigra api was not ready in time")


def run() -> dict[str, Any]:
    code_root = Path(os.environ.get("BENCH_CODE_ROOT", ROOT)).resolve()
    env_base = {k: v for k, v in os.environ.items()
                if not k.startswith("INFOMIGRA_") and k not in {"REDIS_URL", "BOT_TOKEN"}}
    env_base["PYTHONPATH"] = str(code_root)
    with tempfile.TemporaryDirectory(prefix="im-bench-list-") as tmp, \
            EmbeddedRedis(Path(tmp) / "redis") as server:
        # Lexical-only: a page of the list never touches the matcher, and embedding the 280,000
        # phrasings of the synthetic FAQ (the model's cache starts empty here) would take the
        # API's second core for about an hour, which is not what this measures.
        env = {**env_base, "REDIS_URL": server.url, "INFOMIGRA_USER_HASH_SECRET": "bench",
               "INFOMIGRA_DATA_DIR": str(Path(tmp) / "var"), "INFOMIGRA_LOG_LEVEL": "WARNING",
               "INFOMIGRA_SEMANTIC": "false"}
        seeded = subprocess.run([sys.executable, "-m", "benchmarks.api_list", "seed",
                                 server.url, str(ENTRIES)], env=env, cwd=code_root,
                                capture_output=True, text=True, check=True)
        key = seeded.stdout.strip().splitlines()[-1]
        port = free_port()
        log = Path(tmp) / "api.log"
        with log.open("wb") as out:
            api = subprocess.Popen([sys.executable, "-m", "infomigra.cli", "api"],
                                   env={**env, "INFOMIGRA_API_PORT": str(port)}, cwd=tmp,
                                   stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            ready_s = asyncio.run(wait_ready(url, api, log))
            from faq.loader import load_content

            categories = [c.id for c in load_content().categories]
            api_cpu, own_cpu = cpu_seconds(api.pid), time.process_time()
            result = asyncio.run(load(url, key, requests_mix(categories)))
            result["api_cpu_ms"] = (cpu_seconds(api.pid) - api_cpu) * 1000 / result["requests"]
            result["client_cpu_ms"] = (time.process_time() - own_cpu) * 1000 / result["requests"]
        finally:
            api.terminate()
            try:
                api.wait(timeout=20)
            except subprocess.TimeoutExpired:
                api.kill()
                api.wait()
    return {"code": str(code_root), "ready_s": ready_s, **result}


def main() -> None:
    print(f"== admin API: GET /api/v1/faq (pages of 50, console filters) at {ENTRIES:,} entries, "
          f"{CLIENTS} concurrent clients for {DURATION_S:.0f} s; `infomigra api` in its own "
          "process ==")
    r = run()
    errors = sum(n for s, n in r["statuses"].items() if not s.startswith("2"))
    print(f"{'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
          f"{'API CPU ms/req':>14} {'client CPU ms/req':>17}  outcomes")
    print(f"{r['requests']:>8} {r['rps']:>7.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
          f"{errors:>8} {r['api_cpu_ms']:>14.2f} {r['client_cpu_ms']:>17.2f}  {r['statuses']}"
          f"  (API ready after {r['ready_s']:.1f} s; load average {os.getloadavg()[0]:.1f})")
    print(f"p99 ms by request kind: {r['p99_by_kind']}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "seed":
        seed(sys.argv[2], int(sys.argv[3]))
    else:
        main()
