"""Logging: to stderr, never message text at INFO (handlers log ids and decisions only)."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO), stream=sys.stderr, force=True,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("aiogram.event", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
