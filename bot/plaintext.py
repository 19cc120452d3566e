"""Telegram HTML as terminal text, for ``infomigra chat``: links keep their address visible."""

from __future__ import annotations

from faq.telegram_html import to_plain_text


def html_to_text(text: str) -> str:
    return to_plain_text(text)
