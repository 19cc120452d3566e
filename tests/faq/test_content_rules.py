"""Content rules from the v2 review (issue 9): the answers that hurt someone when they are wrong.

Each rule is a small checker run over the shipped FAQ, and once over a deliberately broken text so
the rule is known to fail when the content does.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from faq.loader import Content
from faq.models import Status
from tests.faq.test_content import TOPICS, shared_yaml

# The ten topics issue 9 added to topics.yaml; they must ship complete and well phrased.
NEW_TOPICS = frozenset({
    "tps-guatemala", "us-immigration-court", "cbp-home-app", "us-border-asylum",
    "remittances-tax", "mexico-asylum-comar", "mexico-humanitarian-card", "missing-child-alert",
    "spain-seasonal-work", "mayan-language-access",
})
# Issue 9: "8+ natural alternates per language" for the new topics.
NEW_TOPIC_MIN_ALTERNATES = 8

_TAG_RE = re.compile(r"<[^>]+>")
_NUMBER_RE = re.compile(r"(?<![\w-])\d[\d-]+\d(?![\w-])")
_POLICE = re.compile(r"(?<![\w-])110(?![\w-])")
_HOUSING = re.compile(r"vivienda|alojamiento|housing", re.IGNORECASE)
_CHARGE = re.compile(r"descont|deduc|cobr|charg", re.IGNORECASE)


def plain(answer: str) -> str:
    return _TAG_RE.sub("", answer)


def emergency_problems(answer: str) -> list[str]:
    """What an emergency-numbers answer gets wrong: 110 first, firefighters, 1546, 1561 later."""
    text = plain(answer)
    problems = []
    police = _POLICE.search(text)
    numbers = _NUMBER_RE.findall(text)
    if police is None:
        problems.append("no 110")
    elif not numbers or numbers[0] != "110":
        problems.append(f"leads with {numbers[0] if numbers else 'nothing'}, not 110")
    if not re.search(r"(?<![\w-])12[23](?![\w-])", text):
        problems.append("no firefighters (122 or 123)")
    if not re.search(r"(?<![\w-])1546(?![\w-])", text):
        problems.append("no 1546")
    tip_line = text.find("1561")
    if tip_line >= 0 and (police is None or tip_line < police.start()):
        problems.append("1561 before 110")
    return problems


def housing_charge_sentences(answer: str) -> list[str]:
    """Sentences that put housing next to deducting or charging (it stays free under H-2A)."""
    sentences = re.split(r"(?<=[.!?])\s+|\n", plain(answer))
    return [s for s in sentences if _HOUSING.search(s) and _CHARGE.search(s)]


def deeper_than_home(url: str) -> bool:
    parts = urlparse(url)
    return bool(parts.path.strip("/") or parts.query)


def test_the_checkers_catch_the_old_mistakes() -> None:
    old_emergency = "<b>Anónimo: 1561.</b> WhatsApp 3764-1561. 1574 extorsiones. 1555 PDH."
    assert emergency_problems(old_emergency) == [
        "no 110", "no firefighters (122 or 123)", "no 1546", "1561 before 110"]
    assert emergency_problems("1561 tips. Police 110, fire 122, children 1546.") == [
        "leads with 1561, not 110", "1561 before 110"]
    assert emergency_problems("<b>110</b> police. 123 fire. 1546 children. 1561 tips.") == []
    old_housing = "⚠ An October 2025 rule may allow housing to be deducted: ask before you sign."
    assert housing_charge_sentences(old_housing) == [old_housing]
    assert housing_charge_sentences("El patrón podría descontar la vivienda del salario.") != []
    assert housing_charge_sentences("Housing stays free. Recruitment costs are not charged.") == []
    assert not deeper_than_home("https://www.minex.gob.gt/")
    assert deeper_than_home("https://agn.gt/?p=469595")


def test_emergency_contacts_lead_with_the_police_and_keep_tip_lines_apart(content: Content) -> None:
    entry = next(e for e in content.entries if e.id == "emergency-contacts")
    assert {lang: emergency_problems(tr.answer) for lang, tr in entry.translations.items()} == {
        "es": [], "en": []}


def test_no_answer_says_housing_may_be_deducted_or_charged(content: Content) -> None:
    found = {(e.id, lang): housing_charge_sentences(tr.answer)
             for e in content.entries for lang, tr in e.translations.items()}
    assert {k: v for k, v in found.items() if v} == {}


def test_danger_now_answers_give_110_and_the_us_trafficking_hotline(content: Content) -> None:
    by_id = {e.id: e for e in content.entries}
    for entry_id in ("human-trafficking", "talk-to-person"):
        for lang, tr in by_id[entry_id].translations.items():
            text = plain(tr.answer)
            police = _POLICE.search(text)
            assert police is not None, (entry_id, lang)
            assert "1-888-373-7888" in text and "233733" in text, (entry_id, lang)
            tip_line = text.find("1561")
            assert tip_line < 0 or tip_line > police.start(), (entry_id, lang)


def test_talk_to_person_does_not_send_people_back_to_itself(content: Content) -> None:
    entry = next(e for e in content.entries if e.id == "talk-to-person")
    assert all("/contact" not in tr.answer for tr in entry.translations.values())


def test_every_topic_ships_complete(content: Content) -> None:
    topics = shared_yaml(TOPICS)["topics"]
    assert {t["id"] for t in topics} >= NEW_TOPICS
    by_id = {e.id: e for e in content.entries}
    problems = []
    for topic in topics:
        entry = by_id.get(topic["id"])
        if entry is None:
            problems.append(f"{topic['id']}: missing")
            continue
        if entry.status is not Status.PUBLISHED:
            problems.append(f"{entry.id}: {entry.status}")
        if not {"es", "en"} <= set(entry.translations):
            problems.append(f"{entry.id}: languages {sorted(entry.translations)}")
        if not (entry.sources and entry.reviewed_on and entry.tags):
            problems.append(f"{entry.id}: sources, reviewed_on and tags are required")
        if not 1 <= len(entry.related) <= 3:
            problems.append(f"{entry.id}: {len(entry.related)} related")
        if entry.id in NEW_TOPICS:
            for lang, tr in entry.translations.items():
                if len(tr.alternates) < NEW_TOPIC_MIN_ALTERNATES:
                    problems.append(f"{entry.id}/{lang}: {len(tr.alternates)} alternates")
    assert problems == []


def test_safety_and_new_entries_cite_a_specific_page(content: Content) -> None:
    shallow = []
    for entry in content.entries:
        if entry.category != "safety" and entry.id not in NEW_TOPICS:
            continue
        urls = [str(s.url) for s in entry.sources]
        urls += [u for tr in entry.translations.values()
                 for u in re.findall(r'href="([^"]+)"', tr.answer)]
        if not any(deeper_than_home(u) for u in urls):
            shallow.append(entry.id)
    assert shallow == []
