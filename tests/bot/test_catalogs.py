"""The gettext catalogs: complete in every language, nothing fuzzy, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import BotConfig

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
LANGUAGES = BotConfig(user_hash_secret=b"-").languages
PLACEHOLDER_RE = re.compile(r"\{(\w*)[^{}]*\}")
TAG_RE = re.compile(r"</?[a-z]+>")
# The Makefile's `catalogs` keywords.
KEYWORDS = {"_": None, "__": None, "gettext": None, "ngettext": (1, 2)}


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def ids(catalog: Catalog) -> set[str]:
    return {m.id for m in catalog if m.id and isinstance(m.id, str)}


TEMPLATES = "**/templates/**.html"


def code_ids() -> set[str]:
    """Every message in the code and in the console's templates (as babel.cfg extracts)."""
    found: set[str] = set()
    for folder in ("bot", "infomigra", "admin_api"):
        for _, _, message, _, _ in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python"), (TEMPLATES, "jinja2")],
                options_map={TEMPLATES: {"extensions": "jinja2.ext.i18n",
                                         "trim_blocks": "true", "lstrip_blocks": "true"}},
                keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_template_holds_every_message_in_the_code() -> None:
    template = ids(read(LOCALES / "messages.pot"))
    assert code_ids() == template, "run `make catalogs` and translate the new messages"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_without_fuzzy_entries(lang: str) -> None:
    template = ids(read(LOCALES / "messages.pot"))
    catalog = read(LOCALES / lang / "LC_MESSAGES" / "messages.po", lang)
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    assert ids(catalog) == template
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{lang}: fuzzy: {message.id!r}"
        assert message.string, f"{lang}: untranslated: {message.id!r}"
        assert sorted(PLACEHOLDER_RE.findall(message.id)) == sorted(
            PLACEHOLDER_RE.findall(message.string)), f"{lang}: placeholders differ: {message.id!r}"
        assert TAG_RE.findall(message.id) == TAG_RE.findall(message.string), \
            f"{lang}: HTML tags differ: {message.id!r}"


def test_spanish_is_actually_spanish_and_says_usted() -> None:
    catalog = read(LOCALES / "es" / "LC_MESSAGES" / "messages.po", "es")
    texts = {m.id: m.string for m in catalog if m.id}
    assert sum(texts[i] != i for i in texts) == len(texts)  # nothing left in English
    informal = re.compile(r"\b(tú|tienes|puedes|quieres|escribe|elige|envía)\b", re.I)
    assert not [t for t in texts.values() if informal.search(str(t))]
