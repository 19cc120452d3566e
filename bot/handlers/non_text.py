"""Voice notes, photos, stickers and the like: say kindly that only written messages are read.

Voice notes are how many people message; the reply says so plainly instead of staying silent.
"""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

SOUND = F.voice | F.audio | F.video_note
OTHER = (F.photo | F.sticker | F.document | F.location | F.venue | F.video | F.animation
         | F.contact | F.poll | F.dice)


async def on_sound(message: Message) -> None:
    await message.answer(html.escape(_(
        "I cannot listen to voice notes or audio. Please write your question in a few words "
        "and I will look for the answer.")))


async def on_other(message: Message) -> None:
    await message.answer(html.escape(_(
        "I can only read written messages. Please write your question in a few words, for "
        "example: how do I get a passport?")))


def create_router() -> Router:
    router = Router(name="non-text")
    router.message.register(on_sound, SOUND)
    # A photo or document with a caption is a question (handled by ``questions``).
    router.message.register(on_other, OTHER, ~(F.caption & (F.photo | F.document)))
    return router
