"""Running the Telegram bot on the services: long polling or webhook.

``infomigra bot`` calls ``run_bot``; ``infomigra serve`` runs it beside the admin API in one
process. It runs until ``stop`` is set (SIGTERM) or it is cancelled, and leaves the services
(Redis connection) to its caller.

Stopping is graceful and bounded: no more updates are taken (``dp.stop_polling()``, or the
webhook server closes), the updates being answered get ``BotConfig.shutdown_seconds`` to finish,
then the FAQ follower and the HTTP session are closed, each with a timeout. A token Telegram
refuses at start raises ``BotTokenRefused`` at once instead of retrying forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramNotFound,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.config import BotConfig
from bot.factory import create_bot, create_dispatcher
from bot.guard import RedisGuard
from bot.health import BotHealth
from bot.middlewares.inflight import InFlight
from bot.sender import Delivery
from faq.keys import Keys
from infomigra.bot_errors import BotNotConfigured, BotTokenRefused
from infomigra.people import people_tasks, send_limits, stop_people_tasks
from infomigra.runtime import Services
from infomigra.settings import Settings
from infomigra.tasks import stop_task

log = logging.getLogger(__name__)

__all__ = ["BotNotConfigured", "BotTokenRefused", "bot_config", "check_token", "run_bot"]

CLOSE_SECONDS = 3.0
"""Closing the HTTP session and the FAQ follower: quick, or abandoned (exit must not hang)."""
START_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.6, jitter=0.1)
"""Telegram unreachable at start: aiogram's own polling backoff figures."""


def bot_config(services: Services) -> BotConfig:
    settings = services.settings
    return BotConfig(
        user_hash_secret=services.user_hash_secret,
        locales_dir=settings.locales_dir,
        languages=tuple(settings.languages),
        default_language=settings.default_language,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        retention_days=settings.retention_days,
        max_stored_question_chars=settings.max_stored_question_chars,
        office_hours=settings.office() if services.conversations is not None else None,
        conversation_retention_days=settings.conversation_retention_days,
        alerts_enabled=services.alerts is not None,
        rate_limits=send_limits(settings),
    )


def build_bot(services: Services, config: BotConfig | None = None,
              health: BotHealth | None = None) -> tuple[Bot, Dispatcher]:
    token = services.settings.bot_token
    if token is None:
        raise BotNotConfigured("BOT_TOKEN is not set")
    config = config or bot_config(services)
    delivery = Delivery(services.redis, services.keys, config, health)
    bot = create_bot(token.get_secret_value(), services.settings.telegram_api_url,
                     delivery=delivery)
    dp = create_dispatcher(store=services.store, live=services.live, stats=services.stats,
                           config=config, redis=services.redis, clock=services.store.clock,
                           delivery=delivery, conversations=services.conversations,
                           alerts=services.alerts)
    return bot, dp


def webhook_secret(services: Services) -> str:
    """The configured secret, else one derived from the user-hash secret.

    Derived, not random, so every replica behind a load balancer registers and checks the same
    value (they already share the user-hash secret).
    """
    configured = services.settings.webhook_secret
    if configured is not None:
        return configured.get_secret_value()
    return hmac.new(services.user_hash_secret, b"telegram-webhook-secret",
                    hashlib.sha256).hexdigest()


def webhook_address(services: Services) -> str:
    settings = services.settings
    if not settings.webhook_url:
        raise BotNotConfigured("INFOMIGRA_WEBHOOK_URL is not set (the public https address "
                               "Telegram sends updates to)")
    url = settings.webhook_url.rstrip("/")
    path = "/" + settings.webhook_path.strip("/")
    return url if url.endswith(path) else url + path


