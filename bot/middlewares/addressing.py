"""In a group the bot speaks only when spoken to: commands, @mentions of the bot, and replies
to one of the bot's own messages (a follow-up to its answer, without typing the @name).

Everything else in a group is other people's conversation. It is dropped before identity, locale
or flood control see it, so nothing is counted or stored for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.types import Message, TelegramObject


def mentions(message: Message, username: str | None) -> bool:
    text = message.text or message.caption
    if not username or not text:
        return False
    wanted = "@" + username.casefold()
    for entity in message.entities or message.caption_entities or []:
        if entity.type == "mention" and entity.extract_from(text).casefold() == wanted:
            return True
    return False


def replies_to(message: Message, bot_id: int) -> bool:
    original = message.reply_to_message
    return original is not None and original.from_user is not None and \
        original.from_user.id == bot_id


def strip_mention(text: str, username: str | None) -> str:
    """The question without the @bot mention that addressed it in a group."""
    if not username:
        return text.strip()
    wanted = "@" + username.casefold()
    words = [w for w in text.split() if w.casefold().rstrip(",.:;!?") != wanted]
    return " ".join(words).strip()


class AddressingMiddleware(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Message) or event.chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        text = event.text or event.caption or ""
        bot: Bot = data["bot"]
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            _, at, target = command.partition("@")
            if not at:
                return await handler(event, data)
            me = await bot.me()
            return await handler(event, data) if target.casefold() == (
                me.username or "").casefold() else None  # "/help@OtherBot" is not for us
        me = await bot.me()
        if mentions(event, me.username) or replies_to(event, me.id):
            return await handler(event, data)
        return None
