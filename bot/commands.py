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


SPANISH_COMMANDS = {"topics": "temas", "language": "idioma", "help": "ayuda",
                    "contact": "contacto", "privacy": "privacidad", "forget": "olvidar"}
"""The Spanish aliases every handler also accepts; /start is Telegram's and stays."""


def command_menu(lang: str, config: BotConfig | None = None) -> list[BotCommand]:
    """Translated in the current locale; Spanish speakers see the Spanish commands too."""
    names = SPANISH_COMMANDS if lang == "es" else {}
    menu = [
        ("start", _("Start and see the topics")),
        ("topics", _("Browse the questions by topic")),
        ("language", _("Change the language")),
        ("help", _("How to ask")),
        ("contact", _("Talk to a person: official contacts")),
        ("privacy", _("What is stored about you")),
        ("forget", _("Delete everything stored about you")),
    ]
    if config is not None and config.office_hours is not None:
        names = {**names, "human": "humano"} if names else names
        menu.insert(5, ("human", _("Write to the team in this chat")))
    if config is not None and config.alerts_enabled:
        names = {**names, "alerts": "alertas"} if names else names
        menu.insert(-2, ("alerts", _("Choose the alerts you receive")))
    return [BotCommand(command=names.get(command, command), description=description)
            for command, description in menu]


async def set_commands(bot: Bot, i18n: I18n, config: BotConfig) -> None:
    """Dispatcher start-up hook: one menu per language, the default language for the rest.

    A failure is logged, not raised: the bot answers without a menu rather than not at all.
    """
    try:
        with i18n.context():
            for lang in config.languages:
                with i18n.use_locale(lang):
                    await bot.set_my_commands(command_menu(lang, config), language_code=lang)
            with i18n.use_locale(config.default_language):
                await bot.set_my_commands(command_menu(config.default_language, config))
    except TelegramAPIError as exc:
        log.warning("could not set the command menu: %s", type(exc).__name__)
