"""The background work behind talking to a person and alerts, in the bot's process or alone.

``infomigra bot`` / ``serve`` run, beside the bot: the outbox worker (staff replies to chats),
the broadcast worker (approved alerts) and the retention sweep (closed conversations deleted
after ``INFOMIGRA_CONVERSATION_RETENTION_DAYS``). ``infomigra broadcast`` runs only the broadcast
worker, for a deployment that wants alerts delivered by a process of its own.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher

from bot.ratelimit import Bucket, Limits
from faq.conversations import ConversationDesk
from infomigra.runtime import Services
from infomigra.settings import Settings
from infomigra.tasks import stop_task

log = logging.getLogger(__name__)
SWEEP_SECONDS = 3600.0
"""Retention is counted in days: an hourly sweep deletes a conversation at most an hour late."""


def send_limits(settings: Settings) -> Limits:
    """Telegram's limits, with the overall rate from the settings (30/s is Telegram's figure;
    a test or a bot with a raised limit sets another)."""
    default = Limits()
    return Limits(overall=Bucket(settings.telegram_messages_per_second, 1.0,
                                 default.overall.burst),
                  private=default.private, group=default.group,
                  max_wait_seconds=default.max_wait_seconds)


async def sweep_conversations(desk: ConversationDesk, every: float = SWEEP_SECONDS) -> None:
    while True:
        try:
            deleted = await desk.expire()
            if deleted:
                log.info("retention: %d closed conversation(s) deleted", deleted)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("retention sweep failed (%s); trying again later", type(exc).__name__)
        await asyncio.sleep(every)


def people_tasks(bot: Bot, dp: Dispatcher, services: Services) -> list[asyncio.Task[None]]:
    from bot.broadcast import BroadcastWorker
    from bot.outbox import OutboxWorker

    settings = services.settings
    tasks = []
    if services.conversations is not None:
        outbox = OutboxWorker(bot, services.conversations, dp["i18n"],
                              default_language=settings.default_language)
        tasks.append(asyncio.create_task(outbox.run(), name="conversation-outbox"))
        tasks.append(asyncio.create_task(sweep_conversations(services.conversations),
                                         name="conversation-retention"))
    if services.alerts is not None:
        broadcast = BroadcastWorker(bot, services.alerts, dp["i18n"],
                                    concurrency=settings.alert_concurrency)
        tasks.append(asyncio.create_task(broadcast.run(), name="alert-broadcast"))
    return tasks


async def stop_people_tasks(tasks: list[asyncio.Task[None]], timeout: float) -> None:
    for task in tasks:
        if not await stop_task(task, timeout):
            log.warning("background task %s did not stop within %.0f s", task.get_name(),
                        timeout)


async def run_broadcast(services: Services, stop: asyncio.Event, *,
                        lease_ms: int = 15_000, poll_seconds: float = 2.0) -> None:
    """``infomigra broadcast``: deliver approved alerts until ``stop`` is set."""
    from bot.broadcast import BroadcastWorker
    from bot.factory import create_bot
    from bot.i18n import build_i18n
    from bot.sender import Delivery
    from infomigra.bot_runner import bot_config

    token = services.settings.bot_token
    if services.alerts is None or token is None:
        raise RuntimeError("alerts are off, or BOT_TOKEN is not set: set BOT_TOKEN, "
                           "INFOMIGRA_ALERTS_ENABLED=true and INFOMIGRA_CHAT_KEY")
    config = bot_config(services)
    bot = create_bot(token.get_secret_value(), services.settings.telegram_api_url,
                     delivery=Delivery(services.redis, services.keys, config))
    worker = BroadcastWorker(bot, services.alerts, build_i18n(config),
                             concurrency=services.settings.alert_concurrency,
                             lease_ms=lease_ms, poll_seconds=poll_seconds)
    task = asyncio.create_task(worker.run(), name="alert-broadcast")
    try:
        await stop.wait()
    finally:
        await stop_task(task, 3.0)
        await bot.session.close()
