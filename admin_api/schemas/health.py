"""Liveness and readiness answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    redis: Literal["ok"]
    revision: int
    bot: Literal["ok"] | None = None
    """Present under ``serve`` with a bot: it heard from Telegram within the window."""
