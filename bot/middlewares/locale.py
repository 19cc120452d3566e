"""aiogram's i18n middleware, fed with the language the identity middleware settled on."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18nMiddleware

from bot.users import Person


class PersonLocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        person = data.get("person")
        return person.lang if isinstance(person, Person) else self.i18n.default_locale
