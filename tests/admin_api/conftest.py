"""The admin API over real HTTP: uvicorn on 127.0.0.1 (a free port) in its own thread and event
loop, owning its own Redis connection through the lifespan, like a separate process would.

The test side keeps the seeded core (``services``) on the same embedded Redis database, to set
up data and to check what a request really wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from admin_api import ApiConfig, ApiServices, create_app
from faq.apikeys import ApiKeyRegistry, Role
from faq.loader import Content
from faq.matcher import Candidate, Decision, MatchResult
from infomigra.api_runner import api_services, following_changes
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import Services, build_services, redis_client
from infomigra.settings import Settings
from tests.conftest import FakeClock


class ThreadServer:
    """uvicorn serving ``app`` on a free loopback port, in a thread with its own loop."""

    def __init__(self, app: FastAPI) -> None:
        self.server = uvicorn.Server(uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
            access_log=False, proxy_headers=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True,
                                       name="admin-api-test-server")

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self, timeout: float = 120.0) -> None:
        """Generous: the first app of a run may embed every phrasing before it is up (15 s on
        an idle core; twice failed at 20 s on a loaded machine); a healthy start takes < 1 s."""
        self.thread.start()
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the test API server did not start (see the log above)")
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the test API server did not start in time")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.to_thread(self.thread.join, 20)


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[ThreadServer]:
    server = ThreadServer(app)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@dataclass
class Api:
    """A running API, an HTTP client for it, and a key per role."""

    url: str
    http: httpx.AsyncClient
    services: Services
    keys: dict[Role, str] = field(default_factory=dict)
    lifecycle: list[str] = field(default_factory=list)

    def auth(self, role: Role | str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[Role(role)]}"}

    async def get_entry(self, entry_id: str) -> tuple[dict[str, Any], str]:
        res = await self.http.get(f"/api/v1/faq/{entry_id}", headers=self.auth("editor"))
        assert res.status_code == 200, res.text
        return res.json(), res.headers["ETag"]


def owned_app(settings: Settings, redis_url: str, content: Content, clock: FakeClock,
              config: ApiConfig, lifecycle: list[str]) -> FastAPI:
    """The app as ``infomigra api`` builds it: it opens Redis in the lifespan, follows the
    change notices and closes everything at shutdown."""

    @contextlib.asynccontextmanager
    async def connect() -> AsyncIterator[ApiServices]:
        redis = redis_client(redis_url)
        lifecycle.append("opened")
        try:
            services = build_services(settings, redis, content, clock=clock)
            await services.live.refresh()
            async with following_changes(services):
                yield api_services(services)
        finally:
            await redis.aclose()
            lifecycle.append("closed")

    return create_app(config=config, connect=connect)


ApiFactory = Callable[..., contextlib.AbstractAsyncContextManager[Api]]


@pytest.fixture
def api_factory(services: Services, settings: Settings, redis_server: EmbeddedRedis,
                content: Content, clock: FakeClock) -> ApiFactory:
    @contextlib.asynccontextmanager
    async def start(config: ApiConfig | None = None) -> AsyncIterator[Api]:
        config = config or ApiConfig(languages=tuple(settings.languages), tz=settings.tz)
        lifecycle: list[str] = []
        app = owned_app(settings, redis_server.url, content, clock, config, lifecycle)
        registry = ApiKeyRegistry(services.redis, services.keys, clock=clock)
        keys = {role: (await registry.create(role, f"test {role.value}"))[0] for role in Role}
        async with serving(app) as server, httpx.AsyncClient(base_url=server.url,
                                                             timeout=30) as http:
            yield Api(server.url, http, services, keys, lifecycle)

    return start


@pytest.fixture
async def api(api_factory: ApiFactory) -> AsyncIterator[Api]:
    async with api_factory() as running:
        yield running


async def record(services: Services, q: str, lang: str, decision: Decision,
                 entry: str | None = None, user: str = "u1",
                 candidates: tuple[Candidate, ...] | None = None) -> None:
    """One question as the bot records it (counters, distinct users, the inbox)."""
    if candidates is None:
        candidates = (Candidate(entry, 0.9),) if entry else ()
    await services.stats.record_question(MatchResult(q, decision, candidates), lang, user)


Recorder = Callable[..., Awaitable[None]]
