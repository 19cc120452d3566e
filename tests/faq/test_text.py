from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from faq.lexicon import Lexicon, LexiconGroup
from faq.text import TextPipeline, normalise, tokens

LEXICON = Lexicon(groups={
    "es": [LexiconGroup(canonical="trabajo", variants=["chamba", "jale"]),
           LexiconGroup(canonical="estados unidos", variants=["el norte", "usa", "eeuu"])],
    "en": [LexiconGroup(canonical="deported", variants=["sent back"])],
})
PIPELINE = TextPipeline(LEXICON)


def test_accents_case_and_punctuation_go() -> None:
    assert normalise("¿Cómo SACO el Pasaporte?") == "como saco el pasaporte"


def test_repeated_letters_collapse() -> None:
    assert normalise("holaaaa graciaaas") == "hola gracias"
    assert normalise("llamar carro") == "llamar carro"  # real double letters stay


def test_hyphenated_codes_stay_one_token() -> None:
    assert normalise("visa H-2A y el DS-160, decreto 44-2016") == (
        "visa h2a y el ds160 decreto 442016")


def test_chat_abbreviations_are_written_out() -> None:
    assert tokens("q hago pa ir xq tmb") == ["que", "hago", "para", "ir", "porque", "tambien"]


def test_lexicon_maps_multiword_variants_first() -> None:
    assert PIPELINE.content_words("quiero chamba en el norte", "es") == [
        "trabajo", "estados", "unidos"]


def test_query_words_apply_every_language() -> None:
    words = PIPELINE.query_words("me sent back del norte, busco jale")
    assert "deported" in words and "trabajo" in words and "estados" in words


def test_terms_are_stemmed_per_language() -> None:
    assert PIPELINE.terms("trabajadores trabajando", "es") == ["trabaj", "trabaj"]
    assert PIPELINE.terms("workers working", "en") == ["worker", "work"]


def test_stop_words_and_greetings_carry_no_topic() -> None:
    assert PIPELINE.content_words("buenas tardes disculpe fijese que", "es") == []


@given(st.text())
def test_normalise_is_idempotent_and_never_raises(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_terms_never_raise(text: str) -> None:
    PIPELINE.terms(text, "es")
    PIPELINE.query_words(text)


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1, max_size=5))
def test_long_input_takes_bounded_time(chunk: str) -> None:
    text = chunk * 200_000
    start = time.perf_counter()
    PIPELINE.query_words(text)
    assert time.perf_counter() - start < 2.0


# -- issue 11, point 6 ----------------------------------------------------------------------------

def test_spanish_chat_abbreviations_leave_english_alone() -> None:
    assert tokens("tb voy pa la capital", "es") == ["tambien", "voy", "para", "la", "capital"]
    assert tokens("do i need a tb test", "en") == ["do", "i", "need", "a", "tb", "test"]
    assert "tb" in PIPELINE.query_words("do i need a TB test before the visa interview")
    assert "toy" in PIPELINE.query_words("is this toy allowed in my luggage for the flight")


def test_english_contractions_reach_the_stop_list() -> None:
    assert normalise("I don't know, I'd like it") == "i dont know id like it"
    words = PIPELINE.query_words("I don't have my papers and I'd like to go back")
    assert "t" not in words and "de" not in words and "d" not in words


def test_joined_terms_are_indexed_whole_and_in_parts() -> None:
    assert tokens("COVID-19 vaccine", "en", parts=True) == ["covid19", "vaccine", "covid", "19"]
    assert tokens("COVID-19 vaccine", "en") == ["covid19", "vaccine"]  # a question: whole only


def test_a_question_that_reads_english_skips_the_spanish_lexicon() -> None:
    spanish_usa = TextPipeline(Lexicon(groups={
        "es": [LexiconGroup(canonical="estados unidos", variants=["usa"])],
        "en": [LexiconGroup(canonical="united states", variants=["usa"])]}))
    assert spanish_usa.query_words("how do i move to the usa with my kids") == [
        "move", "united", "states", "kids"]
    # Spanglish stays unknown: both lexicons apply, Spanish first.
    assert spanish_usa.query_words("como me voy pa usa") == ["voy", "estados", "unidos"]


def test_the_unreachable_abbreviation_is_gone() -> None:
    from faq.text import CHAT_ABBREVIATIONS

    assert all(normalise(k) == k for k in CHAT_ABBREVIATIONS)
