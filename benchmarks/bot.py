"""Bot throughput: updates per second through ``Dispatcher.feed_update``.

The real dispatcher (middlewares, routers, matcher, stats and per-user writes on a real embedded
Redis) against a bare echo handler in the same run, both sending their reply through a session
that answers Telegram's methods locally: the ratio is what the bot's own work costs.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import tempfile
import time
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message, Update

from benchmarks.matching import questions
from bot.factory import create_dispatcher
from bot.sender import DeliveryMiddleware
from infomigra.bot_runner import bot_config
from infomigra.embedding import QueryVectors
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import build_services, redis_client
from infomigra.settings import Settings

UPDATES = 1500
RETRY_QUESTIONS = 1000
RETRY_EVERY = 10
"""One send in ten is answered 429 (retry_after 1 s, Telegram's smallest)."""
CONCURRENCY = 20
USERS = 300
TOKEN = "123456:BENCHMARK-TOKEN-not-a-real-one"


class LocalSession(BaseSession):
    """Answers every Bot API call in-process: Telegram is outside what is measured."""

    def __init__(self, refuse_every: int = 0) -> None:
        super().__init__()
        self.calls = 0
        self.refuse_every = refuse_every
        self.refused = 0
        self._sends = itertools.count(1)
        self._ids = itertools.count(1000)

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        self.calls += 1
        if isinstance(method, SendMessage):
            if self.refuse_every and next(self._sends) % self.refuse_every == 0:
                self.refused += 1
                raise TelegramRetryAfter(method=method, message="Too Many Requests: retry "
                                         "after 1", retry_after=1)
            return Message.model_validate({  # type: ignore[return-value]
                "message_id": next(self._ids), "date": int(time.time()),
                "chat": {"id": method.chat_id, "type": "private"},
                "from": {"id": 1, "is_bot": True, "first_name": "InfoMigra"},
                "text": method.text})
        return True  # type: ignore[return-value]

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None,
                             timeout: int = 30, chunk_size: int = 65536,
                             raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b""

    async def close(self) -> None:
        return None


def update(n: int, text: str) -> Update:
    user = 10_000 + n % USERS
    return Update.model_validate({"update_id": n, "message": {
        "message_id": n, "date": int(time.time()), "text": text,
        "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Test", "language_code": "es"}}})


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def throughput(dp: Dispatcher, bot: Bot, texts: list[str]) -> float:
    updates = [update(n, texts[n % len(texts)]) for n in range(UPDATES)]
    queue: asyncio.Queue[Update] = asyncio.Queue()
    for u in updates:
        queue.put_nowait(u)

    async def worker() -> None:
        while not queue.empty():
            await dp.feed_update(bot, queue.get_nowait())

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return UPDATES / (time.perf_counter() - start)


async def run() -> tuple[float, float, int, float]:
    """Updates/s of the echo dispatcher, of InfoMigra with the question-vector cache (the dev
    questions come round again every 158 updates, as popular questions do), and without it
    (every semantic question embedded: the model's one thread is the bottleneck)."""
    texts = questions()
    with tempfile.TemporaryDirectory(prefix="im-bench-bot-") as tmp, \
            EmbeddedRedis(Path(tmp) / "redis") as server:
        settings = Settings(data_dir=Path(tmp) / "var", redis_url=server.url,
                            user_hash_secret="bench", rate_limit_per_minute=1000,
                            _env_file=None)
        redis = redis_client(server.url)
        services = build_services(settings, redis)
        await services.store.seed(services.content.entries, services.content.categories)
        await services.live.refresh()
        await services.live.semantic_warmed_up()  # measure the whole cascade, not the warm-up
        session = LocalSession()
        bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        real = create_dispatcher(store=services.store, live=services.live, stats=services.stats,
                                 config=bot_config(services))
        await throughput(real, bot, texts[:20])  # warm up caches and the Lua scripts
        echo_rate = await throughput(echo_dispatcher(), bot, texts)
        embedder = services.live.embedder
        cache = getattr(embedder, "queries", None)
        uncached_rate = 0.0
        if isinstance(cache, QueryVectors):
            embedder.queries = QueryVectors(size=0)  # type: ignore[union-attr]
            uncached_rate = await throughput(real, bot, texts)
            embedder.queries = cache  # type: ignore[union-attr]
        real_rate = await throughput(real, bot, texts)
        stored = await redis.dbsize()
        await redis.aclose()
    return real_rate, echo_rate, int(stored), uncached_rate


