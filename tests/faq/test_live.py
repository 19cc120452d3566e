"""The live snapshot follows the store by applying what changed (real Redis, real model)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from faq import live as live_module
from faq.models import Entry, Status
from infomigra.runtime import Services


def with_answer(entry: Entry, answer: str) -> Entry:
    es = entry.translations["es"]
    return entry.model_copy(update={"translations": {
        **entry.translations, "es": es.model_copy(update={"answer": answer})}})


async def test_an_edit_is_applied_and_everything_else_is_shared(
        services: Services, caplog: pytest.LogCaptureFixture) -> None:
    live = services.live
    before = live.matcher
    semantic_before = live.hybrid.semantic
    assert semantic_before is not None
    entry = await services.store.get("passport-application")
    assert entry is not None
    saved = await services.store.save(with_answer(entry, "<b>Texto nuevo.</b>"),
                                      expected_version=entry.version, actor="test")
    with caplog.at_level(logging.INFO, logger="faq.live"):
        await live.refresh()
    after = live.matcher
    assert after.revision == await services.store.revision()
    assert live.entry(saved.id) is not None and live.entry(saved.id).version == saved.version
    assert all(after.get(e.id) is e for e in before.entries if e.id != saved.id)
    messages = [r.getMessage() for r in caplog.records]
    assert any("matcher updated: 1 changed" in m for m in messages)
    assert not any("matcher rebuilt" in m for m in messages)
    # Same phrasings: the semantic index looked nothing up and kept every block.
    assert live.last_cache_report.phrasings == 0
    assert live.hybrid.semantic is semantic_before
    result = await live.match(entry.translations["es"].question, "es")
    assert result.best is not None and result.best.entry_id == saved.id


async def test_archived_entries_leave_and_published_drafts_arrive(services: Services) -> None:
    live = services.live
    store = services.store
    gone = await store.get("passport-application")
    assert gone is not None
    await store.archive(gone.id, expected_version=gone.version, actor="test")
    question = "¿Cómo pido la tarjeta de pescador artesanal del lago?"
    draft = Entry(id="fishing-card", category=gone.category, status=Status.DRAFT,
                  sources=[{"title": "MAGA", "url": "https://www.maga.gob.gt"}],
                  reviewed_on="2026-11-20", translations={"es": {
                      "question": question, "answer": "En el MAGA.",
                      "alternates": ["carné de pescador artesanal", "licencia para pescar"]}})
    saved = await store.save(draft, expected_version=0, actor="test")
    await live.refresh()
    assert live.entry(gone.id) is None and live.entry(saved.id) is None
    result = await live.match(gone.translations["es"].question, "es")
    assert gone.id not in [c.entry_id for c in result.candidates]
    published = saved.model_copy(update={"status": Status.PUBLISHED})
    await store.save(published, expected_version=saved.version, actor="test")
    await live.refresh()
    assert live.entry(saved.id) is not None
    assert live.last_cache_report.phrasings == 3  # only the new entry's phrasings
    result = await live.match("como pido la tarjeta de pescador artesanal", "es")
    assert result.best is not None and result.best.entry_id == saved.id


async def test_entries_vanishing_without_a_save_mean_a_full_read(
        services: Services, caplog: pytest.LogCaptureFixture) -> None:
    """A restored or partly flushed database: the change log cannot say what went."""
    live = services.live
    keys = services.keys
    await services.redis.delete(keys.entry("seek-asylum"))
    await services.redis.srem(keys.ids, "seek-asylum")
    entry = await services.store.get("passport-application")
    assert entry is not None
    await services.store.save(with_answer(entry, "Otro texto."), expected_version=entry.version,
                              actor="test")
    with caplog.at_level(logging.INFO, logger="faq.live"):
        await live.refresh()
    assert live.entry("seek-asylum") is None
    assert live.entry("passport-application").translations["es"].answer == "Otro texto."
    messages = [r.getMessage() for r in caplog.records]
    assert any("does not account" in m for m in messages)
    assert any("matcher rebuilt" in m for m in messages)


async def test_a_large_batch_is_read_and_built_whole(
        services: Services, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_module, "FULL_REBUILD_MIN", 0)
    live = services.live
    entries = (await services.store.page_entries(limit=20)).entries
    await services.store.save_many([(with_answer(e, f"Lote {e.id}."), e.version)
                                    for e in entries], actor="test", action="import")
    with caplog.at_level(logging.INFO, logger="faq.live"):
        await live.refresh()
    assert any("matcher rebuilt" in r.getMessage() for r in caplog.records)
    assert all(live.entry(e.id).translations["es"].answer == f"Lote {e.id}."
               for e in entries)


async def test_concurrent_refreshes_each_build_on_the_last(services: Services) -> None:
    live = services.live
    store = services.store
    first = await store.get("passport-application")
    second = await store.get("seek-asylum")
    assert first is not None and second is not None
    await store.save(with_answer(first, "Uno."), expected_version=first.version, actor="test")
    refreshing = asyncio.create_task(live.refresh())
    await asyncio.sleep(0)
    await store.save(with_answer(second, "Dos."), expected_version=second.version, actor="test")
    await asyncio.gather(refreshing, live.refresh())
    assert live.entry(first.id).translations["es"].answer == "Uno."
    assert live.entry(second.id).translations["es"].answer == "Dos."
    assert live.matcher.revision == await store.revision()


async def test_a_cold_semantic_index_warms_up_in_the_background(services: Services) -> None:
    """A first start on an empty cache (hours of embedding at 10,000 entries) must not keep the
    service from answering: the lexical cascade answers at once, edits stay visible, and the
    semantic stage joins when its vectors are ready, edits made meanwhile included."""
    import threading

    from faq.hybrid import entry_phrasings
    from faq.live import LiveMatcher
    from faq.semantic import PROCESS_VECTORS, MemoryVectors, phrasing_key
    from infomigra.embedding import E5Embedder

    shared = services.live
    embedder = shared.embedder
    assert embedder is not None
    cold_ids = {"passport-application", "seek-asylum", "tps-guatemala"}
    cold_entries = [e for e in shared.matcher.entries if e.id in cold_ids]
    cold = {phrasing_key(embedder.model_id, t)
            for _, texts in entry_phrasings(cold_entries) for t in texts}
    vectors = MemoryVectors({k: v for k, v in PROCESS_VECTORS.data.items() if k not in cold})
    live = LiveMatcher(services.store, shared.pipeline, shared.options,
                       conversation=shared.conversation, calibration=shared.calibration,
                       embedder=embedder, vectors=vectors, cold_embed_limit=len(cold) - 1)
    release = threading.Event()
    assert isinstance(embedder, E5Embedder)
    embedder._worker.submit(release.wait)  # hold the model's only thread: the warm-up waits
    try:
        await asyncio.wait_for(live.refresh(), 30)  # returns with the embedding still to do
        assert live.warming_up and not live.hybrid.semantic_ready
        passport = live.entry("passport-application")
        assert passport is not None
        answered = await live.match(passport.translations["es"].question, "es")
        assert answered.best is not None and answered.best.entry_id == passport.id
        assert not answered.semantic

        new_alternate = "como tramito mi pasaporte azul por primera vez"
        es = passport.translations["es"]
        edited = passport.model_copy(update={"translations": {
            **passport.translations,
            "es": es.model_copy(update={"alternates": [*es.alternates, new_alternate]})}})
        await services.store.save(edited, expected_version=passport.version, actor="test")
        await asyncio.wait_for(live.refresh(), 30)  # the edit is visible while warming up
        assert new_alternate in live.entry(passport.id).translations["es"].alternates
    finally:
        release.set()
    await asyncio.wait_for(live.semantic_warmed_up(), 120)
    assert not live.warming_up and live.hybrid.semantic_ready
    assert live.hybrid.semantic is not None
    assert live.hybrid.lexical.revision == await services.store.revision()
    assert phrasing_key(embedder.model_id, new_alternate) in vectors.data  # caught up

    # Warm now: the next edit's few phrasings are embedded before refresh returns.
    current = live.entry(passport.id)
    assert current is not None
    await services.store.save(with_answer(current, "<b>Otra vez.</b>"),
                              expected_version=current.version, actor="test")
    await live.refresh()
    assert live.hybrid.semantic_ready and not live.warming_up
    await live.aclose()


async def test_only_a_whole_build_calls_back(services: Services,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime freezes long-lived objects after a whole build (costly at 10,000 entries);
    an edit, applied to the snapshot, must not pay for it."""
    live = services.live
    calls: list[int] = []
    live.on_rebuilt = lambda: calls.append(live.matcher.revision)
    entry = await services.store.get("passport-application")
    assert entry is not None
    await services.store.save(with_answer(entry, "Uno."), expected_version=entry.version,
                              actor="test")
    await live.refresh()
    assert calls == []
    monkeypatch.setattr(live_module, "FULL_REBUILD_MIN", 0)
    entries = (await services.store.page_entries(limit=20)).entries
    await services.store.save_many([(with_answer(e, "Lote."), e.version) for e in entries],
                                   actor="test", action="import")
    await live.refresh()
    assert calls == [await services.store.revision()]
