"""Hot reload: a save in the store reaches the next question through pub/sub, no restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from faq.models import Entry
from infomigra.runtime import Services
from tests.bot.conftest import JOHN, MARIA, PASSPORT_EN, PASSPORT_ES, ChatFactory, only_sent, sent


@pytest.fixture
async def following(services: Services) -> AsyncIterator[None]:
    """The live matcher following change notices, as the bot runner starts it."""
    task = await services.live.start()
    await asyncio.sleep(0.2)  # subscribed
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def save_and_wait(services: Services, entry: Entry) -> None:
    waiter = asyncio.create_task(services.live.wait_for_change())
    await asyncio.sleep(0)
    current = await services.store.get(entry.id)
    await services.store.save(entry, expected_version=current.version, actor="editor@test")
    await asyncio.wait_for(waiter, 10)


@pytest.mark.usefixtures("following")
async def test_an_edited_answer_is_used_for_the_next_question(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA)
    old = services.live.entry("passport-application")
    assert only_sent(await maria.send(PASSPORT_ES))["text"].startswith(
        old.translations["es"].answer)

    new_answer = "<b>Desde hoy las citas de pasaporte se piden en línea.</b> (texto nuevo)"
    edited = old.model_copy(update={"translations": {
        **old.translations,
        "es": old.translations["es"].model_copy(update={"answer": new_answer})}})
    await save_and_wait(services, edited)

    assert only_sent(await maria.send(PASSPORT_ES))["text"].startswith(new_answer)
    assert only_sent(await chat(JOHN).send(PASSPORT_EN))["text"].startswith(
        old.translations["en"].answer)


@pytest.mark.usefixtures("following")
async def test_an_archived_entry_is_no_longer_answered(
        chat: ChatFactory, services: Services) -> None:
    entry = await services.store.get("passport-application")
    waiter = asyncio.create_task(services.live.wait_for_change())
    await asyncio.sleep(0)
    await services.store.archive(entry.id, expected_version=entry.version, actor="editor@test")
    await asyncio.wait_for(waiter, 10)
    reply = sent(await chat(MARIA).send("/start faq_passport-application"))[0]
    assert "¡Hola! Soy InfoMigra." in reply["text"]  # the deep link falls back
    answer = sent(await chat(MARIA).send(PASSPORT_ES))[0]
    assert not answer["text"].startswith(entry.translations["es"].answer)
