"""The CLI staff use for the API: ``keys create/list/revoke``, ``api`` and ``serve``, run as real
subprocesses against the test run's embedded Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from faq.apikeys import ApiKeyRegistry
from faq.store import FaqStore
from infomigra.api_runner import BOT_OFF_MESSAGE
from infomigra.redis_server import EmbeddedRedis

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli_env(redis_server: EmbeddedRedis, redis: Redis, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "REDIS_URL": redis_server.url,
           "INFOMIGRA_DATA_DIR": str(tmp_path / "var"), "INFOMIGRA_LOG_LEVEL": "INFO",
           "PYTHONUNBUFFERED": "1"}
    env.pop("BOT_TOKEN", None)
    env.pop("INFOMIGRA_BOT_TOKEN", None)
    return env


@pytest.fixture
def run_cli(cli_env: dict[str, str], tmp_path: Path) -> Run:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "infomigra.cli", *args],
                              capture_output=True, text=True, env=cli_env, cwd=tmp_path,
                              timeout=120)

    return run


async def test_keys_create_list_revoke(run_cli: Run, redis: Redis) -> None:
    created = run_cli("keys", "create", "--role", "editor", "--name", "Ana (helpdesk)")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("imk_") and len(secret.splitlines()) == 1  # only the key on stdout
    assert "shown only now" in created.stderr

    registry = ApiKeyRegistry(redis)
    info = await registry.authenticate(secret)
    assert info is not None and info.role == "editor" and info.name == "Ana (helpdesk)"

    listed = run_cli("keys", "list")
    assert listed.returncode == 0
    assert info.id in listed.stdout and "Ana (helpdesk)" in listed.stdout
    assert "editor" in listed.stdout and secret not in listed.stdout

    assert run_cli("keys", "revoke", "zzzzzz").returncode == 1
    revoked = run_cli("keys", "revoke", info.id[:6])
    assert revoked.returncode == 0, revoked.stderr
    assert info.id in revoked.stdout
    assert await registry.authenticate(secret) is None
    assert "no API keys yet" in run_cli("keys", "list").stdout

    actions = [a.action for a in await FaqStore(redis).audit(limit=2)]
    assert actions == ["key-revoke", "key-create"]


def test_keys_create_refuses_unknown_roles(run_cli: Run) -> None:
    res = run_cli("keys", "create", "--role", "owner", "--name", "x")
    assert res.returncode == 2 and "invalid choice" in res.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become ready")


@pytest.mark.parametrize("command", ["serve", "api"])
def test_serve_and_api_run_the_admin_api_and_stop_cleanly(
        command: str, cli_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    env = {**cli_env, "INFOMIGRA_API_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "infomigra.cli", command], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{url}/api/v1/faq").status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    if command == "serve":
        assert BOT_OFF_MESSAGE in stderr
