"""faq/inbox.py: clustering of unanswered questions (no Redis needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from faq.inbox import cluster_items
from faq.stats import InboxItem

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def item(n: int, text: str, lang: str = "es", candidates: list | None = None) -> InboxItem:
    return InboxItem(f"{1_790_000_000_000 + n}-0", text, lang, candidates or [],
                     START + timedelta(minutes=n))


def test_similar_wordings_cluster_and_the_largest_comes_first() -> None:
    items = [item(1, "receta de pepian"),
             item(2, "borran mis datos si uso el bot", candidates=[{"id": "privacy",
                                                                    "score": 0.4}]),
             item(3, "se borran mis datos si uso el bot?", candidates=[{"id": "privacy",
                                                                        "score": 0.2}]),
             item(4, "BORRAN MIS DATOS SI USO EL BOT")]
    clusters = cluster_items(items)
    assert [c.count for c in clusters] == [3, 1]
    top = clusters[0]
    assert top.id == items[1].id  # named after its oldest question
    assert top.candidates == (("privacy", 0.2),)  # mean over the cluster's 3 questions
    assert top.phrasings()[0] == "borran mis datos si uso el bot"
    assert len(top.phrasings()) == 2  # case-insensitive duplicates once


def test_cluster_ids_stay_valid_when_newer_questions_arrive() -> None:
    items = [item(1, "visa de trabajo para canada"), item(2, "donde renuevo el pasaporte")]
    before = {c.id for c in cluster_items(items)}
    later = [*items, item(3, "visa de trabajo en canada"), item(4, "algo muy distinto")]
    after = cluster_items(later)
    assert before <= {c.id for c in after}
    assert next(c for c in after if c.id == items[0].id).count == 2
