"""Text normalisation: from how people type to the terms the index is built on.

Pure functions and one immutable ``TextPipeline`` (built from the lexicon). Every step has to
survive any string a user can send: emoji, control characters, 10,000 repeated letters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from faq import defaults
from faq.lexicon import Lexicon
from faq.stopwords import BY_LANGUAGE

MAX_INPUT_CHARS = 4000
"""Only this much of a message is read: bounded time for any input; no FAQ question is longer."""

STEMMER_LANGUAGES = {"es": "spanish", "en": "english"}

CHAT_ABBREVIATIONS: dict[str, str] = {
    "q": "que", "k": "que", "ke": "que", "xq": "porque", "pq": "porque", "xk": "porque",
    "porq": "porque", "pa": "para", "pal": "para el", "tmb": "tambien", "tb": "tambien",
    "tbn": "tambien", "x": "por", "xfa": "por favor", "porfa": "por favor", "pls": "please",
    "plz": "please", "d": "de", "dnd": "donde", "cdo": "cuando", "msj": "mensaje",
    "cel": "celular", "ntp": "no te preocupes", "bn": "bien", "tqm": "", "u": "you",
    "ur": "your", "r": "are", "pq?": "porque", "toy": "estoy", "tons": "entonces",
    "del": "de el", "al": "a el", "nomas": "solo", "namas": "solo", "ps": "pues",
    "kiero": "quiero", "aki": "aqui",
}

_REPEATS_RE = re.compile(r"(\w)\1{2,}")
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_JOINED_RE = re.compile(r"(?<=\w)[-‐‑–.](?=\w)")
_NON_WORD_RE = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """NFKC, casefold, accents stripped, letters repeated 3+ times collapsed, punctuation out.

    Idempotent: ``normalise(normalise(s)) == normalise(s)``.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS]).casefold()
    text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))
    text = _JOINED_RE.sub("", text)
    text = _REPEATS_RE.sub(r"\1", text)
    text = _NON_WORD_RE.sub(" ", text).replace("_", " ")
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """Normalised words, chat abbreviations written out, "del"/"al" split so "del norte"
    reaches the lexicon as "el norte"."""
    out: list[str] = []
    for token in normalise(text).split():
        expansion = CHAT_ABBREVIATIONS.get(token)
        if expansion is None:
            out.append(token)
        elif expansion:
            out.extend(expansion.split())
    return out


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    algorithm = STEMMER_LANGUAGES.get(lang)
    if algorithm is None or word.isdigit():
        return word
    return _stemmer(algorithm).stemWord(word)


@lru_cache(maxsize=8)
def _stemmer(algorithm: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(algorithm)


@dataclass(frozen=True)
class TextPipeline:
    """tokens -> lexicon variants replaced (longest first) -> stop words out -> stems.

    Built once per lexicon; ``terms`` is what the index and the queries are made of.
    """

    lexicon: Lexicon = field(default_factory=Lexicon)
    languages: Sequence[str] = defaults.LANGUAGES
    _phrases: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = field(
        init=False, repr=False, compare=False)
    _longest: dict[str, int] = field(init=False, repr=False, compare=False)
    _starts: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        phrases: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {}
        longest: dict[str, int] = {}
        for lang in {*self.languages, *self.lexicon.languages()}:
            table: dict[tuple[str, ...], tuple[str, ...]] = {}
            for variant, canonical in self.lexicon.pairs(lang):
                key = tuple(tokens(variant))
                if key:
                    table[key] = tuple(tokens(canonical))
            phrases[lang] = table
            longest[lang] = max((len(k) for k in table), default=0)
        object.__setattr__(self, "_phrases", phrases)
        object.__setattr__(self, "_longest", longest)
        object.__setattr__(self, "_starts", {
            lang: frozenset(key[0] for key in table) for lang, table in phrases.items()})

    def canonical_tokens(self, words: Sequence[str], lang: str) -> list[str]:
        """Replace lexicon variants by their canonical words, longest match first."""
        table = self._phrases.get(lang, {})
        longest = self._longest.get(lang, 0)
        starts = self._starts.get(lang, frozenset())
        out: list[str] = []
        i = 0
        while i < len(words):
            if words[i] not in starts:
                out.append(words[i])
                i += 1
                continue
            for size in range(min(longest, len(words) - i), 0, -1):
                replacement = table.get(tuple(words[i:i + size]))
                if replacement is not None:
                    out.extend(replacement)
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def content_words(self, text: str, lang: str) -> list[str]:
        """Canonical, stop-word-free, unstemmed words (what fuzzy comparison looks at)."""
        stop = BY_LANGUAGE.get(lang, frozenset())
        words = self.canonical_tokens(tokens(text), lang)
        return [w for w in words if w not in stop]

    def terms(self, text: str, lang: str) -> list[str]:
        """Index terms of ``text`` read as language ``lang``."""
        return [stem(w, lang) for w in self.content_words(text, lang)]

    def query_words(self, text: str) -> list[str]:
        """Content words of a question whose language is not known (Spanglish is common).

        Lexicons of every language apply in turn; a word is dropped only when it is a stop word
        in every language, so "como" and "the" go but "visa" stays.
        """
        words = tokens(text)
        for lang in self.languages:
            words = self.canonical_tokens(words, lang)
        stop_sets = [BY_LANGUAGE.get(lang, frozenset()) for lang in self.languages]
        return [w for w in words if not any(w in s for s in stop_sets)] if stop_sets else words

    def stems_by_language(self, word: str) -> dict[str, str]:
        return {lang: stem(word, lang) for lang in self.languages}


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
