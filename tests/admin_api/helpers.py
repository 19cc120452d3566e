"""Request bodies and small assertions shared by the admin API tests."""

from __future__ import annotations

import copy
from typing import Any


def new_entry(entry_id: str = "staff-test-entry", **changes: Any) -> dict[str, Any]:
    """A valid, published entry that does not exist in the shipped content."""
    body: dict[str, Any] = {
        "id": entry_id,
        "category": "documents",
        "status": "published",
        "tags": ["carné de pescador", "pesca"],
        "related": ["privacy"],
        "sources": [{"title": "MAGA: pesca artesanal", "url": "https://www.maga.gob.gt"}],
        "reviewed_on": "2026-11-20",
        "translations": {
            "es": {"question": "¿Cómo saco el carné de pescador artesanal?",
                   "alternates": ["carne de pescador como lo saco", "licencia para pescar"],
                   "answer": "<b>El carné de pescador artesanal</b> se pide en el MAGA."},
            "en": {"question": "How do I get a small-scale fishing licence?",
                   "alternates": ["fishing licence"],
                   "answer": "<b>The fishing licence</b> is issued by MAGA."},
        },
    }
    body.update(changes)
    return body


def with_answer(entry: dict[str, Any], answer: str, lang: str = "es") -> dict[str, Any]:
    body = copy.deepcopy(entry)
    body["translations"][lang]["answer"] = answer
    return body


def problems(res: Any) -> list[dict[str, str]]:
    body = res.json()
    assert res.status_code == 422, res.text
    assert body["error"]["code"] == "validation_failed"
    found: list[dict[str, str]] = body["error"]["details"]["problems"]
    assert found
    return found


def has_problem(res: Any, field: str, fragment: str) -> bool:
    return any(p["field"] == field and fragment.lower() in p["message"].lower()
               for p in problems(res))
