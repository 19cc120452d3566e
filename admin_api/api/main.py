"""``/api/v1``: every resource router under one versioned prefix."""

from __future__ import annotations

from fastapi import APIRouter

from .routes import alerts, audit, conversations, faq, inbox, keys, match, stats

api_router = APIRouter(prefix="/api/v1")
for module in (faq, audit, match, stats, inbox, keys):
    api_router.include_router(module.router)
api_router.include_router(conversations.router)
api_router.include_router(conversations.stats_router)
api_router.include_router(alerts.router)
