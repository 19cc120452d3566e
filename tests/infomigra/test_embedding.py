"""The shipped model's adapter: what it reads of a question bounds what a question costs."""

from __future__ import annotations

import numpy as np

from faq.semantic import Embedder
from infomigra.embedding import MAX_QUERY_TOKENS, E5Embedder


def tokens(embedder: E5Embedder, text: str) -> int:
    return int(embedder._model.token_count(text, True))


def test_a_question_of_emoji_is_cut_to_the_token_budget(embedder: Embedder) -> None:
    """200 emoji are 200 characters but about 205 tokens: a character cap let through a
    question five times as costly as the budget allows."""
    assert isinstance(embedder, E5Embedder)
    text = "😀" * 200
    assert tokens(embedder, text) > 4 * MAX_QUERY_TOKENS
    fitted = embedder.fit(text)
    assert 0 < tokens(embedder, fitted) <= MAX_QUERY_TOKENS
    assert text.startswith(fitted)


def test_a_long_question_keeps_whole_words_from_its_start(embedder: Embedder) -> None:
    assert isinstance(embedder, E5Embedder)
    text = ("mi primo quiere ir a trabajar con la visa h2a a las fincas de manzana en "
            "washington y yo tambien quiero ir pero no se como lo escogen a uno ni cuanto "
            "cobran por el tramite ni donde queda la oficina")
    fitted = embedder.fit(text)
    assert tokens(embedder, fitted) <= MAX_QUERY_TOKENS < tokens(embedder, text)
    assert text.startswith(fitted) and text[len(fitted)] == " "
    assert tokens(embedder, text[:len(fitted) + 1 + text[len(fitted) + 1:].index(" ")]) \
        > MAX_QUERY_TOKENS  # one more word would not have fitted


def test_a_short_question_is_embedded_as_asked(embedder: Embedder) -> None:
    assert isinstance(embedder, E5Embedder)
    text = "como saco la visa h2b"
    assert embedder.fit(text) == text
    direct = np.asarray(embedder._model.query(text), dtype=np.float32)
    assert np.allclose(embedder.embed_queries([text])[0], direct, atol=1e-6)


async def test_a_repeated_question_skips_the_model_and_keeps_no_text() -> None:
    """The second time a question is asked its vector comes from memory, without queueing
    behind the worker (a blocked worker would hang this test), and the cache holds hashes only."""
    import threading

    embedder = E5Embedder()
    text = "cuanto cuesta el pasaporte guatemalteco"
    first = (await embedder.aembed_queries([text]))[0]
    blocked = threading.Event()
    embedder._worker.submit(blocked.wait)  # the only worker thread is now busy
    try:
        again = (await embedder.aembed_queries([text]))[0]
    finally:
        blocked.set()
    assert np.array_equal(first, again)
    assert embedder.queries.hits == 1
    assert all(isinstance(k, bytes) and text.encode() not in k
               for k in embedder.queries._data)


def test_the_question_cache_is_bounded_and_forgets_the_oldest() -> None:
    from infomigra.embedding import QueryVectors

    cache = QueryVectors(size=3)
    for n in range(5):
        cache.put(f"pregunta {n}", np.full(4, n, dtype=np.float32))
    assert [cache.get(f"pregunta {n}") is not None for n in range(5)] == \
        [False, False, True, True, True]
