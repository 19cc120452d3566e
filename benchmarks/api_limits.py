"""Admin API under hostile or heavy input (issue 13): /healthz while a big import is parsed, and
memory while a 50 MB body is refused. Real HTTP; the server runs in its own thread and event loop
(as in its own process), so the client's own work (encoding an 8 MB upload) is not counted.

Goals: /healthz p99 <= 100 ms during an import of 1,500 entries (~6.8 MB; it was 22 s for a
2 MB import when imports were parsed on the event loop), and the resident set growing by less
than 10 MB while a 50 MB body without a key is refused (it grew by 285 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import uvicorn
import yaml

from admin_api import ApiServices
from admin_api.app import create_app
from benchmarks.api import free_port
from benchmarks.synthetic import grow
from faq.apikeys import ApiKeyRegistry
from infomigra.api_runner import api_config, api_services
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import build_services, redis_client
from infomigra.settings import Settings

IMPORT_ENTRIES = 1_500
BODY_BYTES = 50_000_000


@contextlib.asynccontextmanager
async def serving(app: object, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,  # type: ignore[arg-type]
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def healthz_during_import(client: httpx.AsyncClient, base: str, key: str,
                                upload: bytes) -> dict[str, float]:
    idle = []
    for _ in range(50):
        t = time.perf_counter()
        (await client.get(f"{base}/healthz")).raise_for_status()
        idle.append((time.perf_counter() - t) * 1000)

    def upload_file() -> httpx.Response:  # its own thread: encoding 8 MB is not /healthz's wait
        with httpx.Client(timeout=120) as uploader:
            return uploader.post(f"{base}/api/v1/faq/import", params={"dry_run": True},
                                 files={"file": ("faq.yaml", upload, "application/yaml")},
                                 headers={"Authorization": f"Bearer {key}"})

    importing = asyncio.create_task(asyncio.to_thread(upload_file))
    busy = []
    start = time.perf_counter()
    while not importing.done():
        t = time.perf_counter()
        (await client.get(f"{base}/healthz")).raise_for_status()
        busy.append((time.perf_counter() - t) * 1000)
        await asyncio.sleep(0.01)
    took = time.perf_counter() - start
    (await importing).raise_for_status()
    busy.sort()
    return {"idle_p50": statistics.median(idle), "p50": statistics.median(busy),
            "p99": busy[min(len(busy) - 1, int(len(busy) * 0.99))], "max": busy[-1],
            "n": len(busy), "import_s": took}


async def body_memory(base: str) -> dict[str, float]:
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    before = rss_mb()
    writer.write(f"POST /api/v1/faq HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json"
                 f"\r\nContent-Length: {BODY_BYTES}\r\n\r\n".encode())
    chunk = b"x" * (1 << 20)

    async def send() -> None:
        for _ in range(BODY_BYTES // len(chunk)):
            writer.write(chunk)
            await writer.drain()

    sending = asyncio.create_task(send())
    t = time.perf_counter()
    status = int((await reader.readline()).split()[1])
    answer_ms = (time.perf_counter() - t) * 1000
    await sending  # the whole 50 MB, as a careless client would send it
    after = rss_mb()
    writer.close()
    return {"status": status, "answer_ms": answer_ms, "before": before, "after": after}


async def run() -> tuple[dict[str, float], dict[str, float], float]:
    with tempfile.TemporaryDirectory(prefix="im-bench-") as tmp, \
            EmbeddedRedis(Path(tmp) / "redis") as server:
        settings = Settings(data_dir=Path(tmp) / "var", redis_url=server.url,
                            user_hash_secret="bench", _env_file=None)
        redis = redis_client(server.url)
        services = build_services(settings, redis)
        await services.store.seed(services.content.entries, services.content.categories)
        await services.live.refresh()
        await services.live.semantic_warmed_up()  # not measured beside a cold warm-up
        key, _ = await ApiKeyRegistry(redis, services.keys).create("editor", "bench")
        entries = grow(services.content.entries, IMPORT_ENTRIES)
        upload = yaml.safe_dump({"entries": [e.content() for e in entries]},
                                allow_unicode=True, sort_keys=False).encode()

        @contextlib.asynccontextmanager
        async def connect() -> AsyncIterator[ApiServices]:  # in the server's own loop
            own = redis_client(server.url)
            try:
                served = build_services(settings, own)
                await served.live.refresh()
                await served.live.semantic_warmed_up()
                yield api_services(served)
            finally:
                await own.aclose()

        app = create_app(config=api_config(settings), connect=connect)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        async with serving(app, port), httpx.AsyncClient(timeout=120) as client:
            during = await healthz_during_import(client, base, key, upload)
            memory = await body_memory(base)
        await redis.aclose()
    return during, memory, len(upload) / 1e6


def main() -> None:
    print(f"== admin API under load: /healthz while importing {IMPORT_ENTRIES:,} entries; "
          f"a {BODY_BYTES // 1_000_000} MB body without a key ==")
    during, memory, size_mb = asyncio.run(run())
    print(f"import of {size_mb:.1f} MB (dry run): {during['import_s']:.2f} s")
    print(f"{'/healthz':>10} {'idle p50':>9} {'p50':>7} {'p99':>7} {'max':>7} {'answers':>8}")
    print(f"{'ms':>10} {during['idle_p50']:>9.1f} {during['p50']:>7.1f} {during['p99']:>7.1f} "
          f"{during['max']:>7.1f} {int(during['n']):>8}")
    print(f"50 MB POST: {int(memory['status'])} after {memory['answer_ms']:.0f} ms; resident set "
          f"{memory['before']:.0f} -> {memory['after']:.0f} MB "
          f"({memory['after'] - memory['before']:+.1f} MB)")
