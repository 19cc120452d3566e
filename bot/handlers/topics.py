"""/topics (/temas): topics, then a topic's questions page by page, then the answer."""

from __future__ import annotations

import html
import math

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCb, TopicCb
from bot.catalog import TopicCatalog
from bot.config import BotConfig
from bot.delivery import chat_of, show_in_place
from bot.keyboards import MENU_BACK, MENU_TOPICS, topic_page_markup, topics_markup
from bot.users import Person
from faq.live import LiveMatcher


async def topics_menu(person: Person, live: LiveMatcher,
                      catalog: TopicCatalog) -> tuple[str, InlineKeyboardMarkup]:
    topics = await catalog.topics(live.matcher, person.lang)
    return html.escape(_("Choose a topic:")), topics_markup(topics, person.lang)


async def on_topics(message: Message, person: Person, live: LiveMatcher,
                    catalog: TopicCatalog) -> None:
    text, markup = await topics_menu(person, live, catalog)
    await message.answer(text, reply_markup=markup)


async def on_menu(callback: CallbackQuery, callback_data: MenuCb, person: Person,
                  live: LiveMatcher, catalog: TopicCatalog, bot: Bot) -> None:
    text, markup = await topics_menu(person, live, catalog)
    if callback_data.name == MENU_BACK:
        await show_in_place(bot, callback, text, markup)
    else:  # from an answer or a "no match": keep that message, open the menu below it
        await bot.send_message(chat_of(callback), text, reply_markup=markup)
    await callback.answer()


async def on_topic_page(callback: CallbackQuery, callback_data: TopicCb, person: Person,
                        live: LiveMatcher, catalog: TopicCatalog, config: BotConfig,
                        bot: Bot) -> None:
    matcher = live.matcher
    topic = await catalog.topic(callback_data.ref, matcher, person.lang)
    if topic is None:
        text, markup = await topics_menu(person, live, catalog)
        await show_in_place(bot, callback, text, markup)
        await callback.answer()
        return
    entries = catalog.entries(matcher, topic.id, person.lang)
    size = max(config.page_size, 1)
    pages = max(math.ceil(len(entries) / size), 1)
    page = min(max(callback_data.page, 0), pages - 1)
    lines = [f"<b>{html.escape(topic.name(person.lang))}</b>",
             html.escape(_("Choose a question:"))]
    if pages > 1:
        lines.append("<i>" + html.escape(
            _("Page {page} of {pages}").format(page=page + 1, pages=pages)) + "</i>")
    shown = entries[page * size:(page + 1) * size]
    await show_in_place(bot, callback, "\n".join(lines),
                        topic_page_markup(topic, shown, person.lang, page, pages))
    await callback.answer()


def create_router() -> Router:
    router = Router(name="topics")
    router.message.register(on_topics, Command("topics", "temas"))
    router.callback_query.register(on_menu, MenuCb.filter(F.name.in_({MENU_TOPICS, MENU_BACK})))
    router.callback_query.register(on_topic_page, TopicCb.filter())
    return router
