"""Conversations between a person and the helpdesk, as staff see them: a pseudonym, never an
account."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from faq.conversations import Conversation, Message


class MessageOut(BaseModel):
    sender: str = Field(description="person or staff")
    text: str = Field(description="The person's words redacted; staff replies as sent")
    at: datetime
    author: str | None = Field(description="The staff key that wrote it")

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(sender=message.sender, text=message.text, at=message.at,
                   author=message.author)


class ConversationSummary(BaseModel):
    id: str
    person: str = Field(description='A pseudonym such as "Persona 4F2A"; never an id or name')
    lang: str
    status: str = Field(description="open or closed")
    opened_at: datetime
    claimed_by: str | None
    waiting_seconds: int | None = Field(
        description="Since the person's first message no staff reply has followed")
    first_reply_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None = Field(description="person or staff")
    message_count: int

    @classmethod
    def of(cls, conv: Conversation, now: datetime) -> ConversationSummary:
        return cls(id=conv.id, person=conv.person, lang=conv.lang, status=conv.status,
                   opened_at=conv.opened_at, claimed_by=conv.claimed_by,
                   waiting_seconds=conv.waiting_seconds(now), first_reply_at=conv.first_reply_at,
                   closed_at=conv.closed_at, closed_by=conv.closed_by,
                   message_count=conv.message_count)


class ConversationOut(ConversationSummary):
    messages: list[MessageOut]

    @classmethod
    def full(cls, conv: Conversation, now: datetime) -> ConversationOut:
        summary = ConversationSummary.of(conv, now)
        return cls(**summary.model_dump(), messages=[MessageOut.of(m) for m in conv.messages])


class ConversationsOut(BaseModel):
    status: str
    conversations: list[ConversationSummary]


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=4096)] = Field(
        description="Telegram HTML (b, i, u, s, a href, code, pre, blockquote), validated "
                    "like FAQ answers")


class ReplyOut(BaseModel):
    message: MessageOut
    conversation: ConversationSummary


class LanguageFiguresOut(BaseModel):
    opened: int
    answered: int
    median_first_reply_seconds: float | None


class ConversationStatsOut(LanguageFiguresOut):
    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    by_language: dict[str, LanguageFiguresOut]
