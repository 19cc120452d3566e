"""The application shell: health, readiness, docs, console, the error shape, Redis outages."""

from __future__ import annotations

import socket

import httpx
from fastapi import FastAPI

from admin_api import ApiConfig, create_app
from faq.apikeys import ApiKeyRegistry
from infomigra.api_runner import api_services
from infomigra.runtime import Services, build_services, redis_client
from infomigra.settings import Settings
from tests.admin_api.conftest import Api, ApiFactory, serving
from tests.conftest import FakeClock


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_error_shape(body: dict, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in str(body)


async def test_healthz_and_readyz(api: Api) -> None:
    res = await api.http.get("/healthz")
    assert res.status_code == 200 and res.json() == {"status": "ok"}
    res = await api.http.get("/readyz")
    assert res.status_code == 200
    assert res.json()["status"] == "ready" and res.json()["revision"] >= 1


async def test_the_app_opens_redis_in_its_lifespan_and_closes_it(api_factory: ApiFactory
                                                                 ) -> None:
    async with api_factory() as running:
        assert running.lifecycle == ["opened"]
        assert (await running.http.get("/readyz")).status_code == 200
        lifecycle = running.lifecycle
    assert lifecycle == ["opened", "closed"]


async def test_openapi_docs_and_dashboard(api: Api) -> None:
    schema = (await api.http.get("/openapi.json")).json()
    paths = set(schema["paths"])
    for path in ("/api/v1/faq", "/api/v1/faq/{entry_id}", "/api/v1/faq/{entry_id}/history",
                 "/api/v1/faq/{entry_id}/history/{version}",
                 "/api/v1/faq/{entry_id}/rollback/{version}", "/api/v1/faq/import",
                 "/api/v1/faq/export", "/api/v1/audit", "/api/v1/match", "/api/v1/stats/summary",
                 "/api/v1/stats/daily", "/api/v1/stats/entries", "/api/v1/inbox",
                 "/api/v1/inbox/{cluster_id}/attach", "/api/v1/inbox/{cluster_id}/dismiss",
                 "/api/v1/keys", "/healthz", "/readyz"):
        assert path in paths, path
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    docs = await api.http.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()

    old = await api.http.get("/dashboard")
    assert old.status_code == 308 and old.headers["location"] == "/console/"
    page = await api.http.get("/console/login")
    assert page.status_code == 200 and 'name="key"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]


async def test_unknown_paths_and_methods_use_the_error_shape(api: Api) -> None:
    res = await api.http.get("/api/v1/nothing-here")
    assert res.status_code == 404
    assert_error_shape(res.json(), "not_found")
    res = await api.http.patch("/api/v1/faq", headers=api.auth("admin"))
    assert res.status_code == 405
    assert_error_shape(res.json(), "method_not_allowed")


async def test_api_answers_are_not_cached_and_not_sniffed(api: Api) -> None:
    res = await api.http.get("/api/v1/faq", headers=api.auth("editor"))
    assert res.headers["cache-control"] == "no-store"
    assert res.headers["x-content-type-options"] == "nosniff"


async def test_an_unexpected_error_is_a_500_without_a_stack_trace(
        services: Services, settings: Settings) -> None:
    app = create_app(api_services(services), ApiConfig())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: /etc/passwd line 3")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        res = await http.get("/boom")
    assert res.status_code == 500
    assert_error_shape(res.json(), "internal_error")
    assert "secret internals" not in res.text and "RuntimeError" not in res.text


def _down_app(settings: Settings, content_services: Services, clock: FakeClock) -> FastAPI:
    redis = redis_client(f"redis://127.0.0.1:{closed_port()}")
    down = build_services(settings, redis, content_services.content, clock=clock)
    services = api_services(down)
    services.api_keys = ApiKeyRegistry(redis, down.keys)
    return create_app(services, ApiConfig())


async def test_redis_down_gives_503_with_a_clear_message_never_500(
        services: Services, settings: Settings, clock: FakeClock, api: Api) -> None:
    app = _down_app(settings, services, clock)
    async with serving(app) as server, httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert_error_shape(ready.json(), "redis_unavailable")
        assert "Redis" in ready.json()["error"]["message"]
        assert ready.headers["retry-after"]
        for method, path in (("GET", "/api/v1/faq"), ("GET", "/api/v1/stats/summary"),
                             ("PUT", "/api/v1/faq/privacy")):
            res = await http.request(method, path, headers=api.auth("admin"),
                                     json={} if method == "PUT" else None)
            assert res.status_code == 503, (path, res.text)
            assert_error_shape(res.json(), "redis_unavailable")
