"""``infomigra chat`` and ``infomigra bot`` as staff and operators run them: real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import redis as sync_redis
from redis.asyncio import Redis

from faq.loader import Content
from faq.store import FaqStore
from infomigra.redis_server import EmbeddedRedis
from tests.bot.conftest import MARIA, TOKEN, make_entry
from tests.bot.fake_telegram import FakeTelegram

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(redis_server: EmbeddedRedis, redis: Redis, tmp_path: Path) -> CliRunner:
    env = {**os.environ, "REDIS_URL": redis_server.url,
           "INFOMIGRA_DATA_DIR": str(tmp_path / "var"), "INFOMIGRA_LOG_LEVEL": "WARNING"}
    env.pop("BOT_TOKEN", None)

    def run(*args: str, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "infomigra.cli", *args], input=stdin,
                              capture_output=True, text=True, env={**env, **extra},
                              cwd=tmp_path, timeout=120)

    return run


def test_chat_answers_a_piped_question_with_sources_and_date(run_cli: CliRunner) -> None:
    out = run_cli("chat", stdin="¿Cómo saco mi pasaporte guatemalteco por primera vez?\n")
    assert out.returncode == 0, out.stderr
    assert "pasaporte" in out.stdout
    assert "Fuentes:" in out.stdout and "Revisado el 1 de diciembre de 2026" in out.stdout
    assert "<b>" not in out.stdout and "&amp;" not in out.stdout  # plain text in a terminal
    assert "(https://" in out.stdout  # links keep their address
    assert "  1. " in out.stdout  # related entries, numbered


def test_chat_did_you_mean_then_choose_by_number_then_quit(run_cli: CliRunner) -> None:
    out = run_cli("chat", "--lang", "en",
                  stdin="best pepian recipe\n1\n2\n/quit\nnever read\n")
    assert out.returncode == 0, out.stderr
    assert "I do not have a reliable answer" in out.stdout
    assert "1. 📚 See the topics" in out.stdout and "2. 🙋 Talk to a person" in out.stdout
    assert "Choose a topic:" in out.stdout  # 1: the topics
    assert "Documents" in out.stdout
    assert "never read" not in out.stdout


async def test_chat_suggestions_are_numbered_choices(run_cli: CliRunner, redis: Redis,
                                                     content: Content) -> None:
    store = FaqStore(redis)
    await store.seed(content.entries, content.categories)
    for side in ("norte", "sur"):
        await store.save(make_entry(f"zorblax-{side}",
                                    es=f"¿Dónde queda la oficina zorblax quimérica del {side}?"),
                         expected_version=0, actor="test")
    out = run_cli("chat", stdin="oficina zorblax quimérica\n2\n")
    assert out.returncode == 0, out.stderr
    assert "¿Quiso preguntar alguna de estas?" in out.stdout
    assert "3. Ninguna de estas" in out.stdout
    chosen = out.stdout.split("  2. ", 1)[1].split("\n", 1)[0]
    assert f"Respuesta de prueba para {chosen}" in out.stdout


def test_chat_does_not_count_staff_checks(run_cli: CliRunner, redis_server: EmbeddedRedis) -> None:
    run_cli("chat", stdin="receta de pepián\n")
    client = sync_redis.Redis.from_url(redis_server.url)
    try:
        assert client.keys("im:stats:*") == [] and client.xlen("im:inbox") == 0
    finally:
        client.close()


def test_bot_without_a_token_says_how_and_exits_2(run_cli: CliRunner) -> None:
    out = run_cli("bot")
    assert out.returncode == 2
    assert "BOT_TOKEN is not set" in out.stderr and "@BotFather" in out.stderr
    bad = run_cli("bot", BOT_TOKEN="not-a-token")
    assert bad.returncode == 2 and "does not look like a Telegram bot token" in bad.stderr
    webhook = run_cli("bot", "--webhook", BOT_TOKEN="123:abc")
    assert webhook.returncode == 2 and "INFOMIGRA_WEBHOOK_URL" in webhook.stderr


async def test_the_bot_command_polls_answers_and_stops_on_sigterm(
        tg: FakeTelegram, redis_server: EmbeddedRedis, redis: Redis, tmp_path: Path) -> None:
    env = {**os.environ, "REDIS_URL": redis_server.url, "BOT_TOKEN": TOKEN,
           "TELEGRAM_API_URL": tg.url, "INFOMIGRA_DATA_DIR": str(tmp_path / "var"),
           "INFOMIGRA_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "infomigra.cli", "bot", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await tg.wait_for(lambda c: c.method == "deleteWebhook", timeout=60)
        await tg.push(tg.update("message", tg.user_message(MARIA, "/start")))
        greeting = await tg.wait_for(lambda c: c.method == "sendMessage", timeout=30)
        assert "¡Hola! Soy InfoMigra." in greeting.params["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
