"""Telegram HTML as terminal text, for ``infomigra chat``: links keep their address visible."""

from __future__ import annotations

import html
import re

_LINK_RE = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"</?[a-zA-Z-]+[^>]*>")


def html_to_text(text: str) -> str:
    def link(match: re.Match[str]) -> str:
        url = html.unescape(match.group(1))
        label = _TAG_RE.sub("", match.group(2))
        return label if html.unescape(label) == url else f"{label} ({url})"

    return html.unescape(_TAG_RE.sub("", _LINK_RE.sub(link, text)))
