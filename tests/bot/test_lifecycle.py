"""Start and stop as an operator sees them: ``infomigra bot`` as a real process.

A token Telegram refuses ends the process quickly with exit code 2 and one readable line; SIGTERM
while an answer is being sent lets that answer complete, then exits 0 without an ERROR. Both run
at DEBUG, and every line they log is searched for the people's ids and names.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from faq.stats import Stats
from infomigra.api_runner import serve_services
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import Services
from tests.bot.conftest import MARIA, PASSPORT_ES, TOKEN
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.privacy import assert_no_personal_data
from tests.bot.test_polling import free_port, with_settings
from tests.conftest import TEST_HASH_SECRET

WRONG_TOKEN = "987654321:WRONG-token_that-telegram-refuses"


def bot_env(tg: FakeTelegram, redis_server: EmbeddedRedis, data: Path, token: str
            ) -> dict[str, str]:
    env = {**os.environ, "BOT_TOKEN": token, "TELEGRAM_API_URL": tg.url,
           "REDIS_URL": redis_server.url, "INFOMIGRA_USER_HASH_SECRET": TEST_HASH_SECRET,
           "INFOMIGRA_DATA_DIR": str(data), "INFOMIGRA_LOG_LEVEL": "DEBUG",
           "PYTHONUNBUFFERED": "1"}
    env.pop("INFOMIGRA_BOT_TOKEN", None)
    return env


async def start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "infomigra.cli", "bot", env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_a_refused_token_and_a_sigterm_during_a_slow_send(
        tg: FakeTelegram, redis_server: EmbeddedRedis, redis: Redis, tmp_path: Path) -> None:
    """Both processes start together: each start pays for importing aiogram."""
    wrong_tg = FakeTelegram(TOKEN)  # its own server: the wrong token is refused on getMe
    await wrong_tg.start()
    try:
        refused = await start_bot(bot_env(wrong_tg, redis_server, tmp_path / "a", WRONG_TOKEN),
                                  tmp_path)
        good = await start_bot(bot_env(tg, redis_server, tmp_path / "b", TOKEN), tmp_path)

        # -- a refused token: exit code 2 soon after Telegram said no, one line, no traceback
        try:
            call = await wrong_tg.wait_for(lambda c: c.method == "getMe", timeout=60)
        except TimeoutError:
            refused.kill()
            raise AssertionError((await refused.communicate())[1].decode()[-3000:]) from None
        asked_at = time.monotonic()
        try:
            _, err = await asyncio.wait_for(refused.communicate(), 30)
        except TimeoutError:
            refused.send_signal(signal.SIGQUIT)
            raise AssertionError((await refused.communicate())[1].decode()[-3000:]) from None
        exit_seconds = time.monotonic() - asked_at
        lines = err.decode().splitlines()
        assert refused.returncode == 2, lines[-5:]
        assert exit_seconds < 10, exit_seconds
        assert call.error == "Unauthorized"
        assert "Traceback" not in err.decode()
        problem = [ln for ln in lines if "BOT_TOKEN" in ln]
        assert problem == ["infomigra bot: Telegram refused BOT_TOKEN (getMe answered 401 "
                           "Unauthorized): the token is wrong or was revoked; get the current "
                           "one from @BotFather"]
        assert not [ln for ln in lines if " ERROR " in ln]
        print(f"refused token: exit 2 {exit_seconds:.2f} s after getMe")

        # -- SIGTERM while the answer is on its way: it completes, exit 0, no ERROR
        await tg.wait_for(lambda c: c.method == "deleteWebhook", timeout=60)
        tg.slow("sendMessage", 2.0)
        await tg.push(tg.update("message", tg.user_message(MARIA, PASSPORT_ES)))
        sending = await tg.wait_for(lambda c: c.method == "sendMessage", timeout=30)
        good.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(good.communicate(), 30)
        log = err.decode()
        assert good.returncode == 0, log[-2000:]
        assert sending.result is not None and sending.result["chat"]["id"] == MARIA.id
        assert " ERROR " not in log and "Traceback" not in log, log[-2000:]
        # The handler ran to its end after the send (it counts the question only then).
        stats = Stats(redis, ZoneInfo("America/Guatemala"))
        today = stats.today()
        assert (await stats.summary(today, today)).answered == 1
        assert " DEBUG " in log  # the scan below read the most talkative level
        assert_no_personal_data(log.splitlines() + lines)
    finally:
        await wrong_tg.stop()


@pytest.mark.parametrize("token_ok", [True, False])
async def test_readyz_under_serve_reports_the_bot(tg: FakeTelegram, services: Services,
                                                  token_ok: bool) -> None:
    port = free_port()
    svc = with_settings(services, bot_token=SecretStr(TOKEN if token_ok else WRONG_TOKEN),
                        telegram_api_url=tg.url)
    servers: list[Any] = []
    task = asyncio.create_task(serve_services(svc, svc.settings, host="127.0.0.1", port=port,
                                              server_ready=servers.append))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            wanted = 200 if token_ok else 503
            deadline = time.monotonic() + 20
            while True:
                try:
                    res = await http.get("/readyz")
                    if res.status_code == wanted:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "readyz never said what it should"
                await asyncio.sleep(0.1)
        if token_ok:
            assert res.json()["bot"] == "ok"
        else:
            assert res.json()["error"]["code"] == "bot_unavailable"
    finally:
        servers[0].should_exit = True
        await asyncio.wait_for(task, 20)
