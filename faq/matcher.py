"""Matching a user's question against the FAQ: an immutable snapshot, rebuilt on every change.

Pipeline (DESIGN.md, "Matching"): terms -> candidates from an inverted index with BM25-style
weights -> rapidfuzz rerank against the normalised phrasings -> one score per entry in [0, 1]
-> answer / did-you-mean / no match. A wrong answer about visas or asylum can hurt someone more
than no answer, so the score measures how much of the *question* an entry explains: words the
FAQ has never seen (pepián, Barça, the SAT) pull the score down instead of being ignored.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process

from faq.models import Entry, Status
from faq.text import TextPipeline, stem, unique


class Decision(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True)
class MatcherOptions:
    answer_threshold: float = 0.58
    suggest_threshold: float = 0.38
    answer_margin: float = 0.04
    """The best entry must lead the next by this much to be answered outright."""
    max_suggestions: int = 3
    candidate_pool: int = 10
    fuzzy_word_cutoff: float = 84.0
    fuzzy_min_length: int = 4
    fuzzy_penalty: float = 0.85
    unknown_word_weight: float = 0.9
    """Weight of a word the FAQ has never seen, relative to the rarest word it has."""
    weight_evidence: float = 0.6
    """How much matched, informative vocabulary the question shares with the entry (saturating)."""
    evidence_scale: float = 4.0
    weight_coverage: float = 0.2
    """The share of the question's information the entry explains (unknown words count against)."""
    weight_phrase: float = 0.2
    weight_fuzzy: float = 0.0
    tf_saturation: float = 1.5
    """A word said once in an entry counts tf/(tf+k) of its weight: prominent words count more."""
    bm25_k1: float = 1.2
    bm25_b: float = 0.5


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.entry_id, "score": round(self.score, 4)}


@dataclass(frozen=True)
class MatchResult:
    query: str
    decision: Decision
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def suggestions(self) -> tuple[Candidate, ...]:
        return self.candidates if self.decision is Decision.SUGGEST else ()

    def as_dict(self) -> dict[str, Any]:
        best = self.best
        return {
            "q": self.query,
            "decision": self.decision.value,
            "id": best.entry_id if best and self.decision is not Decision.NONE else None,
            "score": round(best.score, 4) if best else 0.0,
            "candidates": [c.as_dict() for c in self.candidates],
        }


@dataclass(frozen=True)
class _Phrasing:
    entry: int
    terms: frozenset[str]
    text: str  # sorted unique content words, for rapidfuzz


@dataclass(frozen=True)
class _Slot:
    """One content word of the question and the index terms it may stand for."""

    word: str
    forms: frozenset[str]
    postings: dict[int, int]
    weight: float
    known: bool


