"""Small helpers shared by every module that talks to Redis: the clock and reply decoding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock (tests pass their own to move time without sleeping)."""
    return datetime.now(UTC)


def as_text(value: Any) -> str:
    """A Redis reply as ``str``, whether the client decodes responses or returns bytes."""
    return value.decode() if isinstance(value, bytes) else str(value)
