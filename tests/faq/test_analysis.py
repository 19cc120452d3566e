"""The memoised indexing analysis gives exactly what the text pipeline gives, word for word."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faq.analysis import Analyser
from faq.intents import Conversation
from faq.loader import Content
from faq.text import TextPipeline, stem


def reference(pipeline: TextPipeline, text: str, lang: str) -> list[tuple[str, str]]:
    return [(w, stem(w, lang)) for w in pipeline.content_words(text, lang, parts=True)]


@pytest.fixture(scope="module")
def pipeline(content: Content) -> TextPipeline:
    return TextPipeline(content.lexicon)


def test_every_shipped_phrasing_and_tag_is_analysed_as_the_pipeline_does(
        content: Content, conversation: Conversation, pipeline: TextPipeline) -> None:
    analyser = Analyser(pipeline)
    checked = 0
    for entry in [*content.entries, *conversation.pseudo_entries()]:
        for lang, translation in entry.translations.items():
            for phrase in translation.phrasings():
                assert analyser.pairs(phrase, lang) == reference(pipeline, phrase, lang), phrase
                checked += 1
        for tag in entry.tags:
            for lang in pipeline.languages:
                assert analyser.pairs(tag, lang) == reference(pipeline, tag, lang), tag
    assert checked > 1000
    # The second time the memo answers, with the same result.
    phrase = content.entries[0].translations["es"].question
    assert analyser.pairs(phrase, "es") == reference(pipeline, phrase, "es")


@pytest.mark.parametrize("text", [
    "COVID-19 y la visa H-2A del I-130", "xq no tengo papeles tqm", "¿Dónde está el DPI?",
    "el norte del norte", "Estados Unidos de América", "de de de la la el",
    "perdí mi passport en el aeropuerto", "🙂🙂 visa 😀", "a\u0301rbol ａｒｂｏｌ", "don't u know",
    "x" * 5000, "visa\x00\x1fpasaporte", "   ", "",
])
@pytest.mark.parametrize("lang", ["es", "en", "fr"])
def test_awkward_text_is_analysed_as_the_pipeline_does(
        pipeline: TextPipeline, text: str, lang: str) -> None:
    assert Analyser(pipeline).pairs(text, lang) == reference(pipeline, text, lang)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["de", "el", "la", "visa", "usa", "estados", "unidos", "xq",
                                 "COVID-19", "h-2a", "tarjeta", "trabajo", "the", "in", "work",
                                 "Árbol", "pa", "del", "al", "papeles", "sin", "ñandú", "¿qué?"])
                | st.text(max_size=8), max_size=12), st.sampled_from(["es", "en"]))
def test_any_mix_of_lexicon_words_and_noise_is_analysed_as_the_pipeline_does(
        pipeline: TextPipeline, words: list[str], lang: str) -> None:
    text = " ".join(words)
    assert Analyser(pipeline).pairs(text, lang) == reference(pipeline, text, lang)
