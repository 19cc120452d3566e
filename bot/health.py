"""Is the bot hearing from Telegram? For ``/readyz``, so an orchestrator restarts a stuck bot.

Long polling hears from Telegram at least once per polling timeout (an empty getUpdates answer
counts); a webhook bot hears whenever an update arrives; the getMe at start counts too.
``ready`` is true when that happened within ``window_seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_WINDOW_SECONDS = 90.0
"""Nine of aiogram's 10 s long polls (``start_polling``'s default), or three of Telegram's
usual 30 s: a few slow polls are not yet a stuck bot."""


class BotHealth:
    def __init__(self, window_seconds: float = DEFAULT_WINDOW_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.window_seconds = window_seconds
        self.monotonic = monotonic
        self._last: float | None = None
        self.problem: str | None = None
        """Why the bot stopped for good (e.g. a refused token), for the readiness answer."""

    def mark(self) -> None:
        self._last = self.monotonic()

    def seconds_since(self) -> float | None:
        return None if self._last is None else self.monotonic() - self._last

    def ready(self) -> bool:
        since = self.seconds_since()
        return self.problem is None and since is not None and since <= self.window_seconds
