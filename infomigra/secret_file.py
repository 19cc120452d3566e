"""The generated user-hash key in the data dir: made once, atomically, shared by every process.

Processes started together on a fresh data dir (``api`` and ``bot`` in one container, ``make
run`` beside ``infomigra chat``) must end up with the same key, and none may ever use an empty
or half-written one: an HMAC with an empty key is a plain hash anyone can recompute. So the key
is written complete into a private temporary file and then hard-linked to its name, which fails
if the name exists: the name appears with its whole content or not at all, and exactly one
writer wins. A reader that finds a short file (left by a filesystem without hard links, where
the fallback is an exclusive create) waits briefly for the writer to finish.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

SECRET_FILE = "user_hash_secret"
# 32 random bytes as hex: the HMAC-SHA256 block is 64 bytes, a 256-bit key is its full strength.
KEY_BYTES = 32
_VALID = re.compile(rf"^[0-9a-f]{{{2 * KEY_BYTES}}}$")
# How long a reader waits for a writer that created the file but has not written it yet: the
# write is one small write() call, so anything beyond a few milliseconds is a dead writer.
READ_WAIT_SECONDS = 2.0


class SecretFileError(RuntimeError):
    """The key file exists but does not hold a key; the message says what to do."""


def _create(path: Path, key: bytes) -> bool:
    """Create ``path`` (0600) holding ``key``; False when it exists already."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def _write_new(path: Path) -> None:
    """Create ``path`` holding a fresh key, unless some other process already did."""
    key = secrets.token_hex(KEY_BYTES).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _create(tmp, key)
    try:
        os.link(tmp, path)  # atomic and exclusive: fails when another process won
    except FileExistsError:
        pass
    except OSError:  # no hard links here (some network filesystems): exclusive create instead
        _create(path, key)
    finally:
        os.unlink(tmp)


def _read_complete(path: Path, wait: float) -> bytes:
    deadline = time.monotonic() + wait
    while True:
        text = path.read_text(encoding="ascii", errors="replace").strip()
        if _VALID.match(text):
            return text.encode()
        if time.monotonic() >= deadline:
            raise SecretFileError(
                f"{path} does not hold a user-hash key (empty or damaged); stop every "
                "InfoMigra process and delete it, or set INFOMIGRA_USER_HASH_SECRET")
        time.sleep(0.01)


def load_or_create(data_dir: Path, wait: float = READ_WAIT_SECONDS) -> bytes:
    """The key in ``data_dir``, created (mode 0600, data dir 0700) when there is none yet."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE
    if not path.exists():
        _write_new(path)
    return _read_complete(path, wait)
