"""The cascade: small talk, then lexical, then (only where it can change the outcome) semantic.

1. Small talk ("hola", "gracias", "¿eres un robot?") is recognised on the words alone.
2. The lexical matcher ranks entries in well under a millisecond. When its calibrated probability
   is high AND the FAQ knows every word of the question, it answers alone (the fast path).
3. Otherwise (uncertain band, a confident answer with words the FAQ has never seen, which is
   where the embedding can contradict it, or no candidate at all, where only a paraphrase can be
   found) the question is embedded off the event loop and the hybrid model decides: answer,
   did-you-mean, out of scope, or no match.

Decisions come from ``faq.calibration`` (probabilities fitted out-of-fold on the dev set). A
snapshot is immutable: ``faq.live`` derives a new one from the last on every FAQ change (only
the changed entries are re-indexed) and swaps it whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from faq.calibration import (
    Calibration,
    Question,
    Scored,
    Thresholds,
    candidate_features,
    decide,
    ranked,
    shown,
)
from faq.intents import Conversation, is_out_of_scope_id
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
    embed: str


@dataclass(frozen=True)
class HybridMatcher:
    """``lexical`` holds the FAQ entries (lookups, rendering); ``scoring`` the same entries plus
    the out-of-scope intents as pseudo-entries, which compete with them as candidates. Both are
    the same matcher when it indexes the intents as hidden entries (``faq.live`` does)."""

    lexical: Matcher
    conversation: Conversation
    calibration: Calibration
    scoring: Matcher | None = None
    semantic: SemanticIndex | None = None
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

    def _analyse(self, text: str) -> LexicalAnalysis:
        return (self.scoring or self.lexical).analyse(text)

    # -- the stages -------------------------------------------------------------------------

    def first_stage(self, text: str, lang: str) -> MatchResult | Pending:
        """Small talk or the lexical fast path; a ``Pending`` when the embedding is needed."""
        intent = self.conversation.smalltalk.match(text)
        if intent is not None:
            return MatchResult(text, Decision.SMALLTALK, (), reply=intent.reply_for(lang),
                               intent=intent.id)
        analysis = self._analyse(text)
        lexical_model = self.calibration.lexical
        scored = ranked(candidate_features(analysis, None), lexical_model.logistic)
        if not self.semantic_ready or not analysis.words:
            return self._result(text, lang, scored, decide(scored, lexical_model.thresholds))
        fast = Thresholds(lexical_model.thresholds.fast, 1.0)
        if decide(scored, fast) == "answer" and analysis.known_share >= 0.999:
            return self._result(text, lang, scored, "answer")
        return Pending(text, lang, analysis, embedding_text(text, STOP_WORDS))

    def second_stage(self, pending: Pending, query: Vector) -> MatchResult:
        assert self.semantic is not None
        sem = self.semantic.scores(query)
        scored = ranked(candidate_features(pending.analysis, sem),
                        self.calibration.hybrid.logistic)
        decision = decide(scored, self.calibration.hybrid.thresholds)
        if decision == "out_of_scope" and pending.analysis.known_share == 0.0:
            # Not one word known to the FAQ or to the out-of-scope phrasings ("zzz qqq"): the
            # embedding of noise lands near some intent, and telling the person "for banking, ask
            # the SIB" would be a guess. An honest no-answer instead.
            decision = "none"
        return self._result(pending.text, pending.lang, scored, decision, semantic=True)

    def question(self, text: str, query: Vector | None, expect: str | None,
                 lang: str) -> Question:
        """A dev question as calibration sees it (both models' features)."""
        analysis = self._analyse(text)
        sem = self.semantic.scores(query) if self.semantic is not None and query is not None \
            else None
        return Question(expect, lang,
                        candidate_features(analysis, sem) if sem is not None else [],
                        candidate_features(analysis, None), analysis.known_share)

    # -- results ---------------------------------------------------------------------------

    def _result(self, text: str, lang: str, scored: Sequence[Scored], decision: str, *,
                semantic: bool = False) -> MatchResult:
        entries = tuple(Candidate(s.entry_id, s.p) for s in scored
                        if not is_out_of_scope_id(s.entry_id))[:3]
        if decision == "out_of_scope":
            intent = self.conversation.out_of_scope_intent(scored[0].entry_id)
            if intent is not None:
                return MatchResult(text, Decision.OUT_OF_SCOPE, entries,
                                   reply=intent.reply_for(lang), intent=intent.id,
                                   semantic=semantic)
            decision = "none"
        if decision == "suggest":
            buttons = tuple(Candidate(s.entry_id, s.p) for s in shown(scored))
            return MatchResult(text, Decision.SUGGEST, entries, suggested=buttons,
                               semantic=semantic)
        return MatchResult(text, Decision(decision), entries, semantic=semantic)

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
    published = [e for e in entries if lexical.get(e.id) is not None]
    oos_entries = conversation.pseudo_entries()
    if {e.id for e in lexical.hidden} == {e.id for e in oos_entries}:
        # The snapshot already indexes the intents (as ``faq.live`` builds it): one matcher.
        scoring = lexical
        oos_entries = list(lexical.hidden)
    else:
        scoring = Matcher.build(published, lexical.pipeline, lexical.options, lexical.revision,
                                hidden=oos_entries, analyser=lexical.analyser)
    if embedder is None or store is None:
        return HybridMatcher(lexical, conversation, calibration, scoring)
    semantic = await SemanticIndex.build(embedder, store,
                                         entry_phrasings([*published, *oos_entries]), report)
    return HybridMatcher(lexical, conversation, calibration, scoring, semantic, embedder)
