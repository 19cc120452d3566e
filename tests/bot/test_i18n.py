"""Language choice from Telegram's language_code, language names, catalogs compiled on start."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.config import LOCALES_DIR, BotConfig
from bot.i18n import build_i18n, language_name, pick_language


@pytest.mark.parametrize(("code", "expected"), [
    ("es-419", "es"), ("es", "es"), ("es-GT", "es"), ("en-US", "en"), ("EN_gb", "en"),
    ("fr", "es"), ("pt-br", "es"), ("", "es"), (None, "es")])
def test_telegram_language_codes_map_to_an_offered_language(code: str | None,
                                                             expected: str) -> None:
    assert pick_language(code, ("es", "en"), "es") == expected


def test_language_names_are_shown_in_their_own_language() -> None:
    assert language_name("es") == "Español"
    assert language_name("en") == "English"
    assert language_name("en", "es") == "inglés"


def test_a_po_without_a_fresh_mo_is_compiled_at_start(tmp_path: Path) -> None:
    shutil.copytree(LOCALES_DIR, tmp_path / "locales",
                    ignore=shutil.ignore_patterns("*.mo"))
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text().replace('msgstr "Elija un tema:"', 'msgstr "Escoja un tema:"'))
    i18n = build_i18n(BotConfig(user_hash_secret=b"-", locales_dir=tmp_path / "locales"))
    assert i18n.gettext("Choose a topic:", locale="es") == "Escoja un tema:"
    assert po.with_suffix(".mo").exists()

    # Edited again after compiling: the newer .po wins at the next start.
    po.write_text(po.read_text().replace("Escoja un tema:", "Seleccione un tema:"))
    mo = po.with_suffix(".mo")
    os.utime(mo, (mo.stat().st_atime, po.stat().st_mtime - 10))
    again = build_i18n(BotConfig(user_hash_secret=b"-", locales_dir=tmp_path / "locales"))
    assert again.gettext("Choose a topic:", locale="es") == "Seleccione un tema:"
