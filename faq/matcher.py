"""Matching a user's question against the FAQ: immutable snapshots, each change a new one.

Pipeline (DESIGN.md, "Matching"): terms -> candidates from an inverted index with BM25-style
weights -> rapidfuzz rerank against the normalised phrasings -> one score per entry in [0, 1]
-> answer / did-you-mean / no match. A wrong answer about visas or asylum can hurt someone more
than no answer, so the score measures how much of the *question* an entry explains: words the
FAQ has never seen (pepián, Barça, the SAT) pull the score down instead of being ignored.

A snapshot is built once at start (``Matcher.build``) and then follows edits with
``Matcher.apply``: the next snapshot re-analyses only the changed entries and shares everything
else with the previous one, with the same scores a build from scratch would give.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from faq.analysis import Analyser, EntryTerms, Pair
from faq.exchange import collection_paused
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


@dataclass(frozen=True, slots=True)
class _Doc:
    """One indexed entry, in flat arrays: its unique phrasings' term ids one phrasing after the
    other (``owner`` says whose), and their words for rapidfuzz. No object per phrasing: at
    10,000 entries that is 260,000 phrasings, and per-phrasing sets and dicts were most of the
    snapshot's memory."""

    entry: Entry
    terms: npt.NDArray[np.int32]
    owner: npt.NDArray[np.uint16]
    texts: str
    """Each phrasing's sorted unique content words, one phrasing per line."""
    phrasings: int


@dataclass(frozen=True, slots=True)
class _Postings:
    """Where a term occurs: entry slots and term counts there, and tf/(tf+k) either as a sparse
    array or, for frequent terms, as a dense vector over the slots (adding a contiguous vector is
    far cheaper than scattering thousands of indexes)."""

    entries: npt.NDArray[np.int32]
    tf: npt.NDArray[np.int32]
    saturated: npt.NDArray[np.float64] | None
    dense: npt.NDArray[np.float32] | None = None


@dataclass(frozen=True)
class _Slot:
    """One content word of the question, the index terms it may stand for, where they occur."""

    word: str
    forms: frozenset[str]
    weight: float
    postings: _Postings | None = None


COMPACT_FRACTION = 0.25
"""``apply`` rebuilds from scratch (from the snapshot's own entries) once this share of the slots
are tombstones of removed entries: evidence vectors stay at most a third longer than the FAQ."""
CAPACITY_SLACK = 16
"""Dense vectors get 1/16 more room than there are slots, so adding entries rarely re-allocates
them (a re-allocation copies every dense vector: about 20 MB at 10,000 entries)."""


