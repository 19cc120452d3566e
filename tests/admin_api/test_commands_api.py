"""The CLI staff use for the API: ``keys create/list/revoke`` (through the real parser and
handlers), ``api`` and ``serve`` (as real processes), on the test run's embedded Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from faq.apikeys import ApiKeyRegistry
from faq.store import FaqStore
from infomigra.api_runner import BOT_OFF_MESSAGE
from infomigra.cli import build_parser
from infomigra.redis_server import EmbeddedRedis
from infomigra.settings import Settings
from tests.admin_api.processes import tcp_redis
from tests.conftest import TEST_HASH_SECRET


@pytest.fixture
def cli_env(redis_server: EmbeddedRedis, redis: Redis, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "REDIS_URL": redis_server.url,
           "INFOMIGRA_USER_HASH_SECRET": TEST_HASH_SECRET,
           "INFOMIGRA_DATA_DIR": str(tmp_path / "var"), "INFOMIGRA_LOG_LEVEL": "INFO",
           "PYTHONUNBUFFERED": "1"}
    env.pop("BOT_TOKEN", None)
    env.pop("INFOMIGRA_BOT_TOKEN", None)
    return env


def cli(settings: Settings, *argv: str) -> int:
    """Parse ``argv`` with the real parser and run the handler (in a worker thread: it runs its
    own event loop, as it does under the ``infomigra`` command)."""
    args = build_parser().parse_args(list(argv))
    result: int = args.handler(settings, args)
    return result


async def test_keys_create_list_revoke(settings: Settings, redis: Redis,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = await asyncio.to_thread(cli, settings, "keys", "create", "--role", "editor",
                                   "--name", "Ana (helpdesk)")
    created = capsys.readouterr()
    assert code == 0, created.err
    secret = created.out.strip()
    assert secret.startswith("imk_") and len(secret.splitlines()) == 1  # only the key on stdout
    assert "shown only now" in created.err

    registry = ApiKeyRegistry(redis)
    info = await registry.authenticate(secret)
    assert info is not None and info.role == "editor" and info.name == "Ana (helpdesk)"

    assert await asyncio.to_thread(cli, settings, "keys", "list") == 0
    listed = capsys.readouterr().out
    assert info.id in listed and "Ana (helpdesk)" in listed
    assert "editor" in listed and secret not in listed

    assert await asyncio.to_thread(cli, settings, "keys", "revoke", "zzzzzz") == 1
    assert "no key" in capsys.readouterr().err
    assert await asyncio.to_thread(cli, settings, "keys", "revoke", info.id[:6]) == 0
    assert info.id in capsys.readouterr().out
    assert await registry.authenticate(secret) is None
    await asyncio.to_thread(cli, settings, "keys", "list")
    assert "no API keys yet" in capsys.readouterr().out

    actions = [a.action for a in await FaqStore(redis).audit(limit=2)]
    assert actions == ["key-revoke", "key-create"]


def test_keys_create_refuses_unknown_roles(settings: Settings,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["keys", "create", "--role", "owner", "--name", "x"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err


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


def test_serve_and_api_run_the_admin_api_and_stop_cleanly(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """Both commands as real processes (started together: each start imports a lot)."""
    procs: dict[str, tuple[subprocess.Popen[str], str]] = {}
    for command in ("serve", "api"):
        port = free_port()
        env = {**cli_env, "INFOMIGRA_API_PORT": str(port)}
        procs[command] = (subprocess.Popen(
            [sys.executable, "-m", "infomigra.cli", command], env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            f"http://127.0.0.1:{port}")
    errors: dict[str, str] = {}
    try:
        for proc, url in procs.values():
            wait_ready(url, proc)
            assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
            assert httpx.get(f"{url}/api/v1/faq").status_code == 401
    finally:
        for proc, _ in procs.values():
            proc.send_signal(signal.SIGTERM)
        for command, (proc, _) in procs.items():
            errors[command] = proc.communicate(timeout=30)[1]
    for command, (proc, _) in procs.items():
        assert proc.returncode == 0, errors[command]
        assert "Traceback" not in errors[command]
    assert BOT_OFF_MESSAGE in errors["serve"]


def test_api_waits_for_a_redis_that_is_down_at_start(cli_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    """Issue 13: ``infomigra api`` exited when Redis was not up yet. Now it serves /healthz,
    answers 503 (not ready), logs each retry, and becomes ready once Redis is there."""
    redis_port, api_port = free_port(), free_port()
    env = {**cli_env, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "INFOMIGRA_API_PORT": str(api_port), "INFOMIGRA_USER_HASH_SECRET": "t",
           "INFOMIGRA_REDIS_RETRY_MAX_SECONDS": "2"}
    url = f"http://127.0.0.1:{api_port}"
    proc = subprocess.Popen([sys.executable, "-m", "infomigra.cli", "api"], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the API did not start without Redis"
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.get(f"{url}/readyz").status_code == 503
        assert httpx.get(f"{url}/api/v1/faq").status_code == 503
        with tcp_redis(redis_port, tmp_path / "redis"):
            wait_ready(url, proc, timeout=30)
            assert httpx.get(f"{url}/api/v1/faq").status_code == 401  # a real answer now
            proc.send_signal(signal.SIGTERM)
            err = proc.communicate(timeout=30)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Redis unreachable at start-up" in err
    assert "Redis reachable after" in err and "Traceback" not in err
