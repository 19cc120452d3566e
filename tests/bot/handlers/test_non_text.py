"""Voice notes, photos, stickers and other non-text messages get a kind, plain reply."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.conftest import FILE, JOHN, MARIA, VOICE, ChatFactory, only_sent

CONTENT: dict[str, dict[str, Any]] = {
    "photo": {"photo": [{**FILE, "width": 90, "height": 90}]},
    "sticker": {"sticker": {**FILE, "type": "regular", "width": 512, "height": 512,
                            "is_animated": False, "is_video": False}},
    "document": {"document": {**FILE, "file_name": "pasaporte.pdf"}},
    "location": {"location": {"latitude": 14.6349, "longitude": -90.5069}},
    "video": {"video": {**FILE, "width": 640, "height": 360, "duration": 4}},
}


async def test_a_voice_note_is_answered_plainly_in_spanish_and_english(
        chat: ChatFactory) -> None:
    es = only_sent(await chat(MARIA).send_content(**VOICE))["text"]
    assert es.startswith("No puedo escuchar notas de voz")
    assert "escriba su pregunta" in es
    en = only_sent(await chat(JOHN).send_content(**VOICE))["text"]
    assert en.startswith("I cannot listen to voice notes")


@pytest.mark.parametrize("kind", sorted(CONTENT))
async def test_other_media_get_a_kind_reply(chat: ChatFactory, kind: str) -> None:
    es = only_sent(await chat(MARIA).send_content(**CONTENT[kind]))["text"]
    assert es.startswith("Solo puedo leer mensajes escritos.")
    en = only_sent(await chat(JOHN).send_content(**CONTENT[kind]))["text"]
    assert en.startswith("I can only read written messages.")