@dataclass
class Matcher:
    """An immutable snapshot of the published FAQ, ready to answer questions.

    Posting lists are numpy arrays so that scoring a question touches every entry that shares a
    word with it in C, not in a Python loop: the cost stays sub-millisecond at 10,000 entries.

    ``apply`` makes the next snapshot from this one by structural sharing: only the changed
    entries are analysed and only their terms' posting lists are new; every other array, entry
    and phrasing is the previous snapshot's own object. Scores equal a build from scratch over the
    same entries: document frequencies are kept exact per term and the IDF is recomputed from
    them for the live entry count (removed entries leave tombstone slots that hold no postings);
    ties are broken in the order a build from the store's id order has (``_order``).

    ``hidden`` entries (the out-of-scope intents) are indexed and compete in ``analyse`` but are
    not FAQ entries: ``entries``, ``get``, ``len`` and ``match`` leave them out.
    """

    pipeline: TextPipeline
    options: MatcherOptions
    entries: tuple[Entry, ...]
    revision: int = 0
    _hidden: tuple[Entry, ...] = ()
    _docs: tuple[_Doc | None, ...] = ()
    """By slot; None: a tombstone."""
    _slot_of: dict[str, int] = field(default_factory=dict, repr=False)
    _order: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    """Slots of the live entries in canonical order (FAQ entries, then hidden); None: 0..n-1."""
    _capacity: int = 0
    _postings: dict[str, _Postings] = field(default_factory=dict, repr=False)
    _term_ids: dict[str, int] = field(default_factory=dict, repr=False)
    _df: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64),
                                       repr=False)
    _idf_by_id: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0),
                                                repr=False)
    _refs: Counter[Pair] = field(default_factory=Counter, repr=False)
    """Entries holding each (word, term) pair: what the vocabulary keeps when an entry goes."""
    _vocabulary: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _fuzzy_buckets: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict,
                                                                    repr=False)
    _max_idf: float = 1.0
    _by_id: dict[str, Entry] = field(default_factory=dict, repr=False)
    _merged: dict[frozenset[str], _Postings] = field(default_factory=dict, repr=False)
    _analyser: Analyser | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        entries: Iterable[Entry],
        pipeline: TextPipeline,
        options: MatcherOptions | None = None,
        revision: int = 0,
        *,
        hidden: Sequence[Entry] = (),
        analyser: Analyser | None = None,
    ) -> Matcher:
        # Millions of short-lived, acyclic objects: reference counting frees them, and each
        # full collection would walk every object of the process (10,000 parsed entries
        # included) holding the GIL (see ``collection_paused``).
        with collection_paused():
            return cls._build(entries, pipeline, options, revision, hidden, analyser)

    @classmethod
    def _build(cls, entries: Iterable[Entry], pipeline: TextPipeline,
               options: MatcherOptions | None, revision: int, hidden: Sequence[Entry],
               analyser: Analyser | None) -> Matcher:
        published = tuple(e for e in entries if e.status is Status.PUBLISHED)
        options = options or MatcherOptions()
        analyser = analyser if analyser is not None and analyser.pipeline is pipeline \
            else Analyser(pipeline)
        docs_entries = [*published, *hidden]
        n = len(docs_entries)
        capacity = n + n // CAPACITY_SLACK
        term_ids: dict[str, int] = {}
        refs: Counter[Pair] = Counter()
        docs: list[_Doc | None] = []
        post_terms = array("i")
        post_slots = array("i")
        post_tf = array("i")
        for slot, entry in enumerate(docs_entries):
            found = analyser.entry(entry)
            refs.update(found.pairs)
            ids = [term_ids.setdefault(t, len(term_ids)) for t in found.bag]
            post_terms.extend(ids)
            post_slots.extend([slot] * len(ids))
            post_tf.extend(found.bag.values())
            docs.append(_make_doc(entry, found, term_ids))
        analyser.forget()
        terms_arr = np.frombuffer(post_terms, dtype=np.int32) if post_terms else \
            np.zeros(0, np.int32)
        slots_arr = np.frombuffer(post_slots, dtype=np.int32) if post_slots else \
            np.zeros(0, np.int32)
        tf_arr = np.frombuffer(post_tf, dtype=np.int32) if post_tf else np.zeros(0, np.int32)
        by_term = np.argsort(terms_arr, kind="stable")
        slots_sorted = slots_arr[by_term]
        tf_sorted = tf_arr[by_term]
        sat_sorted = tf_sorted / (tf_sorted + options.tf_saturation)
        df = np.bincount(terms_arr, minlength=len(term_ids)).astype(np.int64)
        bounds = np.concatenate([[0], np.cumsum(df)])
        postings: dict[str, _Postings] = {}
        for term, tid in term_ids.items():
            lo, hi = int(bounds[tid]), int(bounds[tid + 1])
            postings[term] = _postings(slots_sorted[lo:hi], tf_sorted[lo:hi],
                                       sat_sorted[lo:hi], n, capacity)
        vocabulary: dict[str, set[str]] = defaultdict(set)
        for word, term in refs:
            vocabulary[word].add(term)
        matcher = cls(
            pipeline=pipeline, options=options, entries=published, revision=revision,
            _hidden=tuple(hidden), _docs=tuple(docs),
            _slot_of={e.id: i for i, e in enumerate(docs_entries)}, _order=None,
            _capacity=capacity, _postings=postings, _term_ids=term_ids, _df=df,
            _idf_by_id=_idf_array(df, n), _refs=refs,
            _vocabulary={w: frozenset(t) for w, t in vocabulary.items()},
            _fuzzy_buckets={}, _max_idf=_idf(1, n), _by_id={e.id: e for e in published},
            _merged={}, _analyser=analyser)
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in matcher._vocabulary:
            if len(word) >= options.fuzzy_min_length - 1:
                buckets[(word[0], len(word))].append(word)
        matcher._fuzzy_buckets = {k: tuple(sorted(v)) for k, v in buckets.items()}
        # Words of the FAQ that stand for several terms get their merged list now, at build
        # time, so a question made of known words does no merging at all.
        for word in matcher._vocabulary:
            forms = frozenset(matcher._forms(word))
            if len(forms) > 1 and forms not in matcher._merged:
                matcher._merged[forms] = matcher._merge(forms)
        return matcher

    # -- the next snapshot -------------------------------------------------------------------

    def apply(self, upserts: Iterable[Entry] = (), removed_ids: Iterable[str] = (),
              revision: int | None = None) -> Matcher:
        """The snapshot after saving ``upserts`` (any status: an entry no longer published
        leaves) and removing ``removed_ids``; this one is left untouched."""
        revision = self.revision if revision is None else revision
        wanted: dict[str, Entry | None] = {i: None for i in removed_ids}
        for entry in upserts:
            wanted[entry.id] = entry if entry.status is Status.PUBLISHED else None
        hidden_ids = {e.id for e in self._hidden}
        changes = {i: e for i, e in wanted.items() if i not in hidden_ids
                   and not (e is None and i not in self._by_id)
                   and not (e is not None and self._by_id.get(i) is e)}
        if not changes:
            return self if revision == self.revision else replace(self, revision=revision)
        removed = sum(1 for i, e in changes.items() if e is None)
        added = sum(1 for i, e in changes.items() if e is not None and i not in self._slot_of)
        tombstones = sum(1 for d in self._docs if d is None) + removed
        if tombstones > COMPACT_FRACTION * (len(self._docs) + added):
            kept = [e for e in self.entries if e.id not in changes]
            kept += [e for e in changes.values() if e is not None]
            kept.sort(key=lambda e: e.id)
            return Matcher.build(kept, self.pipeline, self.options, revision,
                                 hidden=self._hidden, analyser=self._analyser)
        with collection_paused():
            return _Apply(self, changes).run(revision)

    def changed_since(self, older: Matcher) -> tuple[list[Entry], list[str]]:
        """What differs from ``older`` (an earlier snapshot of the same FAQ): entries, hidden ones
        included, that are new or not the very object ``older`` held, and ids ``older`` had and
        this one has not. Structural sharing makes this an identity check per entry."""
        mine = {**self._by_id, **{e.id: e for e in self._hidden}}
        theirs = {**older._by_id, **{e.id: e for e in older._hidden}}
        return ([e for i, e in mine.items() if theirs.get(i) is not e],
                [i for i in theirs if i not in mine])

    # -- lookups ---------------------------------------------------------------------------

    @property
    def hidden(self) -> tuple[Entry, ...]:
        """Indexed, never exposed: the out-of-scope intents' pseudo-entries."""
        return self._hidden

    @property
    def analyser(self) -> Analyser | None:
        """The indexing memo, handed to the next build so it starts warm."""
        return self._analyser

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def live(self) -> int:
        """Entries indexed (FAQ and hidden): the N of the IDF."""
        return len(self.entries) + len(self._hidden)

    def _idf(self, df: int) -> float:
        return _idf(df, self.live)

    def _forms(self, word: str) -> set[str]:
        forms = {word, *(stem(word, lang) for lang in self.pipeline.languages)}
        return {f for f in forms if f in self._postings}

    def _fuzzy_word(self, word: str) -> str | None:
        """The indexed word a misspelling most likely means ("pasaprote" -> "pasaporte").

        Only words of about the same length that start with the same letter are compared:
        typos rarely hit the first letter, and it keeps the lookup cheap on a large FAQ.
        Buckets are sorted, so equally close words resolve the same way in every snapshot.
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
        summed = np.bincount(np.concatenate([p.entries for p in lists]),
                             weights=np.concatenate([p.tf for p in lists]),
                             minlength=len(self._docs))
        ids = np.nonzero(summed)[0].astype(np.int32)
        tf = summed[ids].astype(np.int32)
        return _postings(ids, tf, tf / (tf + self.options.tf_saturation), self.live,
                         self._capacity)

    # -- matching --------------------------------------------------------------------------

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Rank entries for ``text``; ``lang`` is the user's language (answers, not matching)."""
        analysis = self.analyse(text)
        scored = [Candidate(c.entry_id, c.score) for c in analysis.ranked
                  if c.entry_id in self._by_id]
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
        n = self.live
        if not n or total <= 0 or not known:
            return LexicalAnalysis(len(words), 0.0, ())
        opts = self.options
        width = len(self._docs)
        evidence = np.zeros(width, dtype=np.float32)
        for slot in known:
            postings = slot.postings
            assert postings is not None
            if postings.dense is not None:
                evidence += postings.dense[:width] * np.float32(slot.weight)
            else:
                assert postings.saturated is not None
                evidence[postings.entries] += (postings.saturated * slot.weight).astype(np.float32)
        # In canonical order, so that equal evidence picks the same pool in every snapshot.
        ranked_evidence = evidence if self._order is None else evidence[self._order]
        size = min(opts.candidate_pool, n)
        top = np.argpartition(-ranked_evidence, size - 1)[:size] if size < n else np.arange(n)
        pool = [int(i) for i in top if ranked_evidence[i] > 0]
        if self._order is not None:
            pool = [int(self._order[i]) for i in pool]
        weights = {self._term_ids[t]: s.weight for s in known for t in s.forms}
        query_text = " ".join(sorted(set(words)))
        scored = self._score(pool, evidence, total, weights, query_text)
        scored.sort(key=lambda c: (-c.score, c.entry_id))
        known_share = sum(s.weight for s in known) / total
        return LexicalAnalysis(len(words), known_share, tuple(scored))

    def _score(self, pool: list[int], evidence: npt.NDArray[np.float32], total: float,
               weights: dict[int, float], query_text: str) -> list[LexicalCandidate]:
        """Evidence, coverage of the question, the best single phrasing, fuzzy similarity.

        The phrasing feature is a weighted F-measure: a short tag ("estados unidos") fully
        contained in a long off-topic question explains little of it and scores low. Computed
        for the whole pool at once in numpy, from the term ids of its entries' phrasings.
        """
        if not pool:
            return []
        opts = self.options
        docs = [self._docs[s] for s in pool]
        assert all(d is not None for d in docs)
        sizes = [d.phrasings for d in docs if d is not None]
        starts = np.concatenate([[0], np.cumsum(sizes)])
        terms = np.concatenate([d.terms for d in docs if d is not None])
        owner = np.concatenate([d.owner.astype(np.int64) + int(start)
                                for d, start in zip(docs, starts, strict=False)
                                if d is not None])
        qids = np.fromiter(sorted(weights), dtype=np.int64, count=len(weights))
        qweights = np.fromiter((weights[int(i)] for i in qids), dtype=np.float64,
                               count=len(qids))
        idf = self._idf_by_id[terms]
        at = np.minimum(np.searchsorted(qids, terms), len(qids) - 1)
        hit = qids[at] == terms
        width = int(starts[-1])
        idf_sum = np.bincount(owner, weights=idf, minlength=width)
        got = np.bincount(owner[hit], weights=qweights[at[hit]], minlength=width)
        recalled = np.bincount(owner[hit], weights=idf[hit], minlength=width)
        fmeasure = np.zeros(width)
        matched = got > 0
        precision = got[matched] / total
        recall = recalled[matched] / idf_sum[matched]
        fmeasure[matched] = 2 * precision * recall / (precision + recall)
        best_phrases = np.maximum.reduceat(fmeasure, starts[:-1])
        out: list[LexicalCandidate] = []
        for doc, slot, best in zip(docs, pool, best_phrases, strict=True):
            assert doc is not None
            best_phrase = float(best)
            best_fuzzy = 0.0
            if opts.weight_fuzzy > 0:
                found = process.extractOne(query_text, doc.texts.split("\n"),
                                           scorer=fuzz.token_sort_ratio)
                best_fuzzy = found[1] / 100 if found else 0.0
            ev = float(evidence[slot])
            score = (opts.weight_evidence * (1.0 - math.exp(-ev / opts.evidence_scale))
                     + opts.weight_coverage * ev / total
                     + opts.weight_phrase * best_phrase + opts.weight_fuzzy * best_fuzzy)
            out.append(LexicalCandidate(doc.entry.id, max(0.0, min(1.0, score)), best_phrase,
                                        best_fuzzy, min(1.0, ev / total)))
        return out

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


