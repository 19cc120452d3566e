"""Opening an entry from a button (did-you-mean, related, browsing), and "none of these"."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import EntryCb, MenuCb
from bot.catalog import find_entry
from bot.config import BotConfig
from bot.delivery import chat_of, send_reply, show_in_place
from bot.keyboards import MENU_NONE, back_to_page_button, reply_markup
from bot.render import answer_reply, none_of_these_reply
from bot.users import Person
from faq.live import LiveMatcher


async def on_entry(callback: CallbackQuery, callback_data: EntryCb, person: Person,
                   live: LiveMatcher, bot: Bot) -> None:
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
        await send_reply(bot, chat_of(callback), reply, reply_markup(reply))
    await callback.answer()


async def on_none_of_these(callback: CallbackQuery, live: LiveMatcher, config: BotConfig,
                           bot: Bot) -> None:
    reply = none_of_these_reply(live.matcher, contact_id=config.contact_entry_id)
    await show_in_place(bot, callback, reply.text, reply_markup(reply))
    await callback.answer()


def create_router() -> Router:
    router = Router(name="entries")
    router.callback_query.register(on_entry, EntryCb.filter())
    router.callback_query.register(on_none_of_these,
                                   MenuCb.filter(F.name == MENU_NONE))
    return router
