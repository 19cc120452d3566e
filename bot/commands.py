"""The command menu Telegram shows next to the text field, in each offered language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import BotConfig

log = logging.getLogger(__name__)


def command_menu(lang: str) -> list[BotCommand]:
    """Translated in the current locale. Spanish speakers see /temas, the alias of /topics."""
    topics = "temas" if lang == "es" else "topics"
    return [
        BotCommand(command="start", description=_("Start and see the topics")),
        BotCommand(command=topics, description=_("Browse the questions by topic")),
        BotCommand(command="language", description=_("Change the language")),
        BotCommand(command="help", description=_("How to ask")),
        BotCommand(command="contact", description=_("Talk to a person: official contacts")),
        BotCommand(command="privacy", description=_("What is stored about you")),
        BotCommand(command="forget", description=_("Delete everything stored about you")),
    ]


async def set_commands(bot: Bot, i18n: I18n, config: BotConfig) -> None:
    """Dispatcher start-up hook: one menu per language, the default language for the rest.

    A failure is logged, not raised: the bot answers without a menu rather than not at all.
    """
    try:
        with i18n.context():
            for lang in config.languages:
                with i18n.use_locale(lang):
                    await bot.set_my_commands(command_menu(lang), language_code=lang)
            with i18n.use_locale(config.default_language):
                await bot.set_my_commands(command_menu(config.default_language))
    except TelegramAPIError as exc:
        log.warning("could not set the command menu: %s", type(exc).__name__)
