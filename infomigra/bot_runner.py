"""Running the Telegram bot on the services: long polling or webhook.

``infomigra bot`` calls ``run_bot``; ``infomigra serve`` runs it beside the admin API in one
process. It runs until cancelled and leaves the services (Redis connection) to its caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.config import BotConfig
from bot.factory import create_bot, create_dispatcher
from infomigra.runtime import Services

log = logging.getLogger(__name__)


class BotNotConfigured(RuntimeError):
    """A setting the bot needs is missing; the message says which."""


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
    )


def build_bot(services: Services) -> tuple[Bot, Dispatcher]:
    token = services.settings.bot_token
    if token is None:
        raise BotNotConfigured("BOT_TOKEN is not set")
    bot = create_bot(token.get_secret_value(), services.settings.telegram_api_url)
    dp = create_dispatcher(store=services.store, live=services.live, stats=services.stats,
                           config=bot_config(services), redis=services.redis,
                           clock=services.store.clock)
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


async def run_bot(services: Services, *, webhook: bool) -> None:
    """Answer Telegram until cancelled; the FAQ snapshot follows store changes meanwhile."""
    bot, dp = build_bot(services)
    address = webhook_address(services) if webhook else ""
    # `serve` already follows the changes for the API: share its follower, do not start a second.
    follower = None if services.live.following else await services.live.start()
    try:
        if webhook:
            await _serve_webhook(bot, dp, services, address)
        else:
            await _poll(bot, dp)
    finally:
        if follower is not None:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
        await bot.session.close()


async def _poll(bot: Bot, dp: Dispatcher) -> None:
    try:
        await bot.delete_webhook(drop_pending_updates=False)  # getUpdates fails while one is set
    except TelegramNetworkError as exc:
        log.warning("Telegram unreachable at start (%s); polling retries", type(exc).__name__)
    # Signals belong to the process owner (the CLI, or `serve` beside uvicorn): cancel to stop.
    await dp.start_polling(bot, handle_signals=False, close_bot_session=False)


async def _serve_webhook(bot: Bot, dp: Dispatcher, services: Services, address: str) -> None:
    settings = services.settings
    secret = webhook_secret(services)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        app, path="/" + settings.webhook_path.strip("/"))
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await bot.set_webhook(address, secret_token=secret,
                              allowed_updates=dp.resolve_used_update_types())
        log.info("webhook listening on %s:%d%s", settings.webhook_host, settings.webhook_port,
                 settings.webhook_path)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
