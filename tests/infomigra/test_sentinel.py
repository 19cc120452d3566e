"""Sentinel: the service asks a real redis-sentinel (the same redis-server binary in sentinel
mode) for the master and works on it; the Redis settings refuse ambiguous choices."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from faq.loader import Content
from infomigra.redis_server import redis_server_binary
from infomigra.runtime import build_services, connect, prepare
from infomigra.settings import Settings
from tests.conftest import TEST_HASH_SECRET, FakeClock, RedisProcess, free_ports


@pytest.fixture(scope="module")
def sentinel() -> Iterator[tuple[RedisProcess, int]]:
    with tempfile.TemporaryDirectory(prefix="im-sentinel-") as tmp:
        master_port, sentinel_port = free_ports(2)
        master = RedisProcess(Path(tmp), master_port)
        conf = Path(tmp) / "sentinel.conf"
        conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp}\n"
                        f"sentinel monitor mymaster 127.0.0.1 {master_port} 1\n"
                        "sentinel down-after-milliseconds mymaster 5000\n")
        proc = subprocess.Popen([redis_server_binary(), str(conf), "--sentinel"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            master.wait()
            import redis as sync_redis

            deadline = time.monotonic() + 20
            while True:
                try:
                    client = sync_redis.Redis(port=sentinel_port)
                    if client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME",
                                              "mymaster"):
                        client.close()
                        break
                except sync_redis.ConnectionError:
                    pass
                assert time.monotonic() < deadline, "redis-sentinel did not start"
                time.sleep(0.1)
            yield master, sentinel_port
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            master.stop()


async def test_the_service_works_on_the_master_the_sentinel_names(
        sentinel: tuple[RedisProcess, int], tmp_path: Path, content: Content,
        clock: FakeClock) -> None:
    master, port = sentinel
    settings = Settings(data_dir=tmp_path / "var", redis_sentinels=f"127.0.0.1:{port}",
                        user_hash_secret=TEST_HASH_SECRET, _env_file=None)  # type: ignore[call-arg]
    redis = connect(settings, None)
    try:
        await redis.flushdb()
        services = build_services(settings, redis, content, clock=clock)
        await prepare(services)
        await services.store.seed(content.entries, content.categories)
        assert (await services.store.page(limit=1))[1] == len(content.entries)
        info = await redis.info("server")
        assert int(info["tcp_port"]) == master.port  # the master, found through the Sentinel
    finally:
        await redis.aclose()


def test_redis_settings_refuse_two_choices_and_bad_addresses(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="set only one of"):
        Settings(redis_url="redis://x:6379/0", redis_cluster_url="redis://y:6379",
                 _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="is not host:port"):
        Settings(redis_sentinels="s1:26379,s2:port", _env_file=None)  # type: ignore[call-arg]
    ok = Settings(redis_sentinels=" s1:26380 , s2 ", _env_file=None)  # type: ignore[call-arg]
    assert ok.sentinel_addresses() == [("s1", 26380), ("s2", 26379)]
