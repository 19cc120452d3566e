"""👍/👎 under an answer: one vote per person per answered message, a second tap changes it."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import VoteCb
from bot.catalog import find_entry
from bot.config import BotConfig
from bot.delivery import send_reply
from bot.guard import RedisGuard
from bot.keyboards import mark_vote, reply_markup
from bot.render import disliked_reply
from bot.users import VOTE_UNKNOWN, VOTES, Person, UserState, vote_slot
from faq.live import LiveMatcher
from faq.stats import Stats

log = logging.getLogger(__name__)


async def on_vote(callback: CallbackQuery, callback_data: VoteCb, person: Person,
                  users: UserState, stats: Stats, guard: RedisGuard, live: LiveMatcher,
                  config: BotConfig, bot: Bot) -> None:
    vote = callback_data.vote
    matcher = live.matcher
    entry = find_entry(callback_data.ref, matcher)
    message = callback.message
    if vote not in VOTES or entry is None or not isinstance(message, Message):
        await callback.answer(_("Thank you for your rating."))
        return
    slot = vote_slot(config.user_hash_secret, message.chat.id, message.message_id, entry.id)
    previous = await users.swap_vote(person.hash, slot, vote)
    if previous == vote:
        await callback.answer(_("You already rated this answer."))
        return
    if previous != VOTE_UNKNOWN:  # unknown (Redis away): better uncounted than counted twice
        await guard.run(lambda: stats.record_feedback(entry.id, vote, previous), None)
    changed = previous not in (None, VOTE_UNKNOWN)
    log.info("feedback entry=%s vote=%s changed=%s", entry.id, vote, changed)
    await callback.answer(_("Rating changed.") if changed else _("Thank you for your rating."))
    markup = mark_vote(message.reply_markup, vote)
    if markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=markup)
        except TelegramBadRequest as exc:  # the vote is counted; the tick is a nicety
            if "not modified" not in str(exc):
                log.info("could not tick the vote on the message (%s)", type(exc).__name__)
    if vote == "down":
        reply = disliked_reply(entry, person.lang, matcher, contact_id=config.contact_entry_id)
        await send_reply(bot, message.chat.id, reply, reply_markup(reply))


def create_router() -> Router:
    router = Router(name="feedback")
    router.callback_query.register(on_vote, VoteCb.filter())
    return router
