"""The cascade: small talk, then lexical, then (only where it can change the outcome) semantic.

1. Small talk ("hola", "gracias", "¿eres un robot?") is recognised on the words alone.
2. The lexical matcher ranks entries in well under a millisecond. When its calibrated probability
   is high AND the FAQ knows every word of the question, it answers alone (the fast path).
3. Otherwise (uncertain band, a confident answer with words the FAQ has never seen, which is
   where the embedding can contradict it, or no candidate at all, where only a paraphrase can be
   found) the question is embedded off the event loop and the hybrid model decides: answer,
   did-you-mean, out of scope, or no match.

Decisions come from ``faq.calibration`` (probabilities fitted out-of-fold on the dev set). A
snapshot is immutable: ``faq.live`` builds a new one on every FAQ change and swaps it whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from faq.calibration import (
    SUGGEST_FLOOR,
    Calibration,
    Question,
    Scored,
    Thresholds,
    candidate_features,
    decide,
    ranked,
)
from faq.conversation import Conversation
from faq.matcher import Candidate, Decision, LexicalAnalysis, Matcher, MatchResult
from faq.models import Entry
from faq.semantic import (
    CacheReport,
    Embedder,
    SemanticIndex,
    Vector,
    VectorStore,
    embedding_text,
)
from faq.stopwords import BY_LANGUAGE

STOP_WORDS = frozenset().union(*BY_LANGUAGE.values())

OOS_LEXICAL_MIN = 0.6
"""Without the semantic stage, an out-of-scope intent must reach this lexical score (the old
answer threshold region, faq.matcher) and beat every FAQ entry to be named."""


def entry_phrasings(entries: Sequence[Entry]) -> list[tuple[str, list[str]]]:
    """What the semantic index embeds per entry: questions and alternates of every language."""
    return [(e.id, [p for t in e.translations.values() for p in t.phrasings()])
            for e in entries]


@dataclass(frozen=True)
class Pending:
    """A question the lexical stage could not settle: what the semantic stage starts from."""

    text: str
    lang: str
    analysis: LexicalAnalysis
    oos: LexicalAnalysis | None
    embed: str


@dataclass(frozen=True)
class HybridMatcher:
    lexical: Matcher
    conversation: Conversation
    calibration: Calibration
    oos_lexical: Matcher | None = None
    semantic: SemanticIndex | None = None
    oos_semantic: SemanticIndex | None = None
    embedder: Embedder | None = None

    @property
    def revision(self) -> int:
        return self.lexical.revision

    @property
    def semantic_ready(self) -> bool:
        return self.semantic is not None and self.embedder is not None

    def get(self, entry_id: str) -> Entry | None:
        return self.lexical.get(entry_id)

    def __len__(self) -> int:
        return len(self.lexical)

    # -- the stages -------------------------------------------------------------------------

    def first_stage(self, text: str, lang: str) -> MatchResult | Pending:
        """Small talk or the lexical fast path; a ``Pending`` when the embedding is needed."""
        intent = self.conversation.smalltalk.match(text)
        if intent is not None:
            return MatchResult(text, Decision.SMALLTALK, (), reply=intent.reply_for(lang),
                               intent=intent.id)
        analysis = self.lexical.analyse(text)
        oos = self.oos_lexical.analyse(text) if self.oos_lexical is not None else None
        lexical_model = self.calibration.lexical
        scored = ranked(candidate_features(analysis, None), lexical_model.logistic)
        if not self.semantic_ready or not analysis.words:
            return self._result(text, lang, scored, decide(scored, lexical_model.thresholds),
                                oos_lexical=oos, analysis=analysis)
        fast = Thresholds(lexical_model.thresholds.fast, 1.0)
        if decide(scored, fast) == "answer" and analysis.known_share >= 0.999:
            return self._result(text, lang, scored, "answer")
        return Pending(text, lang, analysis, oos, embedding_text(text, STOP_WORDS))

    def second_stage(self, pending: Pending, query: Vector) -> MatchResult:
        assert self.semantic is not None
        sem = self.semantic.scores(query)
        scored = ranked(candidate_features(pending.analysis, sem),
                        self.calibration.hybrid.logistic)
        decision = decide(scored, self.calibration.hybrid.thresholds)
        gap = self._oos_gap(sem, query)
        if decision != "answer" and gap is not None and gap[0] >= self.calibration.oos_margin:
            intent = self.conversation.out_of_scope_intent(gap[1])
            if intent is not None:
                return MatchResult(pending.text, Decision.OUT_OF_SCOPE,
                                   self._candidates(scored), reply=intent.reply_for(pending.lang),
                                   intent=intent.id, semantic=True)
        return self._result(pending.text, pending.lang, scored, decision, semantic=True)

    def _oos_gap(self, sem: dict[str, float], query: Vector) -> tuple[float, str] | None:
        if self.oos_semantic is None or not len(self.oos_semantic):
            return None
        oos = self.oos_semantic.scores(query)
        best_id = max(oos, key=lambda i: oos[i])
        best_entry = max(sem.values(), default=0.0)
        return oos[best_id] - best_entry, best_id

    def question(self, text: str, query: Vector | None, expect: str | None,
                 lang: str) -> Question:
        """A dev question as calibration sees it (both models' features)."""
        analysis = self.lexical.analyse(text)
        sem = self.semantic.scores(query) if self.semantic is not None and query is not None \
            else None
        gap = self._oos_gap(sem, query) if sem is not None and query is not None else None
        return Question(expect, lang,
                        candidate_features(analysis, sem) if sem is not None else [],
                        candidate_features(analysis, None), analysis.known_share,
                        gap[0] if gap else None)

    # -- results ---------------------------------------------------------------------------

    @staticmethod
    def _candidates(scored: Sequence[Scored]) -> tuple[Candidate, ...]:
        return tuple(Candidate(s.entry_id, s.p) for s in scored[:3])

    def _result(self, text: str, lang: str, scored: Sequence[Scored], decision: str, *,
                semantic: bool = False, oos_lexical: LexicalAnalysis | None = None,
                analysis: LexicalAnalysis | None = None) -> MatchResult:
        candidates = self._candidates(scored)
        if decision != "answer" and oos_lexical is not None and oos_lexical.ranked:
            best_oos = oos_lexical.ranked[0]
            best_entry = analysis.ranked[0].score if analysis and analysis.ranked else 0.0
            intent = self.conversation.out_of_scope_intent(best_oos.entry_id)
            if best_oos.score >= OOS_LEXICAL_MIN and best_oos.score > best_entry and intent:
                return MatchResult(text, Decision.OUT_OF_SCOPE, candidates,
                                   reply=intent.reply_for(lang), intent=intent.id)
        if decision == "suggest":
            shown = tuple(c for i, c in enumerate(candidates) if i == 0 or c.score >= SUGGEST_FLOOR)
            return MatchResult(text, Decision.SUGGEST, candidates, suggested=shown,
                               semantic=semantic)
        return MatchResult(text, Decision(decision), candidates, semantic=semantic)

    # -- front doors -------------------------------------------------------------------------

    def match(self, text: str, lang: str = "es") -> MatchResult:
        """Blocking: embeds in the calling thread's wait (CLI, evaluation, benchmarks)."""
        first = self.first_stage(text, lang)
        if isinstance(first, MatchResult):
            return first
        assert self.embedder is not None
        query = self.embedder.embed_queries([first.embed])[0]
        return self.second_stage(first, np.asarray(query, dtype=np.float32))

    async def amatch(self, text: str, lang: str = "es") -> MatchResult:
        """For the event loop: the embedding runs in the model's worker thread."""
        first = self.first_stage(text, lang)
        if isinstance(first, MatchResult):
            return first
        assert self.embedder is not None
        query = (await self.embedder.aembed_queries([first.embed]))[0]
        return self.second_stage(first, np.asarray(query, dtype=np.float32))


async def build_hybrid(entries: Sequence[Entry], lexical: Matcher, conversation: Conversation,
                       calibration: Calibration, embedder: Embedder | None,
                       store: VectorStore | None,
                       report: CacheReport | None = None) -> HybridMatcher:
    """A snapshot over ``entries`` (the lexical matcher already built from them); the phrasing
    vectors come from ``store`` where cached and are embedded (in the model's thread) otherwise."""
    oos_entries = conversation.pseudo_entries()
    oos_lexical = Matcher.build(oos_entries, lexical.pipeline, lexical.options) \
        if oos_entries else None
    if embedder is None or store is None:
        return HybridMatcher(lexical, conversation, calibration, oos_lexical)
    published = [e for e in entries if lexical.get(e.id) is not None]
    semantic = await SemanticIndex.build(embedder, store, entry_phrasings(published), report)
    oos_semantic = await SemanticIndex.build(embedder, store, entry_phrasings(oos_entries))
    return HybridMatcher(lexical, conversation, calibration, oos_lexical, semantic,
                         oos_semantic, embedder)
