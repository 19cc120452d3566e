"""The real update loops: aiogram long polling, and ``run_bot`` (polling and webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from pydantic import SecretStr

from infomigra.bot_runner import run_bot, webhook_secret
from infomigra.runtime import Services
from tests.bot.conftest import JOHN, MARIA, PASSPORT_EN, PASSPORT_ES, TOKEN
from tests.bot.fake_telegram import Call, FakeTelegram


def message_to(chat_id: int) -> Callable[[Call], bool]:
    return lambda c: c.method == "sendMessage" and c.params["chat_id"] == chat_id


@contextlib.asynccontextmanager
async def running(work: Any) -> AsyncIterator[asyncio.Task[Any]]:
    task = asyncio.ensure_future(work)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_long_polling_answers_queued_updates(tg: FakeTelegram, bot: Bot, dp: Dispatcher,
                                                   services: Services) -> None:
    async with running(dp.start_polling(bot, polling_timeout=1, handle_signals=False,
                                        close_bot_session=False)):
        await tg.push(tg.update("message", tg.user_message(MARIA, "/start")))
        await tg.push(tg.update("message", tg.user_message(JOHN, PASSPORT_EN)))
        greeting = await tg.wait_for(message_to(MARIA.id))
        answer = await tg.wait_for(message_to(JOHN.id))
        assert "¡Hola! Soy InfoMigra." in greeting.params["text"]
        assert answer.params["text"].startswith(
            services.live.entry("passport-application").translations["en"].answer)
        # The command menu was set on start-up, through the same server.
        assert {c.params.get("language_code") for c in tg.calls
                if c.method == "setMyCommands"} == {"es", "en", None}
        await dp.stop_polling()


def with_settings(services: Services, **changes: Any) -> Services:
    return dataclasses.replace(services, settings=services.settings.model_copy(update=changes))


async def test_run_bot_polls_and_follows_faq_changes(tg: FakeTelegram,
                                                     services: Services) -> None:
    svc = with_settings(services, bot_token=SecretStr(TOKEN), telegram_api_url=tg.url)
    async with running(run_bot(svc, webhook=False)):
        await tg.wait_for(lambda c: c.method == "deleteWebhook")
        await tg.push(tg.update("message", tg.user_message(MARIA, PASSPORT_ES)))
        first = await tg.wait_for(message_to(MARIA.id))
        entry = services.live.entry("passport-application")
        assert first.params["text"].startswith(entry.translations["es"].answer)

        # The runner started the live matcher: an edit reaches the next answer.
        new_answer = "Respuesta revisada por el equipo hoy."
        waiter = asyncio.create_task(services.live.wait_for_change())
        await asyncio.sleep(0)
        await services.store.save(entry.model_copy(update={"translations": {
            **entry.translations,
            "es": entry.translations["es"].model_copy(update={"answer": new_answer})}}),
            expected_version=entry.version, actor="editor@test")
        await asyncio.wait_for(waiter, 10)
        mark = len(tg.calls)
        await tg.push(tg.update("message", tg.user_message(MARIA, PASSPORT_ES)))
        second = await tg.wait_for(message_to(MARIA.id), since=mark)
        assert second.params["text"].startswith(new_answer)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("configured", [None, "a-configured-secret_123"])
async def test_webhook_checks_telegrams_secret_token(
        tg: FakeTelegram, services: Services, configured: str | None) -> None:
    port = free_port()
    svc = with_settings(services, bot_token=SecretStr(TOKEN), telegram_api_url=tg.url,
                        webhook_url="https://bot.example.org", webhook_host="127.0.0.1",
                        webhook_port=port,
                        webhook_secret=SecretStr(configured) if configured else None)
    secret = webhook_secret(svc)
    if configured:
        assert secret == configured
    async with running(run_bot(svc, webhook=True)):
        registered = await tg.wait_for(lambda c: c.method == "setWebhook")
        assert registered.params["url"] == "https://bot.example.org/telegram/webhook"
        assert registered.params["secret_token"] == secret
        assert "callback_query" in registered.params["allowed_updates"]

        address = f"http://127.0.0.1:{port}/telegram/webhook"
        update = tg.update("message", tg.user_message(MARIA, "/start"))
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(address, json=update, headers=headers) as response:
                    assert response.status == 401
            assert not [c for c in tg.calls if message_to(MARIA.id)(c)]
            async with http.post(address, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as response:
                assert response.status == 200
        greeting = await tg.wait_for(message_to(MARIA.id))
        assert "¡Hola! Soy InfoMigra." in greeting.params["text"]


async def test_run_bot_shares_a_follower_already_running(tg: FakeTelegram,
                                                         services: Services) -> None:
    """``serve`` follows the FAQ for the API; the bot beside it must not stop that follower."""
    follower = await services.live.start()
    try:
        svc = with_settings(services, bot_token=SecretStr(TOKEN), telegram_api_url=tg.url)
        async with running(run_bot(svc, webhook=False)):
            await tg.wait_for(lambda c: c.method == "deleteWebhook")
            tasks = [t for t in asyncio.all_tasks() if t.get_name() == "faq-live-matcher"]
            assert tasks == [follower]
        assert not follower.done()
        assert services.live.following
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


async def test_webhook_refuses_what_is_not_an_update_and_answers_a_repeat_once(
        tg: FakeTelegram, services: Services) -> None:
    port = free_port()
    svc = with_settings(services, bot_token=SecretStr(TOKEN), telegram_api_url=tg.url,
                        webhook_url="https://bot.example.org", webhook_host="127.0.0.1",
                        webhook_port=port)
    headers = {"X-Telegram-Bot-Api-Secret-Token": webhook_secret(svc)}
    address = f"http://127.0.0.1:{port}/telegram/webhook"
    async with running(run_bot(svc, webhook=True)):
        await tg.wait_for(lambda c: c.method == "setWebhook")
        async with aiohttp.ClientSession() as http:
            for body in (b'{"update_id": 5, "message": {', b"\xff\xfe", b'{"hello": 1}',
                         b"[]"):
                async with http.post(address, data=body, headers=headers) as response:
                    assert response.status == 400, body  # not a 500: nothing crashed
            update = tg.update("message", tg.user_message(MARIA, PASSPORT_ES))
            for _ in range(2):  # Telegram re-sends an update it thinks timed out
                async with http.post(address, json=update, headers=headers) as response:
                    assert response.status == 200
        await tg.wait_for(message_to(MARIA.id))
        await asyncio.sleep(0.3)  # room for a second answer, if one were coming
        assert len([c for c in tg.calls if message_to(MARIA.id)(c)]) == 1
        key = services.keys.update_seen(update["update_id"])
        assert 0 < await services.redis.ttl(key) <= 3600
