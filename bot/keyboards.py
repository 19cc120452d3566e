"""Inline keyboards: a reply's actions as buttons, topic menus, language and /forget choices."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import EntryCb, ForgetCb, LangCb, MenuCb, TopicCb, VoteCb, short_ref
from bot.i18n import language_name
from bot.render import CHOSEN_MARK, VOTE_LABELS, Action, ActionKind, Reply, button_text, entry_title
from faq.models import Category, Entry

MENU_TOPICS = "topics"
"""Open the topic menu in a new message (below an answer)."""
MENU_BACK = "back"
"""Back to the topic menu in place, while browsing."""
MENU_NONE = "none"


def action_button(action: Action) -> InlineKeyboardButton:
    if action.kind is ActionKind.VOTE and action.entry_id and action.vote:
        data = VoteCb(ref=short_ref(action.entry_id), vote=action.vote).pack()
    elif action.kind is ActionKind.ENTRY and action.entry_id:
        data = EntryCb(ref=short_ref(action.entry_id)).pack()
    elif action.kind is ActionKind.NONE_OF_THESE:
        data = MenuCb(name=MENU_NONE).pack()
    else:
        data = MenuCb(name=MENU_TOPICS).pack()
    return InlineKeyboardButton(text=button_text(action.label), callback_data=data)


def reply_markup(reply: Reply, *, back: InlineKeyboardButton | None = None
                 ) -> InlineKeyboardMarkup | None:
    """Votes side by side on one row, then one row per follow-up (long titles need the width)."""
    rows: list[list[InlineKeyboardButton]] = []
    votes = [action_button(a) for a in reply.actions if a.kind is ActionKind.VOTE]
    if votes:
        rows.append(votes)
    rows += [[action_button(a)] for a in reply.actions if a.kind is not ActionKind.VOTE]
    if back is not None:
        rows.append([back])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def mark_vote(markup: InlineKeyboardMarkup | None, vote: str) -> InlineKeyboardMarkup | None:
    """The same keyboard with the chosen vote ticked, so the person sees their vote counted."""
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            data = button.callback_data or ""
            if data.startswith(VoteCb.__prefix__ + VoteCb.__separator__):
                cast = VoteCb.unpack(data).vote
                label = VOTE_LABELS.get(cast, cast) + (CHOSEN_MARK if cast == vote else "")
                button = button.model_copy(update={"text": label})
            new_row.append(button)
        rows.append(new_row)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def topics_markup(topics: Sequence[Category], lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for topic in topics:
        builder.button(text=button_text(topic.name(lang)),
                       callback_data=TopicCb(ref=short_ref(topic.id), page=0))
    builder.adjust(1)
    return builder.as_markup()


def topic_page_markup(topic: Category, entries: Sequence[Entry], lang: str, page: int,
                      pages: int) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=button_text(entry_title(e, lang)),
                                  callback_data=EntryCb(ref=short_ref(e.id), page=page).pack())]
            for e in entries]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(
            text=_("◀ Previous"),
            callback_data=TopicCb(ref=short_ref(topic.id), page=page - 1).pack()))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(
            text=_("Next ▶"),
            callback_data=TopicCb(ref=short_ref(topic.id), page=page + 1).pack()))
    if nav:
        rows.append(nav)
    rows.append([back_to_topics_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_to_topics_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅ Back to the topics"),
                                callback_data=MenuCb(name=MENU_BACK).pack())


def back_to_page_button(topic_id: str, page: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅ Back"),
                                callback_data=TopicCb(ref=short_ref(topic_id), page=page).pack())


def language_markup(offered: Sequence[str], current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in offered:
        label = language_name(code) + (CHOSEN_MARK if code == current else "")
        builder.button(text=label, callback_data=LangCb(code=code))
    builder.adjust(len(offered))
    return builder.as_markup()


def forget_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, delete my data"), callback_data=ForgetCb(confirm=True))
    builder.button(text=_("No, keep it"), callback_data=ForgetCb(confirm=False))
    builder.adjust(1)
    return builder.as_markup()