async def run_bot(services: Services, *, webhook: bool, stop: asyncio.Event | None = None,
                  health: BotHealth | None = None, config: BotConfig | None = None) -> None:
    """Answer Telegram until ``stop`` is set (or cancelled); the FAQ snapshot follows store
    changes meanwhile. ``health`` learns when Telegram was last heard (for ``/readyz``)."""
    config = config or bot_config(services)
    health = health or BotHealth()
    bot, dp = build_bot(services, config, health)
    stop = stop or asyncio.Event()
    address = webhook_address(services) if webhook else ""
    follower: asyncio.Task[None] | None = None
    people = people_tasks(bot, dp, services)
    try:
        await _check_token(bot, stop, health)
        # `serve` already follows the changes for the API: share its follower, not a second.
        if not services.live.following:
            follower = await services.live.start()
        if not stop.is_set():
            if webhook:
                await _serve_webhook(bot, dp, services, address, stop, config, health)
            else:
                await _poll(bot, dp, stop, config)
    finally:
        await stop_people_tasks(people, CLOSE_SECONDS)
        if follower is not None and not await stop_task(follower, CLOSE_SECONDS):
            log.warning("the FAQ follower did not stop within %.0f s; left behind",
                        CLOSE_SECONDS)
        try:
            await asyncio.wait_for(bot.session.close(), CLOSE_SECONDS)
        except TimeoutError:
            log.warning("closing the Telegram session took over %.0f s", CLOSE_SECONDS)


async def check_token(settings: Settings, stop: asyncio.Event) -> None:
    """Ask Telegram about the token before anything else starts (Redis, the FAQ snapshot), so
    a refused one ends ``infomigra bot`` within a second or two of Telegram's answer."""
    if settings.bot_token is None:
        raise BotNotConfigured("BOT_TOKEN is not set")
    bot = create_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url)
    try:
        await _check_token(bot, stop, BotHealth())
    finally:
        await asyncio.wait_for(bot.session.close(), CLOSE_SECONDS)


async def _check_token(bot: Bot, stop: asyncio.Event, health: BotHealth) -> None:
    """getMe until Telegram answers: a refused token ends here, an outage is waited out."""
    backoff = Backoff(config=START_BACKOFF)
    while not stop.is_set():
        try:
            me = await bot.me()
        except (TelegramUnauthorizedError, TelegramNotFound) as exc:
            health.problem = "Telegram refused BOT_TOKEN"
            raise BotTokenRefused(
                "Telegram refused BOT_TOKEN (getMe answered "
                f"{'401 Unauthorized' if isinstance(exc, TelegramUnauthorizedError) else '404'})"
                ": the token is wrong or was revoked; get the current one from @BotFather"
            ) from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.warning("Telegram unreachable at start (%s); trying again in %.0f s",
                        type(exc).__name__, backoff.next_delay)
            await _sleep_or_stop(backoff.next_delay, stop)
            next(backoff)
            continue
        health.mark()
        log.info("connected to Telegram as a bot with %s", "inline mode" if
                 me.supports_inline_queries else "no inline mode")
        return


async def _sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _finish_updates(dp: Dispatcher, config: BotConfig) -> None:
    inflight: InFlight = dp["inflight"]
    if inflight.count:
        log.info("stopping: %d update(s) still being answered", inflight.count)
    if not await inflight.drain(config.shutdown_seconds):
        log.warning("stopping: %d update(s) did not finish within %.0f s", inflight.count,
                    config.shutdown_seconds)


async def _poll(bot: Bot, dp: Dispatcher, stop: asyncio.Event, config: BotConfig) -> None:
    try:
        await bot.delete_webhook(drop_pending_updates=False)  # getUpdates fails while one is set
    except (TelegramNetworkError, TelegramServerError) as exc:
        log.warning("Telegram unreachable at start (%s); polling retries", type(exc).__name__)
    # Signals belong to the process owner (the CLI, or `serve` beside uvicorn): it sets `stop`.
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False,
                                                   close_bot_session=False),
                                  name="telegram-polling")
    stopping = asyncio.create_task(stop.wait(), name="telegram-stop")
    try:
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        stop.set()  # cancelled by the caller: still stop gracefully, then re-raise
        await _stop_polling(dp, polling, config)
        raise
    finally:
        stopping.cancel()
    if polling.done():
        polling.result()  # polling ended by itself: its error is the caller's to see
        return
    await _stop_polling(dp, polling, config)


