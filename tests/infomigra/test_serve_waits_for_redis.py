"""``infomigra serve`` started before its external Redis: it waits, then serves; no traceback."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from tests.conftest import RedisProcess, cli_env, free_ports

START_TIMEOUT = 90.0  # a Python process importing FastAPI and the model on a shared 2-core box


def wait_for(check: Callable[[], bool], what: str, process: subprocess.Popen[bytes],
             log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"serve exited ({process.returncode}): {log.read_text()}"
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {START_TIMEOUT} s: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``infomigra serve`` as a real process, its output in ``log``; killed if still running."""
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "infomigra.cli", "serve"], env=env,
                                   stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_waits_for_a_redis_that_starts_later_then_serves(tmp_path: Path) -> None:
    redis_port, api_port = free_ports(2)
    env = cli_env(f"redis://127.0.0.1:{redis_port}/0", tmp_path / "var",
                  INFOMIGRA_API_PORT=str(api_port), INFOMIGRA_LOG_LEVEL="INFO",
                  INFOMIGRA_REDIS_RETRY_MAX_SECONDS="2")
    log = tmp_path / "serve.log"
    redis: RedisProcess | None = None
    with serve(env, log) as process:
        try:
            wait_for(lambda: log.read_text().count("Redis unreachable at start-up") >= 2,
                     "two failed tries logged", process, log)
            redis = RedisProcess(tmp_path, redis_port)
            redis.wait()

            def ready() -> bool:
                try:
                    return httpx.get(f"http://127.0.0.1:{api_port}/readyz",
                                     timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_for(ready, "/readyz 200 once Redis is up", process, log)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if redis is not None:
                redis.stop()
    output = log.read_text()
    assert "Traceback" not in output
    assert "Redis reachable after" in output


def test_serve_stopped_while_waiting_for_redis_exits_cleanly(tmp_path: Path) -> None:
    redis_port, api_port = free_ports(2)
    env = cli_env(f"redis://127.0.0.1:{redis_port}/0", tmp_path / "var",
                  INFOMIGRA_API_PORT=str(api_port), INFOMIGRA_LOG_LEVEL="INFO")
    log = tmp_path / "serve.log"
    with serve(env, log) as process:
        wait_for(lambda: "Redis unreachable at start-up" in log.read_text(),
                 "the failed try logged", process, log)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert "Traceback" not in log.read_text()
