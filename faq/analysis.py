"""What the index is built from: each entry's phrasings as (word, term) pairs, memoised by word.

``TextPipeline.content_words`` runs normalisation, chat abbreviations, the lexicon and the stop
words over a whole phrasing; building the index runs it over every phrasing of the FAQ (about
400,000 at 10,000 entries), where almost every word has been seen before. ``Analyser`` gives the
same result with the per-word work done once: a phrasing is split on whitespace (normalisation
never joins or splits across it), each chunk's normalised words and each word's abbreviation,
stop-word and stem outcome come from a memo, and only a phrasing with a word that may start a
lexicon phrase goes through the pipeline's own lexicon pass (on the memoised tokens).
``tests/faq/test_analysis.py`` checks it against ``content_words`` on the whole content and on
hostile strings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from faq.models import Entry
from faq.stopwords import BY_LANGUAGE
from faq.text import (
    _JOINED_RE,
    ABBREVIATIONS_BY_LANGUAGE,
    MAX_INPUT_CHARS,
    TextPipeline,
    normalise,
    stem,
)

Pair = tuple[str, str]
"""(content word, index term): the word as written (for fuzzy matching), its stem (the term)."""

MEMO_LIMIT = 100_000
"""Memo entries kept per table before it starts over: a 10,000-entry synthetic FAQ uses about
20,000 (its words and chunks), so this only bounds a process fed an unbounded vocabulary."""


LEXICAL = 1
"""A chunk with a token that may start a lexicon phrase."""
JOINED = 2
"""A joined term ("COVID-19", "I-130"): its parts are indexed too, after the words."""


class Chunk(NamedTuple):
    """What one whitespace-separated chunk of a phrasing contributes, read as one language."""

    pairs: list[Pair]
    """Its content words and their terms when no lexicon phrase touches it (never mutated)."""
    flags: int
    tokens: tuple[str, ...]
    """Normalised, chat abbreviations written out (``faq.text.tokens``)."""


@dataclass(frozen=True)
class EntryTerms:
    """One entry's contribution to the index."""

    bag: Counter[str]
    """Term -> occurrences over every phrasing (the entry's term frequencies)."""
    pairs: frozenset[Pair]
    """Every (word, term) pair of the entry (the fuzzy vocabulary)."""
    phrasings: list[tuple[frozenset[str], str]]
    """Unique phrasings, first occurrence first: their terms and their sorted unique words."""


