"""Which language a person is answered in, and the gettext catalogs behind it.

Catalog message ids are English; every offered language (Spanish first) has a complete catalog.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import BotConfig

log = logging.getLogger(__name__)


def compile_stale_catalogs(locales_dir: Path) -> None:
    """Compile each ``.po`` whose ``.mo`` is missing or older, as ``make install`` would.

    aiogram's I18n loads only ``.mo`` files and refuses to start on a ``.po`` without one; this
    keeps a fresh checkout, or a translator who edited a ``.po`` and forgot to compile, from
    stopping start-up or from silently serving the old texts. Where the folder is read-only
    (the Docker image compiles at build time) nothing is written.
    """
    for po in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        try:
            with mo.open("wb") as target:
                write_mo(target, catalog)
        except OSError as exc:
            log.warning("cannot compile %s (%s); run `make install`", po, exc)
            continue
        log.info("compiled %s", mo)


def build_i18n(config: BotConfig) -> I18n:
    compile_stale_catalogs(config.locales_dir)
    return I18n(path=config.locales_dir, default_locale=config.default_language,
                       domain="messages")


def pick_language(code: str | None, offered: tuple[str, ...], default: str) -> str:
    """Telegram's ``language_code`` (``es-419``, ``en-US``, ``pt-br``) reduced to one we offer."""
    if not code:
        return default
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in offered else default


def language_name(code: str, in_language: str | None = None) -> str:
    """The language's name in ``in_language``; by default its own name ("Español", "English"),
    which is how a person finds their language in a list."""
    try:
        name = Locale.parse(code).get_display_name(in_language or code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name if in_language else name[:1].upper() + name[1:]
