"""The embedded Redis as operators meet it: real redis-server processes, killed and restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis as sync_redis

from infomigra.api_runner import standalone_app
from infomigra.redis_server import EmbeddedRedis
from infomigra.settings import Settings
from tests.admin_api.conftest import serving
from tests.conftest import TEST_HASH_SECRET

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data() -> Iterator[Path]:
    # A short path: unix socket paths are limited to ~100 characters.
    with tempfile.TemporaryDirectory(prefix="im-er-") as tmp:
        yield Path(tmp) / "var"


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def is_gone(pid: int) -> bool:
    """No such process, not even a zombie waiting to be reaped."""
    return not Path(f"/proc/{pid}").exists()


def server_pid(url: str) -> int:
    client = sync_redis.Redis.from_url(url, socket_timeout=2)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


def answers(url: str) -> bool:
    client = sync_redis.Redis.from_url(url, socket_timeout=1)
    try:
        return bool(client.ping())
    except sync_redis.RedisError:
        return False
    finally:
        client.close()


def test_data_survives_a_restart(data: Path) -> None:
    with EmbeddedRedis(data) as server:
        client = sync_redis.Redis.from_url(server.url)
        client.set("im:test:persist", "still here")
        client.rpush("im:test:list", "a", "b")
        client.close()
    with EmbeddedRedis(data) as server:
        client = sync_redis.Redis.from_url(server.url)
        assert client.get("im:test:persist") == b"still here"
        assert client.lrange("im:test:list", 0, -1) == [b"a", b"b"]
        client.close()


def test_files_are_private_and_fsync_is_the_configured_one(data: Path) -> None:
    with EmbeddedRedis(data, appendfsync="always") as server:
        client = sync_redis.Redis.from_url(server.url)
        client.set("im:test:k", "v")
        assert client.config_get("appendfsync") == {"appendfsync": "always"}
        client.bgrewriteaof()  # the rewritten file must be private too
        eventually(lambda: client.info("persistence")["aof_rewrite_in_progress"] == 0)
        client.close()
        files = [p for p in (data / "redis").iterdir() if p.is_file()]
        assert any(p.suffix == ".aof" for p in files)
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {
            p.name: 0o600 for p in files}
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "redis").stat().st_mode) == 0o700


def test_a_second_user_reuses_and_does_not_stop_it(data: Path) -> None:
    first = EmbeddedRedis(data)
    url = first.start()
    try:
        second = EmbeddedRedis(data)
        assert second.start() == url
        assert first.owned and not second.owned
        second.stop()  # not the owner: must leave the server running
        assert answers(url)
    finally:
        first.stop()
    assert not answers(url)


JOINER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from infomigra.redis_server import EmbeddedRedis
    server = EmbeddedRedis(Path(sys.argv[1]), supervise=False)
    server.start()
    print(server.owned, flush=True)
    sys.stdin.read()
    server.stop()
""")


def test_stopping_never_shuts_down_a_server_another_process_started(data: Path) -> None:
    """The issue's case: our child died, another process started a new server, we stop."""
    ours = EmbeddedRedis(data, supervise=False)
    url = ours.start()
    dead = server_pid(url)
    os.kill(dead, signal.SIGKILL)
    eventually(lambda: not answers(url))
    other = subprocess.Popen([sys.executable, "-c", JOINER, str(data)], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "True"
        theirs = server_pid(url)
        ours.stop()
        assert answers(url) and server_pid(url) == theirs  # still theirs, still up
        assert is_gone(dead)  # and our dead child was reaped, not left a zombie
    finally:
        other.communicate("", timeout=20)
    assert other.returncode == 0 and not answers(url)  # its owner stopped it


def test_a_killed_server_is_restarted_reaped_and_keeps_its_data(data: Path) -> None:
    with EmbeddedRedis(data, appendfsync="always") as server:
        client = sync_redis.Redis.from_url(server.url, socket_timeout=2)
        client.set("im:test:acked", "1")
        first = server_pid(server.url)
        os.kill(first, signal.SIGKILL)
        eventually(lambda: answers(server.url) and server_pid(server.url) != first)
        assert client.get("im:test:acked") == b"1"  # the client reconnects by itself
        eventually(lambda: server.restarts == 1)
        assert server.owned
        eventually(lambda: is_gone(first), timeout=2)
        client.close()
    assert not answers(server.url)


async def test_the_api_recovers_from_a_redis_crash_by_itself(data: Path) -> None:
    settings = Settings(data_dir=data, user_hash_secret=TEST_HASH_SECRET,
                        _env_file=None)  # type: ignore[call-arg]
    async with serving(standalone_app(settings)) as server, httpx.AsyncClient(
            base_url=server.url, timeout=5) as http:
        assert (await http.get("/readyz")).status_code == 200
        pid = int((data / "redis" / "redis.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        statuses = []
        while time.monotonic() < deadline:
            statuses.append((await http.get("/readyz")).status_code)
            if statuses[-1] == 200 and (data / "redis" / "redis.pid").exists() and int(
                    (data / "redis" / "redis.pid").read_text()) != pid:
                break
            await asyncio.sleep(0.05)
        assert statuses[-1] == 200, statuses
        assert set(statuses) <= {200, 503}  # an outage is a clean 503, never a 500
        # The supervisor reaps the dead child on its own thread, a moment after the restart
        # on a loaded machine: wait for it, bounded (a zombie stays and fails this).
        reap_deadline = time.monotonic() + 5
        while not is_gone(pid) and time.monotonic() < reap_deadline:
            await asyncio.sleep(0.05)
        assert is_gone(pid)
    assert not (data / "redis.sock").exists() or not answers(f"unix://{data / 'redis.sock'}")
