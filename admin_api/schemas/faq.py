"""FAQ entries as the API reads and writes them.

The input models mirror ``faq.models.Entry`` field by field (with the same constrained types),
so ``/docs`` shows editors every rule; the entry is then validated once more by ``Entry`` itself,
which is what shipped content and CLI imports go through too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from faq.matcher import alternates_warnings
from faq.models import Entry as CoreEntry
from faq.models import LanguageCode, Slug, Source, Status, Translation

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class EntryFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Slug = Field(description="Category id, e.g. work-abroad")
    status: Status = Field(Status.DRAFT, description="Only published entries are answered")
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    related: list[Slug] = Field(default_factory=list, max_length=5,
                                description="Ids of existing entries, shown as follow-ups")
    sources: list[Source] = Field(default_factory=list, max_length=10,
                                  description="At least one for a published entry")
    reviewed_on: date | None = Field(None, description="Required for a published entry")
    translations: dict[LanguageCode, Translation] = Field(
        min_length=1, description="Per configured language: question, alternates, answer "
                                  "(Telegram HTML: b, i, u, s, a href, code, pre, blockquote)")

    def to_entry(self, entry_id: str) -> CoreEntry:
        data: dict[str, Any] = self.model_dump(
            exclude={"id", "version", "updated_at", "updated_by", "warnings"})
        data["translations"] = dict(self.translations)
        data["sources"] = list(self.sources)
        return CoreEntry.model_validate({**data, "id": entry_id})


class EntryCreate(EntryFields):
    id: Slug = Field(description="Lowercase slug, stable forever, e.g. h2a-agricultural-visa")


class EntryUpdate(EntryFields):
    """The whole entry as it should be. An entry as returned by GET may be sent back as it is:
    ``id`` must then match the URL and the server-managed fields are ignored."""

    id: Slug | None = None
    version: int | None = Field(None, description="Ignored: send the version in If-Match")
    updated_at: datetime | None = Field(None, description="Ignored (server-managed)")
    updated_by: str | None = Field(None, description="Ignored (server-managed)")
    warnings: list[str] | None = Field(None, description="Ignored (advice in save replies)")


class SourceOut(BaseModel):
    title: str
    url: str


class TranslationOut(BaseModel):
    question: str
    alternates: list[str]
    answer: str


class EntryOut(BaseModel):
    id: str
    category: str
    status: Status
    tags: list[str]
    related: list[str]
    sources: list[SourceOut]
    reviewed_on: date | None
    translations: dict[str, TranslationOut]
    version: int
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, entry: CoreEntry) -> EntryOut:
        return cls.model_validate(entry.model_dump(mode="json"))


class EntrySaved(EntryOut):
    """The reply to a create or a replace: the entry, and advice on it."""

    warnings: list[str] = Field(default_factory=list, description=(
        "Advice, not errors: e.g. a language with fewer than 4 alternates is hard to match"))

    @classmethod
    def of(cls, entry: CoreEntry) -> EntrySaved:
        return cls.model_validate({**entry.model_dump(mode="json"),
                                   "warnings": alternates_warnings(entry)})


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int = Field(description="Entries matching the filters, over all pages")
    offset: int
    limit: int


class VersionSummary(BaseModel):
    version: int
    status: Status
    updated_at: datetime | None
    updated_by: str | None
    changes: list[str] = Field(
        description="Fields changed from the previous version (empty for the first)")


class HistoryOut(BaseModel):
    id: str
    current_version: int
    versions: list[VersionSummary] = Field(description="Newest first, the current included")


class FieldChangeOut(BaseModel):
    field: str
    before: Any = None
    after: Any = None


class ImportedEntry(BaseModel):
    id: str
    action: Literal["add", "update", "unchanged"]
    changes: list[FieldChangeOut]


class ImportReport(BaseModel):
    dry_run: bool
    written: int = Field(description="Entries saved (0 on a dry run)")
    added: int
    updated: int
    unchanged: int
    entries: list[ImportedEntry]
