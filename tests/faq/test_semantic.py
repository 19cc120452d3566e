"""``SemanticIndex.apply``: the next index from the last, scoring as a fresh build (real model)."""

from __future__ import annotations

import numpy as np
import pytest

from faq import semantic
from faq.hybrid import entry_phrasings
from faq.loader import Content
from faq.semantic import (
    PROCESS_VECTORS,
    CacheReport,
    Embedder,
    SemanticIndex,
    passage_vectors,
)


@pytest.mark.parametrize("block", [8, semantic.BLOCK_ENTRIES])
async def test_edits_removals_and_additions_score_as_a_fresh_build(
        content: Content, embedder: Embedder, monkeypatch: pytest.MonkeyPatch,
        block: int) -> None:
    monkeypatch.setattr(semantic, "BLOCK_ENTRIES", block)
    entries = sorted(content.entries, key=lambda e: e.id)
    phrasings = dict(entry_phrasings(entries))
    new_texts = ["un librito azul para viajar lejos", "carné de pescador artesanal en el lago"]
    # Every vector through the cache first: a text embedded just now is float32, one read back
    # from the cache float16 (cosines differ by ~1e-4), and this compares like with like.
    await passage_vectors(embedder, PROCESS_VECTORS,
                          [t for ts in phrasings.values() for t in ts] + new_texts)
    index = await SemanticIndex.build(embedder, PROCESS_VECTORS, phrasings.items())
    edited, removed, kept = entries[3].id, entries[10].id, entries[20].id
    phrasings[edited] = [*phrasings[edited][:2], new_texts[0]]
    phrasings["fishing-card"] = [new_texts[1]]
    del phrasings[removed]
    report = CacheReport()
    following = await index.apply(
        embedder, PROCESS_VECTORS,
        [(edited, phrasings[edited]), (kept, phrasings[kept]),
         ("fishing-card", phrasings["fishing-card"])], [removed], report)
    assert report.phrasings == 4  # the edited entry's three and the new one: not the unchanged
    fresh = await SemanticIndex.build(embedder, PROCESS_VECTORS, phrasings.items())
    assert len(following) == len(fresh) == len(index)
    queries = embedder.embed_queries(["librito para viajar", "pescar en el lago", "asilo"])
    for query in queries:
        got = following.scores(np.asarray(query, dtype=np.float32))
        want = fresh.scores(np.asarray(query, dtype=np.float32))
        assert got.keys() == want.keys()
        assert all(got[i] == pytest.approx(want[i], abs=1e-5) for i in want)
        assert removed in index.scores(np.asarray(query, dtype=np.float32))  # untouched
    # Blocks without a changed entry are shared (the last one also takes the new entry).
    untouched = [b for b in index.blocks[:-1] if edited not in b.entry_ids
                 and removed not in b.entry_ids]
    assert len(untouched) >= (len(index.blocks) - 3)
    assert all(any(b is f for f in following.blocks) for b in untouched)
    assert await following.apply(embedder, PROCESS_VECTORS, [(kept, phrasings[kept])]) \
        is following


async def test_past_the_embed_limit_nothing_is_embedded_or_stored(embedder: Embedder) -> None:
    """The live matcher's cold start: one cache lookup says "too many", and the model is not
    run (the warm-up does that in the background)."""
    from faq.semantic import MemoryVectors, TooManyToEmbed, phrasing_key

    known = "como saco mi pasaporte"
    store = MemoryVectors()
    await passage_vectors(embedder, store, [known])
    texts = [known, "un librito azul para viajar", "carné de pescador del lago"]
    with pytest.raises(TooManyToEmbed) as refused:
        await passage_vectors(embedder, store, texts, embed_limit=1)
    assert refused.value.missing == 2
    assert set(store.data) == {phrasing_key(embedder.model_id, known)}
    vectors = await passage_vectors(embedder, store, texts, embed_limit=2)
    assert vectors.shape == (3, embedder.dim) and len(store.data) == 3
