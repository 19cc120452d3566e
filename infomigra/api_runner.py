"""Running the admin API: alone (``infomigra api``) or beside the bot (``infomigra serve``).

The only place that turns ``Settings`` into ``ApiConfig`` and core ``Services`` into
``ApiServices``; ``admin_api`` itself never sees the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from uvicorn.server import HANDLED_SIGNALS

from admin_api import ApiConfig, ApiServices, create_app
from admin_api.clients import parse_networks
from admin_api.console import PREFIX as CONSOLE_PREFIX
from admin_api.console import first_run_link
from bot.health import BotHealth
from faq.apikeys import ApiKeyRegistry
from infomigra.bot_errors import BotTokenRefused
from infomigra.runtime import Services, open_services
from infomigra.settings import Settings
from infomigra.tasks import stop_task

log = logging.getLogger(__name__)
BOT_OFF_MESSAGE = "BOT_TOKEN is not set: the Telegram bot is off; the admin API is serving"
FOLLOWER_STOP_SECONDS = 3.0
BOT_STOP_SECONDS = 15.0
"""The bot's own bounded shutdown (10 s for answers in progress, then closing) plus margin."""


def api_config(settings: Settings) -> ApiConfig:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    return ApiConfig(languages=tuple(settings.languages),
                     default_language=settings.default_language, tz=settings.tz,
                     trusted_proxies=parse_networks(settings.trusted_proxy_list()),
                     auth_max_failures=settings.auth_max_failures,
                     auth_window_seconds=settings.auth_window_seconds,
                     max_body_bytes=settings.max_body_bytes,
                     max_import_bytes=settings.max_import_bytes,
                     max_import_entries=settings.max_import_entries,
                     metrics_token=token or None,
                     redis_retry_max_seconds=settings.redis_retry_max_seconds,
                     locales_dir=settings.locales_dir, docs=settings.api_docs)


async def announce_first_run(services: Services, host: str, port: int) -> str | None:
    """On a machine with no admin key yet: create one and print a one-time sign-in link for
    it to this terminal (never to the log), so a newcomer can open the console at once."""
    registry = ApiKeyRegistry(services.redis, services.keys)
    token = await first_run_link(services.redis, services.keys, registry)
    if token is None:
        return None
    await services.store.note(action="key-create", actor="first-run",
                              detail="first administrator key, for the one-time sign-in link")
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    link = f"http://{shown}:{port}{CONSOLE_PREFIX}/first-run?token={token}"
    print(f"\nNo administrator key existed, so one was created. Open this link to sign in "
          f"to the staff console (it works once, for 24 hours):\n\n    {link}\n",
          file=sys.stderr, flush=True)
    return link


def api_services(services: Services, bot: BotHealth | None = None) -> ApiServices:
    registry = ApiKeyRegistry(services.redis, services.keys)
    return ApiServices(store=services.store, stats=services.stats, live=services.live,
                       api_keys=registry, conversations=services.conversations,
                       alerts=services.alerts,
                       bot_ready=bot.ready if bot is not None else None)


@contextlib.asynccontextmanager
async def following_changes(services: Services) -> AsyncIterator[Services]:
    """Keep ``services.live`` current through the change notices while the block runs."""
    task = await services.live.start()
    try:
        yield services
    finally:
        if not await stop_task(task, FOLLOWER_STOP_SECONDS):
            log.warning("the FAQ follower did not stop within %.0f s; left behind",
                        FOLLOWER_STOP_SECONDS)


def standalone_app(settings: Settings) -> FastAPI:
    """The app that owns its Redis: opened by the lifespan at start-up, closed at shutdown."""

    @contextlib.asynccontextmanager
    async def connect() -> AsyncIterator[ApiServices]:
        async with open_services(settings) as services, following_changes(services):
            await announce_first_run(services, settings.api_host, settings.api_port)
            yield api_services(services)

    return create_app(config=api_config(settings), connect=connect)


