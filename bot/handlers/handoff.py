"""Talking to a person: ``/humano`` (``/human``), the button under a no-answer, consent, the
conversation itself, and ending it.

Nothing is stored before the person accepts. While a conversation is open their text messages
go to it (not to the matcher) and get a short acknowledgement; outside office hours the
acknowledgement says when someone will answer. Only in private chats: a group is not a place
for a personal conversation.
"""

from __future__ import annotations

import html
import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.config import BotConfig
from bot.delivery import chat_of, show_in_place
from bot.guard import RedisGuard
from bot.people import HandoffCb, consent_markup, consent_text, end_markup, out_of_hours_text
from bot.users import Person
from faq.conversations import ConversationDesk

log = logging.getLogger(__name__)


def _unavailable() -> str:
    return html.escape(_("Writing to the team in this chat is not available right now. Send "
                         "/contact to see the official contacts."))


def _private_only() -> str:
    return html.escape(_("To talk to a person, write to me in a private chat: your "
                         "conversation should not be seen by the group."))


def _already_open() -> str:
    return html.escape(_("You are already talking with the team. Write your message here and "
                         "a person will answer."))


async def on_human(message: Message, person: Person, config: BotConfig,
                   conversations: ConversationDesk | None) -> None:
    if conversations is None or config.office_hours is None:
        await message.answer(_unavailable())
        return
    if message.chat.type != ChatType.PRIVATE:
        await message.answer(_private_only())
        return
    if await conversations.active(person.hash) is not None:
        await message.answer(_already_open(), reply_markup=end_markup())
        return
    await message.answer(consent_text(config.office_hours, person.lang,
                                      config.conversation_retention_days),
                         reply_markup=consent_markup())


async def on_offer(callback: CallbackQuery, person: Person, config: BotConfig,
                   conversations: ConversationDesk | None, bot: Bot) -> None:
    """The button under a no-answer: the same consent as /humano, in a new message."""
    chat = chat_of(callback)
    if conversations is None or config.office_hours is None:
        await bot.send_message(chat, _unavailable())
    elif callback.message is not None and callback.message.chat.type != ChatType.PRIVATE:
        await bot.send_message(chat, _private_only())
    elif await conversations.active(person.hash) is not None:
        await bot.send_message(chat, _already_open(), reply_markup=end_markup())
    else:
        await bot.send_message(chat, consent_text(config.office_hours, person.lang,
                                                  config.conversation_retention_days),
                               reply_markup=consent_markup())
    await callback.answer()


async def on_consent(callback: CallbackQuery, callback_data: HandoffCb, person: Person,
                     config: BotConfig, conversations: ConversationDesk | None,
                     bot: Bot) -> None:
    if conversations is None or config.office_hours is None:
        await show_in_place(bot, callback, _unavailable(), None)
        await callback.answer()
        return
    if callback_data.action == "no":
        await show_in_place(bot, callback, html.escape(_(
            "All right, nothing was stored. You can keep asking me your questions.")), None)
        await callback.answer()
        return
    created = (await conversations.open(person.hash, chat_of(callback), person.lang))[1]
    if created:
        log.info("conversation opened lang=%s", person.lang)
    lines = [html.escape(_("You are now talking with the InfoMigra team. Write your message "
                           "here: a person will read it and answer in this chat."))]
    now = conversations.clock()
    if not config.office_hours.is_open(now):
        lines.append(out_of_hours_text(config.office_hours, person.lang, now))
    await show_in_place(bot, callback, "\n\n".join(lines), end_markup())
    await callback.answer()


async def on_end(callback: CallbackQuery, person: Person,
                 conversations: ConversationDesk | None, bot: Bot) -> None:
    closed = await conversations.close_by_person(person.hash) if conversations else None
    if closed is not None:
        log.info("conversation closed by the person")
    await show_in_place(bot, callback, html.escape(_(
        "The conversation has ended. You can ask me your questions again, or send /humano to "
        "talk to a person.")), None)
    await callback.answer()


async def in_conversation(message: Message, person: Person, guard: RedisGuard,
                          conversations: ConversationDesk | None) -> bool:
    """Filter: the person has an open conversation (their text goes to it). With Redis away
    the answer is no: the bot answers from the FAQ rather than not at all."""
    if conversations is None or message.chat.type != ChatType.PRIVATE:
        return False
    desk = conversations
    return await guard.run(lambda: desk.active(person.hash), None) is not None


async def on_conversation_message(message: Message, person: Person, config: BotConfig,
                                  conversations: ConversationDesk) -> None:
    sender = message.from_user
    names = [n for n in (sender.first_name, sender.last_name, sender.username)
             if n] if sender is not None else []
    result = await conversations.add_person_message(person.hash, message.text or "",
                                                    own_names=names)
    if result is None:  # closed a moment ago by staff: nothing stored
        await message.answer(html.escape(_(
            "This conversation has ended. Send your question again, or /humano to talk to a "
            "person.")))
        return
    text = html.escape(_("✓ Received. A person from the team will answer you here."))
    if result.out_of_hours and config.office_hours is not None:
        text += "\n\n" + out_of_hours_text(config.office_hours, person.lang,
                                           conversations.clock())
    await message.answer(text, reply_markup=end_markup())


def create_router() -> Router:
    router = Router(name="handoff")
    router.message.register(on_human, Command("humano", "human", "persona", "person"))
    router.callback_query.register(on_offer, HandoffCb.filter(F.action == "ask"))
    router.callback_query.register(on_consent, HandoffCb.filter(F.action.in_({"yes", "no"})))
    router.callback_query.register(on_end, HandoffCb.filter(F.action == "end"))
    router.message.register(on_conversation_message, F.text, ~F.text.startswith("/"),
                            in_conversation)
    return router