def _idf(df: int, n: int) -> float:
    n = max(n, 1)
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _idf_array(df: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.float64]:
    """The IDF of every term id, with ``math.log`` per distinct frequency (a few hundred), so
    it is the very number ``_idf`` gives for a slot's weight."""
    if not len(df):
        return np.zeros(0)
    values, inverse = np.unique(df, return_inverse=True)
    return np.array([_idf(int(v), n) for v in values])[inverse]


def _dense(df: int, n: int) -> bool:
    return n >= DENSE_MIN_ENTRIES and df * DENSE_FRACTION >= n


def _postings(ids: npt.NDArray[np.int32], tf: npt.NDArray[np.int32],
              saturated: npt.NDArray[np.float64], n: int, capacity: int) -> _Postings:
    if _dense(len(ids), n):
        dense = np.zeros(capacity, dtype=np.float32)
        dense[ids] = saturated
        return _Postings(ids, tf, None, dense)
    return _Postings(ids, tf, saturated)


def _make_doc(entry: Entry, found: EntryTerms, term_ids: dict[str, int]) -> _Doc:
    terms: list[int] = []
    owner: list[int] = []
    for position, (key, _) in enumerate(found.phrasings):
        ids = sorted(term_ids[t] for t in key)
        terms.extend(ids)
        owner.extend([position] * len(ids))
    if len(found.phrasings) > np.iinfo(np.uint16).max:
        raise ValueError(f"entry {entry.id!r}: too many phrasings to index")
    return _Doc(entry, np.array(terms, dtype=np.int32), np.array(owner, dtype=np.uint16),
                "\n".join(text for _, text in found.phrasings), len(found.phrasings))


