"""Redis goes away: the bot keeps answering from its snapshot and logs the outage once.

A real outage: a redis-server of its own is started for this test, the bot runs on it, and the
server is stopped in the middle of the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from pathlib import Path

import pytest
from aiogram import Bot

from bot.config import LOCALES_DIR, BotConfig
from bot.factory import create_dispatcher
from bot.metrics import BOT_REDIS_ERRORS
from faq.loader import Content
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import build_services, redis_client
from infomigra.settings import Settings
from tests.bot.conftest import (
    JOHN,
    MARIA,
    PASSPORT_EN,
    PASSPORT_ES,
    Conversation,
    buttons,
    only_sent,
)
from tests.bot.fake_telegram import FakeTelegram
from tests.conftest import TEST_HASH_SECRET, FakeClock


async def test_answers_continue_when_redis_stops(
        tg: FakeTelegram, bot: Bot, content: Content, clock: FakeClock, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    with tempfile.TemporaryDirectory(prefix="im-down-") as tmp:
        server = EmbeddedRedis(Path(tmp))
        url = server.start()
        redis = redis_client(url)
        settings = Settings(data_dir=tmp_path / "var", redis_url=url,
                            user_hash_secret=TEST_HASH_SECRET, _env_file=None)  # type: ignore[call-arg]
        services = build_services(settings, redis, content, clock=clock)
        try:
            await services.store.seed(content.entries, content.categories)
            follower = await services.live.start()
            config = BotConfig(user_hash_secret=services.user_hash_secret,
                               locales_dir=LOCALES_DIR)
            dp = create_dispatcher(store=services.store, live=services.live,
                                   stats=services.stats, config=config, clock=clock)
            await dp.emit_startup(bot=bot, **dp.workflow_data)  # as polling or webhook would
            maria = Conversation(tg, bot, dp, MARIA)
            john = Conversation(tg, bot, dp, JOHN)
            passport = services.live.entry("passport-application")
            assert passport is not None
            assert only_sent(await maria.send(PASSPORT_ES))["text"].startswith(
                passport.translations["es"].answer)

            assert services.live.redis_reachable
            guard_errors = BOT_REDIS_ERRORS.labels(component="guard")._value.get()
            caplog.clear()
            caplog.set_level(logging.INFO)
            server.stop()
            await asyncio.sleep(0.3)  # the live matcher notices the lost subscription

            for _ in range(3):
                answer = only_sent(await maria.send(PASSPORT_ES))
                assert answer["text"].startswith(passport.translations["es"].answer)
            english = only_sent(await john.send(PASSPORT_EN))
            assert english["text"].startswith(passport.translations["en"].answer)
            # Votes and topics degrade without breaking the conversation.
            await maria.tap(answer, "👍")
            menu = only_sent(await maria.send("/temas"))
            assert "Documentos" in buttons(menu)

            guard_logs = [r for r in caplog.records
                          if r.name == "bot.guard" and "unreachable" in r.getMessage()]
            assert len(guard_logs) == 1, [r.getMessage() for r in guard_logs]
            live_logs = [r for r in caplog.records
                         if r.name == "faq.live" and "unreachable" in r.getMessage()]
            assert len(live_logs) == 1
            # What an operator's dashboard shows: the matcher answering from its snapshot, and
            # how often the bot carried on without Redis (once per try, not once per outage).
            assert not services.live.redis_reachable
            assert BOT_REDIS_ERRORS.labels(component="guard")._value.get() > guard_errors
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
        finally:
            await redis.aclose()
            server.stop()
