"""Oversized bodies are refused (413) before they are read (admin_api/limits.py), over real HTTP.

Issue 13: a 50 MB POST without a key took the process from 735 to 1,020 MB before its 401. The
client here is a raw socket that keeps sending while it waits for the answer, as an attacker
would; the answer must come while most of the body is still unsent, and memory must stay flat.
"""

from __future__ import annotations

import asyncio
import time

import yaml

from admin_api import ApiConfig
from tests.admin_api.conftest import Api, ApiFactory

FIFTY_MB = 50_000_000
CHUNK = b"[" * (1 << 20)


def rss_mb() -> float:
    """This process's resident memory: the test server runs in a thread of it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


async def post_raw(url: str, path: str, size: int, *, chunked: bool = False,
                   headers: dict[str, str] | None = None) -> tuple[int, bytes, int, float]:
    """POST ``size`` bytes, reading the answer while still sending.

    Returns (status, answer, bytes sent before the answer came, seconds to the answer)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json",
             *(f"{k}: {v}" for k, v in (headers or {}).items()),
             "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    sent = 0

    async def send_body() -> None:
        nonlocal sent
        while sent < size:
            writer.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK)
            await writer.drain()
            sent += len(CHUNK)
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    sending = asyncio.create_task(send_body())
    start = time.perf_counter()
    try:
        status_line = await asyncio.wait_for(reader.readline(), 30)
        elapsed = time.perf_counter() - start
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        answer = head + await asyncio.wait_for(reader.readexactly(length), 5)
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
        writer.close()
    return int(status_line.split()[1]), answer, sent, elapsed


async def test_a_50_mb_body_without_a_key_is_refused_unread(api: Api) -> None:
    before = rss_mb()
    status, answer, sent, seconds = await post_raw(api.url, "/api/v1/faq", FIFTY_MB)
    grown = rss_mb() - before
    print(f"\n50 MB POST (Content-Length): {status} after {seconds * 1000:.0f} ms, "
          f"{sent / 1e6:.1f} MB sent by then, RSS {before:.0f} -> {before + grown:.0f} MB")
    assert status == 413
    assert b'"payload_too_large"' in answer and b"2,000,000 bytes" in answer
    assert sent < FIFTY_MB / 2  # answered long before the body was sent
    assert grown < 25  # was +285 MB


async def test_a_chunked_body_is_cut_off_at_the_cap(api: Api) -> None:
    before = rss_mb()
    status, answer, sent, seconds = await post_raw(api.url, "/api/v1/faq", FIFTY_MB,
                                                   chunked=True, headers=api.auth("editor"))
    grown = rss_mb() - before
    print(f"\n50 MB POST (chunked): {status} after {seconds * 1000:.0f} ms, "
          f"{sent / 1e6:.1f} MB sent by then, RSS grew {grown:.1f} MB")
    assert status == 413 and b'"payload_too_large"' in answer
    assert sent < FIFTY_MB / 2
    assert grown < 25


async def test_the_cap_is_a_setting_and_the_api_keeps_serving(api_factory: ApiFactory) -> None:
    async with api_factory(ApiConfig(max_body_bytes=50_000)) as api:
        big = {"q": "visa " * 12_000}  # 60 kB of JSON
        res = await api.http.post("/api/v1/match", json=big, headers=api.auth("editor"))
        assert res.status_code == 413
        assert res.json()["error"]["code"] == "payload_too_large"
        assert "50,000 bytes" in res.json()["error"]["message"]
        res = await api.http.post("/api/v1/match", json={"q": "visa"},
                                  headers=api.auth("editor"))
        assert res.status_code == 200


async def test_imports_have_their_own_larger_cap(api: Api, api_factory: ApiFactory) -> None:
    entries = [e.content() for e in await api.services.store.list_entries()]
    text = yaml.safe_dump({"entries": entries}, allow_unicode=True).encode()
    config = ApiConfig(max_body_bytes=50_000, max_import_bytes=len(text) + 10_000)
    assert len(text) > config.max_body_bytes
    async with api_factory(config) as capped:
        res = await capped.http.post("/api/v1/faq/import", params={"dry_run": True},
                                     files={"file": ("faq.yaml", text, "application/yaml")},
                                     headers=capped.auth("editor"))
        assert res.status_code == 200, res.text
        too_big = text + b"#" * 20_000
        res = await capped.http.post("/api/v1/faq/import", params={"dry_run": True},
                                     files={"file": ("faq.yaml", too_big, "application/yaml")},
                                     headers=capped.auth("editor"))
        assert res.status_code == 413
        assert res.json()["error"]["code"] == "payload_too_large"
