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
from bot.errors import on_error
from bot.guard import RedisGuard
from bot.handlers import create_routers
from bot.i18n import build_i18n
from bot.middlewares.addressing import AddressingMiddleware
from bot.middlewares.callback_answer import CallbackAnswerGuard
from bot.middlewares.identity import IdentityMiddleware
from bot.middlewares.inflight import InFlight
from bot.middlewares.locale import PersonLocaleMiddleware
from bot.middlewares.throttle import ThrottleMiddleware
from bot.sender import Delivery, note_answered
from bot.users import UserState
from faq.alerts import AlertDesk
from faq.conversations import ConversationDesk
from faq.live import LiveMatcher
from faq.redis_values import utc_now
from faq.stats import Stats
from faq.store import FaqStore


def create_bot(token: str, api_url: str = TELEGRAM_API_URL, *,
               timeout: float = 60.0, delivery: Delivery | None = None) -> Bot:
    """A Bot on ``api_url`` (Telegram, a self-hosted Bot API server, or a test server).

    With ``delivery`` every call goes through the retrying, rate-limited sender; the same
    ``Delivery`` goes to ``create_dispatcher``.
    """
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url), timeout=timeout)
    bot = Bot(token, session=session, default=DefaultBotProperties(
        parse_mode=ParseMode.HTML, link_preview_is_disabled=True))
    bot.session.middleware(note_answered)  # outermost: sees what the sender made of it
    if delivery is not None:
        delivery.install(bot)
    return bot


def create_dispatcher(*, store: FaqStore, live: LiveMatcher, stats: Stats, config: BotConfig,
                      redis: Redis | None = None,
                      clock: Callable[[], datetime] = utc_now,
                      guard: RedisGuard | None = None,
                      delivery: Delivery | None = None,
                      conversations: ConversationDesk | None = None,
                      alerts: AlertDesk | None = None) -> Dispatcher:
    """The whole bot: middlewares, routers in order, the errors handler, and the command menu
    on start-up.

    ``redis`` holds per-person state (language, votes, flood control); it defaults to the
    store's client. ``delivery`` is the one the Bot sends through (``create_bot``).
    """
    guard = guard or RedisGuard()
    i18n = build_i18n(config)
    users = UserState(redis or store.redis, store.keys, guard,
                      retention_seconds=config.retention_seconds, clock=clock)
    catalog = TopicCatalog(store, guard)
    inflight = InFlight()
    dp = Dispatcher(
        store=store, live=live, stats=stats, config=config, guard=guard, users=users,
        answering=Answering(live, stats, guard, config), catalog=catalog, i18n=i18n,
        inflight=inflight, conversations=conversations, alerts=alerts)

    dp.update.outer_middleware(inflight)
    addressing = AddressingMiddleware()
    identity = IdentityMiddleware(users, config,
                                  delivery.recipients if delivery is not None else None)
    throttle = ThrottleMiddleware(users, config)
    for observer in (dp.message, dp.edited_message):
        observer.outer_middleware(addressing)
    for observer in (dp.message, dp.edited_message, dp.callback_query, dp.inline_query):
        observer.outer_middleware(identity)
    PersonLocaleMiddleware(i18n).setup(dp)  # after identity: it reads the person's language
    for observer in (dp.message, dp.edited_message):
        observer.middleware(throttle)  # inner: counts only messages the bot will answer
    dp.callback_query.outer_middleware(CallbackAnswerGuard())  # outermost: sees every failure

    dp.include_routers(*create_routers())
    dp.errors.register(on_error)
    dp.startup.register(set_commands)
    dp.startup.register(catalog.warm)
    return dp