async def _stop_polling(dp: Dispatcher, polling: asyncio.Task[None],
                        config: BotConfig) -> None:
    if not polling.done():
        try:
            await asyncio.wait_for(dp.stop_polling(), CLOSE_SECONDS)
        except (TimeoutError, RuntimeError):  # RuntimeError: polling had not started yet
            await stop_task(polling, CLOSE_SECONDS)
    await _finish_updates(dp, config)


class WebhookHandler(SimpleRequestHandler):
    """aiogram's handler, stricter at the door: a body that is not a Telegram update is a 400
    (not a 500), and an update delivered twice (Telegram re-sends after a timeout) is taken
    once: its id is remembered in Redis for ``BotConfig.update_dedupe_seconds``, so every
    replica behind the load balancer knows it. The bot session is closed by ``run_bot``."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, secret_token: str, redis: Any,
                 keys: Keys, config: BotConfig, health: BotHealth) -> None:
        super().__init__(dispatcher=dispatcher, bot=bot, secret_token=secret_token)
        self.redis = redis
        self.keys = keys
        self.config = config
        self.health = health
        self.guard = RedisGuard()

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            raw = json.loads(await request.read())
            update = Update.model_validate(raw, context={"bot": bot})
        except (ValueError, ValidationError):
            log.warning("webhook: a request with the right secret was not a Telegram update")
            return web.json_response({"ok": False, "description": "not a Telegram update"},
                                     status=400)
        self.health.mark()
        if not await self._first_time(update.update_id):
            log.info("webhook: update %d delivered again; already taken", update.update_id)
            return web.json_response({})
        task = asyncio.create_task(self._feed(bot, update))
        self._background_feed_update_tasks.add(task)
        task.add_done_callback(self._background_feed_update_tasks.discard)
        return web.json_response({})

    async def _first_time(self, update_id: int) -> bool:
        async def claim() -> bool:
            return bool(await self.redis.set(self.keys.update_seen(update_id), 1, nx=True,
                                              ex=self.config.update_dedupe_seconds))

        return await self.guard.run(claim, True)  # Redis away: answering twice beats never

    async def _feed(self, bot: Bot, update: Update) -> None:
        await self.dispatcher.feed_update(bot, update, **self.data)

    async def close(self) -> None:
        return None


async def _serve_webhook(bot: Bot, dp: Dispatcher, services: Services, address: str,
                         stop: asyncio.Event, config: BotConfig, health: BotHealth) -> None:
    settings = services.settings
    secret = webhook_secret(services)
    app = web.Application()
    handler = WebhookHandler(dp, bot, secret_token=secret, redis=services.redis,
                             keys=services.keys, config=config, health=health)
    handler.register(app, path="/" + settings.webhook_path.strip("/"))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=CLOSE_SECONDS)
    await runner.setup()
    workflow = {**dp.workflow_data, "bot": bot, "dispatcher": dp}
    started = False
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await dp.emit_startup(**workflow)
        started = True
        await bot.set_webhook(address, secret_token=secret,
                              allowed_updates=dp.resolve_used_update_types())
        health.mark()
        log.info("webhook listening on %s:%d%s", settings.webhook_host, settings.webhook_port,
                 settings.webhook_path)
        await stop.wait()
    finally:  # also when cancelled: the awaits below still run, each bounded
        await runner.cleanup()  # no new updates; those being answered finish below
        taken = set(handler._background_feed_update_tasks)  # accepted, maybe not yet started
        if taken:
            await asyncio.wait(taken, timeout=config.shutdown_seconds)
        await _finish_updates(dp, config)
        if started:
            await dp.emit_shutdown(**workflow)