@dataclass
class Analyser:
    """Memoised ``pipeline.content_words(text, lang, parts=True)`` with stems. A memo, not
    state: sharing one between snapshots (and threads) changes no result."""

    pipeline: TextPipeline
    _memo: dict[str, dict[str, Chunk]] = field(default_factory=dict)
    """Language -> whitespace chunk -> what it contributes."""
    _follow: dict[str, dict[str, frozenset[str] | None]] = field(init=False, default_factory=dict)
    _pairs: dict[tuple[str, str], tuple[Pair, ...]] = field(default_factory=dict)
    _tags: dict[tuple[str, str], list[Pair]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # For each word that may start a lexicon phrase: the words that may follow it, or None
        # when the word alone is a variant. A phrasing needs the lexicon pass only where one of
        # them is followed by one of its followers.
        follow: dict[str, dict[str, frozenset[str] | None]] = {}
        for lang, table in self.pipeline._phrases.items():
            nexts: dict[str, set[str] | None] = {}
            for key in table:
                if len(key) == 1:
                    nexts[key[0]] = None
                elif nexts.get(key[0], set()) is not None:
                    nexts.setdefault(key[0], set()).add(key[1])  # type: ignore[union-attr]
            follow[lang] = {w: frozenset(n) if n is not None else None
                            for w, n in nexts.items()}
        self._follow = follow

    def forget(self) -> None:
        """Drop the memo (after a whole-FAQ build: edits analyse a few entries, and the memo of a
        large FAQ is megabytes the snapshot does not need)."""
        self._memo.clear()
        self._pairs.clear()
        self._tags.clear()

    def _chunk(self, chunk: str, lang: str, memo: dict[str, Chunk]) -> Chunk:
        table = ABBREVIATIONS_BY_LANGUAGE.get(lang, {})
        tokens: list[str] = []
        for word in normalise(chunk).split():
            expansion = table.get(word)
            tokens.extend((word,) if expansion is None else expansion.split())
        follow = self._follow.get(lang, {})
        flags = (LEXICAL if any(t in follow for t in tokens) else 0) | \
            (JOINED if _JOINED_RE.search(chunk) else 0)
        found = Chunk([p for t in tokens for p in self._word_pair(t, lang)], flags,
                      tuple(tokens))
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[chunk] = found
        return found

    def pairs(self, text: str, lang: str) -> list[Pair]:
        """(word, term) of every content word of ``text`` read as ``lang``, in order."""
        if len(text) > MAX_INPUT_CHARS:
            return self._slow(text, lang)
        memo = self._memo.get(lang)
        if memo is None:
            memo = self._memo[lang] = {}
        out: list[Pair] = []
        flags = 0
        get = memo.get
        pieces = text.split()
        for piece in pieces:
            found = get(piece)
            if found is None:
                found = self._chunk(piece, lang, memo)
            flags |= found[1]
            out += found[0]
        if not flags:
            return out
        if flags & JOINED:  # "COVID-19": its parts go after every word, deduplicated
            return self._slow(text, lang)
        # A word that may start a lexicon phrase: the pipeline's lexicon pass over the tokens
        # where a phrase may match, then the memoised stop words and stems.
        tokens = [t for piece in pieces for t in (get(piece) or self._chunk(piece, lang, memo))[2]]
        if not self._needs_lexicon(tokens, lang):
            return out
        out = []
        for token in self.pipeline.canonical_tokens(tokens, lang):
            out += self._word_pair(token, lang)
        return out

    def _needs_lexicon(self, tokens: list[str], lang: str) -> bool:
        follow = self._follow.get(lang, {})
        for i, token in enumerate(tokens):
            if token in follow:
                nexts = follow[token]
                if nexts is None or (i + 1 < len(tokens) and tokens[i + 1] in nexts):
                    return True
        return False

    def _word_pair(self, token: str, lang: str) -> tuple[Pair, ...]:
        key = (token, lang)
        found = self._pairs.get(key)
        if found is None:
            found = () if token in BY_LANGUAGE.get(lang, frozenset()) else \
                ((token, stem(token, lang)),)
            if len(self._pairs) >= MEMO_LIMIT:
                self._pairs.clear()
            self._pairs[key] = found
        return found

    def _slow(self, text: str, lang: str) -> list[Pair]:
        return [(w, stem(w, lang)) for w in self.pipeline.content_words(text, lang, parts=True)]

    def entry(self, entry: Entry) -> EntryTerms:
        """Questions and alternates in their language, tags in every language (as the
        matcher always indexed them)."""
        phrasings: list[list[Pair]] = []
        for lang, translation in entry.translations.items():
            for phrase in translation.phrasings():
                phrasings.append(self.pairs(phrase, lang))
        for tag in entry.tags:
            for lang in self.pipeline.languages:
                key = (tag, lang)
                found = self._tags.get(key)
                if found is None:
                    found = self.pairs(tag, lang)
                    if len(self._tags) >= MEMO_LIMIT:
                        self._tags.clear()
                    self._tags[key] = found
                phrasings.append(found)
        every_term: list[str] = []
        every_pair: list[Pair] = []
        unique: dict[frozenset[str], str] = {}
        for phrasing in phrasings:
            if not phrasing:
                continue
            terms = [t for _, t in phrasing]
            every_term.extend(terms)
            every_pair.extend(phrasing)
            terms_key = frozenset(terms)
            if terms_key not in unique:
                unique[terms_key] = " ".join(sorted({w for w, _ in phrasing}))
        return EntryTerms(Counter(every_term), frozenset(every_pair), list(unique.items()))