class Server(uvicorn.Server):
    """uvicorn, except that a stop signal is not raised again after the graceful shutdown.

    uvicorn re-raises SIGINT/SIGTERM once it has stopped, which would kill the process before
    ``serve`` stops the bot and the matcher task, closes Redis and stops the embedded Redis.
    Here the server just returns; the caller finishes its own shutdown and exits 0.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


# uvicorn's own X-Forwarded-For handling is off: it would believe the header from 127.0.0.1 by
# default, so any local process could pose as any address. The app reads the header itself,
# only from INFOMIGRA_TRUSTED_PROXIES (admin_api/clients.py).
UVICORN_OPTIONS: dict[str, Any] = {"log_config": None, "access_log": False,
                                   "server_header": False, "proxy_headers": False}


def uvicorn_server(app: FastAPI, host: str, port: int, **options: Any) -> uvicorn.Server:
    """uvicorn with our logging and without its proxy-header rewriting."""
    config = uvicorn.Config(app, host=host, port=port, **{**UVICORN_OPTIONS, **options})
    return Server(config)


async def run_api(settings: Settings) -> None:
    """``infomigra api``: uvicorn on ``api_host:api_port``."""
    server = uvicorn_server(standalone_app(settings), settings.api_host, settings.api_port)
    log.info("admin API on http://%s:%d (staff console at /console)",
             settings.api_host, settings.api_port)
    await server.serve()


BotRunner = Callable[..., Awaitable[None]]


def load_bot_runner() -> BotRunner | None:
    """The bot's entry point, imported only when wanted (the API runs without aiogram set up)."""
    try:
        from infomigra.bot_runner import run_bot
    except ImportError as exc:
        log.error("the Telegram bot cannot start (%s); the admin API keeps serving", exc)
        return None
    runner: BotRunner = run_bot
    return runner


async def _bot_until_done(run_bot: BotRunner, services: Services, stop: asyncio.Event,
                          health: BotHealth) -> None:
    try:
        await run_bot(services, webhook=False, stop=stop, health=health)
    except asyncio.CancelledError:
        raise
    except BotTokenRefused as exc:
        log.error("the Telegram bot stopped: %s; the admin API keeps serving", exc)
    except Exception:
        log.exception("the Telegram bot stopped with an error; the admin API keeps serving")


async def serve_services(services: Services, settings: Settings, *, host: str, port: int,
                         server_ready: Callable[[uvicorn.Server], None] | None = None) -> None:
    """The admin API and (with ``BOT_TOKEN``) the bot in this process, on one Redis connection
    and one live matcher. Returns when the API server stops (Ctrl-C, SIGTERM)."""
    health = BotHealth() if settings.bot_token is not None else None
    app = create_app(api_services(services, health), api_config(settings))
    server = uvicorn_server(app, host, port)
    await announce_first_run(services, host, port)
    bot_task: asyncio.Task[None] | None = None
    bot_stop = asyncio.Event()
    async with following_changes(services):
        if health is None:
            log.warning(BOT_OFF_MESSAGE)
        else:
            run_bot = load_bot_runner()
            if run_bot is None:
                health.problem = "the bot could not be loaded"
            else:
                bot_task = asyncio.create_task(
                    _bot_until_done(run_bot, services, bot_stop, health), name="telegram-bot")
        log.info("admin API on http://%s:%d (staff console at /console)",
                 host, port)
        api_task = asyncio.create_task(server.serve(), name="admin-api")
        if server_ready is not None:
            server_ready(server)
        try:
            await api_task
        finally:
            server.should_exit = True
            if bot_task is not None:  # let answers in progress finish, bounded
                bot_stop.set()
                done, _ = await asyncio.wait({bot_task}, timeout=BOT_STOP_SECONDS)
                if not done and not await stop_task(bot_task, FOLLOWER_STOP_SECONDS):
                    log.warning("the Telegram bot did not stop in time; left behind")


REDIS_NOT_YET = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
"""What "the external Redis is not there yet" looks like at start-up (as ``infomigra api``)."""


async def run_serve(settings: Settings) -> None:
    """``infomigra serve``: the small deployment, everything in one process.

    An external Redis that is not up yet (compose starting both at once, a managed Redis
    restarting) is waited for, 1, 2, 4... seconds apart up to ``redis_retry_max_seconds``, with
    one line a try instead of a traceback and an exit; a stop signal while waiting exits 0."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in HANDLED_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    delay, attempt = 1.0, 1
    try:
        while True:
            stack = contextlib.AsyncExitStack()
            try:
                services = await stack.enter_async_context(open_services(settings))
                break
            except REDIS_NOT_YET as exc:
                await stack.aclose()
                (log.error if attempt == 1 else log.warning)(
                    "Redis unreachable at start-up (attempt %d: %s: %s); next try in %.0f s",
                    attempt, type(exc).__name__, exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                log.info("stopped while waiting for Redis")
                return
            delay, attempt = min(delay * 2, settings.redis_retry_max_seconds), attempt + 1
    finally:
        for sig in HANDLED_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    if attempt > 1:
        log.info("Redis reachable after %d attempts", attempt)
    async with stack:
        await serve_services(services, settings, host=settings.api_host,
                             port=settings.api_port)
