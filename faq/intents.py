"""Small talk and out-of-scope subjects, as editable content (faq/content/conversation/).

Neither is an FAQ entry: they have no sources, are not matched as categories, and never reach the
inbox. Small talk ("hola", "gracias", "¿eres un robot?") is recognised only when the WHOLE message
is small talk, so a greeting in front of a real question never hides the question. Out-of-scope
intents compete with the FAQ entries in the matcher (see ``faq.hybrid``); this module only loads
them and turns them into matchable pseudo-entries.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, ValidationError

from faq.models import Entry, Source, Status, Translation
from faq.text import tokens

CONVERSATION_DIR = Path(__file__).with_name("content") / "conversation"
SMALLTALK_FILE = "smalltalk.yaml"
OUT_OF_SCOPE_FILE = "out_of_scope.yaml"
OUT_OF_SCOPE_PREFIX = "out-of-scope-"
"""Ids of out-of-scope pseudo-entries in the matcher; FAQ ids never start with it (slugs of real
entries are topics, and ``check_unique`` below refuses a clash)."""

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Intent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    reply: dict[str, Line] = Field(min_length=1)
    phrasings: dict[str, list[Phrase]] = Field(min_length=1)

    def reply_for(self, lang: str, fallback: str = "es") -> str:
        return self.reply.get(lang) or self.reply.get(fallback) or next(iter(self.reply.values()))


class SmalltalkFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fillers: dict[str, list[Phrase]] = Field(default_factory=dict)
    intents: list[Intent] = Field(default_factory=list)


class OutOfScopeFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    intents: list[Intent] = Field(default_factory=list)


class ConversationError(ValueError):
    """A conversation content file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Smalltalk:
    """Whole-message small talk: every word covered by an intent's phrasing or a filler."""

    intents: tuple[Intent, ...] = ()
    fillers: frozenset[str] = frozenset()
    _phrases: dict[tuple[str, ...], str] = field(default_factory=dict, repr=False)
    _longest: int = 0

    @classmethod
    def build(cls, data: SmalltalkFile) -> Smalltalk:
        phrases: dict[tuple[str, ...], str] = {}
        for intent in data.intents:
            for lang, items in intent.phrasings.items():
                for phrase in items:
                    key = tuple(tokens(phrase, lang))
                    if key:
                        phrases.setdefault(key, intent.id)
        fillers = frozenset(w for lang, items in data.fillers.items()
                            for item in items for w in tokens(item, lang))
        return cls(tuple(data.intents), fillers, phrases, max((len(k) for k in phrases), default=0))

    MAX_WORDS = 12
    """Longer messages are never small talk: people who write that much are asking something."""

    def match(self, text: str) -> Intent | None:
        """The intent when the message can be cut, start to end, into phrasings and fillers.

        Every way of cutting counts, not only the greedy one: in "muchas gracias por la ayuda"
        the phrasing "muchas gracias" would leave "ayuda" uncovered, while "muchas" (a filler)
        + "gracias por la ayuda" covers it all. Of the cuts, the one whose last phrasing ends
        latest answers (and the longest such phrasing), as "the LAST one answers" says."""
        words = tokens(text)
        if not words or len(words) > self.MAX_WORDS:
            return None
        # last[i]: for words[:i] covered, the intent of its last phrasing ("" when only fillers
        # so far); absent when words[:i] cannot be covered.
        last: dict[int, str] = {0: ""}
        for end in range(1, len(words) + 1):
            for size in range(min(self._longest, end), 0, -1):
                intent_id = self._phrases.get(tuple(words[end - size:end]))
                if intent_id is not None and end - size in last:
                    last[end] = intent_id
                    break
            else:
                if end - 1 in last and words[end - 1] in self.fillers:
                    last[end] = last[end - 1]
        found = last.get(len(words))
        return self.intent(found) if found else None

    def intent(self, intent_id: str) -> Intent | None:
        return next((i for i in self.intents if i.id == intent_id), None)


@dataclass(frozen=True)
class Conversation:
    smalltalk: Smalltalk = field(default_factory=Smalltalk)
    out_of_scope: tuple[Intent, ...] = ()

    def out_of_scope_intent(self, entry_id: str) -> Intent | None:
        if not entry_id.startswith(OUT_OF_SCOPE_PREFIX):
            return None
        wanted = entry_id[len(OUT_OF_SCOPE_PREFIX):]
        return next((i for i in self.out_of_scope if i.id == wanted), None)

    def pseudo_entries(self) -> list[Entry]:
        """Out-of-scope intents as published entries the matcher can index like any other."""
        out: list[Entry] = []
        for intent in self.out_of_scope:
            translations = {}
            for lang, items in intent.phrasings.items():
                if items:
                    translations[lang] = Translation.model_construct(
                        question=items[0], alternates=list(items[1:]),
                        answer=html.escape(intent.reply_for(lang)))
            out.append(Entry.model_construct(
                id=OUT_OF_SCOPE_PREFIX + intent.id, category="out-of-scope",
                status=Status.PUBLISHED, tags=[], related=[],
                sources=[Source.model_construct(title="-", url=_NO_URL)],
                reviewed_on=date(2000, 1, 1), translations=translations, version=0,
                updated_at=None, updated_by=None))
        return out


_NO_URL = HttpUrl("https://example.invalid")
"""Pseudo-entries are never rendered as answers; the field only satisfies the Entry shape."""


def is_out_of_scope_id(entry_id: str) -> bool:
    return entry_id.startswith(OUT_OF_SCOPE_PREFIX)


def _read(path: Path) -> Any:
    if not path.exists():
        return {}
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConversationError(f"{path.name}: not valid YAML: {exc}") from exc


def _problems(exc: ValidationError, where: str) -> str:
    return "\n".join(f"{where}: field {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                     for e in exc.errors())


def load_conversation(directory: str | Path = CONVERSATION_DIR) -> Conversation:
    directory = Path(directory)
    try:
        smalltalk = SmalltalkFile.model_validate(_read(directory / SMALLTALK_FILE))
    except ValidationError as exc:
        raise ConversationError(_problems(exc, SMALLTALK_FILE)) from exc
    try:
        oos = OutOfScopeFile.model_validate(_read(directory / OUT_OF_SCOPE_FILE))
    except ValidationError as exc:
        raise ConversationError(_problems(exc, OUT_OF_SCOPE_FILE)) from exc
    ids = [i.id for i in oos.intents]
    if len(ids) != len(set(ids)):
        raise ConversationError(f"{OUT_OF_SCOPE_FILE}: an intent id is used twice")
    return Conversation(Smalltalk.build(smalltalk), tuple(oos.intents))
