"""Sending a reply that may not fit in one Telegram message, and showing menus in place.

The parts are cut at paragraph boundaries (never inside a tag) and the buttons go on the last
part, under the footer, where the person finishes reading. Retries, limits and the plain-text
fallback happen below, in the session's ``bot.sender`` middleware.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from bot.render import Reply
from bot.sender import current_entry

log = logging.getLogger(__name__)


async def send_reply(bot: Bot, chat_id: int, reply: Reply,
                     markup: InlineKeyboardMarkup | None = None, *,
                     reply_to: int | None = None) -> Message:
    parts = reply.parts()
    sent: Message | None = None
    token = current_entry.set(reply.entry_id)
    try:
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            sent = await bot.send_message(
                chat_id, part, reply_markup=markup if last else None,
                reply_parameters=(ReplyParameters(message_id=reply_to,
                                                  allow_sending_without_reply=True)
                                  if reply_to is not None and index == 0 else None))
    finally:
        current_entry.reset(token)
    assert sent is not None  # split_message never returns an empty list
    return sent


def chat_of(callback: CallbackQuery) -> int:
    """Where to answer a button tap: its message's chat, else the person's private chat."""
    if callback.message is not None:
        return callback.message.chat.id
    return callback.from_user.id


async def show_in_place(bot: Bot, callback: CallbackQuery, text: str,
                        markup: InlineKeyboardMarkup | None) -> None:
    """Replace the tapped message (menus, browsing); send a new one when it cannot be edited
    (too old, deleted, a photo, an inline message): the person sees the result either way."""
    message = callback.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):  # a second tap on the same button
                return
            log.info("could not edit the tapped message (%s); sending a new one",
                     _reason(exc))
    await bot.send_message(chat_of(callback), text, reply_markup=markup)


def _reason(exc: TelegramBadRequest) -> str:
    """Telegram's description without the message text (it names no person)."""
    return exc.message.removeprefix("Bad Request: ")[:80]
