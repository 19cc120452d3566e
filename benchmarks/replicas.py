"""Bot replicas: updates per second with one and with two ``infomigra bot --webhook`` processes
on one Redis (the embedded redis-server), fed through their webhooks.

Each replica is a real process configured through the environment, as deployed; a minimal Bot
API stand-in in this process answers their calls at once. Updates come from distinct people (no
flood control) and are spread evenly. Every reply goes through the outgoing rate limiter the
replicas share through Redis (Telegram's 30 messages/s overall), so past that rate a second
replica adds headroom (CPU, latency under a burst), not answers per second.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from benchmarks.matching import questions
from infomigra.redis_server import EmbeddedRedis

TOKEN = "123456:BENCHMARK-TOKEN-not-a-real-one"
SECRET = "bench-webhook-secret"
UPDATES = 600  # at Telegram's 30 messages/s (the shared limiter) a run takes ~20 s
CONCURRENCY = 40  # webhook posts in flight (Telegram sends many at once to a busy bot)
WARM_UP = 50  # updates per replica before the measured ones (stemmer caches, Lua scripts)
START_TIMEOUT_S = 120.0
RUN_TIMEOUT_S = 180.0


class BotApi:
    """Answers every Bot API method at once; records which chats got a message."""

    def __init__(self) -> None:
        self.webhooks = 0
        self.answered: set[int] = set()
        self.changed = asyncio.Event()
        self._ids = itertools.count(1)
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params = dict(await request.post())
        bot = {"id": 123456, "is_bot": True, "first_name": "InfoMigra", "username": "BenchBot"}
        result: Any = True
        if method == "getme":
            result = bot
        elif method == "setwebhook":
            self.webhooks += 1
        elif method in {"sendmessage", "editmessagetext"}:
            chat_id = int(str(params.get("chat_id", 0)))
            result = {"message_id": next(self._ids), "date": int(time.time()),
                      "chat": {"id": chat_id, "type": "private", "first_name": "x"},
                      "from": bot, "text": str(params.get("text", ""))}
            if method == "sendmessage":
                self.answered.add(chat_id)
        self.changed.set()
        return web.json_response({"ok": True, "result": result})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def update(n: int, text: str) -> dict[str, Any]:
    """Update ``n`` from person ``n``: ids never repeat (the bot drops an update id it has
    already taken, as Telegram re-sends after a timeout)."""
    user = 5_000_000 + n
    return {"update_id": 10_000 + n, "message": {
        "message_id": n + 1, "date": int(time.time()), "text": text,
        "chat": {"id": user, "type": "private", "first_name": "Ana"},
        "from": {"id": user, "is_bot": False, "first_name": "Ana", "language_code": "es"}}}


async def wait_for(check: Any, procs: list[subprocess.Popen[bytes]], what: str,
                   timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if any(p.poll() is not None for p in procs):
            raise RuntimeError(f"a bot process exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def measure(replicas: int, redis_url: str, tmp: Path, texts: list[str]) -> float:
    api = BotApi()
    await api.start()
    ports = [free_port() for _ in range(replicas)]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("INFOMIGRA_") and k not in {"REDIS_URL", "BOT_TOKEN"}}
    env.update({"REDIS_URL": redis_url, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url,
                "INFOMIGRA_USER_HASH_SECRET": "bench", "INFOMIGRA_LOG_LEVEL": "WARNING",
                "INFOMIGRA_DATA_DIR": str(tmp / "var"), "INFOMIGRA_RATE_LIMIT_PER_MINUTE": "1000",
                "INFOMIGRA_WEBHOOK_URL": "https://bench.example.org",
                "INFOMIGRA_WEBHOOK_SECRET": SECRET, "INFOMIGRA_WEBHOOK_HOST": "127.0.0.1"})
    procs = [subprocess.Popen([sys.executable, "-m", "infomigra.cli", "bot", "--webhook"],
                              env={**env, "INFOMIGRA_WEBHOOK_PORT": str(port)}, cwd=tmp,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
             for port in ports]
    try:
        await wait_for(lambda: api.webhooks >= replicas, procs, "the webhooks", START_TIMEOUT_S)
        hooks = [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports]
        async with aiohttp.ClientSession(
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as http:
            async def feed(numbers: range) -> float:
                queue = list(numbers)
                wanted = len(api.answered) + len(queue)

                async def poster() -> None:
                    while queue:
                        n = queue.pop()
                        async with http.post(hooks[n % replicas],
                                             json=update(n, texts[n % len(texts)])) as res:
                            res.raise_for_status()

                start = time.perf_counter()
                await asyncio.gather(*(poster() for _ in range(CONCURRENCY)))
                await wait_for(lambda: len(api.answered) >= wanted, procs, "every answer",
                               RUN_TIMEOUT_S)
                return len(numbers) / (time.perf_counter() - start)

            base = replicas * 1_000_000  # each run its own update ids and people
            await feed(range(base + UPDATES, base + UPDATES + WARM_UP * replicas))  # warm caches
            return await feed(range(base, base + UPDATES))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        await api.stop()


async def run() -> dict[int, float]:
    texts = questions()
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="im-bench-replicas-") as tmp, \
            EmbeddedRedis(Path(tmp) / "redis") as server:
        # Fill the phrasing-vector cache first, as a deployment's first start does: otherwise
        # every replica would warm its semantic stage up in the background while measured.
        subprocess.run([sys.executable, "-m", "infomigra.cli", "match"], input=b"",
                       env={**{k: v for k, v in os.environ.items()
                               if not k.startswith("INFOMIGRA_") and k != "REDIS_URL"},
                            "REDIS_URL": server.url, "INFOMIGRA_USER_HASH_SECRET": "bench",
                            "INFOMIGRA_DATA_DIR": str(Path(tmp) / "var"),
                            "INFOMIGRA_LOG_LEVEL": "WARNING"},
                       cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        for replicas in (1, 2):
            rates[replicas] = await measure(replicas, server.url, Path(tmp), texts)
    return rates


def main() -> None:
    print(f"== bot replicas: updates/s through `infomigra bot --webhook` processes on one Redis "
          f"({UPDATES} updates from {UPDATES} people, {CONCURRENCY} posts in flight; Bot API "
          f"answered at once) ==")
    rates = asyncio.run(run())
    print(f"{'replicas':>8} {'updates/s':>10}")
    for replicas, rate in rates.items():
        print(f"{replicas:>8} {rate:>10.0f}")
    print(f"two / one: {rates[2] / rates[1]:.2f} (the machine has {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
