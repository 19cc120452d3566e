"""Statistics responses (JSON; every endpoint also speaks ``?format=csv``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Totals(BaseModel):
    questions: int
    answered: int
    suggested: int
    unmatched: int
    smalltalk: int = Field(0, description="greetings, thanks, goodbyes (not FAQ questions)")
    out_of_scope: int = Field(0, description="subjects this service does not cover")
    answer_rate: float = Field(description="answered / questions (0 when none)")
    distinct_users: int
    feedback_up: int
    feedback_down: int
    delivery_failed: int = Field(0, description="Replies computed but not delivered (Telegram "
                                 "refused or was unreachable after the retries)")
    failed_by_reason: dict[str, int] = Field(default_factory=dict,
                                             description="delivery_failed by reason")
    suggestion_rejected: int = Field(0, description="\"None of these\" taps on a did-you-mean")
    by_language: dict[str, dict[str, int]]


class SummaryOut(Totals):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date


class DayOut(Totals):
    day: date


class DailyOut(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    days: list[DayOut]


class EntryStatsOut(BaseModel):
    id: str
    question: str | None
    answers: int = Field(description="Times the bot answered with this entry")
    up: int
    down: int
    up_rate: float | None = Field(description="👍 / (👍 + 👎), null without votes")


class EntriesStatsOut(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    entries: list[EntryStatsOut] = Field(description="Most answered first")
