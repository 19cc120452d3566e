"""The core's refusals in the staff member's language, from their codes.

The core explains a refusal in English for the API, the CLI and the logs; the console must not
show that English inside a Spanish page. Each core error carries a stable ``code`` and its data
(a tag, a language, a limit) in ``details``; here every code has a catalog message that puts
the data back in. A code this module does not know (a newer core) gets a generic translated
sentence on the page, and the English goes to the log at DEBUG only, never into the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from babel import Locale, UnknownLocaleError

from faq.alerts import AlertError, AlertErrorCode
from faq.conversations import ConversationError, ConversationErrorCode
from faq.inbox import InboxError, InboxErrorCode
from faq.telegram_html import HtmlProblem, HtmlProblemCode, TelegramHtmlError, html_problems

from .labels import language_name

log = logging.getLogger(__name__)
Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]
Words = Callable[[Mapping[str, Any]], str]


def generic(_: Gettext) -> str:
    return _("This could not be done as asked. Check what you wrote and try again.")


def html_messages(_: Gettext) -> dict[StrEnum, Words]:
    C = HtmlProblemCode
    return {
        C.BARE_LT: lambda d: _("Write a lone < as &lt; (near “{near}”).").format(
            near=d.get("near", "")),
        C.BARE_GT: lambda d: _("Write a lone > as &gt; (near “{near}”).").format(
            near=d.get("near", "")),
        C.BARE_AMP: lambda d: _("Write a lone & as &amp; (near “{near}”).").format(
            near=d.get("near", "")),
        C.UNKNOWN_ENTITY: lambda d: _("Telegram does not know {entity}; to show an & write "
                                      "&amp;.").format(entity=d.get("entity", "")),
        C.SELF_CLOSING: lambda d: _("Telegram does not accept <{tag}/>; start a new line "
                                    "instead.").format(tag=d.get("tag", "")),
        C.TAG_NOT_ALLOWED: lambda d: _("Telegram does not accept <{tag}>; use b, i, u, s, a, "
                                       "code, pre or blockquote.").format(tag=d.get("tag", "")),
        C.CLOSING_MISMATCH: lambda d: _("The closing tag </{tag}> does not match the tag that "
                                        "is open.").format(tag=d.get("tag", "")),
        C.LINK_NEEDS_HREF: lambda d: _("A link needs a full web address: "
                                       "<a href=\"https://...\">."),
        C.LINK_ONLY_HREF: lambda d: _("A link takes only its address: "
                                      "<a href=\"https://...\">."),
        C.SPAN_NOT_SPOILER: lambda d: _("Telegram accepts <span> only as "
                                        "<span class=\"tg-spoiler\"> (hidden text)."),
        C.CODE_CLASS: lambda d: _("Inside <pre>, <code> takes only "
                                  "class=\"language-...\"."),
        C.BLOCKQUOTE_ATTRIBUTE: lambda d: _("A <blockquote> takes only the word expandable."),
        C.NO_ATTRIBUTES: lambda d: _("Write <{tag}> with nothing else inside the tag.").format(
            tag=d.get("tag", "")),
        C.INSIDE_CODE: lambda d: _("<{tag}> cannot go inside <code> or <pre>: Telegram shows "
                                   "those as plain code.").format(tag=d.get("tag", "")),
        C.INSIDE_LINK: lambda d: _("<{tag}> cannot go inside a link.").format(
            tag=d.get("tag", "")),
        C.NESTED_BLOCKQUOTE: lambda d: _("A <blockquote> cannot go inside another "
                                         "<blockquote>."),
        C.UNCLOSED: lambda d: _("Close every tag you open: {tags}.").format(
            tags=d.get("tags", "")),
    }


def html_problem(problem: HtmlProblem, _: Gettext) -> str:
    return _say(html_messages(_), problem.code, problem.details, problem.message, _)


def html_text_problems(text: str, _: Gettext) -> list[str]:
    """Why Telegram would refuse ``text``, one sentence per reason, in the page's language."""
    return list(dict.fromkeys(html_problem(p, _) for p in html_problems(text)))


def _html_error(exc: TelegramHtmlError, _: Gettext) -> str:
    return " ".join(dict.fromkeys(html_problem(p, _) for p in exc.problems)) or generic(_)


