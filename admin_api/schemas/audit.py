"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AuditRecordOut(BaseModel):
    id: str = Field(description="Stream id (time-ordered)")
    entry: str = Field(description="Entry id; empty for acts on no entry (inbox, keys)")
    action: str = Field(description="create, update, archive, rollback, import, seed, "
                                    "inbox-attach, inbox-dismiss, key-create, key-revoke")
    version: int
    actor: str
    at: datetime
    detail: str


class AuditPage(BaseModel):
    items: list[AuditRecordOut] = Field(description="Newest first")