class _Apply:
    """One ``Matcher.apply``: copies of the small tables, new arrays for the changed terms only."""

    def __init__(self, base: Matcher, changes: dict[str, Entry | None]) -> None:
        self.base = base
        self.changes = changes
        analyser = base._analyser
        if analyser is None:
            analyser = Analyser(base.pipeline)
        self.analyser = analyser

    def run(self, revision: int) -> Matcher:
        base = self.base
        opts = base.options
        docs = list(base._docs)
        slot_of = dict(base._slot_of)
        term_ids = base._term_ids
        refs = Counter(base._refs)
        delta: dict[str, dict[int, int]] = defaultdict(dict)
        touched_words: dict[str, set[str]] = defaultdict(set)
        new_terms: list[str] = []
        by_id = dict(base._by_id)
        for entry_id, entry in self.changes.items():
            slot = slot_of.get(entry_id)
            if slot is not None:
                old = docs[slot]
                assert old is not None
                found = self.analyser.entry(old.entry)
                for term in found.bag:
                    delta[term].setdefault(slot, 0)
                refs.subtract(found.pairs)
                for word, term in found.pairs:
                    touched_words[word].add(term)
            if entry is None:
                if slot is not None:
                    docs[slot] = None
                    del slot_of[entry_id]
                by_id.pop(entry_id, None)
                continue
            if slot is None:
                slot = len(docs)
                docs.append(None)
                slot_of[entry_id] = slot
            found = self.analyser.entry(entry)
            for term, count in found.bag.items():
                delta[term][slot] = count
                if term not in term_ids and term not in new_terms:
                    new_terms.append(term)
            refs.update(found.pairs)
            for word, term in found.pairs:
                touched_words[word].add(term)
            if new_terms:
                term_ids = dict(term_ids) if term_ids is base._term_ids else term_ids
                for term in new_terms:
                    term_ids.setdefault(term, len(term_ids))
                new_terms.clear()
            docs[slot] = _make_doc(entry, found, term_ids)
            by_id[entry_id] = entry
        for pair in [p for p, c in refs.items() if c <= 0]:
            del refs[pair]

        entries = self._entries(by_id)
        hidden = base._hidden
        live = len(entries) + len(hidden)
        width = len(docs)
        capacity = base._capacity
        grow = width > capacity
        if grow:
            capacity = width + width // CAPACITY_SLACK
        df = np.zeros(len(term_ids), dtype=np.int64)
        df[:len(base._df)] = base._df
        postings = dict(base._postings)
        changed_terms: set[str] = set()
        for term, slots in delta.items():
            old_p = postings.get(term)
            drop = np.fromiter(slots, dtype=np.int32, count=len(slots))
            if old_p is not None:
                keep = ~np.isin(old_p.entries, drop)
                ids = old_p.entries[keep]
                tf = old_p.tf[keep]
            else:
                ids = np.zeros(0, np.int32)
                tf = np.zeros(0, np.int32)
            add = [(s, c) for s, c in slots.items() if c > 0]
            if add:
                ids = np.concatenate([ids, np.array([s for s, _ in add], dtype=np.int32)])
                tf = np.concatenate([tf, np.array([c for _, c in add], dtype=np.int32)])
                order = np.argsort(ids, kind="stable")
                ids, tf = ids[order], tf[order]
            df[term_ids[term]] = len(ids)
            changed_terms.add(term)
            if len(ids):
                postings[term] = _postings(ids, tf, tf / (tf + opts.tf_saturation), live,
                                           capacity)
            else:
                postings.pop(term, None)
        # Frequency and entry count moved: every other term whose dense-or-sparse choice a build
        # would now make differently is converted (the choice changes float32 rounding).
        for term, p in list(postings.items()):
            if term in changed_terms:
                continue
            dense = _dense(len(p.entries), live)
            if dense != (p.dense is not None) or (grow and p.dense is not None):
                postings[term] = _postings(p.entries, p.tf,
                                           p.tf / (p.tf + opts.tf_saturation), live, capacity)
        vocabulary = dict(base._vocabulary)
        buckets = dict(base._fuzzy_buckets)
        for word, terms in touched_words.items():
            had = word in vocabulary
            forms = frozenset(t for t in (vocabulary.get(word, frozenset()) | terms)
                              if refs.get((word, t), 0) > 0)
            if forms:
                vocabulary[word] = forms
            else:
                vocabulary.pop(word, None)
            if had != bool(forms) and len(word) >= opts.fuzzy_min_length - 1:
                key = (word[0], len(word))
                bucket = set(buckets.get(key, ()))
                (bucket.add if forms else bucket.discard)(word)
                if bucket:
                    buckets[key] = tuple(sorted(bucket))
                else:
                    buckets.pop(key, None)
        matcher = Matcher(
            pipeline=base.pipeline, options=opts, entries=entries, revision=revision,
            _hidden=hidden, _docs=tuple(docs), _slot_of=slot_of,
            _order=self._order(entries, hidden, slot_of, width), _capacity=capacity,
            _postings=postings, _term_ids=term_ids, _df=df, _idf_by_id=_idf_array(df, live),
            _refs=refs, _vocabulary=vocabulary, _fuzzy_buckets=buckets,
            _max_idf=_idf(1, live), _by_id=by_id, _merged={}, _analyser=self.analyser)
        # Merged lists: kept where none of their terms moved, recomputed where one did, made
        # for the words this change brought. (A word whose forms changed because one of its
        # stems appeared elsewhere merges at question time until the next build: same result.)
        merged = matcher._merged
        for forms_key, kept in base._merged.items():
            if not all(t in postings for t in forms_key):
                continue
            if forms_key.isdisjoint(changed_terms) and not grow \
                    and _dense(len(kept.entries), live) == (kept.dense is not None):
                merged[forms_key] = kept
            else:
                merged[forms_key] = matcher._merge(forms_key)
        for word in touched_words:
            if word in vocabulary:
                forms = frozenset(matcher._forms(word))
                if len(forms) > 1 and forms not in merged:
                    merged[forms] = matcher._merge(forms)
        return matcher

    def _entries(self, by_id: dict[str, Entry]) -> tuple[Entry, ...]:
        """The FAQ entries in canonical order: the previous order, updated in place, removed
        ones out, new ones where a build from the store's id order puts them."""
        out = [by_id[e.id] for e in self.base.entries if e.id in by_id]
        known = {e.id for e in self.base.entries}
        for entry_id, entry in sorted(self.changes.items()):
            if entry is not None and entry_id not in known:
                bisect.insort(out, entry, key=lambda e: e.id)
        return tuple(out)

    @staticmethod
    def _order(entries: tuple[Entry, ...], hidden: tuple[Entry, ...], slot_of: dict[str, int],
               width: int) -> npt.NDArray[np.int64] | None:
        order = np.fromiter((slot_of[e.id] for e in (*entries, *hidden)), dtype=np.int64,
                            count=len(entries) + len(hidden))
        if len(order) == width and np.array_equal(order, np.arange(width)):
            return None
        return order
