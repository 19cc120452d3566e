"""Build hook: the gettext catalogs travel inside the wheel, as ``infomigra/locales``.

The catalogs live at the top of the checkout, where translators and ``make catalogs`` work on
them; an installed wheel has no checkout, so building one copies ``locales/`` into the package
and compiles each ``.po`` to the ``.mo`` aiogram loads (the console reads the ``.po``). An
editable install (``make install``) reads the checkout's ``locales/`` directly instead.
Everything else about the package is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = Path(__file__).resolve().parent / "locales"


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "infomigra" / "locales"
        shutil.copytree(CATALOGS, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.mo", "*~", "__pycache__"))
        for po in sorted(target.glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as out:
                write_mo(out, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
