"""/help, /contact (the talk-to-a-person entry), /privacy (what is kept and for how long)."""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.config import BotConfig
from bot.delivery import send_reply
from bot.keyboards import reply_markup
from bot.people import with_handoff
from bot.render import answer_reply
from bot.users import Person
from faq.live import LiveMatcher


def help_text() -> str:
    return "\n\n".join([
        "<b>" + html.escape(_("How to ask")) + "</b>",
        html.escape(_(
            "Write your question in a normal message, in your own words. Short and simple "
            "works best, for example: what do I need for an H-2A visa?")),
        html.escape(_(
            "I can only read written messages: I cannot listen to voice notes or look at "
            "photos.")),
        html.escape(_(
            "If I am not sure, I suggest similar questions. If I do not know, I tell you so "
            "and show you how to reach a person.")),
        html.escape(_(
            "/topics - browse the questions by topic\n"
            "/language - change the language\n"
            "/contact - talk to a person: official contacts\n"
            "/privacy - what is stored about you\n"
            "/forget - delete everything stored about you")),
    ])


def privacy_text(days: int) -> str:
    return "\n\n".join([
        "<b>" + html.escape(_("Your privacy")) + "</b>",
        html.escape(_(
            "I do not store your name, your username or your phone number. Your Telegram "
            "account is kept only as a secret one-way code that cannot be turned back into "
            "your account.")),
        html.escape(_(
            "With that code I keep the language you chose, your ratings of answers (for "
            "{days} days) and a one-minute counter against message floods.").format(days=days)),
        html.escape(_(
            "Questions I could not answer are kept for up to {days} days, with no link to you, "
            "so the team can improve the answers. Phone numbers, e-mail addresses and ID "
            "numbers are removed first. Please do not write your name or other personal "
            "details in your questions.").format(days=days)),
        html.escape(_(
            "Anonymous counts, such as how many questions were asked in a day, are kept for "
            "{days} days.").format(days=days)),
        html.escape(_("To delete everything I keep about you, send /forget.")),
    ])


async def on_help(message: Message) -> None:
    await message.answer(help_text())


async def on_contact(message: Message, person: Person, live: LiveMatcher, config: BotConfig,
                     bot: Bot) -> None:
    matcher = live.matcher
    entry = matcher.get(config.contact_entry_id)
    if entry is None:
        await message.answer(html.escape(_(
            "The official contacts are not available right now. Please try again later.")))
        return
    reply = answer_reply(entry, person.lang, matcher)
    await send_reply(bot, message.chat.id, reply, with_handoff(reply_markup(reply), reply, config))


async def on_privacy(message: Message, config: BotConfig) -> None:
    text = privacy_text(config.retention_days)
    if config.office_hours is not None or config.alerts_enabled:
        text += "\n\n" + html.escape(_(
            "If you write to the team (/humano) or subscribe to alerts (/alertas), I also keep, "
            "encrypted, the chat where we answer you. A conversation is deleted {days} days "
            "after it ends; /forget deletes it and your subscriptions at once.").format(
                days=config.conversation_retention_days))
    await message.answer(text)


def create_router() -> Router:
    router = Router(name="info")
    router.message.register(on_help, Command("help", "ayuda"))
    router.message.register(on_contact, Command("contact", "contacto"))
    router.message.register(on_privacy, Command("privacy", "privacidad"))
    return router
