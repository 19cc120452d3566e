"""Sending a reply that may not fit in one Telegram message.

The parts are cut at paragraph boundaries (never inside a tag) and the buttons go on the last
part, under the footer, where the person finishes reading.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from bot.render import Reply


async def send_reply(bot: Bot, chat_id: int, reply: Reply,
                     markup: InlineKeyboardMarkup | None = None, *,
                     reply_to: int | None = None) -> Message:
    parts = reply.parts()
    sent: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await bot.send_message(
            chat_id, part, reply_markup=markup if last else None,
            reply_parameters=(ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                              if reply_to is not None and index == 0 else None))
    assert sent is not None  # split_message never returns an empty list
    return sent


def chat_of(callback: CallbackQuery) -> int:
    """Where to answer a button tap: its message's chat, else the person's private chat."""
    if callback.message is not None:
        return callback.message.chat.id
    return callback.from_user.id


async def show_in_place(bot: Bot, callback: CallbackQuery, text: str,
                        markup: InlineKeyboardMarkup | None) -> None:
    """Replace the tapped message (menus, browsing); send a new one when it cannot be edited."""
    message = callback.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:
            if "not modified" not in str(exc):  # a second tap on the same button
                raise
        return
    await bot.send_message(chat_of(callback), text, reply_markup=markup)
