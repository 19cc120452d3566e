"""faq/exchange.py: YAML and CSV round trips, plain refusals, diffs, checks against the FAQ."""

from __future__ import annotations

import pytest

from faq.exchange import (
    ExchangeError,
    diff_entries,
    entries_from_csv,
    entries_from_yaml,
    entries_to_csv,
    entries_to_yaml,
    plan_import,
    reference_problems,
)
from faq.loader import Content


def test_every_shipped_entry_survives_a_csv_and_a_yaml_round_trip(content: Content) -> None:
    entries = content.entries
    from_csv = entries_from_csv(entries_to_csv(entries, ["es", "en"]))
    from_yaml = entries_from_yaml(entries_to_yaml(entries))
    for again in (from_csv, from_yaml):
        assert [e.content() for e in again] == [e.content() for e in entries]


def test_csv_refusals_name_the_row_the_field_and_say_why_plainly() -> None:
    text = ("id,category,status,sources,question_es,answer_es,colour\r\n")
    with pytest.raises(ExchangeError) as info:
        entries_from_csv(text)
    assert [str(p) for p in info.value.problems] == ["header: field colour: is not a known column"]

    text = ("id,category,status,sources,question_es,answer_es\r\n"
            "Bad_Id,documents,draft,,¿Pregunta?,<b>ok</b>\r\n"
            "good-id,documents,published,Sin enlace,¿Pregunta?,<b>ok</b>\r\n")
    with pytest.raises(ExchangeError) as info:
        entries_from_csv(text)
    messages = [str(p) for p in info.value.problems]
    assert any(m.startswith("row 2 (Bad_Id): field id: must be a lowercase id") for m in messages)
    assert any(m.startswith("row 3: field sources: write each source on its own line")
               for m in messages)


def test_diff_and_plan(content: Content) -> None:
    entry = content.entries[0]
    es = entry.translations["es"]
    changed = entry.model_copy(update={"translations": {
        **entry.translations, "es": es.model_copy(update={"answer": "<b>nuevo</b>"})}})
    [change] = diff_entries(entry, changed)
    assert (change.field, change.before, change.after) == ("translations.es.answer", es.answer,
                                                           "<b>nuevo</b>")
    assert plan_import({entry.id: entry}, [changed]) == [(entry.id, "update")]
    assert plan_import({entry.id: entry}, [entry]) == [(entry.id, "unchanged")]
    assert plan_import({}, [entry]) == [(entry.id, "add")]


def test_reference_problems(content: Content) -> None:
    entry = content.entries[0].model_copy(update={"related": ["nowhere"], "category": "x-y"})
    problems = reference_problems([entry, entry], known_ids=set(), categories={"about"},
                                  languages=("es",))
    fields = sorted(p.field for p in problems)
    assert fields == sorted(["id", "category", "category", "related", "related",
                             "translations.en", "translations.en"])


def test_the_collector_is_paused_while_parsing_and_comes_back() -> None:
    import gc
    import threading

    from faq.exchange import collection_paused

    assert gc.isenabled()
    inner_started, release = threading.Event(), threading.Event()

    def other_parse() -> None:
        with collection_paused():
            inner_started.set()
            release.wait(5)

    with collection_paused():
        assert not gc.isenabled()
        worker = threading.Thread(target=other_parse)
        worker.start()
        inner_started.wait(5)
    assert not gc.isenabled()  # the other parse is still running
    release.set()
    worker.join(5)
    assert gc.isenabled()
    with pytest.raises(ExchangeError), collection_paused():
        entries_from_yaml("[[[")
    assert gc.isenabled()
