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


@router.get("/readyz", summary="Redis is reachable (503 otherwise)", response_model=Ready,
            responses={503: {"model": ErrorResponse, "description": "Redis is unreachable"}})
async def readyz(state: StateDep) -> Ready:
    store = state.services.store
    try:
        async with asyncio.timeout(state.config.redis_timeout_seconds):
            await store.redis.ping()
            revision = await store.revision()
    except TimeoutError as exc:
        raise ApiError(503, "The FAQ database (Redis) does not answer.",
                       code="redis_unavailable", headers={"Retry-After": "5"}) from exc
    return Ready(status="ready", redis="ok", revision=revision)
