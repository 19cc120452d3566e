"""The gettext catalogs: complete in every language, nothing fuzzy, placeholders intact, every
plural form of the language filled."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.config import BotConfig

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
LANGUAGES = BotConfig(user_hash_secret=b"-").languages
PLACEHOLDER_RE = re.compile(r"\{(\w*)[^{}]*\}|%\((\w+)\)s")
TAG_RE = re.compile(r"</?[a-z]+>")
# The Makefile's `catalogs` keywords.
KEYWORDS = {"_": None, "__": None, "gettext": None, "ngettext": (1, 2)}


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def ids(catalog: Catalog) -> set[str]:
    """Message ids; a plural message by its singular (as extraction names it)."""
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def placeholders(text: str) -> list[tuple[str, str]]:
    return sorted(PLACEHOLDER_RE.findall(text))


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
        if isinstance(message.id, str):
            pairs = [(message.id, message.string)]
        else:  # every form the language's plural rule picks from, each with the plural's data
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            assert len(forms) == catalog.num_plurals and all(forms), \
                f"{lang}: plural forms missing ({len(forms)} of {catalog.num_plurals}, " \
                f"empty ones included): {message.id!r}"
            pairs = [(message.id[1], form) for form in forms]
        for source, translated in pairs:
            assert translated, f"{lang}: untranslated: {message.id!r}"
            assert placeholders(source) == placeholders(translated), \
                f"{lang}: placeholders differ: {message.id!r}"
            assert TAG_RE.findall(source) == TAG_RE.findall(translated), \
                f"{lang}: HTML tags differ: {message.id!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_messages_follow_the_language_rule(lang: str) -> None:
    """A count picks its form: one, and several (Spanish also has a form for millions)."""
    path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    catalog = read(path, lang)
    plurals = [m for m in catalog if m.id and not isinstance(m.id, str)]
    assert plurals, "the console's counts are plural messages"
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = Translations(buffer)
    for message in plurals:
        singular, plural = message.id
        forms = message.string
        assert translations.ngettext(singular, plural, 1) == forms[0]
        assert translations.ngettext(singular, plural, 2) == forms[-1]  # "other"
        # English: the plural; Spanish: its own form for whole millions ("de" follows it)
        assert translations.ngettext(singular, plural, 1_000_000) == forms[1]


def test_spanish_is_actually_spanish_and_says_usted() -> None:
    catalog = read(LOCALES / "es" / "LC_MESSAGES" / "messages.po", "es")
    texts = {m.id: m.string for m in catalog if m.id}
    assert sum(texts[i] != i and texts[i] != tuple(i) for i in texts) == len(texts)
    # nothing left in English
    informal = re.compile(r"\b(tú|tienes|puedes|quieres|escribe|elige|envía)\b", re.I)
    assert not [t for t in texts.values() if informal.search(str(t))]
