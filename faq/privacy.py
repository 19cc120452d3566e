"""Keyed hashing of Telegram accounts and redaction of stored questions.

The people writing may be undocumented: nothing stored may identify them. A Telegram user id is
kept only as HMAC-SHA256 under a server secret (so a leaked database cannot be joined back to
accounts by hashing every id), and what people type is redacted before it is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re

EMAIL_PLACEHOLDER = "[email]"
PHONE_PLACEHOLDER = "[telefono]"
NUMBER_PLACEHOLDER = "[numero]"

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phone-like: optional +, digits with spaces, dots, dashes or parentheses, 7+ digits in all.
_PHONE_RE = re.compile(r"(?<![\w])\+?\(?\d(?:[\d\s().-]{5,}\d)(?![\w])")
_DIGITS_RE = re.compile(r"\d{5,}")
_DOCUMENT_RE = re.compile(r"\b[a-zA-Z]{1,3}\d{5,}\b")


def user_hash(secret: bytes, user_id: int) -> str:
    return hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()


def _phone_or_keep(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE_PLACEHOLDER if digits >= 7 else match.group(0)


def redact(text: str) -> str:
    """Replace e-mails, phone numbers, passport-like codes and long digit runs (DPI/CUI)."""
    text = _EMAIL_RE.sub(EMAIL_PLACEHOLDER, text)
    text = _PHONE_RE.sub(_phone_or_keep, text)
    text = _DOCUMENT_RE.sub(NUMBER_PLACEHOLDER, text)
    return _DIGITS_RE.sub(NUMBER_PLACEHOLDER, text)
