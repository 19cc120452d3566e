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


def test_only_phone_numbers_from_the_facts_brief(content: Content) -> None:
    # The brief and its addendum (which corrects and extends it) are both facts files.
    facts = sorted((SHARED / "facts").glob("guatemala-migration*.md"))
    if not facts:
        pytest.skip("facts brief not beside this checkout")
    known = {re.sub(r"\D", "", n) for f in facts
             for n in PHONE_RE.findall(f.read_text(encoding="utf-8"))}
    for entry in content.entries:
        for lang, tr in entry.translations.items():
            text = re.sub(r'href="[^"]*"', "", tr.answer)
            for number in PHONE_RE.findall(text):
                digits = re.sub(r"\D", "", number)
                if len(digits) >= 4 and not re.fullmatch(r"(19|20)\d\d", digits):
                    assert digits in known, (entry.id, lang, number)
