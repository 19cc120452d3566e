"""The CLI as staff run it: a real subprocess against the test run's embedded Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from redis.asyncio import Redis

from faq.loader import Content
from faq.store import FaqStore
from infomigra.redis_server import EmbeddedRedis
from tests.conftest import TEST_HASH_SECRET

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_cli(redis_server: EmbeddedRedis, redis: Redis, tmp_path: Path):
    env = {**os.environ, "REDIS_URL": redis_server.url,
           "INFOMIGRA_USER_HASH_SECRET": TEST_HASH_SECRET,
           "INFOMIGRA_DATA_DIR": str(tmp_path / "var"), "INFOMIGRA_LOG_LEVEL": "WARNING"}
    env.pop("BOT_TOKEN", None)

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "infomigra.cli", *args], input=stdin,
                              capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=120)

    return run


def test_match_prints_one_json_line_per_question(run_cli) -> None:
    out = run_cli("match", stdin='pasaporte por primera vez\n\n{"q": "receta de pepian", '
                                 '"lang": "es"}\n{"q": "h2a visa for farm work", "lang": "en"}\n')
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 3
    first = lines[0]
    assert set(first) == {"q", "decision", "id", "score", "candidates"}
    assert first["q"] == "pasaporte por primera vez"
    assert first["decision"] in {"answer", "suggest"}
    assert first["id"] == "passport-application"
    assert 0.0 <= first["score"] <= 1.0
    assert all(set(c) == {"id", "score"} for c in first["candidates"])
    assert lines[1]["decision"] == "none" and lines[1]["id"] is None
    assert lines[2]["id"] == "h2a-agricultural-visa"


async def test_match_reads_the_live_store(run_cli, redis: Redis, content: Content) -> None:
    run_cli("seed")
    store = FaqStore(redis)
    entry = await store.get("passport-application")
    assert entry is not None
    es = entry.translations["es"]
    changed = entry.model_copy(update={"translations": {
        **entry.translations,
        "es": es.model_copy(update={"alternates": [*es.alternates, "zorblax quimerico"]})}})
    await store.save(changed, expected_version=entry.version, actor="editor")
    out = run_cli("match", stdin="zorblax quimerico\n")
    assert json.loads(out.stdout)["id"] == "passport-application"


def test_export_import_round_trip_is_unchanged(run_cli, tmp_path: Path) -> None:
    assert run_cli("seed").returncode == 0
    exported = tmp_path / "faq.yaml"
    assert run_cli("export", str(exported)).returncode == 0
    data = yaml.safe_load(exported.read_text())
    assert len(data["entries"]) >= 43
    dry = run_cli("import", str(exported), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "add" not in dry.stdout.split() and "update" not in dry.stdout.split()
    again = tmp_path / "again.yaml"
    run_cli("export", str(again))
    assert again.read_text() == exported.read_text()


def test_import_with_one_bad_entry_writes_nothing(run_cli, tmp_path: Path) -> None:
    run_cli("seed")
    exported = tmp_path / "faq.yaml"
    run_cli("export", str(exported))
    data = yaml.safe_load(exported.read_text())
    data["entries"][0]["translations"]["es"]["answer"] = "<b>nuevo texto valido</b>"
    data["entries"][1]["translations"]["es"]["answer"] = "<b>sin cerrar"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    out = run_cli("import", str(bad))
    assert out.returncode == 1
    assert "nothing written" in out.stderr
    assert data["entries"][1]["id"] in out.stderr and "answer" in out.stderr
    after = tmp_path / "after.yaml"
    run_cli("export", str(after))
    assert after.read_text() == exported.read_text()


def test_import_dry_run_lists_changes_without_writing(run_cli, tmp_path: Path) -> None:
    run_cli("seed")
    exported = tmp_path / "faq.yaml"
    run_cli("export", str(exported))
    data = yaml.safe_load(exported.read_text())
    data["entries"][0]["translations"]["es"]["answer"] = "<b>texto cambiado</b>"
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True))
    dry = run_cli("import", str(changed), "--dry-run")
    assert f"update  {data['entries'][0]['id']}" in dry.stdout
    assert "nothing written" in dry.stdout
    real = run_cli("import", str(changed))
    assert real.returncode == 0 and "imported 1 entries" in real.stdout


def test_eval_prints_the_figures(run_cli, tmp_path: Path) -> None:
    eval_set = tmp_path / "set.yaml"
    eval_set.write_text(yaml.safe_dump({"questions": [
        {"q": "pasaporte por primera vez", "expect": "passport-application", "lang": "es"},
        {"q": "receta de pepian", "expect": None, "lang": "es"},
    ]}))
    out = run_cli("eval", str(eval_set), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["overall"]["in_scope"] == 1 and report["overall"]["off_topic"] == 1
    assert report["overall"]["answered_right_pct"] == 100.0
    assert report["overall"]["off_topic_refused_pct"] == 100.0
