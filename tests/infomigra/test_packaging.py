"""The Docker image must install and start the same thing `make` does."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def pip_targets(text: str) -> list[str]:
    """Every `pip install` target naming the project (".", ".[x]", "-e '.[x]'")."""
    targets = []
    for line in text.splitlines():
        if "pip install" not in line:
            continue
        targets += re.findall(r"""(?<![\w/])['"]?\.(\[[\w,-]+\])?['"]?(?=\s|$)""", line)
    return targets


def extras(targets: list[str]) -> set[str]:
    return {x for t in targets for x in t.strip("[]").split(",") if x}


def test_dockerfile_installs_the_project_with_runtime_extras_only() -> None:
    docker = pip_targets((ROOT / "Dockerfile").read_text())
    make = pip_targets((ROOT / "Makefile").read_text())
    defined = set(pyproject()["project"]["optional-dependencies"])
    assert docker, "the Dockerfile must pip install the project"
    assert make, "the Makefile must pip install the project"
    assert extras(make) <= defined and extras(docker) <= defined
    # The image gets what `make` installs minus the development tools.
    assert extras(docker) == extras(make) - {"dev"}


def test_dockerfile_and_makefile_start_the_same_entry_point() -> None:
    scripts = pyproject()["project"]["scripts"]
    assert list(scripts) == ["infomigra"]
    docker = (ROOT / "Dockerfile").read_text()
    entry = re.search(r'^ENTRYPOINT \["([^"]+)"\]', docker, re.M)
    cmd = re.search(r'^CMD \["([^"]+)"\]', docker, re.M)
    assert entry and entry.group(1) == "infomigra"
    run = re.search(r"^run:.*\n\t\$\(BIN\)/(\S+) (\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert run and run.group(1) == "infomigra"
    assert cmd and cmd.group(1) == run.group(2)


def test_catalogs_are_compiled_in_the_image() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    assert "pybabel compile -d locales -D messages" in docker
    assert re.search(r"^USER (?!root)\w+", docker, re.M), "the image must not run as root"
    assert "HEALTHCHECK" in docker