def alert_messages(_: Gettext, ngettext: Ngettext, lang: str) -> dict[StrEnum, Words]:
    C = AlertErrorCode

    def language(d: Mapping[str, Any]) -> str:
        """As written inside a sentence ("el texto en inglés", "the English text")."""
        code = str(d.get("lang", ""))
        try:
            return Locale.parse(lang).languages.get(code) or language_name(code, lang)
        except (ValueError, UnknownLocaleError):
            return language_name(code, lang)

    def invalid(d: Mapping[str, Any]) -> str:
        reasons = " ".join(dict.fromkeys(html_problem(p, _) for p in d.get("problems", ())))
        return _("The {language} text: {reason}").format(language=language(d), reason=reasons)

    return {
        C.NO_TOPIC: lambda d: _("Choose at least one topic."),
        C.UNKNOWN_TOPIC: lambda d: _("These topics do not exist (any more): {topics}.").format(
            topics=", ".join(d.get("topics", ()))),
        C.TEXT_MISSING: lambda d: _("The {language} text is missing: every language needs "
                                    "its own.").format(language=language(d)),
        C.TEXT_INVALID: invalid,
        C.TEXT_TOO_LONG: lambda d: ngettext(
            "The {language} text is longer than {n} character.",
            "The {language} text is longer than {n} characters.",
            int(d.get("limit", 0))).format(language=language(d), n=d.get("limit", 0)),
        C.LANGUAGE_NOT_OFFERED: lambda d: _("This language is not offered."),
        C.OWN_ALERT: lambda d: _("You wrote this alert, so another administrator must approve "
                                 "it (two people for every mass message)."),
        C.NOT_DRAFT: lambda d: _("It is no longer a draft: an alert is approved only once."),
    }


def conversation_messages(_: Gettext, ngettext: Ngettext) -> dict[StrEnum, Words]:
    C = ConversationErrorCode
    return {
        C.REPLY_EMPTY: lambda d: _("Write a reply first."),
        C.REPLY_TOO_LONG: lambda d: ngettext(
            "The reply is longer than {n} character; split it in two.",
            "The reply is longer than {n} characters; split it in two.",
            int(d.get("limit", 0))).format(n=d.get("limit", 0)),
        C.BAD_STATUS: lambda d: _("Choose open, mine or closed."),
        C.CLAIMED: lambda d: _("{name} is answering this conversation. Take it over only if "
                               "they cannot.").format(name=d.get("holder", "")),
        C.CLOSED: lambda d: _("This conversation is closed."),
    }


def inbox_messages(_: Gettext, ngettext: Ngettext) -> dict[StrEnum, Words]:
    C = InboxErrorCode
    return {
        C.NO_PHRASINGS: lambda d: _("Keep at least one of the questions."),
        C.NO_TRANSLATION: lambda d: _("The entry {id} has no text in this language yet; add it "
                                      "there first, or choose another language.").format(
            id=d.get("entry", "")),
        C.TOO_MANY_ALTERNATES: lambda d: ngettext(
            "The entry {id} would have more than {n} other way to ask in this language; "
            "remove some first.",
            "The entry {id} would have more than {n} other ways to ask in this language; "
            "remove some first.",
            int(d.get("limit", 0))).format(id=d.get("entry", ""), n=d.get("limit", 0)),
        C.KEEPS_CHANGING: lambda d: _("Someone keeps changing the entry {id}; try again in a "
                                      "moment.").format(id=d.get("entry", "")),
    }


def _say(messages: Mapping[StrEnum, Words], code: StrEnum | None, details: Mapping[str, Any],
         english: str, _: Gettext) -> str:
    words = messages.get(code) if code is not None else None
    if words is None:
        log.debug("no console message for core error code %r: %s", code, english)
        return generic(_)
    return words(details)


def core_error(exc: Exception, _: Gettext, ngettext: Ngettext, lang: str) -> str:
    """One sentence (or a few) for a core refusal, in the staff member's language ``lang``."""
    if isinstance(exc, TelegramHtmlError):
        return _html_error(exc, _)
    code = getattr(exc, "code", None)
    details: Mapping[str, Any] = getattr(exc, "details", None) or {}
    if isinstance(exc, AlertError):
        return _say(alert_messages(_, ngettext, lang), code, details, str(exc), _)
    if isinstance(exc, ConversationError):
        return _say(conversation_messages(_, ngettext), code, details, str(exc), _)
    if isinstance(exc, InboxError):
        return _say(inbox_messages(_, ngettext), code, details, str(exc), _)
    return _say({}, code, details, str(exc), _)
