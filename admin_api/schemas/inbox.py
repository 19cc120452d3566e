"""The inbox of unanswered questions, as clusters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from faq.models import LanguageCode, Slug

from .faq import EntryOut

Phrasing = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=1000)]


class ClusterCandidate(BaseModel):
    id: str
    score: float = Field(description="Mean matcher score over the cluster's questions")
    question: str | None


class ClusterOut(BaseModel):
    id: str = Field(description="Stable while the cluster lives (its oldest question)")
    count: int
    examples: list[str] = Field(description="Distinct wordings, redacted, most frequent first")
    languages: dict[str, int]
    first_seen: datetime
    last_seen: datetime
    candidates: list[ClusterCandidate] = Field(description="Closest existing entries")


class InboxOut(BaseModel):
    questions: int = Field(description="Unanswered questions in the inbox")
    clusters: list[ClusterOut] = Field(description="Largest first")


class AttachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry: Slug = Field(description="The entry that answers these questions")
    lang: LanguageCode | None = Field(
        None, description="Language of the phrasings; defaults to the cluster's main language")
    phrasings: list[Phrasing] | None = Field(
        None, max_length=60,
        description="The wordings to add (you may correct them); default: all of the "
                    "cluster's distinct wordings in that language")


class AttachOut(BaseModel):
    entry: EntryOut
    added: list[str]
    resolved: int = Field(description="Questions removed from the inbox")


class DismissOut(BaseModel):
    dismissed: int
