"""/language: Español or English with buttons, remembered in the person's Redis hash."""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import LangCb
from bot.config import BotConfig
from bot.delivery import show_in_place
from bot.keyboards import language_markup
from bot.users import Person, UserState


async def on_language(message: Message, person: Person, config: BotConfig) -> None:
    await message.answer(html.escape(_("Choose your language:")),
                         reply_markup=language_markup(config.languages, person.lang))


async def on_choice(callback: CallbackQuery, callback_data: LangCb, person: Person,
                    users: UserState, config: BotConfig, i18n: I18n, bot: Bot) -> None:
    code = callback_data.code
    if code not in config.languages:
        await callback.answer()
        return
    saved = await users.set_language(person.hash, code)
    with i18n.use_locale(code):  # the confirmation already speaks the new language
        if saved:
            text = _("Done. From now on I will write to you in English.")
        else:
            text = _("I could not save your choice right now. Please try again in a few "
                     "minutes.")
        await show_in_place(bot, callback, html.escape(text), None)
    await callback.answer()


def create_router() -> Router:
    router = Router(name="language")
    router.message.register(on_language, Command("language", "idioma", "lang"))
    router.callback_query.register(on_choice, LangCb.filter())
    return router
