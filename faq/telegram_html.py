"""Validation and splitting of Telegram's HTML subset.

Telegram rejects a whole message when its HTML is malformed, so answers are checked when they are
saved (a clear error for staff) rather than when a migrant is waiting for them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
     "blockquote", "tg-spoiler", "span"}
)
TELEGRAM_MESSAGE_LIMIT = 4096
_URL_RE = re.compile(r"^(https?://|tg://|mailto:|tel:)[^\s<>\"']+$", re.IGNORECASE)


class TelegramHtmlError(ValueError):
    """The text is not HTML that Telegram accepts."""


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(
                f"tag <{tag}> is not allowed (use b, i, u, s, a, code, pre, blockquote)")
            return
        names = {name for name, _ in attrs}
        if tag == "a":
            href = dict(attrs).get("href")
            if not href or not _URL_RE.match(href):
                self.errors.append("a link <a> needs href with a full http(s) address")
            if names - {"href"}:
                self.errors.append("a link <a> may only have the href attribute")
        elif tag == "span":
            if dict(attrs).get("class") != "tg-spoiler":
                self.errors.append('<span> is only allowed as <span class="tg-spoiler">')
        elif tag in {"code", "pre", "blockquote"}:
            if names - {"class", "expandable"}:
                self.errors.append(f"<{tag}> has an attribute Telegram does not accept")
        elif names:
            self.errors.append(f"<{tag}> takes no attributes")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing tag <{tag}/> is not allowed; use a line break instead")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            open_tag = self.stack[-1] if self.stack else None
            expected = f"</{open_tag}>" if open_tag else "no closing tag"
            self.errors.append(f"closing tag </{tag}> does not match: expected {expected}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.errors.append(f"&{name}; is not an entity Telegram knows; write &amp; for '&'")

    def handle_charref(self, name: str) -> None:
        return None


def html_errors(text: str) -> list[str]:
    """Every reason Telegram would refuse ``text`` (empty when it is fine)."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    errors = list(checker.errors)
    if checker.stack:
        errors.append("unclosed tag(s): " + ", ".join(f"<{t}>" for t in checker.stack))
    # A bare '<' not starting a tag is dropped silently by HTMLParser; Telegram refuses it.
    if re.search(r"<(?![a-zA-Z/])", text):
        errors.append("a bare '<' must be written as &lt;")
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        errors.append("a bare '&' must be written as &amp;")
    return errors


def validate_html(text: str) -> str:
    errors = html_errors(text)
    if errors:
        raise TelegramHtmlError("; ".join(dict.fromkeys(errors)))
    return text


_TAG_RE = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>")


def visible_length(text: str) -> int:
    """Characters Telegram counts against its limit: text without tags, entities as one char."""
    stripped = _TAG_RE.sub("", text)
    return len(re.sub(r"&(#\d+|#x[0-9a-fA-F]+|[a-z]+);", "x", stripped))


def split_message(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """Split at paragraph (then line) boundaries so every part is valid HTML under ``limit``.

    Tags open at a cut are closed at the end of the part and re-opened at the start of the next,
    so a part never ends inside a tag and formatting survives the split.
    """
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _boundaries(text):
        candidate = current + piece
        closing = _closing_for(_open_tags(candidate))
        if current.strip() and len(candidate) + len(closing) > limit:
            still_open = _open_tags(current)
            parts.append(current.rstrip("\n") + _closing_for(still_open))
            current = "".join(still_open) + piece
        else:
            current = candidate
    if current.strip():
        parts.append(current.rstrip("\n") + _closing_for(_open_tags(current)))
    final: list[str] = []
    for part in parts:
        final.extend(_hard_split(part, limit) if len(part) > limit else [part])
    return final


def _boundaries(text: str) -> list[str]:
    """Paragraphs first; a paragraph too long on its own is offered line by line."""
    pieces: list[str] = []
    for para in re.split(r"(?<=\n\n)", text):
        pieces.extend(p for p in re.split(r"(?<=\n)", para) if p)
    return pieces


def _tag_name(open_tag: str) -> str:
    match = _TAG_RE.match(open_tag)
    return match.group(2) if match else ""


def _closing_for(open_tags: list[str]) -> str:
    return "".join(f"</{_tag_name(t)}>" for t in reversed(open_tags))


def _open_tags(chunk: str) -> list[str]:
    """The opening tags (as written, attributes included) still open at the end of ``chunk``."""
    stack: list[str] = []
    for match in _TAG_RE.finditer(chunk):
        if match.group(1):
            name = match.group(2)
            for i in range(len(stack) - 1, -1, -1):
                if _tag_name(stack[i]) == name:
                    del stack[i]
                    break
        else:
            stack.append(match.group(0))
    return stack


def _hard_split(part: str, limit: int) -> list[str]:
    """Last resort for one paragraph longer than the limit: cut at spaces outside tags."""
    plain = _TAG_RE.sub("", part)
    words = plain.split(" ")
    chunks: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > limit:
            chunks.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        chunks.append(current)
    return [c[i:i + limit] for c in chunks for i in range(0, len(c), limit)]
