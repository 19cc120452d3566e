"""API keys over the API (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from faq.apikeys import ApiKey, Role


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=80)] = Field(
        description="Who or what uses the key; it signs their changes in the audit log")
    role: Role


class KeyOut(BaseModel):
    id: str = Field(description="The start of the key's SHA-256; use it to revoke")
    name: str
    role: Role
    created_at: datetime
    created_by: str
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls.model_validate(key.as_dict())


class KeyCreated(KeyOut):
    key: str = Field(description="The key itself. Shown this once; only its hash is kept")


class KeyList(BaseModel):
    items: list[KeyOut]
