"""Matching on the shipped FAQ, with questions written for these tests (not the dev set)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faq.loader import Content
from faq.matcher import Decision, Matcher, MatcherOptions
from faq.models import Status
from faq.text import TextPipeline


@pytest.fixture(scope="module")
def matcher(content: Content) -> Matcher:
    return Matcher.build(content.entries, TextPipeline(content.lexicon))


def found(matcher: Matcher, question: str) -> list[str]:
    result = matcher.match(question)
    return [c.entry_id for c in result.candidates] if result.decision is not Decision.NONE else []


@pytest.mark.parametrize(("question", "expected"), [
    ("pasaprote primera ves", "passport-application"),
    ("kiero pedir asilio", "seek-asylum"),
    ("visa h 2 a pa la agricultura", "h2a-agricultural-visa"),
    ("tarjeta de trabajador fronterizo en chiapas", "mexico-border-worker-card"),
    ("lost my pasport abroad what do i do", "passport-renewal-lost"),
    ("matricula consular", "consular-id-card"),
    ("me deportaron y llego al aeropuerto que hago", "returnee-reception"),
])
def test_typos_slang_and_spanglish_reach_the_right_entry(
        matcher: Matcher, question: str, expected: str) -> None:
    assert expected in found(matcher, question)[:3]


@pytest.mark.parametrize("question", [
    "receta de pepian con pollo",
    "quien gano el clasico de futbol ayer",
    "cuanto cuesta una libra de frijol en el mercado",
    "best pizza place in antigua guatemala",
])
def test_off_topic_questions_are_refused(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.decision is Decision.NONE
    assert result.as_dict()["id"] is None


def test_an_english_question_finds_an_entry_written_for_both(matcher: Matcher) -> None:
    result = matcher.match("can i ask for asylum if gangs threaten me")
    assert result.decision is not Decision.NONE
    assert "seek-asylum" in [c.entry_id for c in result.candidates]


def test_drafts_and_archived_entries_are_never_matched(content: Content) -> None:
    target = next(e for e in content.entries if e.id == "passport-application")
    entries = [e if e.id != target.id else e.model_copy(update={"status": Status.DRAFT})
               for e in content.entries]
    matcher = Matcher.build(entries, TextPipeline(content.lexicon))
    assert "passport-application" not in found(matcher, "pasaporte por primera vez")
    assert matcher.get("passport-application") is None


def test_thresholds_decide_the_band(content: Content) -> None:
    pipeline = TextPipeline(content.lexicon)
    question = "pasaporte por primera vez"
    strict = Matcher.build(content.entries, pipeline,
                           MatcherOptions(answer_threshold=1.01, suggest_threshold=1.01))
    lenient = Matcher.build(content.entries, pipeline,
                            MatcherOptions(answer_threshold=1.01, suggest_threshold=0.0))
    assert strict.match(question).decision is Decision.NONE
    suggest = lenient.match(question)
    assert suggest.decision is Decision.SUGGEST
    assert 1 <= len(suggest.suggestions) <= 3


def test_result_json_shape(matcher: Matcher) -> None:
    data = matcher.match("visa h2b hoteles").as_dict()
    assert set(data) == {"q", "decision", "id", "score", "candidates"}
    assert data["candidates"] == sorted(data["candidates"], key=lambda c: -c["score"])


def test_empty_faq_refuses_everything(content: Content) -> None:
    empty = Matcher.build([], TextPipeline(content.lexicon))
    assert empty.match("pasaporte").decision is Decision.NONE


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_bounded_score(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert all(0.0 <= c.score <= 1.0 for c in result.candidates)
    assert len(result.candidates) <= 3
