"""Imports cannot stall or crash the API (issue 13, points 4 and 5), over real HTTP.

A 2 MB import used to be parsed on the event loop for 19-33 s, during which /healthz (and the
bot, in ``serve``) waited; 2 MB of bad rows came back as a 48 MB answer; a deeply nested YAML
file was a 500 with ~5,900 log lines. The timing goal for /healthz during an import is in the
benchmark (``make bench``); here the test checks that it keeps answering, loosely.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
import yaml

from admin_api import ApiConfig
from benchmarks.synthetic import grow
from faq.loader import Content
from tests.admin_api.conftest import Api, ApiFactory
from tests.admin_api.helpers import problems

IMPORT = "/api/v1/faq/import"
BIG_IMPORT_ENTRIES = 600  # ~2.7 MB of YAML: about a second of parsing on this machine


def yaml_upload(data: Any, name: str = "faq.yaml") -> dict[str, Any]:
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True,
                                                             sort_keys=False)
    return {"file": (name, text.encode(), "application/yaml")}


async def test_healthz_keeps_answering_during_a_big_import(api: Api, content: Content) -> None:
    entries = grow(content.entries, BIG_IMPORT_ENTRIES)
    upload = yaml_upload({"entries": [e.content() for e in entries]})
    size_mb = len(upload["file"][1]) / 1e6
    importing = asyncio.create_task(api.http.post(
        IMPORT, params={"dry_run": True}, files=upload, headers=api.auth("editor")))
    latencies: list[float] = []
    start = time.perf_counter()
    while not importing.done():
        t = time.perf_counter()
        res = await api.http.get("/healthz")
        latencies.append(time.perf_counter() - t)
        assert res.status_code == 200
        await asyncio.sleep(0.02)
    took = time.perf_counter() - start
    res = await importing
    assert res.status_code == 200, res.text[:500]
    report = res.json()
    assert report["added"] == BIG_IMPORT_ENTRIES - len(content.entries)
    assert report["unchanged"] == len(content.entries) and report["written"] == 0
    print(f"\nimport of {BIG_IMPORT_ENTRIES} entries ({size_mb:.1f} MB): {took:.2f} s; "
          f"/healthz meanwhile: {len(latencies)} answers, max {max(latencies) * 1000:.0f} ms")
    # Loosely, relative to this machine's speed (the goal is in the benchmark): with the parse
    # on the event loop, /healthz answered 4 times, one of them after waiting 1.4 s of the
    # import's 1.6 s (22 s in the issue); in a worker thread it answers all along.
    assert len(latencies) >= 8
    assert max(latencies) < took * 0.6


@pytest.mark.parametrize("text", [
    "[" * 5000 + "]" * 5000,
    "entries:\n" + "".join(f"{'  ' * i}- k{i}:\n" for i in range(1, 200)),
    "{a: " * 3000 + "1" + "}" * 3000,
])
async def test_deeply_nested_yaml_is_a_422_without_a_log_flood(
        api: Api, text: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        res = await api.http.post(IMPORT, files=yaml_upload(text), headers=api.auth("editor"))
    found = problems(res)
    assert any("nested more than" in p["message"] or "nesting" in p["message"] for p in found)
    assert "Recursion" not in res.text
    assert len(caplog.records) < 5  # was ~5,900 lines for one request
    assert (await api.http.get("/healthz")).status_code == 200


async def test_deeply_nested_json_is_refused_plainly(api: Api) -> None:
    body = "[" * 100_000 + "]" * 100_000
    res = await api.http.put("/api/v1/faq/privacy", content=body.encode(),
                             headers={**api.auth("editor"), "Content-Type": "application/json",
                                      "If-Match": '"1"'})
    assert 400 <= res.status_code < 500, res.text[:300]
    assert res.json()["error"]["code"] in {"bad_request", "validation_failed"}


async def test_entries_per_import_are_capped(api_factory: ApiFactory) -> None:
    async with api_factory(ApiConfig(max_import_entries=10)) as api:
        entries = [e.content() for e in await api.services.store.list_entries()]
        res = await api.http.post(IMPORT, params={"dry_run": True},
                                  files=yaml_upload({"entries": entries}),
                                  headers=api.auth("editor"))
        (problem,) = problems(res)
        assert f"has {len(entries)} entries; at most 10" in problem["message"]


async def test_the_problems_listed_are_capped_and_counted(api: Api) -> None:
    bad = [{"id": f"bad-entry-{i}", "category": "documents"} for i in range(400)]
    res = await api.http.post(IMPORT, files=yaml_upload({"entries": bad}),
                              headers=api.auth("editor"))
    listed = problems(res)
    details = res.json()["error"]["details"]
    assert len(listed) == 100
    assert details["problem_count"] >= 400
    assert details["not_listed"] == details["problem_count"] - 100
    assert f"{details['problem_count'] - 1:,} more problems" in res.json()["error"]["message"]
    assert len(res.content) < 50_000
