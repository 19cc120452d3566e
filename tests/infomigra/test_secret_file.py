"""The generated user-hash key: processes starting together on a fresh data dir agree on it."""

from __future__ import annotations

import multiprocessing
import os
import stat
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from infomigra.cli import main
from infomigra.secret_file import SECRET_FILE, SecretFileError, load_or_create
from infomigra.settings import MISSING_SHARED_SECRET, Settings

TRIALS = 50
PROCESSES = 2


def _race(dirs: list[str], barrier: Barrier, out: multiprocessing.Queue) -> None:
    keys = []
    for d in dirs:
        barrier.wait()  # every process enters load_or_create on this fresh dir at once
        keys.append(load_or_create(Path(d)).decode())
    out.put(keys)


def test_processes_starting_together_all_read_one_complete_key(tmp_path: Path) -> None:
    dirs = [str(tmp_path / f"trial{i}" / "var") for i in range(TRIALS)]
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters, as separate commands are
    barrier = ctx.Barrier(PROCESSES)
    out: multiprocessing.Queue = ctx.Queue()
    workers = [ctx.Process(target=_race, args=(dirs, barrier, out)) for _ in range(PROCESSES)]
    for w in workers:
        w.start()
    results = [out.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=10)
        assert w.exitcode == 0
    for i, d in enumerate(dirs):
        seen = {keys[i] for keys in results}
        assert len(seen) == 1, f"trial {i}: processes disagree"
        key = seen.pop()
        assert len(key) == 64 and int(key, 16) >= 0, f"trial {i}: not a full key: {key!r}"
        assert (Path(d) / SECRET_FILE).read_text() == key
        assert sorted(os.listdir(d)) == [SECRET_FILE]  # no temporary file left behind
    assert len(set(results[0])) == TRIALS  # a new key per data dir, not a constant


def test_the_key_file_is_private_and_stable(tmp_path: Path) -> None:
    data = tmp_path / "var"
    first = load_or_create(data)
    assert load_or_create(data) == first
    assert stat.S_IMODE((data / SECRET_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_an_empty_key_file_is_refused_not_used(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    (data / SECRET_FILE).write_text("")  # what the old touch-then-write left after a crash
    with pytest.raises(SecretFileError, match="delete it, or set INFOMIGRA_USER_HASH_SECRET"):
        load_or_create(data, wait=0.05)


def test_an_external_redis_needs_a_configured_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", redis_url="redis://db:6379/0",
                        _env_file=None)  # type: ignore[call-arg]
    assert settings.startup_problem() == MISSING_SHARED_SECRET
    with pytest.raises(ValueError, match="INFOMIGRA_USER_HASH_SECRET is not set"):
        settings.hash_secret()
    assert not (tmp_path / "var" / SECRET_FILE).exists()
    configured = Settings(data_dir=tmp_path / "var", redis_url="redis://db:6379/0",
                          user_hash_secret="k" * 32, _env_file=None)  # type: ignore[call-arg]
    assert configured.startup_problem() is None and configured.hash_secret() == b"k" * 32


def test_an_empty_configured_key_counts_as_unset_never_as_a_key(tmp_path: Path) -> None:
    """``INFOMIGRA_USER_HASH_SECRET=`` as .env.example has it."""
    embedded = Settings(data_dir=tmp_path / "var", user_hash_secret="  ",
                        _env_file=None)  # type: ignore[call-arg]
    assert embedded.user_hash_secret is None
    assert len(embedded.hash_secret()) == 64  # the generated one
    external = Settings(data_dir=tmp_path / "var", user_hash_secret="", redis_url="redis://db",
                        _env_file=None)  # type: ignore[call-arg]
    assert external.startup_problem() == MISSING_SHARED_SECRET


def test_the_cli_refuses_an_external_redis_without_a_key_in_one_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")
    monkeypatch.delenv("INFOMIGRA_USER_HASH_SECRET", raising=False)
    assert main(["keys", "list"]) == 2
    err = capsys.readouterr().err
    assert err == f"infomigra: {MISSING_SHARED_SECRET}\n"
    assert not (tmp_path / "var").exists()  # refused before anything was made
