"""Inline mode: ``@bot question`` in any chat offers official answers to share, with sources.

A person can settle a rumour in a family group with the official answer instead of a screenshot.
"""

from __future__ import annotations

import dataclasses
import html

from aiogram import Bot, Router
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultUnion,
    InputTextMessageContent,
)
from aiogram.utils.i18n import gettext as _

from bot.callbacks import short_ref
from bot.config import BotConfig
from bot.handlers.start import DEEP_LINK_PREFIX
from bot.plaintext import html_to_text
from bot.render import answer_reply, entry_title, footer
from bot.users import Person
from faq.live import LiveMatcher
from faq.matcher import Matcher
from faq.telegram_html import TELEGRAM_MESSAGE_LIMIT, split_message

MIN_QUERY_CHARS = 3
DESCRIPTION_CHARS = 120
CONTINUES_RESERVE = 16
"""Room kept under the message limit for the blank lines between head, note and sources."""


def wider(matcher: Matcher, results: int) -> Matcher:
    """The same snapshot returning more candidates (a shallow copy: no index is rebuilt)."""
    if matcher.options.max_suggestions >= results:
        return matcher
    options = dataclasses.replace(matcher.options, max_suggestions=results)
    return dataclasses.replace(matcher, options=options)


async def on_inline(query: InlineQuery, person: Person, live: LiveMatcher, config: BotConfig,
                    bot: Bot) -> None:
    text = query.query.strip()
    if len(text) < MIN_QUERY_CHARS:
        await query.answer([], cache_time=5, is_personal=True)
        return
    snapshot = live.matcher
    result = wider(snapshot, config.inline_results).match(text, person.lang)
    username = (await bot.me()).username
    articles: list[InlineQueryResultUnion] = []
    for candidate in result.candidates[:config.inline_results]:
        entry = snapshot.get(candidate.entry_id)
        if entry is None or candidate.score < snapshot.options.suggest_threshold:
            continue
        reply = answer_reply(entry, person.lang, snapshot)
        parts = reply.parts()
        body = parts[0]
        if len(parts) > 1:  # the start of the answer, then where it continues, then sources
            sources = footer(entry, person.lang)
            note = "<i>" + html.escape(_("The full answer continues in the bot.")) + "</i>"
            room = TELEGRAM_MESSAGE_LIMIT - len(sources) - len(note) - CONTINUES_RESERVE
            head = split_message(reply.text.removesuffix(sources).rstrip(), room)[0]
            body = "\n\n".join([head, note, sources])
        markup = None
        if username:
            link = f"https://t.me/{username}?start={DEEP_LINK_PREFIX}{short_ref(entry.id)}"
            markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                text=_("Open in InfoMigra"), url=link)]])
        summary = " ".join(html_to_text(entry.translation(person.lang)[1].answer).split())
        articles.append(InlineQueryResultArticle(
            id=short_ref(entry.id), title=entry_title(entry, person.lang),
            description=summary[:DESCRIPTION_CHARS],
            input_message_content=InputTextMessageContent(message_text=body),
            reply_markup=markup))
    await query.answer(articles, cache_time=30, is_personal=True)


def create_router() -> Router:
    router = Router(name="inline")
    router.inline_query.register(on_inline)
    return router