@dataclass
class Matcher:
    """An immutable snapshot of the published FAQ, ready to answer questions."""

    pipeline: TextPipeline
    options: MatcherOptions
    entries: tuple[Entry, ...]
    revision: int = 0
    _postings: dict[str, dict[int, int]] = field(default_factory=dict, repr=False)
    _doc_len: list[int] = field(default_factory=list, repr=False)
    _avg_len: float = 1.0
    _phrasings: list[list[_Phrasing]] = field(default_factory=list, repr=False)
    _vocabulary: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _vocab_words: list[str] = field(default_factory=list, repr=False)
    _max_idf: float = 1.0
    _term_idf: dict[str, float] = field(default_factory=dict, repr=False)
    _by_id: dict[str, Entry] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        entries: Iterable[Entry],
        pipeline: TextPipeline,
        options: MatcherOptions | None = None,
        revision: int = 0,
    ) -> Matcher:
        published = tuple(e for e in entries if e.status is Status.PUBLISHED)
        matcher = cls(pipeline=pipeline, options=options or MatcherOptions(),
                      entries=published, revision=revision)
        matcher._index()
        return matcher

    def _index(self) -> None:
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        vocabulary: dict[str, set[str]] = defaultdict(set)
        for idx, entry in enumerate(self.entries):
            bag: Counter[str] = Counter()
            phrasings: list[_Phrasing] = []
            for lang, translation in entry.translations.items():
                for phrase in translation.phrasings():
                    words = self.pipeline.content_words(phrase, lang)
                    terms = [stem(w, lang) for w in words]
                    for word, term in zip(words, terms, strict=True):
                        vocabulary[word].add(term)
                    bag.update(terms)
                    if terms:
                        phrasings.append(_Phrasing(idx, frozenset(terms),
                                                   " ".join(sorted(set(words)))))
            for tag in entry.tags:
                for lang in self.pipeline.languages:
                    words = self.pipeline.content_words(tag, lang)
                    for word in words:
                        term = stem(word, lang)
                        vocabulary[word].add(term)
                        bag[term] += 1
                    if words:
                        terms_ = frozenset(stem(w, lang) for w in words)
                        phrasings.append(_Phrasing(idx, terms_, " ".join(sorted(set(words)))))
            for term, count in bag.items():
                postings[term][idx] = count
            self._doc_len.append(sum(bag.values()))
            self._phrasings.append(phrasings)
            self._by_id[entry.id] = entry
        self._postings = dict(postings)
        self._avg_len = (sum(self._doc_len) / len(self._doc_len)) if self._doc_len else 1.0
        self._vocabulary = {w: frozenset(t) for w, t in vocabulary.items()}
        self._vocab_words = sorted(self._vocabulary)
        self._max_idf = self._idf(1)
        self._term_idf = {t: self._idf(len(p)) for t, p in self._postings.items()}

    # -- lookups ---------------------------------------------------------------------------

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    def _idf(self, df: int) -> float:
        n = max(len(self.entries), 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _forms(self, word: str) -> set[str]:
        forms = {word, *(stem(word, lang) for lang in self.pipeline.languages)}
        return {f for f in forms if f in self._postings}

    def _slot(self, word: str) -> _Slot:
        forms = self._forms(word)
        penalty = 1.0
        if not forms and len(word) >= self.options.fuzzy_min_length and not word.isdigit():
            found = process.extractOne(word, self._vocab_words, scorer=fuzz.ratio,
                                       score_cutoff=self.options.fuzzy_word_cutoff)
            if found is not None:
                forms = set(self._vocabulary[found[0]])
                penalty = self.options.fuzzy_penalty
        if not forms:
            return _Slot(word, frozenset(), {},
                         self._max_idf * self.options.unknown_word_weight, False)
        postings: dict[int, int] = {}
        for form in forms:
            for idx, tf in self._postings[form].items():
                postings[idx] = postings.get(idx, 0) + tf
        return _Slot(word, frozenset(forms), postings, self._idf(len(postings)) * penalty, True)

    # -- matching --------------------------------------------------------------------------

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Rank entries for ``text``; ``lang`` is the user's language (answers, not matching)."""
        words = unique(self.pipeline.query_words(text))
        slots = [self._slot(w) for w in words]
        total = sum(s.weight for s in slots)
        if not self.entries or total <= 0:
            return MatchResult(text, Decision.NONE, ())
        opts = self.options
        coverage: dict[int, float] = defaultdict(float)
        bm25: dict[int, float] = defaultdict(float)
        for slot in slots:
            for idx, tf in slot.postings.items():
                coverage[idx] += slot.weight * tf / (tf + opts.tf_saturation)
                norm = opts.bm25_k1 * (1 - opts.bm25_b
                                       + opts.bm25_b * self._doc_len[idx] / self._avg_len)
                bm25[idx] += slot.weight * tf * (opts.bm25_k1 + 1) / (tf + norm)
        if not coverage:
            return MatchResult(text, Decision.NONE, ())
        pool = sorted(coverage, key=lambda i: (coverage[i], bm25[i]), reverse=True)
        pool = pool[:opts.candidate_pool]
        weights = {t: s.weight for s in slots for t in s.forms}
        query_text = " ".join(sorted(set(words)))
        scored = [
            Candidate(self.entries[i].id,
                      self._score(i, coverage[i], total, weights, query_text))
            for i in pool
        ]
        scored.sort(key=lambda c: c.score, reverse=True)
        return MatchResult(text, self._decide(scored), tuple(scored[:opts.max_suggestions]))

    def _score(self, idx: int, evidence: float, total: float, weights: dict[str, float],
               query_text: str) -> float:
        """Coverage of the question by the entry, the best single phrasing, fuzzy similarity.

        The phrasing feature is a weighted F-measure: a short tag ("estados unidos") fully
        contained in a long off-topic question explains little of it and scores low.
        """
        best_phrase = 0.0
        best_fuzzy = 0.0
        for phrasing in self._phrasings[idx]:
            matched = phrasing.terms.intersection(weights)
            if matched:
                precision = sum(weights[t] for t in matched) / total
                recall = (sum(self._term_idf[t] for t in matched)
                          / sum(self._term_idf[t] for t in phrasing.terms))
                f_measure = 2 * precision * recall / (precision + recall)
                best_phrase = max(best_phrase, f_measure)
            best_fuzzy = max(best_fuzzy, fuzz.token_sort_ratio(query_text, phrasing.text) / 100)
        opts = self.options
        score = (opts.weight_evidence * (1.0 - math.exp(-evidence / opts.evidence_scale))
                 + opts.weight_coverage * evidence / total
                 + opts.weight_phrase * best_phrase + opts.weight_fuzzy * best_fuzzy)
        return max(0.0, min(1.0, score))

    def _decide(self, ranked: Sequence[Candidate]) -> Decision:
        if not ranked:
            return Decision.NONE
        top = ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if top >= self.options.answer_threshold and top - second >= self.options.answer_margin:
            return Decision.ANSWER
        if top >= self.options.suggest_threshold:
            return Decision.SUGGEST
        return Decision.NONE
