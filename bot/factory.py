"""Building the Bot and the Dispatcher from what the composition root hands over.

Nothing here reads settings or creates Redis clients: the store, the live matcher, the stats and
a ``BotConfig`` come in as arguments and reach the handlers as parameters (dispatcher workflow
data), so tests and ``infomigra`` wire the same bot differently without globals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from redis.asyncio import Redis

from bot.answering import Answering
from bot.catalog import TopicCatalog
from bot.commands import set_commands
from bot.config import TELEGRAM_API_URL, BotConfig
from bot.guard import RedisGuard
from bot.handlers import create_routers
from bot.i18n import build_i18n
from bot.middlewares.addressing import AddressingMiddleware
from bot.middlewares.identity import IdentityMiddleware
from bot.middlewares.locale import PersonLocaleMiddleware
from bot.middlewares.throttle import ThrottleMiddleware
from bot.users import UserState
from faq.live import LiveMatcher
from faq.redis_values import utc_now
from faq.stats import Stats
from faq.store import FaqStore


def create_bot(token: str, api_url: str = TELEGRAM_API_URL, *,
               timeout: float = 60.0) -> Bot:
    """A Bot on ``api_url`` (Telegram, a self-hosted Bot API server, or a test server)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url), timeout=timeout)
    return Bot(token, session=session, default=DefaultBotProperties(
        parse_mode=ParseMode.HTML, link_preview_is_disabled=True))


def create_dispatcher(*, store: FaqStore, live: LiveMatcher, stats: Stats, config: BotConfig,
                      redis: Redis | None = None,
                      clock: Callable[[], datetime] = utc_now,
                      guard: RedisGuard | None = None) -> Dispatcher:
    """The whole bot: middlewares, routers in order, and the command menu on start-up.

    ``redis`` holds per-person state (language, votes, flood control); it defaults to the
    store's client.
    """
    guard = guard or RedisGuard()
    i18n = build_i18n(config)
    users = UserState(redis or store.redis, store.keys, guard,
                      retention_seconds=config.retention_seconds, clock=clock)
    catalog = TopicCatalog(store, guard)
    dp = Dispatcher(
        store=store, live=live, stats=stats, config=config, guard=guard, users=users,
        answering=Answering(live, stats, guard, config), catalog=catalog, i18n=i18n)

    addressing = AddressingMiddleware()
    identity = IdentityMiddleware(users, config)
    throttle = ThrottleMiddleware(users, config)
    for observer in (dp.message, dp.edited_message):
        observer.outer_middleware(addressing)
    for observer in (dp.message, dp.edited_message, dp.callback_query, dp.inline_query):
        observer.outer_middleware(identity)
    PersonLocaleMiddleware(i18n).setup(dp)  # after identity: it reads the person's language
    for observer in (dp.message, dp.edited_message):
        observer.middleware(throttle)  # inner: counts only messages the bot will answer

    dp.include_routers(*create_routers())
    dp.startup.register(set_commands)
    dp.startup.register(catalog.warm)
    return dp
