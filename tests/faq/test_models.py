from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from faq.models import Entry, Status


def entry_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "sample-entry", "category": "documents", "status": "published",
        "sources": [{"title": "IGM", "url": "https://igm.gob.gt"}],
        "reviewed_on": "2026-11-28",
        "translations": {"es": {"question": "¿Cómo saco pasaporte?",
                                "alternates": ["pasaporte nuevo", "Pasaporte Nuevo"],
                                "answer": "<b>En el IGM.</b>"}},
    }
    data.update(overrides)
    return data


def test_valid_entry_loads_and_dedupes_alternates() -> None:
    entry = Entry.model_validate(entry_data())
    assert entry.status is Status.PUBLISHED
    assert entry.translations["es"].alternates == ["pasaporte nuevo"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"id": "Bad Id"}, "id"),
    ({"status": "published", "sources": []}, "source"),
    ({"reviewed_on": None}, "reviewed_on"),
    ({"translations": {"es": {"question": "q?", "answer": "<p>x</p>"}}}, "answer"),
    ({"translations": {}}, "translations"),
    ({"related": ["sample-entry"]}, "related to itself"),
    ({"sources": [{"title": "x site", "url": "ftp://x.org"}]}, "url"),
    ({"unknown_field": 1}, "unknown_field"),
])
def test_invalid_entries_name_the_problem(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Entry.model_validate(entry_data(**overrides))
    assert field in str(info.value)


def test_draft_needs_no_source() -> None:
    entry = Entry.model_validate(entry_data(status="draft", sources=[], reviewed_on=None))
    assert entry.status is Status.DRAFT


def test_translation_falls_back_to_spanish() -> None:
    entry = Entry.model_validate(entry_data())
    lang, translation = entry.translation("en")
    assert lang == "es"
    assert translation.question.startswith("¿Cómo")
