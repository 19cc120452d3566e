"""The last resort (``dp.errors``): an update whose handler failed still gets a reply.

The person gets a short apology in their language with the topics button, instead of silence.
The log line names the update id and the exception type only: an exception's text can hold the
question or an id, so it is never logged (a traceback only at DEBUG, for a developer).
A person who blocked the bot is not an error: there is nobody to apologise to.
"""

from __future__ import annotations

import html
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent, InlineKeyboardButton, InlineKeyboardMarkup, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuCb
from bot.config import BotConfig
from bot.i18n import pick_language
from bot.keyboards import MENU_TOPICS
from bot.users import UserState
from faq.privacy import user_hash

log = logging.getLogger(__name__)


def _where(event: ErrorEvent) -> tuple[int | None, User | None]:
    """The chat to apologise in and the person, from whatever the update was."""
    update = event.update
    if update.message or update.edited_message:
        message = update.message or update.edited_message
        assert message is not None
        return message.chat.id, message.from_user
    if update.callback_query:
        query = update.callback_query
        chat = query.message.chat.id if query.message is not None else query.from_user.id
        return chat, query.from_user
    return None, None  # inline queries and the rest: no chat to write to


async def on_error(event: ErrorEvent, bot: Bot, i18n: I18n, users: UserState,
                   config: BotConfig) -> bool:
    exc = event.exception
    update_id = event.update.update_id
    if isinstance(exc, TelegramForbiddenError):
        log.info("update %d: the person blocked the bot; nothing sent", update_id)
        return True
    log.error("update %d failed: %s", update_id, type(exc).__name__)
    log.debug("update %d traceback", update_id, exc_info=exc)
    chat_id, person = _where(event)
    if chat_id is None:
        return True
    lang = config.default_language
    if person is not None:
        saved = await users.language(user_hash(config.user_hash_secret, person.id))
        lang = saved if saved in config.languages else pick_language(
            person.language_code, config.languages, config.default_language)
    with i18n.context(), i18n.use_locale(lang):
        text = html.escape(_("Sorry, something went wrong on my side. Please try again in a "
                             "moment, or look through the topics."))
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
            text=_("📚 See the topics"), callback_data=MenuCb(name=MENU_TOPICS).pack())]])
    try:
        await bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramAPIError as send_error:
        log.warning("update %d: the apology could not be sent either (%s)", update_id,
                    type(send_error).__name__)
    return True
