"""``infomigra chat`` and ``infomigra bot`` as staff and operators run them: one real process
each, and the rest of the cases through the same command in this process."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from faq.loader import Content
from faq.store import FaqStore
from infomigra.cli import main
from infomigra.redis_server import EmbeddedRedis
from tests.bot.conftest import MARIA, TOKEN, make_entry
from tests.bot.fake_telegram import FakeTelegram
from tests.conftest import TEST_HASH_SECRET, CommandRunner, cli_env


def test_chat_answers_a_piped_question_with_sources_and_date(
        redis_server: EmbeddedRedis, redis: Redis, tmp_path: Path) -> None:
    """The real ``infomigra chat`` process, as staff run it; the other chat tests run the same
    command in this process (starting one costs seconds)."""
    out = subprocess.run([sys.executable, "-m", "infomigra.cli", "chat"],
                         input="¿Cómo saco mi pasaporte guatemalteco por primera vez?\n",
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env=cli_env(redis_server.url, tmp_path / "var"))
    assert out.returncode == 0, out.stderr
    assert "pasaporte" in out.stdout
    assert "Fuentes:" in out.stdout and "Revisado el 1 de diciembre de 2026" in out.stdout
    assert "<b>" not in out.stdout and "&amp;" not in out.stdout  # plain text in a terminal
    assert "(https://" in out.stdout  # links keep their address
    assert "  1. " in out.stdout  # related entries, numbered


async def test_chat_did_you_mean_then_choose_by_number_then_quit(command: CommandRunner) -> None:
    out = await command("chat", "--lang", "en",
                        stdin="best pepian recipe\n1\n2\n/quit\nnever read\n")
    assert out.returncode == 0, out.stderr
    assert "I do not have a reliable answer" in out.stdout
    assert "1. 📚 See the topics" in out.stdout and "2. 🙋 Talk to a person" in out.stdout
    assert "Choose a topic:" in out.stdout  # 1: the topics
    assert "Documents" in out.stdout
    assert "never read" not in out.stdout


async def test_chat_suggestions_are_numbered_choices(command: CommandRunner, redis: Redis,
                                                     content: Content) -> None:
    store = FaqStore(redis)
    await store.seed(content.entries, content.categories)
    for side in ("norte", "sur"):
        await store.save(make_entry(f"zorblax-{side}",
                                    es=f"¿Dónde queda la oficina zorblax quimérica del {side}?"),
                         expected_version=0, actor="test")
    out = await command("chat", stdin="oficina zorblax quimérica\n2\n")
    assert out.returncode == 0, out.stderr
    assert "¿Quiso preguntar alguna de estas?" in out.stdout
    assert "3. Ninguna de estas" in out.stdout
    chosen = out.stdout.split("  2. ", 1)[1].split("\n", 1)[0]
    assert f"Respuesta de prueba para {chosen}" in out.stdout


async def test_chat_does_not_count_staff_checks(command: CommandRunner, redis: Redis) -> None:
    out = await command("chat", stdin="receta de pepián\n")
    assert out.returncode == 0, out.stderr
    assert await redis.keys("im:stats:*") == [] and await redis.xlen("im:inbox") == 0


def test_bot_without_a_token_says_how_and_exits_2(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Through ``main`` and the environment, as the command reads them; refused before aiogram
    is imported (a wrong setting answers in a blink, not after seconds of imports)."""
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")
    monkeypatch.setenv("INFOMIGRA_USER_HASH_SECRET", TEST_HASH_SECRET)
    for name in ("BOT_TOKEN", "INFOMIGRA_BOT_TOKEN", "INFOMIGRA_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["bot"]) == 2
    err = capsys.readouterr().err
    assert "BOT_TOKEN is not set" in err and "@BotFather" in err
    monkeypatch.setenv("BOT_TOKEN", "not-a-token")
    assert main(["bot"]) == 2
    assert "does not look like a Telegram bot token" in capsys.readouterr().err
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    assert main(["bot", "--webhook"]) == 2
    assert "INFOMIGRA_WEBHOOK_URL" in capsys.readouterr().err


async def test_the_bot_command_polls_answers_and_stops_on_sigterm(
        tg: FakeTelegram, redis_server: EmbeddedRedis, redis: Redis, tmp_path: Path) -> None:
    env = cli_env(redis_server.url, tmp_path / "var", BOT_TOKEN=TOKEN, TELEGRAM_API_URL=tg.url)
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
