"""Stopping background tasks without ever waiting forever.

A task stuck in cancellation (a pub/sub read that does not notice it was cancelled) must not
keep the process from exiting: after ``timeout`` it is left behind and the caller moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def stop_task(task: asyncio.Task[Any], timeout: float) -> bool:
    """Cancel ``task`` and wait for it at most ``timeout`` seconds; True when it ended."""
    if not task.done():
        task.cancel()
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if task in done:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            task.result()
        return True
    return False
