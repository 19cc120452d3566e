"""The bot's replies to a question, as text and actions, shared by Telegram and ``infomigra chat``.

One place decides what a person reads for each band of the matcher (answer, did-you-mean, no
match) so the terminal conversation staff use to check the FAQ shows exactly what migrants get.
Texts come from the gettext catalogs in the locale of the surrounding ``i18n`` context; entry
answers come from the FAQ store; the HTML is Telegram's subset.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.i18n import language_name
from faq.matcher import Candidate, Decision, Matcher, MatchResult
from faq.models import Entry
from faq.telegram_html import TELEGRAM_MESSAGE_LIMIT, split_message

VOTE_LABELS = {"up": "👍", "down": "👎"}
CHOSEN_MARK = " ✓"
"""Marks the vote a person gave, and the language in use."""
BUTTON_TEXT_MAX = 60


class ActionKind(StrEnum):
    ENTRY = "entry"
    VOTE = "vote"
    NONE_OF_THESE = "none"
    TOPICS = "topics"


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    label: str
    entry_id: str | None = None
    vote: str | None = None


@dataclass(frozen=True)
class Reply:
    text: str
    """Telegram HTML; may be longer than one message (see ``parts``)."""
    actions: tuple[Action, ...] = ()
    entry_id: str | None = None
    """The entry this reply answers with, when it is an answer (votes refer to it)."""
    decision: Decision | None = None

    def parts(self, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
        return split_message(self.text, limit)


def entry_title(entry: Entry, lang: str) -> str:
    return entry.translation(lang)[1].question


def button_text(text: str) -> str:
    return text if len(text) <= BUTTON_TEXT_MAX else text[:BUTTON_TEXT_MAX - 1].rstrip() + "…"


def _entry_actions(entries: Iterable[Entry], lang: str) -> list[Action]:
    return [Action(ActionKind.ENTRY, entry_title(e, lang), e.id) for e in entries]


def _contact_action(matcher: Matcher, contact_id: str) -> list[Action]:
    if matcher.get(contact_id) is None:
        return []
    return [Action(ActionKind.ENTRY, _("🙋 Talk to a person"), contact_id)]


def _topics_action() -> Action:
    return Action(ActionKind.TOPICS, _("📚 See the topics"))


def footer(entry: Entry, lang: str) -> str:
    """Where the answer comes from and when a person last checked it."""
    heading = _("Sources:")  # not inside the f-string: pybabel would not extract it there
    lines = ["<b>" + html.escape(heading) + "</b>"]
    lines += [f"• <a href=\"{html.escape(str(s.url), quote=True)}\">{html.escape(s.title)}</a>"
              for s in entry.sources]
    if entry.reviewed_on is not None:
        when = format_date(entry.reviewed_on, format="long", locale=lang)
        lines.append("<i>" + html.escape(_("Reviewed on {date}").format(date=when)) + "</i>")
    return "\n".join(lines)


def answer_reply(entry: Entry, lang: str, matcher: Matcher) -> Reply:
    """The entry's answer, its footer, 👍/👎 and its related entries as follow-ups."""
    code, translation = entry.translation(lang)
    blocks = [translation.answer]
    if code != lang:
        blocks.insert(0, "<i>" + html.escape(
            _("This answer is only available in {language}.").format(
                language=language_name(code, lang))) + "</i>")
    blocks.append(footer(entry, lang))
    votes = [Action(ActionKind.VOTE, label, entry.id, v) for v, label in VOTE_LABELS.items()]
    related = [r for r in (matcher.get(i) for i in entry.related) if r is not None]
    actions = votes + _entry_actions(related, lang)
    return Reply("\n\n".join(blocks), tuple(actions), entry.id, Decision.ANSWER)


def suggestions_reply(candidates: Iterable[Candidate], lang: str, matcher: Matcher) -> Reply:
    """Did-you-mean with the candidates the matcher chose to show (``MatchResult.suggestions``:
    a weak third candidate would be noise next to two good ones)."""
    entries = [e for e in (matcher.get(c.entry_id) for c in candidates) if e is not None]
    actions = _entry_actions(entries, lang)
    actions.append(Action(ActionKind.NONE_OF_THESE, _("None of these")))
    return Reply(html.escape(_("I am not sure I understood. Did you mean…")), tuple(actions),
                 decision=Decision.SUGGEST)


def no_match_reply(matcher: Matcher, *, contact_id: str) -> Reply:
    """An honest "I don't know", and the two ways forward: the topics and a person."""
    text = html.escape(_(
        "I am sorry, I do not have a reliable answer to that question, and I prefer not to "
        "guess about something this important."))
    more = html.escape(_(
        "You can write it with other words, look through the topics, or talk to a person. "
        "The team reviews the questions I could not answer to improve this service."))
    actions = [_topics_action(), *_contact_action(matcher, contact_id)]
    return Reply(f"{text}\n\n{more}", tuple(actions), decision=Decision.NONE)


def conversation_reply(result: MatchResult) -> Reply:
    """Small talk or out of scope: the one line from content, and the topics to go on from."""
    return Reply(html.escape(result.reply or ""), (_topics_action(),), decision=result.decision)


def result_reply(result: MatchResult, lang: str, matcher: Matcher, *, contact_id: str) -> Reply:
    if result.decision in (Decision.SMALLTALK, Decision.OUT_OF_SCOPE) and result.reply:
        return conversation_reply(result)
    best = result.best
    if result.decision is Decision.ANSWER and best is not None:
        entry = matcher.get(best.entry_id)
        if entry is not None:
            return answer_reply(entry, lang, matcher)
    if result.decision is Decision.SUGGEST and result.suggestions:
        return suggestions_reply(result.suggestions, lang, matcher)
    return no_match_reply(matcher, contact_id=contact_id)


def none_of_these_reply(matcher: Matcher, *, contact_id: str) -> Reply:
    text = html.escape(_(
        "Thank you for telling me. Try writing your question with other words, look through "
        "the topics, or talk to a person."))
    return Reply(text, (_topics_action(), *_contact_action(matcher, contact_id)))


def disliked_reply(entry: Entry, lang: str, matcher: Matcher, *, contact_id: str) -> Reply:
    """After a 👎: the related entries and a person, instead of a dead end."""
    related = [r for r in (matcher.get(i) for i in entry.related)
               if r is not None and r.id != contact_id]
    text = html.escape(_(
        "I am sorry this answer did not help. Maybe one of these does, or you can talk to "
        "a person:"))
    return Reply(text, (*_entry_actions(related, lang), *_contact_action(matcher, contact_id)))
