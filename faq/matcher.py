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

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from faq.models import Entry, Status
from faq.text import TextPipeline, stem, unique

MIN_ALTERNATES = 4
"""Below this many alternates per language an entry is matched mostly on its one question: on
public FAQ data 80 % of questions to entries without alternates got no reply (issue 11)."""


def alternates_warnings(entry: Entry) -> list[str]:
    """Advice for staff (never an error): languages whose wording has few alternates."""
    return [f"{lang}: only {len(t.alternates)} alternate phrasing(s); add at least "
            f"{MIN_ALTERNATES} ways people would ask this, so it can be matched reliably"
            for lang, t in sorted(entry.translations.items())
            if len(t.alternates) < MIN_ALTERNATES]


DENSE_MIN_ENTRIES = 512
DENSE_FRACTION = 16  # a term in 1/16 of the entries or more gets a dense vector


class Decision(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"
    SMALLTALK = "smalltalk"
    """A greeting, thanks, goodbye or "are you a bot?": a warm line from content, no FAQ entry."""
    OUT_OF_SCOPE = "out_of_scope"
    """A subject this service does not cover (driving licences, taxes...): say who does."""


@dataclass(frozen=True)
class MatcherOptions:
    answer_threshold: float = 0.64
    suggest_threshold: float = 0.5
    answer_margin: float = 0.03
    """The best entry must lead the next by this much to be answered outright."""
    max_suggestions: int = 3
    candidate_pool: int = 5
    fuzzy_word_cutoff: float = 84.0
    fuzzy_min_length: int = 4
    fuzzy_penalty: float = 0.85
    unknown_word_weight: float = 0.9
    """Weight of a word the FAQ has never seen, relative to the rarest word it has."""
    weight_evidence: float = 0.5
    """How much matched, informative vocabulary the question shares with the entry (saturating)."""
    evidence_scale: float = 3.0
    weight_coverage: float = 0.1
    """The share of the question's information the entry explains (unknown words count against)."""
    weight_phrase: float = 0.2
    weight_fuzzy: float = 0.2
    tf_saturation: float = 1.5
    """A word said once in an entry counts tf/(tf+k) of its weight: prominent words count more."""


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
    suggested: tuple[Candidate, ...] | None = None
    """The did-you-mean buttons when they are fewer than the candidates (None: all of them)."""
    reply: str | None = None
    """For small talk and out-of-scope: the one-line reply from content, in the user's language."""
    intent: str | None = None
    """For small talk and out-of-scope: which intent of the content files answered."""
    semantic: bool = False
    """Whether the semantic stage took part in this decision (for benchmarks and logs)."""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def suggestions(self) -> tuple[Candidate, ...]:
        if self.decision is not Decision.SUGGEST:
            return ()
        return self.candidates if self.suggested is None else self.suggested

    def as_dict(self) -> dict[str, Any]:
        best = self.best
        answered = self.decision in (Decision.ANSWER, Decision.SUGGEST)
        data: dict[str, Any] = {
            "q": self.query,
            "decision": self.decision.value,
            "id": best.entry_id if best and answered else None,
            "score": round(best.score, 4) if best else 0.0,
            "candidates": [c.as_dict() for c in self.candidates],
        }
        if self.intent is not None:
            data["intent"] = self.intent
        return data


@dataclass(frozen=True)
class LexicalCandidate:
    """One entry of the candidate pool with the parts of its lexical score."""

    entry_id: str
    score: float
    phrase: float
    """Best single phrasing's weighted F-measure with the question (1.0: asked word for word)."""
    fuzzy: float
    coverage: float
    """Share of the question's weight this entry's vocabulary explains."""


@dataclass(frozen=True)
class LexicalAnalysis:
    words: int
    known_share: float
    """Share of the question's weight made of words the FAQ knows (unknown words count against)."""
    ranked: tuple[LexicalCandidate, ...]


@dataclass(frozen=True)
class _Phrasing:
    terms: frozenset[str]
    idf_sum: float
    text: str  # sorted unique content words, for rapidfuzz


@dataclass(frozen=True)
class _Postings:
    """Where a term occurs: entry indexes and tf/(tf+k) there, plus a dense copy for frequent
    terms (adding a contiguous vector is far cheaper than scattering thousands of indexes)."""

    entries: npt.NDArray[np.int32]
    tf: npt.NDArray[np.float64]
    saturated: npt.NDArray[np.float64]
    dense: npt.NDArray[np.float32] | None = None


@dataclass(frozen=True)
class _Slot:
    """One content word of the question, the index terms it may stand for, where they occur."""

    word: str
    forms: frozenset[str]
    weight: float
    postings: _Postings | None = None


@dataclass
class Matcher:
    """An immutable snapshot of the published FAQ, ready to answer questions.

    Posting lists are numpy arrays so that scoring a question touches every entry that shares a
    word with it in C, not in a Python loop: the cost stays sub-millisecond at 10,000 entries.
    """

    pipeline: TextPipeline
    options: MatcherOptions
    entries: tuple[Entry, ...]
    revision: int = 0
    _postings: dict[str, _Postings] = field(default_factory=dict, repr=False)
    _phrasings: list[list[_Phrasing]] = field(default_factory=list, repr=False)
    _phrasings_by_term: list[dict[str, list[int]]] = field(default_factory=list, repr=False)
    _vocabulary: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _fuzzy_buckets: dict[tuple[str, int], list[str]] = field(default_factory=dict, repr=False)
    _max_idf: float = 1.0
    _term_idf: dict[str, float] = field(default_factory=dict, repr=False)
    _by_id: dict[str, Entry] = field(default_factory=dict, repr=False)
    _merged: dict[frozenset[str], _Postings] = field(default_factory=dict, repr=False)

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

    def _phrasing_terms(self, entry: Entry) -> list[tuple[list[str], list[str]]]:
        """(words, terms) of every phrasing of the entry: questions, alternates and tags."""
        out: list[tuple[list[str], list[str]]] = []
        for lang, translation in entry.translations.items():
            for phrase in translation.phrasings():
                words = self.pipeline.content_words(phrase, lang, parts=True)
                out.append((words, [stem(w, lang) for w in words]))
        for tag in entry.tags:
            for lang in self.pipeline.languages:
                words = self.pipeline.content_words(tag, lang, parts=True)
                out.append((words, [stem(w, lang) for w in words]))
        return [(w, t) for w, t in out if t]

    def _index(self) -> None:
        raw: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        vocabulary: dict[str, set[str]] = defaultdict(set)
        per_entry: list[list[tuple[list[str], list[str]]]] = []
        for idx, entry in enumerate(self.entries):
            phrasings = self._phrasing_terms(entry)
            per_entry.append(phrasings)
            bag: Counter[str] = Counter()
            for words, terms in phrasings:
                bag.update(terms)
                for word, term in zip(words, terms, strict=True):
                    vocabulary[word].add(term)
            for term, count in bag.items():
                raw[term][0].append(idx)
                raw[term][1].append(count)
            self._by_id[entry.id] = entry
        self._postings = {
            term: self._make_postings(np.asarray(ids, dtype=np.int32),
                                      np.asarray(tfs, dtype=np.float64))
            for term, (ids, tfs) in raw.items()
        }
        self._max_idf = self._idf(1)
        self._term_idf = {t: self._idf(len(p.entries)) for t, p in self._postings.items()}
        for phrasings in per_entry:
            seen: dict[frozenset[str], _Phrasing] = {}
            for words, terms in phrasings:
                key = frozenset(terms)
                if key not in seen:
                    seen[key] = _Phrasing(key, sum(self._term_idf[t] for t in key),
                                          " ".join(sorted(set(words))))
            unique_phrasings = list(seen.values())
            by_term: dict[str, list[int]] = defaultdict(list)
            for position, phrasing in enumerate(unique_phrasings):
                for term in phrasing.terms:
                    by_term[term].append(position)
            self._phrasings.append(unique_phrasings)
            self._phrasings_by_term.append(dict(by_term))
        self._vocabulary = {w: frozenset(t) for w, t in vocabulary.items()}
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in self._vocabulary:
            if len(word) >= self.options.fuzzy_min_length - 1:
                buckets[(word[0], len(word))].append(word)
        self._fuzzy_buckets = dict(buckets)
        # Words of the FAQ that stand for several terms get their merged list now, at build
        # time, so a question made of known words does no merging at all.
        for word in self._vocabulary:
            forms = frozenset(self._forms(word))
            if len(forms) > 1 and forms not in self._merged:
                self._merged[forms] = self._merge(forms)

    def _make_postings(self, ids: npt.NDArray[np.int32],
                       tf: npt.NDArray[np.float64]) -> _Postings:
        saturated = tf / (tf + self.options.tf_saturation)
        n = len(self.entries)
        dense = None
        if n >= DENSE_MIN_ENTRIES and len(ids) * DENSE_FRACTION >= n:
            dense = np.zeros(n, dtype=np.float32)
            dense[ids] = saturated
        return _Postings(ids, tf, saturated, dense)

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

    def _fuzzy_word(self, word: str) -> str | None:
        """The indexed word a misspelling most likely means ("pasaprote" -> "pasaporte").

        Only words of about the same length that start with the same letter are compared:
        typos rarely hit the first letter, and it keeps the lookup cheap on a large FAQ.
        """
        pool: list[str] = []
        for length in range(len(word) - 2, len(word) + 3):
            pool.extend(self._fuzzy_buckets.get((word[0], length), ()))
        found = process.extractOne(word, pool, scorer=fuzz.ratio,
                                   score_cutoff=self.options.fuzzy_word_cutoff)
        return found[0] if found else None

    def _slot(self, word: str) -> _Slot:
        forms = self._forms(word)
        penalty = 1.0
        if not forms and len(word) >= self.options.fuzzy_min_length and not word.isdigit():
            similar = self._fuzzy_word(word)
            if similar is not None:
                forms = set(self._vocabulary[similar])
                penalty = self.options.fuzzy_penalty
        if not forms:
            return _Slot(word, frozenset(), self._max_idf * self.options.unknown_word_weight)
        key = frozenset(forms)
        postings = self._merged.get(key) or self._merge(key)
        return _Slot(word, key, self._idf(len(postings.entries)) * penalty, postings)

    def _merge(self, forms: frozenset[str]) -> _Postings:
        """One posting list for a word that stands for several terms (a Spanish and an English
        stem): counted once per entry."""
        if len(forms) == 1:
            return self._postings[next(iter(forms))]
        lists = [self._postings[f] for f in forms]
        dense = np.bincount(np.concatenate([p.entries for p in lists]),
                            weights=np.concatenate([p.tf for p in lists]),
                            minlength=len(self.entries))
        ids = np.nonzero(dense)[0].astype(np.int32)
        return self._make_postings(ids, dense[ids].astype(np.float64))

    # -- matching --------------------------------------------------------------------------

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Rank entries for ``text``; ``lang`` is the user's language (answers, not matching)."""
        analysis = self.analyse(text)
        scored = [Candidate(c.entry_id, c.score) for c in analysis.ranked]
        decision = self._decide(scored)
        top = tuple(scored[:self.options.max_suggestions])
        suggested = tuple(c for c in top if c.score >= self.options.suggest_threshold)
        return MatchResult(text, decision, top,
                           suggested=suggested if decision is Decision.SUGGEST else None)

    def analyse(self, text: str) -> LexicalAnalysis:
        """Every scored candidate of the pool with its parts, and how much of the question the
        FAQ knows: what the calibrated decision (faq.hybrid) is computed from."""
        words = unique(self.pipeline.query_words(text))
        slots = [self._slot(w) for w in words]
        total = sum(s.weight for s in slots)
        known = [s for s in slots if s.postings is not None]
        n = len(self.entries)
        if not n or total <= 0 or not known:
            return LexicalAnalysis(len(words), 0.0, ())
        opts = self.options
        evidence = np.zeros(n, dtype=np.float32)
        for slot in known:
            postings = slot.postings
            assert postings is not None
            if postings.dense is not None:
                evidence += postings.dense * np.float32(slot.weight)
            else:
                evidence[postings.entries] += (postings.saturated * slot.weight).astype(np.float32)
        size = min(opts.candidate_pool, n)
        top = np.argpartition(-evidence, size - 1)[:size] if size < n else np.arange(n)
        pool = [int(i) for i in top if evidence[i] > 0]
        weights = {t: s.weight for s in known for t in s.forms}
        query_text = " ".join(sorted(set(words)))
        scored = [self._score(i, float(evidence[i]), total, weights, query_text) for i in pool]
        scored.sort(key=lambda c: (-c.score, c.entry_id))
        known_share = sum(s.weight for s in known) / total
        return LexicalAnalysis(len(words), known_share, tuple(scored))

    def _score(self, idx: int, evidence: float, total: float, weights: dict[str, float],
               query_text: str) -> LexicalCandidate:
        """Evidence, coverage of the question, the best single phrasing, fuzzy similarity.

        The phrasing feature is a weighted F-measure: a short tag ("estados unidos") fully
        contained in a long off-topic question explains little of it and scores low.
        """
        opts = self.options
        got: dict[int, float] = {}
        recalled: dict[int, float] = {}
        by_term = self._phrasings_by_term[idx]
        term_idf = self._term_idf
        for term, weight in weights.items():
            positions = by_term.get(term)
            if not positions:
                continue
            idf = term_idf[term]
            for position in positions:
                if position in got:
                    got[position] += weight
                    recalled[position] += idf
                else:
                    got[position] = weight
                    recalled[position] = idf
        phrasings = self._phrasings[idx]
        best_phrase = 0.0
        for position, matched_weight in got.items():
            precision = matched_weight / total
            recall = recalled[position] / phrasings[position].idf_sum
            best_phrase = max(best_phrase, 2 * precision * recall / (precision + recall))
        best_fuzzy = 0.0
        if opts.weight_fuzzy > 0:
            found = process.extractOne(query_text, [p.text for p in self._phrasings[idx]],
                                       scorer=fuzz.token_sort_ratio)
            best_fuzzy = found[1] / 100 if found else 0.0
        score = (opts.weight_evidence * (1.0 - math.exp(-evidence / opts.evidence_scale))
                 + opts.weight_coverage * evidence / total
                 + opts.weight_phrase * best_phrase + opts.weight_fuzzy * best_fuzzy)
        return LexicalCandidate(self.entries[idx].id, max(0.0, min(1.0, score)), best_phrase,
                                best_fuzzy, min(1.0, evidence / total))

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
