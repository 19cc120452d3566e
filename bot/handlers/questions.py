"""Free text: the question pipeline. The catch-all router, included last.

Edited messages are answered like new ones: people fix typos by editing. A photo or a document
with a caption is the caption's question (people send a screenshot of a letter with "¿qué hago
con esto?"). The question is counted once its reply was delivered.
"""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.answering import Answering
from bot.config import BotConfig
from bot.delivery import send_reply
from bot.keyboards import reply_markup
from bot.middlewares.addressing import strip_mention
from bot.people import with_handoff
from bot.ratelimit import chat_key
from bot.sender import count_failure, failure_reason
from bot.users import Person, UserState
from faq.matcher import Decision

CAPTIONED = F.caption & (F.photo | F.document)


async def on_unknown_command(message: Message) -> None:
    await message.answer(html.escape(_(
        "I do not know that command. Send /help to see what I can do.")))


async def on_question(message: Message, person: Person, answering: Answering,
                      users: UserState, config: BotConfig, bot: Bot) -> None:
    private = message.chat.type == ChatType.PRIVATE
    text = (message.text or message.caption or "").strip()
    if not private:
        text = strip_mention(text, (await bot.me()).username)
    if not text:
        await message.answer(html.escape(_(
            "Write your question in your own words, for example: how do I get a passport?")))
        return
    answered = await answering.answer(text, person.lang)
    reply = answered.reply
    try:
        sent = await send_reply(bot, message.chat.id, reply,
                                with_handoff(reply_markup(reply), reply, config),
                                reply_to=None if private else message.message_id)
    except TelegramAPIError as exc:
        reason = failure_reason(exc)
        count_failure(reason)
        await answering.failed(answered, person.hash, reason)
        raise  # the errors handler apologises when it still can
    await answering.delivered(answered, person.hash)
    if reply.decision is Decision.SUGGEST and len(text) <= config.max_stored_question_chars:
        # Longer messages are matched but never stored: a rejected suggestion of one is not kept.
        slot = f"{chat_key(config.user_hash_secret, sent.chat.id)}:{sent.message_id}"
        await users.remember_suggestion(person.hash, slot, text, person.lang,
                                        [c.as_dict() for c in answered.result.candidates])


def create_router() -> Router:
    router = Router(name="questions")
    router.message.register(on_unknown_command, F.text.startswith("/"))
    router.message.register(on_question, F.text)
    router.message.register(on_question, CAPTIONED)
    router.edited_message.register(on_question, F.text, ~F.text.startswith("/"))
    return router
