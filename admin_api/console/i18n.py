"""The console's languages: the bot's gettext catalogs, one Jinja environment per language.

Message ids are English (as in the bot); Spanish comes first. The catalogs are read from the
``.po`` files themselves, so a translator's edit shows without a separate compile step.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).with_name("templates")
Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def load_translations(locales_dir: Path | None, lang: str) -> NullTranslations:
    po = locales_dir / lang / "LC_MESSAGES" / "messages.po" if locales_dir else None
    if po is None or not po.exists():
        log.warning("no catalog for %r; the console shows English message ids", lang)
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def pick_language(choice: str | None, accept: str | None, offered: Sequence[str],
                  default: str) -> str:
    """The staff member's own choice, else the browser's preference (Accept-Language, by its
    q-values), else the service's default language."""
    if choice in offered:
        return str(choice)
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept or "").split(",")[:20]):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = code.strip().split("-")[0].lower()
        if base in offered and quality > 0:
            ranked.append((-quality, index, base))
    return sorted(ranked)[0][2] if ranked else default


class ConsoleI18n:
    def __init__(self, locales_dir: Path | None, languages: Sequence[str]) -> None:
        self.languages = tuple(languages)
        self.translations = {lang: load_translations(locales_dir, lang) for lang in languages}
        self.environments: dict[str, Environment] = {}
        for lang, translations in self.translations.items():
            env = Environment(loader=FileSystemLoader(TEMPLATES),
                              autoescape=select_autoescape(default=True),
                              extensions=["jinja2.ext.i18n"], trim_blocks=True,
                              lstrip_blocks=True)
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            self.environments[lang] = env

    def gettext(self, lang: str) -> Gettext:
        return self.translations[lang].gettext

    def ngettext(self, lang: str) -> Ngettext:
        """The form for a count, by the language's plural rule (the catalog's header)."""
        return self.translations[lang].ngettext

    def environment(self, lang: str) -> Environment:
        return self.environments[lang]
