"""Why the bot cannot run, as readable one-line messages (no aiogram import: `serve` and the
CLI catch these without loading the bot)."""

from __future__ import annotations


class BotNotConfigured(RuntimeError):
    """A setting the bot needs is missing; the message says which."""


class BotTokenRefused(RuntimeError):
    """Telegram refused the token (401/404 on getMe): retrying cannot help."""
