"""From a question to a reply: match on the current snapshot, count it, render it.

Shared by the Telegram handlers and ``infomigra chat``. The snapshot is read once per question
(``live.hybrid``) so a reload in the middle of a question cannot mix two versions of the FAQ.
"""

from __future__ import annotations

import logging

from bot.config import BotConfig
from bot.guard import RedisGuard
from bot.render import Reply, result_reply
from faq.live import LiveMatcher
from faq.matcher import MatchResult
from faq.stats import Stats

log = logging.getLogger(__name__)


class Answering:
    def __init__(self, live: LiveMatcher, stats: Stats, guard: RedisGuard,
                 config: BotConfig) -> None:
        self.live = live
        self.stats = stats
        self.guard = guard
        self.config = config

    async def match(self, text: str, lang: str) -> tuple[MatchResult, Reply]:
        hybrid = self.live.hybrid  # one snapshot for the match and the render
        result = await hybrid.amatch(text, lang)
        reply = result_reply(result, lang, hybrid.lexical,
                             contact_id=self.config.contact_entry_id)
        return result, reply

    async def ask(self, text: str, lang: str, user_hash: str | None) -> Reply:
        """Answer ``text``; counted under ``user_hash`` (None: a staff check, not counted)."""
        result, reply = await self.match(text, lang)
        best = result.best
        # Ids, decision and score only: the question itself is never logged.
        log.info("question lang=%s decision=%s entry=%s score=%.3f chars=%d", lang,
                 result.decision.value, best.entry_id if best else "-",
                 best.score if best else 0.0, len(text))
        if user_hash is not None:
            store_text = len(text) <= self.config.max_stored_question_chars
            await self.guard.run(
                lambda: self.stats.record_question(result, lang, user_hash,
                                                   store_text=store_text), None)
        return reply
