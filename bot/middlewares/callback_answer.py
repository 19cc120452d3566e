"""Every button tap gets an answer, whatever happened in its handler.

Telegram shows a spinner on the tapped button until the bot answers the callback query; a tap
left unanswered looks broken. Handlers answer with their own text; when one did not (it failed,
or returned early) this outer middleware answers with nothing, after the handler, errors
included. The sender notes each answered query, so nothing is answered twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, TelegramObject

from bot.sender import answered_callbacks

log = logging.getLogger(__name__)


class CallbackAnswerGuard(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        answered: set[str] = set()
        token = answered_callbacks.set(answered)
        try:
            return await handler(event, data)
        finally:
            answered_callbacks.reset(token)
            if event.id not in answered:
                try:
                    await event.answer()
                except TelegramAPIError as exc:
                    log.info("could not answer a button tap (%s)", type(exc).__name__)
