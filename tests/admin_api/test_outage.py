"""A Redis outage is one log line when it starts and one when it ends (admin_api/outage.py),
however many requests it refuses: issue 13 counted 697 lines in 6 s. Real processes: the API
runs against a redis-server that is not there yet, then is started."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from admin_api import ApiConfig, ApiServices, create_app
from admin_api.metrics import REDIS_ERRORS
from faq.apikeys import ApiKeyRegistry
from infomigra.api_runner import api_services
from infomigra.runtime import Services, build_services, redis_client
from infomigra.settings import Settings
from tests.admin_api.conftest import serving
from tests.admin_api.processes import free_port, tcp_redis
from tests.conftest import FakeClock


def lazy_app(settings: Settings, url: str, services: Services, clock: FakeClock) -> FastAPI:
    """The app owns a client for ``url``; connecting waits for the first request, so the app
    starts while that Redis is down and each request then meets the outage."""

    @contextlib.asynccontextmanager
    async def connect() -> AsyncIterator[ApiServices]:
        redis = redis_client(url)
        try:
            yield api_services(build_services(settings, redis, services.content, clock=clock))
        finally:
            await redis.aclose()

    return create_app(config=ApiConfig(), connect=connect)


async def test_an_outage_is_logged_once_and_its_end_once(
        services: Services, settings: Settings, clock: FakeClock, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    refused_before = REDIS_ERRORS._value.get()
    with caplog.at_level(logging.INFO, logger="admin_api"):
        async with serving(lazy_app(settings, url, services, clock)) as server, \
                httpx.AsyncClient(base_url=server.url) as http:
            headers = {"Authorization": "Bearer imk_some-key-some-key-some-key"}
            for _ in range(30):
                res = await http.get("/api/v1/faq", headers=headers)
                assert res.status_code == 503
                assert res.json()["error"]["code"] == "redis_unavailable"
            with tcp_redis(port, tmp_path / "redis"):
                redis = redis_client(url)
                key, _ = await ApiKeyRegistry(redis, services.keys).create("editor", "t")
                await redis.aclose()
                for _ in range(100):  # the probe pings once a second
                    if any("reachable again" in r.getMessage() for r in caplog.records):
                        break
                    await asyncio.sleep(0.1)
                res = await http.get("/api/v1/faq", headers={"Authorization": f"Bearer {key}"})
                assert res.status_code == 200
    lines = [r.getMessage() for r in caplog.records if "Redis" in r.getMessage()]
    assert len(lines) == 2, lines
    assert "unreachable" in lines[0] and "GET /api/v1/faq" in lines[0]
    assert "reachable again" in lines[1] and "30 request(s) were refused" in lines[1]
    assert REDIS_ERRORS._value.get() - refused_before == 30
