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

SPANISH_ABBREVIATIONS: dict[str, str] = {
    "q": "que", "k": "que", "ke": "que", "xq": "porque", "pq": "porque", "xk": "porque",
    "porq": "porque", "pa": "para", "pal": "para el", "tmb": "tambien", "tb": "tambien",
    "tbn": "tambien", "x": "por", "xfa": "por favor", "porfa": "por favor", "d": "de",
    "dnd": "donde", "cdo": "cuando", "msj": "mensaje", "cel": "celular",
    "ntp": "no te preocupes", "bn": "bien", "tqm": "", "toy": "estoy", "tons": "entonces",
    "del": "de el", "al": "a el", "nomas": "solo", "namas": "solo", "ps": "pues",
    "kiero": "quiero", "aki": "aqui",
}
"""Applied only where the text is Spanish or its language is unknown: in English "TB test" is
tuberculosis, "toy" a toy, "d" and "x" letters of a form name (issue 11, point 6)."""

ENGLISH_ABBREVIATIONS: dict[str, str] = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please",
}
"""Applied where the text is English or unknown."""

CHAT_ABBREVIATIONS: dict[str, str] = {**ENGLISH_ABBREVIATIONS, **SPANISH_ABBREVIATIONS}
"""Both tables, for text whose language is unknown (the table before issue 11)."""

ABBREVIATIONS_BY_LANGUAGE: dict[str | None, dict[str, str]] = {
    "es": SPANISH_ABBREVIATIONS, "en": ENGLISH_ABBREVIATIONS, None: CHAT_ABBREVIATIONS,
}

_REPEATS_RE = re.compile(r"(\w)\1{2,}")
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_JOINED_RE = re.compile(r"(?<=\w)[-‐‑–.](?=\w)")
_APOSTROPHE_RE = re.compile(r"(?<=\w)['’‘`´](?=\w)")
"""Inside a word an apostrophe joins ("don't" -> "dont", "I'd" -> "id"): English contractions
then reach the stop list instead of leaving a stray "t" or a "d" read as Spanish "de"."""
_NON_WORD_RE = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """NFKC, casefold, accents stripped, letters repeated 3+ times collapsed, punctuation out.

    Idempotent: ``normalise(normalise(s)) == normalise(s)``.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS]).casefold()
    text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))
    text = _APOSTROPHE_RE.sub("", text)
    text = _JOINED_RE.sub("", text)
    text = _REPEATS_RE.sub(r"\1", text)
    text = _NON_WORD_RE.sub(" ", text).replace("_", " ")
    return " ".join(text.split())


def _joined_parts(text: str) -> list[str]:
    """The parts of hyphenated or dotted terms ("COVID-19" -> covid, 19; "I-130" -> i, 130)."""
    out: list[str] = []
    for chunk in text[:MAX_INPUT_CHARS].split():
        if _JOINED_RE.search(chunk):
            out.extend(normalise(_JOINED_RE.sub(" ", chunk)).split())
    return out


def tokens(text: str, lang: str | None = None, *, parts: bool = False) -> list[str]:
    """Normalised words, chat abbreviations written out, "del"/"al" split so "del norte"
    reaches the lexicon as "el norte".

    ``lang`` picks the abbreviation table (None: the language is unknown, both apply).
    ``parts`` adds the parts of joined terms after the words, for the index: an entry that
    writes "COVID-19" is then found by "covid", and one that writes "I-130" by "I 130".
    """
    table = ABBREVIATIONS_BY_LANGUAGE.get(lang, {})
    out: list[str] = []
    words = normalise(text).split()
    if parts:
        words += [p for p in _joined_parts(text) if p not in words]
    for token in words:
        expansion = table.get(token)
        if expansion is None:
            out.append(token)
        elif expansion:
            out.extend(expansion.split())
    return out


def guess_language(words: Sequence[str], languages: Sequence[str] = ("es", "en")) -> str | None:
    """The language whose stop words a question uses most, or None when it is not clear.

    A question is English only when it clearly reads as English (two more English than Spanish
    function words, or English alone): Spanglish ("perdi mi passport") stays unknown, so both
    lexicons and both abbreviation tables still apply to it.
    """
    if "es" not in languages or "en" not in languages:
        return None
    es = BY_LANGUAGE.get("es", frozenset())
    en = BY_LANGUAGE.get("en", frozenset())
    es_hits = sum(1 for w in words if w in es and w not in en)
    en_hits = sum(1 for w in words if w in en and w not in es)
    if (en_hits >= 2 and es_hits == 0) or (en_hits >= es_hits + 2 and en_hits >= 3):
        return "en"
    return None


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

    def content_words(self, text: str, lang: str, *, parts: bool = False) -> list[str]:
        """Canonical, stop-word-free, unstemmed words (what fuzzy comparison looks at)."""
        stop = BY_LANGUAGE.get(lang, frozenset())
        words = self.canonical_tokens(tokens(text, lang, parts=parts), lang)
        return [w for w in words if w not in stop]

    def terms(self, text: str, lang: str) -> list[str]:
        """Index terms of ``text`` read as language ``lang``."""
        return [stem(w, lang) for w in self.content_words(text, lang)]

    def query_words(self, text: str) -> list[str]:
        """Content words of a question whose language is not known (Spanglish is common).

        Lexicons of every language apply in turn; a word is dropped only when it is a stop word
        in every language, so "como" and "the" go but "visa" stays. A question that clearly
        reads as English goes through the English lexicon and abbreviations only, as English
        entries do (the Spanish lexicon would turn "ice" into "migracion" and "cel" into
        "celular" for it).
        """
        lang = guess_language(normalise(text).split(), self.languages)
        words = tokens(text, lang)
        for table_lang in ([lang] if lang else self.languages):
            words = self.canonical_tokens(words, table_lang)
        stop_sets = [BY_LANGUAGE.get(lang, frozenset()) for lang in self.languages]
        return [w for w in words if not any(w in s for s in stop_sets)] if stop_sets else words

    def stems_by_language(self, word: str) -> dict[str, str]:
        return {lang: stem(word, lang) for lang in self.languages}


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
