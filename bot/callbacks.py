"""Callback data of every inline button: one CallbackData factory per kind of tap.

Telegram allows 64 bytes of callback data. Entry and category ids are slugs of up to 64
characters, so long ones travel as a short digest and are resolved against the snapshot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from aiogram.filters.callback_data import CallbackData

MAX_PLAIN_REF = 40
DIGEST_MARK = "-"
"""Slugs never start with "-", and "-" is allowed in /start deep-link payloads too."""


class EntryCb(CallbackData, prefix="e"):
    """Open an entry. ``page`` >= 0: opened while browsing that page of its topic."""

    ref: str
    page: int = -1


class VoteCb(CallbackData, prefix="v"):
    ref: str
    vote: str


class TopicCb(CallbackData, prefix="t"):
    """A page of one topic's entries."""

    ref: str
    page: int = 0


class MenuCb(CallbackData, prefix="m"):
    """The topic list, or "none of these" after a did-you-mean."""

    name: str


class LangCb(CallbackData, prefix="l"):
    code: str


class ForgetCb(CallbackData, prefix="f"):
    confirm: bool


def short_ref(value: str) -> str:
    if len(value) <= MAX_PLAIN_REF:
        return value
    return DIGEST_MARK + hashlib.sha256(value.encode()).hexdigest()[:16]


def resolve_ref(ref: str, candidates: Iterable[str]) -> str | None:
    """The id ``ref`` stands for among ``candidates`` (None: gone since the button was sent)."""
    for candidate in candidates:
        if short_ref(candidate) == ref:
            return candidate
    return None
