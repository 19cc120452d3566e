from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faq.loader import Content
from faq.telegram_html import (
    HtmlProblemCode,
    TelegramHtmlError,
    html_errors,
    html_problems,
    split_message,
    to_plain_text,
    validate_html,
)


@pytest.mark.parametrize("text", [
    "<b>Key fact</b> then text",
    'See <a href="https://igm.gob.gt">IGM</a> &amp; MINEX',
    "<blockquote>quote</blockquote>\n<i>x</i> <u>y</u> <s>z</s> <code>1</code>",
    "precio &lt;US$50 &amp; 3 &gt; 2, &quot;ok&quot; &#233; &#x1F600;",
    '<b>negrita <i>y cursiva <a href="https://igm.gob.gt">enlace</a></i></b>',
    '<a href="https://igm.gob.gt"><b>enlace en negrita</b></a>',
    '<pre><code class="language-python">x = 1</code></pre>',
    '<blockquote expandable>larga</blockquote> <span class="tg-spoiler">s</span>',
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
    # Telegram's parser: bare <, > and & are refused (not escaped on save)
    ("precio <US$50", "a bare '<' must be written as &lt; (near \"precio <US$50\")"),
    ("3 > 2", "a bare '>' must be written as &gt;"),
    ("a &nbsp; b", "&nbsp; is not an entity Telegram knows"),
    ("AT&T", "a bare '&'"),
    # nesting rules
    ("<code><b>x</b></code>", "cannot be inside <code> or <pre>"),
    ("<pre><i>x</i></pre>", "cannot be inside <code> or <pre>"),
    ('<a href="https://a.gt"><a href="https://b.gt">x</a></a>', "cannot be inside a link"),
    ('<a href="https://a.gt"><code>x</code></a>', "cannot be inside a link"),
    ("<blockquote><blockquote>x</blockquote></blockquote>", "inside another <blockquote>"),
    ("<code class='x'>1</code>", "language-"),
])
def test_invalid_html_is_refused_with_a_reason(text: str, fragment: str) -> None:
    errors = html_errors(text)
    assert any(fragment in e for e in errors), errors
    with pytest.raises(TelegramHtmlError) as caught:
        validate_html(text)
    assert str(caught.value) == "; ".join(errors)  # the API's and the CLI's wording
    assert [p.message for p in caught.value.problems] == errors
    assert caught.value.code is caught.value.problems[0].code


def test_each_problem_has_a_code_and_its_data_apart_from_the_words() -> None:
    [tag, bare] = html_problems("<div>precio <US$50</div>")
    assert (tag.code, dict(tag.details)) == (HtmlProblemCode.TAG_NOT_ALLOWED, {"tag": "div"})
    assert bare.code is HtmlProblemCode.BARE_LT and "US$50" in bare.details["near"]
    [mismatch] = html_problems("<b><i>x</b>")
    assert mismatch.code is HtmlProblemCode.CLOSING_MISMATCH
    assert dict(mismatch.details) == {"tag": "b", "expected": "i"}
    assert [p.code for p in html_problems("<b>x")] == [HtmlProblemCode.UNCLOSED]


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


def test_every_shipped_answer_is_html_telegram_accepts(content: Content) -> None:
    checked = 0
    for entry in content.entries:
        for lang, translation in entry.translations.items():
            assert html_errors(translation.answer) == [], (entry.id, lang)
            checked += 1
    assert checked >= len(content.entries)


def test_plain_text_keeps_words_and_links_even_from_refused_html() -> None:
    text = ('Trámite <b>gratis</b>, precio <US$50 &amp; más: '
            '<a href="https://igm.gob.gt/pasaporte?a=1&amp;b=2">IGM</a> y '
            '<a href="https://minex.gob.gt">https://minex.gob.gt</a>')
    assert to_plain_text(text) == ("Trámite gratis, precio <US$50 & más: IGM "
                                   "(https://igm.gob.gt/pasaporte?a=1&b=2) y https://minex.gob.gt")


def test_the_hard_split_never_cuts_a_tag_or_an_entity() -> None:
    """One line (no paragraph or line break to cut at) much longer than the limit."""
    link = '<a href="https://igm.gob.gt/una/direccion/larga">enlace &amp; más</a>'
    text = "<b>" + " ".join(f"palabra{i} {link} &lt;x&gt;" for i in range(60)) + "</b>"
    parts = split_message(text, limit=300)
    assert len(parts) > 5
    for part in parts:
        assert len(part) <= 300
        assert html_errors(part) == [], part
        assert part.startswith("<b>") and part.endswith("</b>")  # bold survives every cut
    joined = " ".join(parts)
    assert joined.count(link) == 60 and joined.count("&lt;x&gt;") == 60
    assert re.findall(r"palabra\d+", joined) == [f"palabra{i}" for i in range(60)]


@given(st.lists(st.sampled_from(["hola", "&amp;", "<b>x</b>", "<i>y z</i>", " ", "ñandú",
                                 '<a href="https://a.gt">a b</a>', "x" * 40]), max_size=200))
def test_any_valid_html_splits_into_valid_parts(pieces: list[str]) -> None:
    text = "".join(pieces)
    for part in split_message(text, limit=120):
        assert len(part) <= 120
        assert html_errors(part) == [], part
