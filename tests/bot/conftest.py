"""End-to-end fixtures: the real bot (aiogram's AiohttpSession) against the fake Bot API server.

Updates go in through ``Dispatcher.feed_update`` with the real Bot and session, or through real
long polling (``test_polling``); everything the bot sends goes over HTTP to the fake server, which
records it. The core is the real one on the embedded Redis (the ``services`` fixture).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from redis.asyncio import Redis

from bot.config import LOCALES_DIR, BotConfig, SendPolicy
from bot.factory import create_bot, create_dispatcher
from bot.health import BotHealth
from bot.sender import Delivery
from faq.models import Category, Entry
from infomigra.runtime import Services
from tests.bot.fake_telegram import Call, FakeTelegram, TgUser
from tests.conftest import FakeClock

TOKEN = "123456789:TEST-token_for-the-fake-bot-api"

# Distinctive values, so a leak is found by a plain substring search.
MARIA = TgUser(id=770011223344, first_name="Mariela", last_name="Xocop-Tzul",
               username="mariela_xocop77", language_code="es-419")
JOHN = TgUser(id=880022334455, first_name="Johnathan", last_name="Quetzaltenango",
              username="john_q_migrant", language_code="en-US")
PIERRE = TgUser(id=990033445566, first_name="Pierre", username="pierre_fr",
                language_code="fr")
FAMILY: dict[str, Any] = {"id": -1001234567890, "type": "supergroup", "title": "Familia"}

PASSPORT_ES = "¿Cómo saco mi pasaporte guatemalteco por primera vez?"
PASSPORT_EN = "How do I get a Guatemalan passport for the first time?"
FILE = {"file_id": "AgAD-file", "file_unique_id": "uniq-1"}
VOICE = {"voice": {**FILE, "duration": 7}}


class Conversation:
    """One person talking to the bot: send texts, tap buttons, read what came back."""

    def __init__(self, tg: FakeTelegram, bot: Bot, dp: Dispatcher, user: TgUser,
                 chat: dict[str, Any] | None = None) -> None:
        self.tg = tg
        self.bot = bot
        self.dp = dp
        self.user = user
        self.chat = chat or user.private_chat()

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.tg.calls)
        await self.dp.feed_update(self.bot, Update.model_validate(update,
                                                                  context={"bot": self.bot}))
        # getMe is aiogram fetching (and caching) the bot's own name: nothing the person sees.
        calls = [c for c in self.tg.calls[before:] if c.method != "getMe"]
        errors = [c for c in calls if c.error and not c.injected]
        assert not errors, f"the Bot API refused: {[(c.method, c.error) for c in errors]}"
        return calls

    async def send(self, text: str) -> list[Call]:
        message = self.tg.user_message(self.user, text, chat=self.chat)
        return await self.feed(self.tg.update("message", message))

    async def send_content(self, **content: Any) -> list[Call]:
        message = self.tg.user_message(self.user, chat=self.chat, **content)
        return await self.feed(self.tg.update("message", message))

    async def edit(self, message: dict[str, Any], text: str) -> list[Call]:
        edited = {**message, "text": text, "edit_date": message["date"] + 5}
        self.tg.messages[(message["chat"]["id"], message["message_id"])] = edited
        return await self.feed(self.tg.update("edited_message", edited))

    async def tap(self, message: dict[str, Any], label: str) -> list[Call]:
        """Tap the button whose text contains ``label`` on the message as it is now."""
        current = self.tg.messages[(message["chat"]["id"], message["message_id"])]
        button = find_button(current, label)
        return await self.feed(self.tg.update(
            "callback_query", self.tg.callback(self.user, current, button["callback_data"])))

    async def inline(self, query: str) -> list[Call]:
        return await self.feed(self.tg.update("inline_query",
                                              self.tg.inline_query(self.user, query)))


def sent(calls: list[Call]) -> list[dict[str, Any]]:
    """The messages the bot sent (as the server stored them), in order."""
    return [c.result for c in calls if c.method == "sendMessage"]


def only_sent(calls: list[Call]) -> dict[str, Any]:
    messages = sent(calls)
    assert len(messages) == 1, f"expected one message, got {[m['text'] for m in messages]}"
    return messages[0]


def edits(calls: list[Call]) -> list[dict[str, Any]]:
    return [c.result for c in calls if c.method in {"editMessageText", "editMessageReplyMarkup"}]


def callback_answers(calls: list[Call]) -> list[dict[str, Any]]:
    return [c.params for c in calls if c.method == "answerCallbackQuery"]


def inline_results(calls: list[Call]) -> list[dict[str, Any]]:
    [call] = [c for c in calls if c.method == "answerInlineQuery"]
    return list(call.params.get("results") or [])


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def button_rows(message: dict[str, Any]) -> list[list[str]]:
    markup = message.get("reply_markup") or {}
    return [[b["text"] for b in row] for row in markup.get("inline_keyboard", [])]


def find_button(message: dict[str, Any], label: str) -> dict[str, Any]:
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label in button["text"]:
                return dict(button)
    raise AssertionError(f"no button {label!r} in {buttons(message)}")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(TOKEN)
    await server.start()
    yield server
    await server.stop()


# Retries in tests: the same tries as in production, without waiting seconds for them.
FAST_RETRIES = SendPolicy(max_attempts=5, max_retry_after=0.05, backoff_base=0.01,
                          backoff_max=0.05)


@pytest.fixture
def bot_config(services: Services) -> BotConfig:
    return BotConfig(user_hash_secret=services.user_hash_secret, locales_dir=LOCALES_DIR,
                     languages=("es", "en"), default_language="es", send_policy=FAST_RETRIES)


@pytest.fixture
def health() -> BotHealth:
    return BotHealth()


@pytest.fixture
def delivery(services: Services, bot_config: BotConfig, health: BotHealth) -> Delivery:
    """The sender the Bot calls through (retries, limits, 403 marks) and the dispatcher knows."""
    return Delivery(services.redis, services.keys, bot_config, health)


@pytest.fixture
async def bot(tg: FakeTelegram, delivery: Delivery) -> AsyncIterator[Bot]:
    instance = create_bot(TOKEN, tg.url, delivery=delivery)
    yield instance
    await instance.session.close()


DispatcherFactory = Callable[..., Dispatcher]


@pytest.fixture
def make_dispatcher(services: Services, bot_config: BotConfig, delivery: Delivery,
                    clock: FakeClock) -> DispatcherFactory:
    """A fresh dispatcher on the test's core, with BotConfig fields overridable."""
    def make(**overrides: Any) -> Dispatcher:
        return create_dispatcher(store=services.store, live=services.live,
                                 stats=services.stats,
                                 config=dataclasses.replace(bot_config, **overrides),
                                 clock=clock, delivery=delivery)

    return make


