"""Updates being answered right now, so a shutdown can let them finish (bounded).

aiogram's ``stop_polling`` stops fetching updates but does not wait for the handlers already
running; the webhook server answers Telegram before the handler ends. Both would cut an answer
off at exit. This outer middleware counts the updates in progress; ``drain`` waits for zero.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject


class InFlight(BaseMiddleware):
    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        self.count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """True when every update in progress finished within ``timeout`` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
