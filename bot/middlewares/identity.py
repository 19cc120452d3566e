"""Who is writing, as the bot may know it: a keyed hash and a language, never the account.

The Telegram user id is turned into an HMAC here, once, and handlers receive only the
``Person``. The language is the saved choice, else Telegram's ``language_code``. A person who
writes after blocking the bot (403) can receive messages again from here on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.config import BotConfig
from bot.i18n import pick_language
from bot.sender import Recipients
from bot.users import Person, UserState
from faq.privacy import user_hash


class IdentityMiddleware(BaseMiddleware):
    def __init__(self, users: UserState, config: BotConfig,
                 recipients: Recipients | None = None) -> None:
        self.users = users
        self.config = config
        self.recipients = recipients

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        sender: User | None = data.get("event_from_user")
        if sender is None:
            return await handler(event, data)
        hashed = user_hash(self.config.user_hash_secret, sender.id)
        saved, inactive = await self.users.profile(hashed)
        if self.recipients is not None:
            self.recipients.seen(sender.id)
        if inactive:
            await self.users.reactivate(hashed)
        if saved in self.config.languages:
            data["person"] = Person(hashed, saved, chose_language=True)
        else:
            data["person"] = Person(hashed, pick_language(
                sender.language_code, self.config.languages, self.config.default_language))
        return await handler(event, data)
