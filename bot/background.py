"""The bot's background workers (alerts broadcast, helpdesk outbox): one way to keep running.

A worker's step fails when Redis is away or something unexpected happens; either way the worker
must not die (the person's alert or reply is still waiting in Redis), must not spin, and must say
so without ids (the step's own log lines carry none either)."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Awaitable, Callable

from bot.metrics import BOT_REDIS_ERRORS
from faq.live import REDIS_DOWN

log = logging.getLogger(__name__)


def worker_name() -> str:
    """``<pid>-<random>``: this process's stream consumer or lease owner, apart from others'."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


async def keep_running(step: Callable[[], Awaitable[object]], *, component: str, what: str,
                       pause: float = 0.0, pause_on_error: float) -> None:
    """Run ``step`` until cancelled, ``pause`` seconds after each success and
    ``pause_on_error`` after each failure (counted by component when Redis was the cause)."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except REDIS_DOWN as exc:
            BOT_REDIS_ERRORS.labels(component=component).inc()
            log.warning("%s: Redis unreachable (%s)", what, type(exc).__name__)
            await asyncio.sleep(pause_on_error)
            continue
        except Exception:
            log.exception("%s: unexpected error", what)
            await asyncio.sleep(pause_on_error)
            continue
        if pause:
            await asyncio.sleep(pause)
