"""Prometheus metrics at /metrics (admin_api/metrics.py, api/routes/metrics.py), over real HTTP:
what an operator graphs, and who may read it."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

from admin_api import ApiConfig
from admin_api.clients import parse_networks
from faq.matcher import Decision
from tests.admin_api.conftest import Api, ApiFactory, record


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def scrape(api: Api, **headers: str) -> str:
    res = await api.http.get("/metrics", headers=headers)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/plain")
    return res.text


async def test_latency_by_route_template_decisions_and_the_matcher(api: Api) -> None:
    before = await scrape(api)
    for entry in ("privacy", "talk-to-person", "privacy"):
        assert (await api.http.get(f"/api/v1/faq/{entry}",
                                   headers=api.auth("editor"))).status_code == 200
    assert (await api.http.get("/api/v1/no/such/thing")).status_code == 404
    assert (await api.http.request("BREW", "/api/v1/faq")).status_code == 405
    await record(api.services, "pasaporte", "es", Decision.ANSWER, "privacy")
    await record(api.services, "receta de pepian", "es", Decision.NONE)
    text = await scrape(api)

    route = {"method": "GET", "route": "/api/v1/faq/{entry_id}", "status": "200"}
    count = "infomigra_http_request_duration_seconds_count"
    assert value(text, count, **route) - value(before, count, **route) == 3
    assert "/api/v1/faq/privacy" not in text  # raw paths never become labels
    assert value(text, count, method="GET", route="unmatched", status="404") >= 1
    assert value(text, count, method="other", route="/api/v1/faq", status="405") >= 1
    assert 'method="BREW"' not in text  # made-up methods cannot grow the registry
    for decision in ("answer", "none"):
        labels = {"decision": decision, "lang": "es"}
        assert (value(text, "infomigra_match_decisions_total", **labels)
                - value(before, "infomigra_match_decisions_total", **labels)) == 1
    # The API's own live matcher (its own services), at the store's revision.
    revision = await api.services.store.revision()
    assert value(text, "infomigra_matcher_revision") == revision
    assert value(text, "infomigra_matcher_entries") == len(api.services.live.matcher)
    assert re.search(r"^infomigra_redis_errors_total \d", text, re.M)
    assert value(text, "infomigra_matcher_redis_reachable") == 1


async def test_metrics_are_for_this_machine_unless_a_token_is_set(
        api_factory: ApiFactory) -> None:
    async with api_factory() as api:
        await scrape(api)  # loopback, no token configured
        # Relayed by a proxy nobody declared trusted: it may come from anywhere.
        res = await api.http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert res.status_code == 403
        assert "INFOMIGRA_METRICS_TOKEN" in res.json()["error"]["message"]
    proxied = ApiConfig(trusted_proxies=parse_networks(["127.0.0.1"]))
    async with api_factory(proxied) as api:
        res = await api.http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert res.status_code == 403  # a trusted proxy says the client is elsewhere
    async with api_factory(ApiConfig(metrics_token="s3cret-metrics-token")) as api:
        res = await api.http.get("/metrics")
        assert res.status_code == 401 and res.headers["www-authenticate"] == "Bearer"
        res = await api.http.get("/metrics", headers={"Authorization": "Bearer wrong"})
        assert res.status_code == 401
        res = await api.http.get("/metrics", headers={
            "Authorization": "Bearer s3cret-metrics-token", "X-Forwarded-For": "203.0.113.9"})
        assert res.status_code == 200 and "infomigra_http_request" in res.text
