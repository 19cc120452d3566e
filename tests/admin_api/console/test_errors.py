"""The core's refusals in the console: every code in Spanish (and English), its data kept, the
core's English never on the page, and an unknown code said generically (the English logged)."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from pydantic import ValidationError

from admin_api.config import ApiConfig
from admin_api.console.errors import (
    alert_messages,
    conversation_messages,
    core_error,
    generic,
    html_messages,
    inbox_messages,
)
from admin_api.console.forms import field_errors
from admin_api.console.i18n import ConsoleI18n
from faq.alerts import AlertError, AlertErrorCode
from faq.conversations import ConversationClaimed, ConversationError, ConversationErrorCode
from faq.exchange import validation_problems
from faq.inbox import InboxError, InboxErrorCode
from faq.models import Entry
from faq.telegram_html import HtmlProblemCode, TelegramHtmlError, html_problems, validate_html

I18N = ConsoleI18n(ApiConfig().locales_dir, ("es", "en"))
ES, EN = I18N.gettext("es"), I18N.gettext("en")
ES_N, EN_N = I18N.ngettext("es"), I18N.ngettext("en")


def spanish(exc: Exception) -> str:
    return core_error(exc, ES, ES_N, "es")


def test_every_core_code_has_its_own_words() -> None:
    """A code added to the core without console words would fall back to the generic line."""
    assert set(html_messages(ES)) == set(HtmlProblemCode)
    assert set(alert_messages(ES, ES_N, "es")) == set(AlertErrorCode)
    assert set(conversation_messages(ES, ES_N)) == set(ConversationErrorCode)
    assert set(inbox_messages(ES, ES_N)) == set(InboxErrorCode)


# Texts that make Telegram refuse, one per HTML code (the validator's own cases).
BAD_HTML = {
    HtmlProblemCode.BARE_LT: "precio <US$50",
    HtmlProblemCode.BARE_GT: "5 > 3",
    HtmlProblemCode.BARE_AMP: "Pérez & hijos",
    HtmlProblemCode.UNKNOWN_ENTITY: "a&nbsp;b",
    HtmlProblemCode.SELF_CLOSING: "uno<br/>dos",
    HtmlProblemCode.TAG_NOT_ALLOWED: "<div>hola</div>",
    HtmlProblemCode.CLOSING_MISMATCH: "<b><i>hola</b></i>",
    HtmlProblemCode.LINK_NEEDS_HREF: "<a>IGM</a>",
    HtmlProblemCode.LINK_ONLY_HREF: '<a href="https://igm.gob.gt" title="x">IGM</a>',
    HtmlProblemCode.SPAN_NOT_SPOILER: "<span>x</span>",
    HtmlProblemCode.CODE_CLASS: '<pre><code class="x">1</code></pre>',
    HtmlProblemCode.BLOCKQUOTE_ATTRIBUTE: '<blockquote cite="x">c</blockquote>',
    HtmlProblemCode.NO_ATTRIBUTES: '<b class="x">hola</b>',
    HtmlProblemCode.INSIDE_CODE: "<code><b>x</b></code>",
    HtmlProblemCode.INSIDE_LINK: '<a href="https://igm.gob.gt"><code>x</code></a>',
    HtmlProblemCode.NESTED_BLOCKQUOTE: "<blockquote><blockquote>x</blockquote></blockquote>",
    HtmlProblemCode.UNCLOSED: "<b>hola",
}


@pytest.mark.parametrize("code", list(HtmlProblemCode))
def test_each_html_problem_is_said_in_spanish_with_its_data(code: HtmlProblemCode) -> None:
    text = BAD_HTML[code]
    assert code in {p.code for p in html_problems(text)}
    with pytest.raises(TelegramHtmlError) as caught:
        validate_html(text)
    words = spanish(caught.value)
    assert words != generic(ES)
    assert str(caught.value) not in words and "not allowed" not in words
    assert words != core_error(caught.value, EN, EN_N, "en")  # from the catalog, per language


def test_html_data_stays_in_the_sentence() -> None:
    with pytest.raises(TelegramHtmlError) as caught:
        validate_html("<div>precio <US$50</div>")
    words = spanish(caught.value)
    assert "Telegram no acepta <div>" in words
    assert "cerca de «" in words and "US$50" in words  # where, as the editor typed it


def core_errors() -> list[Exception]:
    with pytest.raises(TelegramHtmlError) as html:
        validate_html("<img src=x>")
    return [
        AlertError(AlertErrorCode.NO_TOPIC, "choose at least one alert topic"),
        AlertError(AlertErrorCode.UNKNOWN_TOPIC, "unknown alert topic(s): x",
                   details={"topics": ["fraude-viejo"]}),
        AlertError(AlertErrorCode.TEXT_MISSING, "the 'en' text is missing",
                   details={"lang": "en"}),
        AlertError(AlertErrorCode.TEXT_INVALID, "the 'es' text: tag <img> is not allowed",
                   details={"lang": "es", "problems": html.value.problems}),
        AlertError(AlertErrorCode.TEXT_TOO_LONG, "the 'es' text is longer than 3896 characters",
                   details={"lang": "es", "limit": 3896}),
        AlertError(AlertErrorCode.LANGUAGE_NOT_OFFERED, "language(s) fr are not offered",
                   details={"languages": ["fr"]}),
        AlertError(AlertErrorCode.OWN_ALERT, "an alert must be approved by someone other"),
        AlertError(AlertErrorCode.NOT_DRAFT, "alert 'x' is done, not a draft",
                   details={"status": "done"}),
        ConversationError(ConversationErrorCode.REPLY_EMPTY, "the reply is empty"),
        ConversationError(ConversationErrorCode.REPLY_TOO_LONG, "the reply is longer than",
                          details={"limit": 3896}),
        ConversationError(ConversationErrorCode.BAD_STATUS, "status must be one of"),
        ConversationClaimed("Ana (key ab12)"),
        InboxError(InboxErrorCode.NO_PHRASINGS, "no 'es' phrasings to add",
                   details={"lang": "es"}),
        InboxError(InboxErrorCode.NO_TRANSLATION, "entry 'x' has no 'en' translation",
                   details={"entry": "work-permit", "lang": "en"}),
        InboxError(InboxErrorCode.TOO_MANY_ALTERNATES, "entry 'x' would have more than 60",
                   details={"entry": "work-permit", "lang": "es", "limit": 60}),
        InboxError(InboxErrorCode.KEEPS_CHANGING, "entry 'x' keeps changing",
                   details={"entry": "work-permit"}),
    ]


@pytest.mark.parametrize("exc", core_errors(), ids=lambda e: str(getattr(e, "code", "")))
def test_each_core_error_is_said_in_spanish_without_its_english(exc: Exception) -> None:
    words = spanish(exc)
    assert words != generic(ES)
    assert str(exc) not in words
    assert words != core_error(exc, EN, EN_N, "en")


def test_the_data_of_a_core_error_stays_in_the_sentence() -> None:
    by_code = {getattr(e, "code", None): e for e in core_errors()}
    assert "Ana (key ab12)" in spanish(by_code[ConversationErrorCode.CLAIMED])
    assert "work-permit" in spanish(by_code[InboxErrorCode.NO_TRANSLATION])
    assert "inglés" in spanish(by_code[AlertErrorCode.TEXT_MISSING])
    assert spanish(by_code[AlertErrorCode.TEXT_INVALID]).startswith(
        "El texto en español: Telegram no acepta <img>")
    assert "3896 caracteres" in spanish(by_code[ConversationErrorCode.REPLY_TOO_LONG])


def test_an_unknown_code_is_said_generically_and_its_english_only_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    class Newer(ValueError):
        code = "brand_new_rule"

    with caplog.at_level(logging.DEBUG, logger="admin_api.console.errors"):
        words = spanish(Newer("the moon is not aligned"))
        odd = spanish(AlertError("no_such_code", "an alert code from a newer core"))  # type: ignore[arg-type]
    assert words == odd == generic(ES) == ("No se pudo hacer lo que pidió. Revise lo que "
                                           "escribió e inténtelo de nuevo.")
    logged = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("the moon is not aligned" in r.getMessage() for r in logged)
    assert not [r for r in caplog.records if r.levelno > logging.DEBUG]


# -- the entry form ------------------------------------------------------------------------

BASE: dict[str, Any] = {
    "id": "console-form", "category": "documents", "status": "draft",
    "translations": {"es": {"question": "¿Cómo pido mi pasaporte?", "answer": "Con cita."}}}


def bad(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for name, value in changes.items():
        if name in {"question", "answer", "alternates"}:
            data["translations"]["es"][name] = value
        else:
            data[name] = value
    return data


FORM_CASES = {
    "id": bad(id="No Valido"),
    "category": bad(category="X"),
    "status": bad(status="listo"),
    "tag too long": bad(tags=["t" * 41]),
    "too many tags": bad(tags=[f"t{i}" for i in range(31)]),
    "related to itself": bad(related=["console-form"]),
    "related id": bad(related=["No Valido"]),
    "source title": bad(sources=[{"title": "ab", "url": "https://igm.gob.gt"}]),
    "source url": bad(sources=[{"title": "IGM", "url": "igm"}]),
    "source scheme": bad(sources=[{"title": "IGM", "url": "ftp://igm.gob.gt"}]),
    "date": bad(reviewed_on="20/11/2026"),
    "published": bad(status="published"),
    "no language": bad(translations={}),
    "language code": bad(translations={"ES": BASE["translations"]["es"]}),
    "short question": bad(question="a"),
    "long question": bad(question="a" * 301),
    "long answer": bad(answer="a" * 4001),
    "html answer": bad(answer="<div>hola</div> y precio <US$50"),
    "short alternate": bad(alternates=["a"]),
    "too many alternates": bad(alternates=[f"forma {i}" for i in range(61)]),
}


@pytest.mark.parametrize("name", list(FORM_CASES))
def test_entry_form_errors_are_plain_spanish_not_pydantic(name: str) -> None:
    data = FORM_CASES[name]
    with pytest.raises(ValidationError) as caught:
        Entry.model_validate(data)
    problems = validation_problems(caught.value)
    answers = {"answer_es": data["translations"].get("es", {}).get("answer", "")}
    es = field_errors(problems, ES, ES_N, answers=answers)
    en = field_errors(problems, EN, EN_N, answers=answers)
    said = [m for messages in es.values() for m in messages]
    assert said, name
    for message in said:
        assert message != generic(ES), (name, message)
        assert message not in {p.message for p in problems}, (name, message)
    assert es != en  # the Spanish came from the catalog


def test_a_one_character_limit_is_singular() -> None:
    with pytest.raises(ValidationError) as caught:
        Entry.model_validate(bad(answer=" "))
    es = field_errors(validation_problems(caught.value), ES, ES_N)
    en = field_errors(validation_problems(caught.value), EN, EN_N)
    assert es["answer_es"] == ["Escriba al menos 1 carácter."]
    assert en["answer_es"] == ["Write at least 1 character."]
