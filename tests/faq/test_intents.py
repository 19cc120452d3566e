"""Small talk and out-of-scope content: loading, whole-message small talk, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.intents import ConversationError, load_conversation
from faq.loader import load_content


def test_conversation_files_are_not_faq_categories() -> None:
    content = load_content()
    assert not any(c.id in ("smalltalk", "out-of-scope") for c in content.categories)
    assert not any(e.id.startswith("out-of-scope-") for e in content.entries)


def test_shipped_conversation_content_has_both_languages() -> None:
    conversation = load_conversation()
    intents = [*conversation.smalltalk.intents, *conversation.out_of_scope]
    assert {"greeting", "thanks", "goodbye", "who-are-you"} <= {i.id for i in intents}
    assert {"driving-licence", "taxes", "banking", "utility-bills", "university"} <= {
        i.id for i in conversation.out_of_scope}
    for intent in intents:
        assert set(intent.reply) == {"es", "en"}, intent.id
        assert set(intent.phrasings) == {"es", "en"}, intent.id


@pytest.mark.parametrize(("message", "expected"), [
    ("holaaa", "greeting"), ("ok, muchas gracias!", "thanks"), ("gracias, adios", "goodbye"),
    ("Good morning", "greeting"), ("hola hola", "greeting"),
    ("hola necesito el pasaporte", None), ("gracias pero no entendi lo de la visa", None),
    ("", None), ("hola " * 20, None),
])
def test_small_talk_is_the_whole_message_or_nothing(message: str, expected: str | None) -> None:
    intent = load_conversation().smalltalk.match(message)
    assert (intent.id if intent else None) == expected


@pytest.mark.parametrize(("message", "expected"), [
    # "muchas gracias" is a phrasing too: cutting there first would leave "ayuda" uncovered.
    ("Muchas gracias por la ayuda!", "thanks"), ("muchas gracias por la informacion", "thanks"),
    ("thank you so much, bye", "goodbye"), ("muchas gracias por la visa", None),
])
def test_small_talk_is_found_whichever_way_the_message_is_cut(message: str,
                                                              expected: str | None) -> None:
    intent = load_conversation().smalltalk.match(message)
    assert (intent.id if intent else None) == expected


def test_a_broken_file_names_itself_and_the_field(tmp_path: Path) -> None:
    (tmp_path / "smalltalk.yaml").write_text("intents:\n  - id: Hola\n    reply: {}\n")
    with pytest.raises(ConversationError) as exc:
        load_conversation(tmp_path)
    assert "smalltalk.yaml" in str(exc.value) and "reply" in str(exc.value)
