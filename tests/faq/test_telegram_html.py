from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faq.telegram_html import TelegramHtmlError, html_errors, split_message, validate_html


@pytest.mark.parametrize("text", [
    "<b>Key fact</b> then text",
    'See <a href="https://igm.gob.gt">IGM</a> &amp; MINEX',
    "<blockquote>quote</blockquote>\n<i>x</i> <u>y</u> <s>z</s> <code>1</code>",
])
def test_valid_telegram_html_passes(text: str) -> None:
    assert validate_html(text) == text


@pytest.mark.parametrize(("text", "fragment"), [
    ("<p>paragraph</p>", "<p> is not allowed"),
    ("<b>unclosed", "unclosed"),
    ("<b><i>crossed</b></i>", "does not match"),
    ('<a href="javascript:alert(1)">x</a>', "http(s)"),
    ("<a>no link</a>", "href"),
    ("1 < 2", "&lt;"),
    ("Tom & Jerry", "&amp;"),
    ("line<br/>break", "self-closing"),
    ('<b class="x">bold</b>', "no attributes"),
])
def test_invalid_html_is_refused_with_a_reason(text: str, fragment: str) -> None:
    errors = html_errors(text)
    assert any(fragment in e for e in errors), errors
    with pytest.raises(TelegramHtmlError):
        validate_html(text)


def test_short_message_is_not_split() -> None:
    assert split_message("<b>hola</b>") == ["<b>hola</b>"]


def test_long_message_splits_at_paragraphs_under_the_limit() -> None:
    paragraphs = [f"<b>Parte {i}</b> " + "palabra " * 60 for i in range(40)]
    text = "\n\n".join(paragraphs)
    parts = split_message(text, limit=1000)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 1000
        assert html_errors(part) == []
    assert "".join(p.replace("\n", "") for p in parts).count("<b>Parte") == 40


def test_split_never_leaves_a_tag_open() -> None:
    text = "<b>" + "\n".join("linea larga de texto " * 5 for _ in range(200)) + "</b>"
    parts = split_message(text, limit=500)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 500
        assert html_errors(part) == [], part[:80]


@given(st.text(max_size=3000))
def test_split_handles_any_plain_text(text: str) -> None:
    parts = split_message(text, limit=300)
    assert all(len(p) <= 300 for p in parts)
