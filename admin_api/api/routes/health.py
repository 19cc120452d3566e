"""Liveness (/healthz) and readiness (/readyz), outside ``/api/v1`` and without a key."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from ...deps import StateDep
from ...errors import ApiError
from ...schemas.common import ErrorResponse
from ...schemas.health import Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", summary="Redis is reachable, and the bot (under `serve`) hears from "
            "Telegram (503 otherwise)", response_model=Ready, response_model_exclude_none=True,
            responses={503: {"model": ErrorResponse,
                             "description": "Redis is unreachable, or the bot is stuck"}})
async def readyz(state: StateDep) -> Ready:
    store = state.services.store
    try:
        async with asyncio.timeout(state.config.redis_timeout_seconds):
            await store.redis.ping()
            revision = await store.revision()
    except TimeoutError as exc:
        raise ApiError(503, "The FAQ database (Redis) does not answer.",
                       code="redis_unavailable", headers={"Retry-After": "5"}) from exc
    bot_ready = state.services.bot_ready
    if bot_ready is not None and not bot_ready():
        raise ApiError(503, "The Telegram bot has not heard from Telegram lately (stuck, or its "
                            "token was refused).", code="bot_unavailable",
                       headers={"Retry-After": "10"})
    return Ready(status="ready", redis="ok", revision=revision,
                 bot="ok" if bot_ready is not None else None)
