"""The shipped FAQ is the product: every canonical topic, sourced, valid, in Spanish and English."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from faq.loader import Content
from faq.models import Status
from faq.telegram_html import html_errors
from faq.text import normalise

SHARED = Path(__file__).resolve().parents[3] / "shared"
TOPICS = SHARED / "eval" / "topics.yaml"
DEV_SET = SHARED / "eval" / "dev.yaml"
ANSWER_LIMIT = 1200
PHONE_RE = re.compile(r"(?<![\w/.-])(?:\+?\d[\d -]{2,}\d)(?![\w/])")


def shared_yaml(path: Path) -> dict:
    if not path.exists():
        pytest.skip(f"{path} is not beside this checkout")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_canonical_topic_is_published_in_its_category(content: Content) -> None:
    topics = shared_yaml(TOPICS)
    by_id = {e.id: e for e in content.entries}
    for topic in topics["topics"]:
        entry = by_id.get(topic["id"])
        assert entry is not None, f"missing topic {topic['id']}"
        assert entry.category == topic["category"], topic["id"]
        assert entry.status is Status.PUBLISHED, topic["id"]
        assert {"es", "en"} <= set(entry.translations), topic["id"]
    categories = {c.id: c for c in content.categories}
    for cat_id in topics["categories"]:
        assert categories[cat_id].names["es"] and categories[cat_id].names["en"], cat_id


def test_entries_carry_sources_review_date_and_phrasings(content: Content) -> None:
    for entry in content.entries:
        assert entry.sources, entry.id
        assert all(str(s.url).startswith(("https://", "http://")) for s in entry.sources)
        assert entry.reviewed_on is not None, entry.id
        assert 1 <= len(entry.related) <= 3, entry.id
        for lang, tr in entry.translations.items():
            assert 4 <= len(tr.alternates) <= 14, (entry.id, lang, len(tr.alternates))


def test_answers_are_valid_telegram_html_within_the_limit(content: Content) -> None:
    for entry in content.entries:
        for lang, tr in entry.translations.items():
            assert len(tr.answer) <= ANSWER_LIMIT, (entry.id, lang, len(tr.answer))
            assert html_errors(tr.answer) == [], (entry.id, lang)
            assert "<b>" in tr.answer, f"{entry.id}/{lang}: bold the one thing to remember"
            if entry.category != "about":  # about the bot itself: no official page to link
                assert "<a href=" in tr.answer, f"{entry.id}/{lang}: link where to check"


def test_related_ids_exist(content: Content) -> None:
    ids = {e.id for e in content.entries}
    for entry in content.entries:
        assert set(entry.related) <= ids - {entry.id}, entry.id


def test_no_phrasing_is_shared_by_two_entries(content: Content) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in content.entries:
        for tr in entry.translations.values():
            for phrase in tr.phrasings():
                owners[normalise(phrase)].add(entry.id)
    shared = {p: ids for p, ids in owners.items() if len(ids) > 1}
    assert shared == {}


def test_no_dev_set_question_is_used_as_a_phrasing(content: Content) -> None:
    dev = {normalise(q["q"]) for q in shared_yaml(DEV_SET)["questions"]}
    used = {normalise(p) for e in content.entries for tr in e.translations.values()
            for p in tr.phrasings()}
    assert dev & used == set()


def facts_text() -> str:
    """The facts brief and its addendum (which corrects and extends the brief), as one text."""
    paths = [SHARED / "facts" / "guatemala-migration.md",
             SHARED / "facts" / "guatemala-migration-addendum.md"]
    if not all(p.exists() for p in paths):
        pytest.skip("facts files not beside this checkout")
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def known_numbers(text: str) -> set[str]:
    return {re.sub(r"\D", "", n) for n in PHONE_RE.findall(text)}


def unknown_numbers(answer: str, known: set[str]) -> list[str]:
    """Phone-like numbers of 4+ digits (years aside) in an answer that no facts file gives."""
    text = re.sub(r'href="[^"]*"', "", answer)
    found = []
    for number in PHONE_RE.findall(text):
        digits = re.sub(r"\D", "", number)
        if len(digits) >= 4 and not re.fullmatch(r"(19|20)\d\d", digits) and digits not in known:
            found.append(number)
    return found


def test_the_phone_check_catches_a_number_the_facts_do_not_give() -> None:
    known = known_numbers("Hotline 1-888-373-7888; text 233733; PNC 110; tips 3764-1561.")
    assert unknown_numbers("Llame al 1-888-373-7888 o al 3764-1561, 110.", known) == []
    assert unknown_numbers("Call 1-888-373-7889 in 2025.", known) == ["1-888-373-7889"]
    linked = '<a href="https://x.gt/5555-1234">x</a> 4455-6677'
    assert unknown_numbers(linked, known) == ["4455-6677"]


def test_only_phone_numbers_from_the_facts_files(content: Content) -> None:
    known = known_numbers(facts_text())
    wrong = {(e.id, lang): unknown_numbers(tr.answer, known)
             for e in content.entries for lang, tr in e.translations.items()}
    assert {k: v for k, v in wrong.items() if v} == {}
