"""/alertas (/alerts): choose alert topics with one tap each, leave with one tap; the
"stop these alerts" button under every alert."""

from __future__ import annotations

import html
import logging

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.delivery import chat_of, show_in_place
from bot.people import AlertCb, alerts_markup, alerts_text
from bot.users import Person
from faq.alerts import AlertDesk, AlertNotFound

log = logging.getLogger(__name__)


def _unavailable() -> str:
    return html.escape(_("Alerts are not available right now."))


async def on_alerts(message: Message, person: Person, alerts: AlertDesk | None) -> None:
    if alerts is None:
        await message.answer(_unavailable())
        return
    topics = await alerts.topics()
    chosen = await alerts.subscriptions(person.hash)
    await message.answer(alerts_text(), reply_markup=alerts_markup(topics, chosen, person.lang))


async def on_toggle(callback: CallbackQuery, callback_data: AlertCb, person: Person,
                    alerts: AlertDesk | None, bot: Bot) -> None:
    if alerts is None:
        await callback.answer(_("Alerts are not available right now."), show_alert=True)
        return
    if callback_data.act == "all":
        await alerts.unsubscribe(person.hash)
        note = _("You will not receive alerts any more.")
    elif callback_data.ref in await alerts.subscriptions(person.hash):
        await alerts.unsubscribe(person.hash, [callback_data.ref])
        note = _("You left this alert topic.")
    elif await alerts.subscribe(person.hash, callback_data.ref, chat_of(callback), person.lang):
        note = _("Done: you will receive these alerts here.")
    else:
        note = _("This alert topic no longer exists.")
    log.info("alert subscriptions changed")
    topics = await alerts.topics()
    chosen = await alerts.subscriptions(person.hash)
    await show_in_place(bot, callback, alerts_text(),
                        alerts_markup(topics, chosen, person.lang))
    await callback.answer(note)


async def on_unsubscribe(callback: CallbackQuery, callback_data: AlertCb, person: Person,
                         alerts: AlertDesk | None) -> None:
    """Under an alert: leave the topics it was sent for, and take the button away."""
    if alerts is None:
        await callback.answer(_("Alerts are not available right now."), show_alert=True)
        return
    try:
        alert = await alerts.get(callback_data.ref)
        topics: list[str] | None = list(alert.topics)
    except AlertNotFound:
        topics = None  # an alert deleted since: leave everything, as the person asked
    await alerts.unsubscribe(person.hash, topics)
    log.info("alert subscriptions changed (from an alert)")
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
    await callback.answer(_("You will not receive these alerts any more. Send /alertas to "
                            "choose again."), show_alert=True)


def create_router() -> Router:
    router = Router(name="alerts")
    router.message.register(on_alerts, Command("alertas", "alerts", "avisos"))
    router.callback_query.register(on_unsubscribe, AlertCb.filter(F.act == "u"))
    router.callback_query.register(on_toggle, AlertCb.filter())
    return router
