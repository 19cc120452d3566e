"""The one place every Bot API call goes through: limits, retries, fallbacks, outcomes.

Registered as an aiogram session request middleware (``bot.session.middleware(...)``), so
``message.answer``, ``callback.answer``, ``bot.send_message`` and the long polling itself all pass
here; no handler needs its own retry loop.

- 429 Too Many Requests: wait ``retry_after`` (capped per wait) and try again, a bounded number
  of times; every wait is logged and counted, without ids.
- Network errors and 5xx: try again with exponential backoff, bounded.
- 403 (the person blocked the bot, deactivated the account, removed the bot from a group): the
  recipient is marked inactive under its keyed hash and nothing more is sent to them until they
  write again.
- 400 "can't parse entities" (an answer whose HTML Telegram refuses): the same text is sent again
  as plain text, links kept as "text (url)"; the entry id is logged so staff can fix it.
- 400 "query is too old" on a button answer: nothing to do (the tap spinner is gone anyway).

Outgoing messages first wait for the shared rate limiter (``bot.ratelimit``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import AnswerCallbackQuery, GetMe, GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from redis.asyncio import Redis

from bot.config import BotConfig, SendPolicy
from bot.health import BotHealth
from bot.metrics import (
    BOT_REDIS_ERRORS,
    DELIVERY_FAILED,
    TELEGRAM_REQUESTS,
    TELEGRAM_RETRIES,
    TELEGRAM_RETRY_WAIT,
)
from bot.ratelimit import RateLimiter, chat_key
from bot.users import INACTIVE_FIELD
from faq.keys import Keys
from faq.live import REDIS_DOWN
from faq.privacy import user_hash
from faq.telegram_html import TELEGRAM_MESSAGE_LIMIT, to_plain_text

log = logging.getLogger(__name__)


# Methods that put a message in a chat: they wait for the rate limiter. Edits and button
# answers do not count against Telegram's message limits.
_MESSAGE_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAnimation", "sendAudio",
    "sendVoice", "sendSticker", "sendLocation", "sendVenue", "sendContact", "sendPoll",
    "sendDice", "sendMediaGroup", "copyMessage", "forwardMessage"})
_HTML_FIELDS = ("text", "caption")

current_entry: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_entry", default=None)
"""The FAQ entry whose answer is being sent, for the plain-text fallback's log line."""


def failure_reason(exc: BaseException) -> str:
    """A short label for why a send failed, for statistics and metrics."""
    if isinstance(exc, TelegramForbiddenError):
        return "blocked"
    if isinstance(exc, TelegramRetryAfter):
        return "rate_limited"
    if isinstance(exc, TelegramNetworkError):
        return "network"
    if isinstance(exc, TelegramServerError):
        return "server"
    if isinstance(exc, TelegramBadRequest):
        return "bad_request"
    if isinstance(exc, TelegramUnauthorizedError | TelegramNotFound):
        return "unauthorized"
    return "other"


