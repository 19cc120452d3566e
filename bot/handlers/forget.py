"""/forget: after a confirmation, delete everything kept about the person."""

from __future__ import annotations

import html
import logging

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ForgetCb
from bot.delivery import show_in_place
from bot.keyboards import forget_markup
from bot.users import Person, UserState
from faq.alerts import AlertDesk
from faq.conversations import ConversationDesk

log = logging.getLogger(__name__)


async def on_forget(message: Message, conversations: ConversationDesk | None = None,
                    alerts: AlertDesk | None = None) -> None:
    text = html.escape(_(
        "This deletes everything I keep about you: your language choice, your ratings and the "
        "flood-control counter. Anonymous counts that are not linked to you stay. Do you want "
        "to continue?"))
    if conversations is not None or alerts is not None:
        text += "\n\n" + html.escape(_("It also deletes your conversations with the team and "
                                        "your alert subscriptions, at once."))
    await message.answer(text, reply_markup=forget_markup())


async def on_confirm(callback: CallbackQuery, callback_data: ForgetCb, person: Person,
                     users: UserState, bot: Bot, conversations: ConversationDesk | None = None,
                     alerts: AlertDesk | None = None) -> None:
    if not callback_data.confirm:
        text = _("All right, nothing was deleted.")
    elif await forget_people(person.hash, users, conversations, alerts) \
            and await users.forget(person.hash):
        log.info("forget: a person's stored data was deleted")
        text = _("Done: I deleted everything I kept about you. If you write again, I start "
                 "from zero.")
    else:
        text = _("I could not delete your data right now. Please try again in a few minutes.")
    await show_in_place(bot, callback, html.escape(text), None)
    await callback.answer()


async def forget_people(user: str, users: UserState, conversations: ConversationDesk | None,
                        alerts: AlertDesk | None) -> bool:
    """Conversations with staff and alert subscriptions, which live outside the user keys."""
    async def delete() -> bool:
        if conversations is not None:
            await conversations.forget(user)
        if alerts is not None:
            await alerts.forget(user)
        return True

    return await users.guard.run(delete, False)


def create_router() -> Router:
    router = Router(name="forget")
    router.message.register(on_forget, Command("forget", "olvidar", "borrar"))
    router.callback_query.register(on_confirm, ForgetCb.filter())
    return router
