"""Alerts: drafts, approval and delivery progress; the topics people subscribe to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from faq.alerts import Alert
from faq.models import LanguageCode, Slug

AlertText = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topics: list[Slug] = Field(min_length=1, max_length=10,
                               description="Alert topics whose subscribers receive it")
    texts: dict[LanguageCode, AlertText] = Field(
        description="Telegram HTML per offered language (es and en)")


class AlertOut(BaseModel):
    id: str
    status: str = Field(description="draft, approving, approved, sending or done")
    topics: list[str]
    texts: dict[str, str]
    recipients: int = Field(description="Subscribers fixed at approval")
    delivered: int
    failed: int = Field(description="Telegram refused (blocked the bot, left) or gave up")
    skipped: int = Field(description="Unsubscribed or inactive before their turn")
    pending: int
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    approved_by: str | None
    finished_at: datetime | None

    @classmethod
    def of(cls, alert: Alert) -> AlertOut:
        return cls(id=alert.id, status=alert.status.value, topics=list(alert.topics),
                   texts=alert.texts, recipients=alert.recipients, delivered=alert.delivered,
                   failed=alert.failed, skipped=alert.skipped, pending=alert.pending,
                   created_at=alert.created_at, created_by=alert.created_by,
                   approved_at=alert.approved_at, approved_by=alert.approved_by,
                   finished_at=alert.finished_at)


class AlertsOut(BaseModel):
    alerts: list[AlertOut]


class TopicOut(BaseModel):
    id: str
    names: dict[str, str]
    descriptions: dict[str, str]
    subscribers: int


class TopicsOut(BaseModel):
    topics: list[TopicOut]


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: dict[LanguageCode, Annotated[str, StringConstraints(
        strip_whitespace=True, min_length=1, max_length=60)]] = Field(min_length=1)
    descriptions: dict[LanguageCode, Annotated[str, StringConstraints(
        strip_whitespace=True, max_length=200)]] = Field(default_factory=dict)
