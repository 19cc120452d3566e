"""Do the lock files still satisfy pyproject.toml? Exit 0 when they do, 1 (saying what is
missing) when a dependency was added or its bounds changed without ``make lock``.

Run by ``make install`` with the virtual environment's Python (plain pip, nothing installed yet:
it uses pip's own copy of ``packaging``) and by the packaging tests. Usage:
``lock_check.py [--quiet]``; ``lock_check.py --build-requires`` prints ``[build-system]
requires``, one a line, for ``make lock`` to lock.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # a fresh venv: only pip is there
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
BUILD_LOCK = ROOT / "requirements-build.lock"
# What each lock must cover: the image installs the runtime one, `make install` the dev one.
DEV_EXTRAS = ("embedded", "dev")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def pins(lock: Path) -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in _PIN.findall(lock.read_text())}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def build_requires() -> list[str]:
    return list(pyproject()["build-system"]["requires"])


def requirements(extras: tuple[str, ...] | None = ()) -> list[Requirement]:
    """The runtime requirements plus ``extras``; ``None``: the build requirements."""
    if extras is None:
        return [Requirement(text) for text in build_requires()]
    project = pyproject()["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project.get("optional-dependencies", {}).get(extra, [])
    return [Requirement(text) for text in wanted]


def problems() -> list[str]:
    found = []
    locks: list[tuple[Path, tuple[str, ...] | None]] = [
        (RUNTIME_LOCK, ()), (DEV_LOCK, DEV_EXTRAS), (BUILD_LOCK, None)]
    for lock, extras in locks:
        if not lock.exists():
            found.append(f"{lock.name} is missing")
            continue
        pinned = pins(lock)
        for req in requirements(extras):
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            version = pinned.get(canonicalize_name(req.name))
            if version is None:
                found.append(f"{lock.name} has no {req.name}")
            elif not req.specifier.contains(version, prereleases=True):
                found.append(f"{lock.name} pins {req.name}=={version}, outside {req.specifier}")
    if RUNTIME_LOCK.exists() and DEV_LOCK.exists():
        dev = pins(DEV_LOCK)
        for name, version in pins(RUNTIME_LOCK).items():
            if dev.get(name) != version:
                found.append(f"{name}: {version} in {RUNTIME_LOCK.name} but {dev.get(name)} in "
                             f"{DEV_LOCK.name} (tests would not run what the image ships)")
    return found


def main() -> int:
    if "--build-requires" in sys.argv:
        print("\n".join(build_requires()))
        return 0
    found = problems()
    if found and "--quiet" not in sys.argv:
        print("the lock files do not match pyproject.toml:\n  " + "\n  ".join(found),
              file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