class Recipients:
    """Who Telegram says cannot receive messages (403), by keyed hash only.

    The mark lives in the person's ``im:user:{hash}`` hash (so /forget deletes it) and in this
    process, so the rest of a multi-part answer is not even tried. Writing to the bot again
    clears it (``seen``).
    """

    def __init__(self, redis: Redis, keys: Keys, secret: bytes, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.redis = redis
        self.keys = keys
        self.secret = secret
        self.clock = clock
        self._blocked: set[str] = set()

    def blocked(self, chat_id: int) -> bool:
        return chat_key(self.secret, chat_id) in self._blocked

    async def mark_inactive(self, chat_id: int) -> None:
        self._blocked.add(chat_key(self.secret, chat_id))
        try:
            await self.redis.hset(self.keys.user(user_hash(self.secret, chat_id)),
                                  INACTIVE_FIELD, self.clock().isoformat())
        except REDIS_DOWN as exc:
            BOT_REDIS_ERRORS.labels(component="inactive").inc()
            log.warning("could not store an inactive recipient (%s)", type(exc).__name__)

    def seen(self, user_id: int) -> None:
        """The person wrote to the bot: their private chat may receive messages again."""
        self._blocked.discard(chat_key(self.secret, user_id))


class DeliveryMiddleware(BaseRequestMiddleware):
    def __init__(self, *, secret: bytes, limiter: RateLimiter | None = None,
                 recipients: Recipients | None = None, policy: SendPolicy | None = None,
                 health: BotHealth | None = None) -> None:
        self.secret = secret
        self.limiter = limiter
        self.recipients = recipients
        self.policy = policy or SendPolicy()
        self.health = health

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        name = method.__api_method__
        if isinstance(method, GetUpdates):  # aiogram's polling loop has its own backoff
            response = await make_request(bot, method)  # type: ignore[arg-type]
            if self.health is not None:
                self.health.mark()
            return response
        if isinstance(method, GetMe):  # at start: the runner decides (refused token: exit)
            return await make_request(bot, method)  # type: ignore[arg-type]
        chat_id = getattr(method, "chat_id", None)
        chat = chat_id if isinstance(chat_id, int) else None
        if chat is not None and self.recipients is not None and self.recipients.blocked(chat):
            TELEGRAM_REQUESTS.labels(name, "blocked").inc()
            raise TelegramForbiddenError(method=method, message="Forbidden: the recipient "
                                         "blocked the bot (known from an earlier reply)")
        plain_sent = False
        attempt = 0
        while True:
            attempt += 1
            if chat is not None and self.limiter is not None and name in _MESSAGE_METHODS:
                await self.limiter.acquire(chat_key(self.secret, chat), group=chat < 0)
            try:
                response = await make_request(bot, method)
            except TelegramRetryAfter as exc:
                wait = min(float(exc.retry_after), self.policy.max_retry_after)
                await self._retry_or_raise(exc, name, "retry_after", wait, attempt)
            except (TelegramNetworkError, TelegramServerError) as exc:
                reason = "network" if isinstance(exc, TelegramNetworkError) else "server"
                wait = min(self.policy.backoff_base * 2 ** (attempt - 1),
                           self.policy.backoff_max)
                await self._retry_or_raise(exc, name, reason, wait, attempt)
            except TelegramForbiddenError:
                TELEGRAM_REQUESTS.labels(name, "blocked").inc()
                if chat is not None and self.recipients is not None:
                    await self.recipients.mark_inactive(chat)
                log.info("Telegram refused %s: the recipient blocked the bot or left; marked "
                         "inactive", name)
                raise
            except TelegramBadRequest as exc:
                text = exc.message.lower()
                if "query is too old" in text and isinstance(method, AnswerCallbackQuery):
                    log.debug("a button tap was answered too late; nothing to do")
                    TELEGRAM_REQUESTS.labels(name, "too_old").inc()
                    # The session's chain returns the call's result itself, whatever the
                    # protocol's annotation says.
                    return True  # type: ignore[return-value]
                plain = None if plain_sent or "can't parse entities" not in text \
                    else _as_plain_text(method)
                if plain is None:
                    TELEGRAM_REQUESTS.labels(name, "bad_request").inc()
                    raise
                log.warning("Telegram refused the HTML of entry %s in %s; sent it again as "
                            "plain text: fix that answer", current_entry.get() or "-", name)
                TELEGRAM_REQUESTS.labels(name, "plain_text_fallback").inc()
                method, plain_sent, attempt = plain, True, 0
            except TelegramAPIError as exc:
                TELEGRAM_REQUESTS.labels(name, failure_reason(exc)).inc()
                raise
            else:
                TELEGRAM_REQUESTS.labels(name, "ok").inc()
                return response

    async def _retry_or_raise(self, exc: TelegramAPIError, name: str, reason: str, wait: float,
                              attempt: int) -> None:
        if attempt >= self.policy.max_attempts:
            TELEGRAM_REQUESTS.labels(name, reason).inc()
            log.warning("Telegram %s on %s: giving up after %d tries", reason, name, attempt)
            raise exc
        TELEGRAM_RETRIES.labels(name, reason).inc()
        TELEGRAM_RETRY_WAIT.labels(reason).inc(wait)
        log.warning("Telegram %s on %s (try %d of %d): trying again in %.2f s", reason, name,
                    attempt, self.policy.max_attempts, wait)
        await asyncio.sleep(wait)


def _as_plain_text(method: TelegramMethod[Any]) -> TelegramMethod[Any] | None:
    """The same call without HTML: tags stripped, links as "text (url)"."""
    for field in _HTML_FIELDS:
        value = getattr(method, field, None)
        if isinstance(value, str):
            plain = to_plain_text(value)
            if len(plain) > TELEGRAM_MESSAGE_LIMIT:
                plain = plain[:TELEGRAM_MESSAGE_LIMIT - 1] + "…"
            update: dict[str, Any] = {field: plain, "parse_mode": None}
            entities = "entities" if field == "text" else "caption_entities"
            if hasattr(method, entities):
                update[entities] = None
            return method.model_copy(update=update)
    return None


def count_failure(reason: str) -> None:
    DELIVERY_FAILED.labels(reason).inc()


class Delivery:
    """The sender's parts, shared by the Bot (its session middleware) and the dispatcher
    (which clears a block when the person writes again). Built once per process."""

    def __init__(self, redis: Redis, keys: Keys, config: BotConfig,
                 health: BotHealth | None = None) -> None:
        self.recipients = Recipients(redis, keys, config.user_hash_secret)
        self.limiter = RateLimiter(redis, keys, config.rate_limits)
        self.health = health or BotHealth()
        self.middleware = DeliveryMiddleware(
            secret=config.user_hash_secret, limiter=self.limiter, recipients=self.recipients,
            policy=config.send_policy, health=self.health)

    def install(self, bot: Bot) -> Bot:
        bot.session.middleware(self.middleware)
        return bot


answered_callbacks: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "answered_callbacks", default=None)
"""Button taps answered while handling the current update (see ``CallbackAnswerGuard``)."""


async def note_answered(make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                        method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
    """Session middleware (outermost): remember the button taps answered for this update."""
    response = await make_request(bot, method)
    if isinstance(method, AnswerCallbackQuery):
        seen = answered_callbacks.get()
        if seen is not None:
            seen.add(method.callback_query_id)
    return response
