"""Flood control: a per-person message budget per minute, kept in Redis for every replica.

Over the budget the person gets one polite notice, then silence until the minute is over, so a
stuck client or a script cannot make the bot spam back. Registered as an inner middleware: only
messages the bot would answer are counted (not other people's chat in a group).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.config import BotConfig
from bot.users import Person, UserState

log = logging.getLogger(__name__)


class ThrottleMiddleware(BaseMiddleware):
    def __init__(self, users: UserState, config: BotConfig) -> None:
        self.users = users
        self.limit = config.rate_limit_per_minute

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        person = data.get("person")
        if not isinstance(person, Person) or not isinstance(event, Message):
            return await handler(event, data)
        count = await self.users.count_message(person.hash)
        if count <= self.limit:  # 0: Redis cannot tell; answering beats refusing
            return await handler(event, data)
        if count == self.limit + 1:
            log.info("flood control: notice sent, silent for the rest of the minute")
            await event.answer(_(
                "You are sending many messages very quickly. Please wait a minute and write "
                "again; until then I will not answer."))
        return None
