from __future__ import annotations

from pathlib import Path

import redis as sync_redis

from infomigra.redis_server import EmbeddedRedis


def test_data_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with EmbeddedRedis(data) as server:
        client = sync_redis.Redis.from_url(server.url)
        client.set("im:test:persist", "still here")
        client.rpush("im:test:list", "a", "b")
        client.close()
    assert (data / "redis").exists()
    with EmbeddedRedis(data) as server:
        client = sync_redis.Redis.from_url(server.url)
        assert client.get("im:test:persist") == b"still here"
        assert client.lrange("im:test:list", 0, -1) == [b"a", b"b"]
        client.close()


def test_a_second_process_reuses_and_does_not_stop_it(tmp_path: Path) -> None:
    data = tmp_path / "var"
    first = EmbeddedRedis(data)
    url = first.start()
    try:
        second = EmbeddedRedis(data)
        assert second.start() == url
        assert not second.owned
        second.stop()  # not the owner: must leave the server running
        client = sync_redis.Redis.from_url(url)
        assert client.ping()
        client.close()
    finally:
        first.stop()
    assert not EmbeddedRedis(data).socket_path.exists() or not first.owned
