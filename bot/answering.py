"""From a question to a reply: match on the current snapshot, render it, count what arrived.

Shared by the Telegram handlers and ``infomigra chat``. The snapshot is read once per question
(``live.hybrid``) so a reload in the middle of a question cannot mix two versions of the FAQ.
Statistics count what was delivered: the bot counts a question after its reply was sent
(``delivered``), or as ``delivery_failed`` with the reason when Telegram never took it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import BotConfig
from bot.guard import RedisGuard
from bot.render import Reply, result_reply
from faq.live import LiveMatcher
from faq.matcher import MatchResult
from faq.stats import Stats

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answered:
    """A question matched and rendered, not yet counted."""

    text: str
    lang: str
    result: MatchResult
    reply: Reply


class Answering:
    def __init__(self, live: LiveMatcher, stats: Stats, guard: RedisGuard,
                 config: BotConfig) -> None:
        self.live = live
        self.stats = stats
        self.guard = guard
        self.config = config

    async def match(self, text: str, lang: str) -> tuple[MatchResult, Reply]:
        hybrid = self.live.hybrid  # one snapshot for the match and the render
        result = await hybrid.amatch(text, lang)  # the embedding, when needed, off the loop
        reply = result_reply(result, lang, hybrid.lexical,
                             contact_id=self.config.contact_entry_id)
        return result, reply

    async def answer(self, text: str, lang: str) -> Answered:
        result, reply = await self.match(text, lang)
        best = result.best
        # Ids, decision and score only: the question itself is never logged.
        log.info("question lang=%s decision=%s entry=%s score=%.3f chars=%d", lang,
                 result.decision.value, best.entry_id if best else "-",
                 best.score if best else 0.0, len(text))
        return Answered(text, lang, result, reply)

    async def delivered(self, answered: Answered, user_hash: str) -> None:
        """The reply reached the person: count it (answered, suggested or unmatched)."""
        await self._record(answered, user_hash, None)

    async def failed(self, answered: Answered, user_hash: str, reason: str) -> None:
        """The reply never reached the person: asked, and ``delivery_failed`` by ``reason``."""
        await self._record(answered, user_hash, reason)

    async def _record(self, answered: Answered, user_hash: str, failed: str | None) -> None:
        store_text = len(answered.text) <= self.config.max_stored_question_chars
        await self.guard.run(
            lambda: self.stats.record_question(answered.result, answered.lang, user_hash,
                                               store_text=store_text, failed=failed), None)

    async def ask(self, text: str, lang: str, user_hash: str | None) -> Reply:
        """Answer ``text`` where showing it cannot fail (the terminal); counted under
        ``user_hash`` (None: a staff check, not counted)."""
        answered = await self.answer(text, lang)
        if user_hash is not None:
            await self.delivered(answered, user_hash)
        return answered.reply
