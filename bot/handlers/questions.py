"""Free text: the question pipeline. The catch-all router, included last.

Edited messages are answered like new ones: people fix typos by editing.
"""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.answering import Answering
from bot.delivery import send_reply
from bot.keyboards import reply_markup
from bot.middlewares.addressing import strip_mention
from bot.users import Person


async def on_unknown_command(message: Message) -> None:
    await message.answer(html.escape(_(
        "I do not know that command. Send /help to see what I can do.")))


async def on_question(message: Message, person: Person, answering: Answering,
                      bot: Bot) -> None:
    private = message.chat.type == ChatType.PRIVATE
    text = (message.text or "").strip()
    if not private:
        text = strip_mention(text, (await bot.me()).username)
    if not text:
        await message.answer(html.escape(_(
            "Write your question in your own words, for example: how do I get a passport?")))
        return
    reply = await answering.ask(text, person.lang, person.hash)
    await send_reply(bot, message.chat.id, reply, reply_markup(reply),
                     reply_to=None if private else message.message_id)


def create_router() -> Router:
    router = Router(name="questions")
    router.message.register(on_unknown_command, F.text.startswith("/"))
    router.message.register(on_question, F.text)
    router.edited_message.register(on_question, F.text, ~F.text.startswith("/"))
    return router
