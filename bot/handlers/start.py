"""/start: who the bot is, the topic menu, how to ask; ``/start faq_<id>`` opens an entry."""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.catalog import TopicCatalog, find_entry
from bot.delivery import send_reply
from bot.keyboards import reply_markup, topics_markup
from bot.render import answer_reply
from bot.users import Person
from faq.live import LiveMatcher

DEEP_LINK_PREFIX = "faq_"


def greeting() -> str:
    return "\n\n".join([
        "<b>" + html.escape(_("Hello! I am InfoMigra.")) + "</b>",
        html.escape(_(
            "I give general, official information for people on the move: documents, work "
            "abroad, returning to Guatemala, your rights and your safety. It is not legal "
            "advice: for your own case, ask the institution or a lawyer.")),
        _("Write your question in your own words, for example: <i>how do I get a "
          "passport?</i> Or choose a topic:"),
    ])


async def on_start(message: Message, command: CommandObject, person: Person,
                   live: LiveMatcher, catalog: TopicCatalog, bot: Bot) -> None:
    matcher = live.matcher
    payload = command.args or ""
    if payload.startswith(DEEP_LINK_PREFIX):
        entry = find_entry(payload.removeprefix(DEEP_LINK_PREFIX), matcher)
        if entry is not None:
            reply = answer_reply(entry, person.lang, matcher)
            await send_reply(bot, message.chat.id, reply, reply_markup(reply))
            return
    topics = await catalog.topics(matcher, person.lang)
    await message.answer(greeting(), reply_markup=topics_markup(topics, person.lang))


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    return router
