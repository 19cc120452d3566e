from __future__ import annotations

import pytest

from faq.privacy import redact, user_hash


@pytest.mark.parametrize(("text", "gone"), [
    ("mi cel es 5512-3456 llamenme", "5512-3456"),
    ("whatsapp +502 5555 1234", "5555 1234"),
    ("escribame a maria.lopez@gmail.com", "maria.lopez"),
    ("mi dpi es 2345 67890 0101", "67890"),
    ("cui 2345678900101", "2345678900101"),
    ("pasaporte numero A12345678", "A12345678"),
    ("call 1-866-487-9243", "487-9243"),
])
def test_personal_numbers_and_emails_are_redacted(text: str, gone: str) -> None:
    assert gone not in redact(text)


@pytest.mark.parametrize("text", [
    "decreto 44-2016 de que trata", "me cobran 2000 dolares", "me case en 2015",
])
def test_ordinary_numbers_stay(text: str) -> None:
    assert redact(text) == text


def test_user_hash_is_keyed_and_stable() -> None:
    a = user_hash(b"secret-1", 123456789)
    assert a == user_hash(b"secret-1", 123456789)
    assert a != user_hash(b"secret-2", 123456789)
    assert "123456789" not in a and len(a) == 64
