"""One router per concern, included in this order; the free-text catch-all comes last.

Routers are built per dispatcher (a router can belong to one parent only), so a restart or a
second dispatcher in the same process gets fresh ones.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    alerts,
    entries,
    feedback,
    forget,
    handoff,
    info,
    inline,
    language,
    non_text,
    questions,
    start,
    topics,
)


def create_routers() -> list[Router]:
    return [
        start.create_router(),
        language.create_router(),
        info.create_router(),
        forget.create_router(),
        topics.create_router(),
        entries.create_router(),
        feedback.create_router(),
        inline.create_router(),
        handoff.create_router(),  # before the catch-all: an open conversation takes text
        alerts.create_router(),
        non_text.create_router(),
        questions.create_router(),  # catch-all: must stay last
    ]
