"""``Matcher.apply``: the next snapshot from the last, equal to a build from scratch.

Questions are the shipped content's own phrasings and a few invented ones (never the dev set).
"""

from __future__ import annotations

import random

import pytest

from benchmarks.synthetic import grow
from faq.intents import Conversation
from faq.loader import Content
from faq.matcher import LexicalAnalysis, Matcher
from faq.models import Entry, Status
from faq.text import TextPipeline

INVENTED = ["receta de pepian con pollo", "visa pa trabajar en el campo", "pasaprote urgente",
            "my husband was detained by ice", "zzz qqq", "licencia de conducir en usa",
            "me deportaron y no tengo dpi", "asilo en mexico para mis hijos"]


def questions(content: Content, rng: random.Random, count: int = 80) -> list[str]:
    phrasings = [p for e in content.entries for t in e.translations.values()
                 for p in t.phrasings()]
    return rng.sample(phrasings, count) + INVENTED


def assert_same(a: LexicalAnalysis, b: LexicalAnalysis, question: str) -> None:
    assert a.words == b.words, question
    assert a.known_share == pytest.approx(b.known_share, abs=1e-9), question
    assert [c.entry_id for c in a.ranked] == [c.entry_id for c in b.ranked], question
    for x, y in zip(a.ranked, b.ranked, strict=True):
        assert x.score == pytest.approx(y.score, abs=1e-9), question
        assert x.phrase == pytest.approx(y.phrase, abs=1e-9), question
        assert x.coverage == pytest.approx(y.coverage, abs=1e-6), question
        assert x.fuzzy == y.fuzzy, question


def random_change(rng: random.Random, pool: list[Entry], current: dict[str, Entry],
                  step: int) -> tuple[list[Entry], list[str]]:
    """One to four edits, additions, unpublishings, republishings or removals."""
    upserts: dict[str, Entry] = {}
    removed: list[str] = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["edit", "add", "unpublish", "republish", "remove"])
        entry = current.get(rng.choice(pool).id)
        if kind == "add":
            base = rng.choice(pool)
            new = base.model_copy(update={"id": f"{base.id}-copy-{step}-{rng.randint(0, 999)}"})
        elif entry is None:
            continue
        elif kind == "edit":
            lang, tr = rng.choice(list(rng.choice(pool).translations.items()))
            alternates = rng.sample(tr.alternates, rng.randint(0, len(tr.alternates)))
            new = entry.model_copy(update={
                "translations": {**entry.translations, lang: tr.model_copy(update={
                    "alternates": [*alternates, f"otra forma {rng.choice(['zorzal', 'visa'])}"]})},
                "tags": rng.sample(entry.tags, min(len(entry.tags), 2))})
        elif kind in ("unpublish", "republish"):
            status = Status.DRAFT if kind == "unpublish" else Status.PUBLISHED
            new = entry.model_copy(update={"status": status})
        else:
            current.pop(entry.id)
            upserts.pop(entry.id, None)
            removed.append(entry.id)
            continue
        current[new.id] = new
        upserts[new.id] = new
    return list(upserts.values()), removed


def scratch(current: dict[str, Entry], pipeline: TextPipeline, hidden: list[Entry],
            revision: int) -> Matcher:
    return Matcher.build(sorted(current.values(), key=lambda e: e.id), pipeline, revision=revision,
                         hidden=hidden)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_give_the_scores_of_a_build_from_scratch(
        content: Content, conversation: Conversation, seed: int) -> None:
    rng = random.Random(seed)
    pipeline = TextPipeline(content.lexicon)
    hidden = conversation.pseudo_entries()
    current = {e.id: e for e in content.entries}
    matcher = scratch(current, pipeline, hidden, 0)
    asked = questions(content, rng)
    for step in range(1, 16):
        upserts, removed = random_change(rng, content.entries, current, step)
        before = [matcher.analyse(q) for q in asked[:10]]
        following = matcher.apply(upserts, removed, step)
        expected = scratch(current, pipeline, hidden, step)
        assert [e.id for e in following.entries] == [e.id for e in expected.entries]
        assert following.revision == step
        for question in asked:
            assert_same(following.analyse(question), expected.analyse(question), question)
        # The previous snapshot is untouched (questions in flight keep their view).
        for question, analysis in zip(asked[:10], before, strict=False):
            assert_same(matcher.analyse(question), analysis, question)
        matcher = following