@pytest.fixture
def dp(make_dispatcher: DispatcherFactory) -> Dispatcher:
    return make_dispatcher()


ChatFactory = Callable[..., Conversation]


@pytest.fixture
def chat(tg: FakeTelegram, bot: Bot, dp: Dispatcher) -> ChatFactory:
    def start(user: TgUser, chat: dict[str, Any] | None = None,
              dispatcher: Dispatcher | None = None) -> Conversation:
        return Conversation(tg, bot, dispatcher or dp, user, chat)

    return start


EntryAdder = Callable[..., Awaitable[list[Entry]]]


@pytest.fixture
def add_entries(services: Services) -> EntryAdder:
    """Publish test entries through the store (as staff would) and reload the snapshot."""
    async def add(*entries: Entry, category: Category | None = None) -> list[Entry]:
        if category is not None:
            await services.store.save_categories([category])
        saved = []
        for entry in entries:
            current = await services.store.get(entry.id)
            saved.append(await services.store.save(
                entry, expected_version=current.version if current else 0, actor="test"))
        await services.live.refresh()
        return saved

    return add


def make_entry(entry_id: str, *, category: str = "documents", es: str, en: str | None = None,
               answer_es: str | None = None, answer_en: str | None = None,
               alternates_es: tuple[str, ...] = (), related: tuple[str, ...] = (),
               reviewed_on: str = "2026-03-05", sources: int = 1) -> Entry:
    translations: dict[str, Any] = {"es": {
        "question": es, "alternates": list(alternates_es),
        "answer": answer_es or f"Respuesta de prueba para {es}."}}
    if en is not None:
        translations["en"] = {"question": en, "answer": answer_en or f"Test answer for {en}."}
    return Entry.model_validate({
        "id": entry_id, "category": category, "status": "published",
        "sources": [{"title": f"Fuente oficial de prueba número {i}",
                     "url": f"https://example.gob.gt/fuentes/documento-oficial-{i}"}
                    for i in range(1, sources + 1)],
        "reviewed_on": reviewed_on, "related": list(related), "translations": translations})


async def all_keys(redis: Redis) -> list[str]:
    return sorted([k async for k in redis.scan_iter(count=1000)])