async def retry_run() -> tuple[int, int, int, float, float]:
    """Delivered, lost, 429s answered, seconds without and with 429s (same questions)."""
    texts = questions()
    timings = []
    with tempfile.TemporaryDirectory(prefix="im-bench-429-") as tmp, \
            EmbeddedRedis(Path(tmp) / "redis") as server:
        settings = Settings(data_dir=Path(tmp) / "var", redis_url=server.url,
                            user_hash_secret="bench", rate_limit_per_minute=1000,
                            _env_file=None)
        redis = redis_client(server.url)
        services = build_services(settings, redis)
        await services.store.seed(services.content.entries, services.content.categories)
        await services.live.refresh()
        await services.live.semantic_warmed_up()  # measure the whole cascade, not the warm-up
        config = bot_config(services)
        refused = 0
        for every in (0, RETRY_EVERY):
            await redis.delete(*[k async for k in redis.scan_iter(match="im:stats:*")] or
                               ["-"])
            session = LocalSession(refuse_every=every)
            # The retrying sender, without the shared limiter (its 30 messages/s would
            # dominate: this line measures what the 429s cost).
            session.middleware(DeliveryMiddleware(secret=config.user_hash_secret,
                                                  policy=config.send_policy))
            bot = Bot(TOKEN, session=session,
                      default=DefaultBotProperties(parse_mode=ParseMode.HTML))
            dp = create_dispatcher(store=services.store, live=services.live,
                                   stats=services.stats, config=config)
            updates = [update(n, texts[n % len(texts)]) for n in range(RETRY_QUESTIONS)]
            queue: asyncio.Queue[Update] = asyncio.Queue()
            for u in updates:
                queue.put_nowait(u)

            async def worker(dp: Dispatcher = dp, bot: Bot = bot,
                             queue: asyncio.Queue[Update] = queue) -> None:
                while not queue.empty():
                    await dp.feed_update(bot, queue.get_nowait())

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            timings.append(time.perf_counter() - start)
            refused = session.refused
        day = services.stats.today()
        totals = await services.stats.summary(day, day)
        await redis.aclose()
    delivered = totals.answered + totals.suggested + totals.unmatched
    return delivered, totals.delivery_failed, refused, timings[0], timings[1]


def main() -> None:
    print(f"== bot: updates/s through Dispatcher.feed_update ({UPDATES} updates, {USERS} users, "
          f"{CONCURRENCY} at a time; Telegram answered in-process) ==")
    real, echo, keys, uncached = asyncio.run(run())
    print(f"{'dispatcher':<44} {'updates/s':>10}")
    print(f"{'bare echo handler':<44} {echo:>10.0f}")
    print(f"{'InfoMigra (hybrid match+stats+Redis)':<44} {real:>10.0f}")
    print(f"{'  the same, every question embedded anew':<44} {uncached:>10.0f}")
    print(f"ratio: {real / echo:.2f} (target >= 0.5); Redis keys afterwards: {keys}")
    logging.getLogger("bot.sender").setLevel(logging.ERROR)  # one warning per 429 otherwise
    delivered, lost, refused, plain, with_429 = asyncio.run(retry_run())
    print(f"429 on 1 send in {RETRY_EVERY} ({RETRY_QUESTIONS} questions, {refused} sends "
          f"refused, retry_after 1 s): answers delivered {delivered}, answers lost {lost} "
          f"(must be 0), extra seconds {with_429 - plain:.1f} ({plain:.1f} s -> "
          f"{with_429:.1f} s)")
