"""The CLI as staff run it: one real ``infomigra`` process (``match``), and the other commands
through the same parser and handlers in this process, against the test run's Redis."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from redis.asyncio import Redis

from faq.loader import Content
from faq.store import FaqStore
from infomigra.redis_server import EmbeddedRedis
from tests.conftest import CommandRunner, cli_env


def test_match_prints_one_json_line_per_question(redis_server: EmbeddedRedis, redis: Redis,
                                                 tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infomigra.cli", "match"], capture_output=True, text=True,
        input='pasaporte por primera vez\n\n{"q": "receta de pepian", "lang": "es"}\n'
              '{"q": "h2a visa for farm work", "lang": "en"}\n',
        env=cli_env(redis_server.url, tmp_path / "var"), cwd=tmp_path, timeout=120)
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


async def test_match_reads_the_live_store(command: CommandRunner, redis: Redis,
                                          content: Content) -> None:
    await command("seed")
    store = FaqStore(redis)
    entry = await store.get("passport-application")
    assert entry is not None
    es = entry.translations["es"]
    changed = entry.model_copy(update={"translations": {
        **entry.translations,
        "es": es.model_copy(update={"alternates": [*es.alternates, "zorblax quimerico"]})}})
    await store.save(changed, expected_version=entry.version, actor="editor")
    out = await command("match", stdin="zorblax quimerico\n")
    assert json.loads(out.stdout)["id"] == "passport-application"


async def test_export_import_round_trip_is_unchanged(
        command: CommandRunner, tmp_path: Path) -> None:
    assert (await command("seed")).returncode == 0
    exported = tmp_path / "faq.yaml"
    assert (await command("export", str(exported))).returncode == 0
    data = yaml.safe_load(exported.read_text())
    assert len(data["entries"]) >= 43
    dry = await command("import", str(exported), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "add" not in dry.stdout.split() and "update" not in dry.stdout.split()
    again = tmp_path / "again.yaml"
    await command("export", str(again))
    assert again.read_text() == exported.read_text()


async def test_import_with_one_bad_entry_writes_nothing(
        command: CommandRunner, tmp_path: Path) -> None:
    await command("seed")
    exported = tmp_path / "faq.yaml"
    await command("export", str(exported))
    data = yaml.safe_load(exported.read_text())
    data["entries"][0]["translations"]["es"]["answer"] = "<b>nuevo texto valido</b>"
    data["entries"][1]["translations"]["es"]["answer"] = "<b>sin cerrar"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    out = await command("import", str(bad))
    assert out.returncode == 1
    assert "nothing written" in out.stderr
    assert data["entries"][1]["id"] in out.stderr and "answer" in out.stderr
    after = tmp_path / "after.yaml"
    await command("export", str(after))
    assert after.read_text() == exported.read_text()


async def test_import_dry_run_lists_changes_without_writing(
        command: CommandRunner, tmp_path: Path) -> None:
    await command("seed")
    exported = tmp_path / "faq.yaml"
    await command("export", str(exported))
    data = yaml.safe_load(exported.read_text())
    data["entries"][0]["translations"]["es"]["answer"] = "<b>texto cambiado</b>"
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True))
    dry = await command("import", str(changed), "--dry-run")
    assert f"update  {data['entries'][0]['id']}" in dry.stdout
    assert "nothing written" in dry.stdout
    real = await command("import", str(changed))
    assert real.returncode == 0 and "imported 1 entries" in real.stdout


async def test_eval_prints_the_figures(
        command: CommandRunner, tmp_path: Path) -> None:
    eval_set = tmp_path / "set.yaml"
    eval_set.write_text(yaml.safe_dump({"questions": [
        {"q": "pasaporte por primera vez", "expect": "passport-application", "lang": "es"},
        {"q": "receta de pepian", "expect": None, "lang": "es"},
    ]}))
    out = await command("eval", str(eval_set), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["overall"]["in_scope"] == 1 and report["overall"]["off_topic"] == 1
    assert report["overall"]["answered_right_pct"] == 100.0
    assert report["overall"]["off_topic_refused_pct"] == 100.0
