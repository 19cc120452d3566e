"""``infomigra chat``: the bot's conversation in a terminal, for staff checking the FAQ.

Same pipeline and same replies as Telegram (``bot.answering`` and ``bot.render``), shown as plain
text with numbered choices instead of buttons. Questions asked here are not counted in the
statistics: they are staff checks, not migrants' questions.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import TextIO

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.answering import Answering
from bot.catalog import TopicCatalog
from bot.plaintext import html_to_text
from bot.render import ActionKind, Reply, answer_reply, entry_title, none_of_these_reply

QUIT = "/quit"


@dataclass(frozen=True)
class Choice:
    label: str
    kind: str  # "entry", "none", "topics" or "topic"
    value: str = ""


class ChatSession:
    def __init__(self, answering: Answering, catalog: TopicCatalog, i18n: I18n, lang: str,
                 out: TextIO) -> None:
        self.answering = answering
        self.catalog = catalog
        self.i18n = i18n
        self.lang = lang
        self.out = out
        self.choices: list[Choice] = []

    def intro(self) -> None:
        with self.i18n.context(), self.i18n.use_locale(self.lang):
            self._print(_("Write your question and press Enter. Type the number of an option to "
                          "choose it, or /quit to leave."))

    async def handle(self, line: str) -> bool:
        """Answer one input line; False when the conversation is over."""
        text = line.strip()
        if text == QUIT:
            return False
        if not text:
            return True
        with self.i18n.context(), self.i18n.use_locale(self.lang):
            if text.isdigit() and 1 <= int(text) <= len(self.choices):
                await self._choose(self.choices[int(text) - 1])
            else:
                self._show(await self.answering.ask(text, self.lang, None))
        return True

    async def _choose(self, choice: Choice) -> None:
        config = self.answering.config
        matcher = self.answering.live.matcher
        if choice.kind == "entry":
            entry = matcher.get(choice.value)
            if entry is not None:
                self._show(answer_reply(entry, self.lang, matcher))
                return
        if choice.kind == "topic":
            entries = self.catalog.entries(matcher, choice.value, self.lang)
            self._list(_("Choose a question:"),
                       [Choice(entry_title(e, self.lang), "entry", e.id) for e in entries])
            return
        if choice.kind == "topics":
            topics = await self.catalog.topics(matcher, self.lang)
            self._list(_("Choose a topic:"),
                       [Choice(t.name(self.lang), "topic", t.id) for t in topics])
            return
        self._show(none_of_these_reply(matcher, contact_id=config.contact_entry_id))

    def _show(self, reply: Reply) -> None:
        choices = []
        for action in reply.actions:
            if action.kind is ActionKind.ENTRY and action.entry_id:
                choices.append(Choice(action.label, "entry", action.entry_id))
            elif action.kind is ActionKind.NONE_OF_THESE:
                choices.append(Choice(action.label, "none"))
            elif action.kind is ActionKind.TOPICS:
                choices.append(Choice(action.label, "topics"))
        self._list(html_to_text(reply.text), choices)

    def _list(self, heading: str, choices: list[Choice]) -> None:
        self.choices = choices
        lines = [heading, *(f"  {i}. {c.label}" for i, c in enumerate(choices, 1))]
        self._print("\n".join(lines))

    def _print(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()


async def converse(session: ChatSession, source: TextIO | None = None) -> None:
    """Read lines (from stdin by default) until EOF or /quit; works the same typed or piped."""
    source = source or sys.stdin
    session.intro()
    while True:
        line = await asyncio.to_thread(source.readline)
        if not line or not await session.handle(line):
            return
