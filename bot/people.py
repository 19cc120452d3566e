"""Buttons and texts shared by talking to a person and alerts (``bot.handlers.handoff``,
``bot.handlers.alerts``, the outbox and broadcast workers).

Texts are translated in the locale of the surrounding i18n context.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, get_day_names, get_timezone_location

from bot.config import BotConfig
from bot.render import CHOSEN_MARK, Reply, button_text
from faq.alerts import AlertTopic
from faq.conversations import OfficeHours
from faq.matcher import Decision


class HandoffCb(CallbackData, prefix="h"):
    """``ask`` (offer), ``yes``/``no`` (consent), ``end`` (the person closes)."""

    action: str


class AlertCb(CallbackData, prefix="a"):
    """``t`` toggle a topic, ``all`` leave every topic, ``u`` leave an alert's topics."""

    act: str
    ref: str = ""


# -- talk to a person ------------------------------------------------------------------------

def offer_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("💬 Write to the team here"),
                                callback_data=HandoffCb(action="ask").pack())


def with_handoff(markup: InlineKeyboardMarkup | None, reply: Reply,
                 config: BotConfig) -> InlineKeyboardMarkup | None:
    """Under a no-answer and under the talk-to-a-person entry: the way to write to staff in
    this chat, when that is switched on."""
    if config.office_hours is None:
        return markup
    offers_contact = any(a.entry_id == config.contact_entry_id for a in reply.actions)
    if reply.decision is not Decision.NONE and reply.entry_id != config.contact_entry_id \
            and not offers_contact:
        return markup
    rows = list(markup.inline_keyboard) if markup is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [offer_button()]])


def consent_markup() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("✅ Yes, talk to a person"),
                              callback_data=HandoffCb(action="yes").pack())],
        [InlineKeyboardButton(text=_("✖ No, cancel"),
                              callback_data=HandoffCb(action="no").pack())]])


def end_markup() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("🔚 End the conversation"), callback_data=HandoffCb(action="end").pack())]])


def describe_hours(office: OfficeHours, lang: str) -> str:
    """"lunes a viernes, 08:00 a 17:00 (hora de Guatemala)" in the person's language."""
    days = get_day_names("wide", locale=lang)
    groups: dict[tuple[str, str], list[int]] = {}
    for weekday, start, end in office.windows:
        groups.setdefault((start.strftime("%H:%M"), end.strftime("%H:%M")), []).append(weekday)
    parts = []
    for (opens, closes), weekdays in groups.items():
        if len(weekdays) > 2 and weekdays == list(range(weekdays[0], weekdays[-1] + 1)):
            span = _("{first} to {last}").format(first=days[weekdays[0]], last=days[weekdays[-1]])
        else:
            span = ", ".join(days[d] for d in weekdays)
        parts.append(_("{days}, {start} to {end}").format(days=span, start=opens, end=closes))
    zone = get_timezone_location(office.tz, locale=lang)
    return "; ".join(parts) + f" ({zone})"


def describe_when(moment: datetime, lang: str) -> str:
    return _("{day} at {time}").format(day=format_date(moment, format="full", locale=lang),
                                       time=moment.strftime("%H:%M"))


def consent_text(office: OfficeHours, lang: str, retention_days: int) -> str:
    return "\n\n".join([
        "<b>" + html.escape(_("Talk to a person")) + "</b>",
        html.escape(_("A member of the InfoMigra team will answer you here, in this chat, "
                      "during office hours: {hours}.").format(hours=describe_hours(office, lang))),
        html.escape(_(
            "What is kept: the messages of this conversation, with phone numbers, e-mail "
            "addresses and ID numbers removed, and, encrypted, the chat where we answer you. "
            "The team sees only a code such as \"Persona 4F2A\" and your language, never your "
            "name, username or number. Everything is deleted {days} days after the "
            "conversation ends, or at once with /forget.").format(days=retention_days)),
        html.escape(_("You can end the conversation at any time with the button. Please do not "
                      "write your full name or ID numbers.")),
        html.escape(_("Do you want to start?")),
    ])


def out_of_hours_text(office: OfficeHours, lang: str, now: datetime) -> str:
    return html.escape(_(
        "The team is not in the office right now (office hours: {hours}). Someone will answer "
        "you here from {when}.").format(hours=describe_hours(office, lang),
                                        when=describe_when(office.next_opening(now), lang)))


# -- alerts ----------------------------------------------------------------------------------

def alerts_text() -> str:
    return "\n\n".join([
        "<b>" + html.escape(_("Alerts")) + "</b>",
        html.escape(_("Choose the warnings you want to receive here: new scams, programmes "
                      "that open or close, safety notices. Tap a topic again to leave it.")),
        html.escape(_("For this I keep only your secret code and, encrypted, the chat to write "
                      "to. /forget deletes it.")),
    ])


def alerts_markup(topics: Iterable[AlertTopic], chosen: set[str],
                  lang: str) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(
        text=button_text(("🔔 " if t.id in chosen else "🔕 ") + t.name(lang)
                         + (CHOSEN_MARK if t.id in chosen else "")),
        callback_data=AlertCb(act="t", ref=t.id).pack())] for t in topics]
    if chosen:
        rows.append([InlineKeyboardButton(text=_("Leave all alerts"),
                                          callback_data=AlertCb(act="all").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def unsubscribe_markup(alert_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("🔕 Stop these alerts"), callback_data=AlertCb(act="u", ref=alert_id).pack())]])


def alert_message(topic_names: Iterable[str], text: str) -> str:
    heading = html.escape(_("Alert: {topics}").format(topics=", ".join(topic_names)))
    return f"<b>🔔 {heading}</b>\n\n{text}"
