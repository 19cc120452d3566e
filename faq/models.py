"""The FAQ data model (DESIGN.md, "Data model").

Validation lives here so that shipped content, CLI imports and the admin API refuse the same
mistakes with the same messages.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from faq.telegram_html import validate_html

ANSWER_MAX_CHARS = 4000
QUESTION_MAX_CHARS = 300
ALTERNATES_MAX = 60
SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_RE, min_length=2, max_length=64)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Phrase = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=QUESTION_MAX_CHARS)
]


# Validation context of a document read back from the store: it passed every rule when it was
# saved, so reading skips the costly ones (parsing each answer's HTML was ~0.3 ms per entry:
# most of a 50-entry API page, and seconds of a 10,000-entry matcher rebuild).
STORED = {"stored": True}


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored"))


def _telegram_html(value: str, info: ValidationInfo) -> str:
    return value if _stored(info) else validate_html(value)


TelegramHtml = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=ANSWER_MAX_CHARS),
    AfterValidator(_telegram_html),
]


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    url: HttpUrl

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: HttpUrl) -> HttpUrl:
        if url.scheme not in {"http", "https"}:
            raise ValueError("a source needs an http(s) address")
        return url


class Translation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: Phrase
    alternates: list[Phrase] = Field(default_factory=list, max_length=ALTERNATES_MAX)
    answer: TelegramHtml

    @field_validator("alternates")
    @classmethod
    def _no_duplicate_alternates(cls, alternates: list[str], info: ValidationInfo) -> list[str]:
        if _stored(info):
            return alternates
        seen: set[str] = set()
        unique: list[str] = []
        for phrase in alternates:
            key = phrase.casefold()
            if key not in seen:
                seen.add(key)
                unique.append(phrase)
        return unique

    def phrasings(self) -> list[str]:
        return [self.question, *self.alternates]


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    names: dict[LanguageCode, Annotated[str, StringConstraints(min_length=1, max_length=80)]]

    def name(self, lang: str, fallback: str = "es") -> str:
        return self.names.get(lang) or self.names.get(fallback) or self.id


class Entry(BaseModel):
    """One FAQ entry. ``version``/``updated_*`` are managed by the store, never by editors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    category: Slug
    status: Status = Status.DRAFT
    tags: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=40)]] = Field(
        default_factory=list, max_length=30)
    related: list[Slug] = Field(default_factory=list, max_length=5)
    sources: list[Source] = Field(default_factory=list, max_length=10)
    reviewed_on: date | None = None
    translations: dict[LanguageCode, Translation] = Field(min_length=1)
    version: int = Field(default=0, ge=0)
    updated_at: datetime | None = None
    updated_by: str | None = None

    @model_validator(mode="after")
    def _published_needs_sources(self) -> Entry:
        if self.status is Status.PUBLISHED:
            if not self.sources:
                raise ValueError("a published entry needs at least one source with an http(s) URL")
            if self.reviewed_on is None:
                raise ValueError("a published entry needs reviewed_on (the date it was checked)")
        if self.id in self.related:
            raise ValueError("an entry cannot be related to itself")
        return self

    @classmethod
    def from_stored(cls, raw: str | bytes) -> Entry:
        """An entry as the store saved it (validated then), without re-running the costly
        rules; types, dates and enums are still parsed."""
        return cls.model_validate_json(raw, context=STORED)

    def translation(self, lang: str, fallback: str = "es") -> tuple[str, Translation]:
        """The translation for ``lang``, else the fallback language, else any; with its code."""
        if lang in self.translations:
            return lang, self.translations[lang]
        if fallback in self.translations:
            return fallback, self.translations[fallback]
        code = next(iter(self.translations))
        return code, self.translations[code]

    def content(self) -> dict[str, Any]:
        """The editable part (what staff write), for diffs and change detection."""
        return self.model_dump(mode="json", exclude={"version", "updated_at", "updated_by"})

    def with_meta(self, *, version: int, updated_at: datetime, updated_by: str) -> Entry:
        return self.model_copy(
            update={"version": version, "updated_at": updated_at, "updated_by": updated_by})

