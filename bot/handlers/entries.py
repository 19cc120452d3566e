"""Opening an entry from a button (did-you-mean, related, browsing), and "none of these"."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import EntryCb, MenuCb
from bot.catalog import find_entry
from bot.config import BotConfig
from bot.delivery import chat_of, send_reply, show_in_place
from bot.guard import RedisGuard
from bot.keyboards import MENU_NONE, back_to_page_button, reply_markup
from bot.people import with_handoff
from bot.ratelimit import chat_key
from bot.render import answer_reply, none_of_these_reply
from bot.users import Person, UserState
from faq.live import LiveMatcher
from faq.stats import Stats

log = logging.getLogger(__name__)


async def on_entry(callback: CallbackQuery, callback_data: EntryCb, person: Person,
                   live: LiveMatcher, config: BotConfig, bot: Bot) -> None:
    matcher = live.matcher
    entry = find_entry(callback_data.ref, matcher)
    if entry is None:
        await callback.answer(
            _("This answer is no longer available. Please ask your question again."),
            show_alert=True)
        return
    reply = answer_reply(entry, person.lang, matcher)
    browsing = callback_data.page >= 0
    if browsing and isinstance(callback.message, Message) and len(reply.parts()) == 1:
        # While browsing the answer takes the list's place; "back" returns to the same page.
        back = back_to_page_button(entry.category, callback_data.page)
        await show_in_place(bot, callback, reply.text, reply_markup(reply, back=back))
    else:
        await send_reply(bot, chat_of(callback), reply,
                         with_handoff(reply_markup(reply), reply, config))
    await callback.answer()


async def on_none_of_these(callback: CallbackQuery, person: Person, live: LiveMatcher,
                           config: BotConfig, users: UserState, stats: Stats,
                           guard: RedisGuard, bot: Bot) -> None:
    """The did-you-mean missed: its question goes to the inbox like an unanswered one."""
    message = callback.message
    if message is not None:
        slot = f"{chat_key(config.user_hash_secret, message.chat.id)}:{message.message_id}"
        pending = await users.take_suggestion(person.hash, slot)
        if pending is not None:
            await guard.run(lambda: stats.record_rejected_suggestion(
                pending["text"], pending["lang"], pending["candidates"]), None)
            log.info("did-you-mean rejected: question sent to the inbox")
    reply = none_of_these_reply(live.matcher, contact_id=config.contact_entry_id)
    await show_in_place(bot, callback, reply.text,
                        with_handoff(reply_markup(reply), reply, config))
    await callback.answer()


def create_router() -> Router:
    router = Router(name="entries")
    router.callback_query.register(on_entry, EntryCb.filter())
    router.callback_query.register(on_none_of_these,
                                   MenuCb.filter(F.name == MENU_NONE))
    return router
