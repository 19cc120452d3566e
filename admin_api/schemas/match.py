"""Trying a phrasing against the live matcher."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from faq.models import LanguageCode


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, StringConstraints(min_length=1, max_length=4000)] = Field(
        description="The question as a migrant would type it")
    lang: LanguageCode | None = Field(None, description="Defaults to the service's language")


class CandidateOut(BaseModel):
    id: str
    score: float
    question: str | None = Field(None, description="The entry's question in the asked language")


class MatchOut(BaseModel):
    q: str
    lang: str
    decision: Literal["answer", "suggest", "none", "smalltalk", "out_of_scope"]
    id: str | None = Field(description="The entry answered or suggested first, if any")
    score: float
    candidates: list[CandidateOut] = Field(description="Ranked, best first")
    revision: int = Field(description="FAQ revision of the snapshot that answered")