def test_across_the_dense_posting_threshold(content: Content) -> None:
    """Around 512 entries frequent terms switch to dense vectors; the switch follows N."""
    rng = random.Random(7)
    pipeline = TextPipeline(content.lexicon)
    pool = grow(content.entries, 516)
    current = {e.id: e for e in pool}
    matcher = scratch(current, pipeline, [], 0)
    asked = questions(content, rng, 30)
    for step in range(1, 5):
        removed = rng.sample(sorted(current), 2)
        for entry_id in removed:
            current.pop(entry_id)
        matcher = matcher.apply((), removed, step)
        expected = scratch(current, pipeline, [], step)
        for question in asked:
            assert_same(matcher.analyse(question), expected.analyse(question), question)
    assert len(matcher) < 512 <= len(pool)


def test_an_edit_shares_everything_it_does_not_change(content: Content) -> None:
    pipeline = TextPipeline(content.lexicon)
    matcher = Matcher.build(sorted(content.entries, key=lambda e: e.id), pipeline)
    target = matcher.get("passport-application")
    assert target is not None
    es = target.translations["es"]
    edited = target.model_copy(update={"translations": {**target.translations, "es": es.model_copy(
        update={"alternates": [*es.alternates, "librito azul para salir del pais"]})}})
    following = matcher.apply([edited], (), 1)
    assert following.get("passport-application") is edited
    assert matcher.get("passport-application") is target
    for old, new in zip(matcher.entries, following.entries, strict=True):
        assert (new is old) == (old.id != "passport-application")
    shared = [t for t, p in matcher._postings.items() if following._postings.get(t) is p]
    assert len(shared) >= 0.9 * len(matcher._postings)
    assert "passport-application" in [
        c.entry_id for c in following.match("librito azul para salir del pais").candidates]
    assert following.changed_since(matcher) == ([edited], [])


def test_unpublished_and_removed_entries_leave_and_tombstones_are_compacted(
        content: Content) -> None:
    pipeline = TextPipeline(content.lexicon)
    matcher = Matcher.build(content.entries, pipeline)
    question = content.entries[0].translations["es"].question
    first = content.entries[0]
    drafted = matcher.apply([first.model_copy(update={"status": Status.DRAFT})], (), 1)
    assert drafted.get(first.id) is None and len(drafted) == len(matcher) - 1
    assert first.id not in [c.entry_id for c in drafted.analyse(question).ranked]
    # Removing over a quarter of the FAQ rebuilds from the snapshot's own entries: no
    # tombstone slots are left behind.
    gone = [e.id for e in content.entries[1:len(content.entries) // 2]]
    compacted = drafted.apply((), gone, 2)
    assert len(compacted) == len(content.entries) - 1 - len(gone)
    assert all(doc is not None for doc in compacted._docs)
    assert compacted.revision == 2


def test_hidden_entries_compete_but_are_never_exposed(
        content: Content, conversation: Conversation) -> None:
    hidden = conversation.pseudo_entries()
    matcher = Matcher.build(content.entries, TextPipeline(content.lexicon), hidden=hidden)
    assert len(matcher) == len(content.entries)
    assert all(matcher.get(e.id) is None for e in hidden)
    phrase = hidden[0].translations["es"].question
    assert matcher.analyse(phrase).ranked[0].entry_id == hidden[0].id
    assert hidden[0].id not in [c.entry_id for c in matcher.match(phrase).candidates]
    # An edit never touches them.
    assert matcher.apply([], [hidden[0].id], 1).analyse(phrase).ranked[0].entry_id == hidden[0].id
