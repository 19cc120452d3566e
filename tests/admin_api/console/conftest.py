"""The console in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

One browser and one live server for the whole package: uvicorn in a thread, owning its Redis
connection (database 1 of the embedded server, so the other tests' per-test flushes of database
0 never touch it), seeded once with the shipped content, a key per role, statistics over two
weeks and an inbox. Each test gets a fresh browser context (its own cookies) and uses entry ids
of its own, so tests do not depend on each other's order.

Without Chromium the browser tests are skipped with one line; with ``CI=true`` they fail.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI

from admin_api import ApiConfig, ApiServices, create_app
from faq.alerts import load_topics
from faq.apikeys import ApiKeyRegistry, Role
from faq.loader import Content
from faq.matcher import Candidate, Decision, MatchResult
from faq.models import Entry
from infomigra.api_runner import api_services, following_changes
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import Services, build_services, redis_client
from infomigra.settings import Settings
from tests.admin_api.conftest import ThreadServer
from tests.admin_api.helpers import new_entry
from tests.conftest import TEST_CHAT_KEY, TEST_HASH_SECRET, FakeClock

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"
VENDOR = Path(__file__).with_name("vendor")
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "console"
T = TypeVar("T")

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None  # type: ignore[assignment]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if (CHROMIUM and sync_playwright is not None) or IN_CI:
        return
    skip = pytest.mark.skip(reason="browser tests skipped: no `chromium` on PATH "
                                   "(apt-get install chromium); CI=true makes this a failure")
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here) and "browser" in item.keywords:
            item.add_marker(skip)


def in_thread(work: Callable[[], Awaitable[T]]) -> T:
    """Run async set-up code from a sync browser test (Playwright's loop owns this thread)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()  # type: ignore[arg-type]


@dataclass
class Console:
    url: str
    redis_url: str
    settings: Settings
    content: Content
    keys: dict[Role, str]

    @contextlib.asynccontextmanager
    async def _services(self, clock: Callable[[], datetime] | None = None
                        ) -> AsyncIterator[Services]:
        redis = redis_client(self.redis_url)
        try:
            yield build_services(self.settings, redis, self.content,
                                 clock=clock or (lambda: datetime.now(UTC)))
        finally:
            await redis.aclose()

    def run(self, work: Callable[[Services], Awaitable[T]],
            clock: Callable[[], datetime] | None = None) -> T:
        """``work(services)`` on the console's database, from a sync test."""
        async def go() -> T:
            async with self._services(clock) as services:
                return await work(services)

        return in_thread(go)


async def _seed(console: Console) -> dict[Role, str]:
    async with console._services() as services:
        await services.redis.flushdb()
        await services.store.seed(console.content.entries, console.content.categories)
        if services.alerts is not None:
            await services.alerts.seed_topics(load_topics())
        registry = ApiKeyRegistry(services.redis, services.keys)
        keys = {role: (await registry.create(role, f"{role.value} de prueba"))[0]
                for role in Role}
    now = datetime.now(UTC)
    for days_ago in range(14):
        clock = FakeClock(now - timedelta(days=days_ago))
        async with console._services(clock) as services:
            for n in range(3 + days_ago % 4):
                await services.stats.record_question(MatchResult(
                    "pasaporte", Decision.ANSWER, (Candidate("passport-application", 0.9),)),
                    "es", f"u{n}")
            await services.stats.record_question(MatchResult(
                "visa", Decision.SUGGEST, (Candidate("passport-application", 0.55),)), "en", "u9")
            await services.stats.record_feedback("passport-application", "up", None)
            if days_ago % 3 == 0:
                await services.stats.record_feedback("privacy", "down", None)
    return keys


@pytest.fixture(scope="package")
def console(redis_server: EmbeddedRedis, content: Content,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    url = f"{redis_server.url}?db=1"
    settings = Settings(data_dir=tmp_path_factory.mktemp("console-var"), redis_url=url,
                        user_hash_secret=TEST_HASH_SECRET, helpdesk_enabled=True,
                        alerts_enabled=True, chat_key=TEST_CHAT_KEY,
                        _env_file=None)  # type: ignore[call-arg]
    console = Console("", url, settings, content, {})
    console.keys = in_thread(lambda: _seed(console))

    @contextlib.asynccontextmanager
    async def connect() -> AsyncIterator[ApiServices]:
        async with console._services() as services:
            await services.live.refresh()
            async with following_changes(services):
                yield api_services(services)

    config = ApiConfig(languages=tuple(settings.languages), tz=settings.tz, docs=False,
                       secure_cookies=False)
    app: FastAPI = create_app(config=config, connect=connect)
    server = ThreadServer(app)

    async def start() -> None:
        await server.start()

    in_thread(start)
    console.url = server.url
    try:
        yield console
    finally:
        server.server.should_exit = True
        server.thread.join(20)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None or sync_playwright is None:
        pytest.fail("CI=true but there is no `chromium` on PATH (or no playwright): "
                    ".ci/run installs it with apt-get")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="es-GT", viewport={"width": 1100, "height": 900})
    ctx.set_default_timeout(10_000)
    # Injected by the browser itself, so the console's CSP (no inline script) stays as it is.
    ctx.add_init_script(path=str(VENDOR / "axe.min.js"))
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("dialog", lambda dialog: dialog.dismiss())
    yield tab
    # A CSP violation or a script error shows up here: the console runs no inline code.
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def sign_in(page: Page, console: Console, role: Role | str) -> None:
    page.goto(f"{console.url}/console/login")
    page.get_by_label("Su clave de acceso").fill(console.keys[Role(role)])
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(lambda url: "/login" not in url)


def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's critical and serious violations on the current page."""
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
            .map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.map(n => n.target).slice(0, 5)}));
    }""")
    return list(result)


def shot(page: Page, name: str) -> None:
    """A screenshot for docs/console/ when CONSOLE_SCREENSHOTS=1 (kept small: JPEG-like PNG
    of the viewport only)."""
    if os.environ.get("CONSOLE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def make_entry(console: Console, entry_id: str, *, actor: str = "Ana (key seed)",
               **changes: Any) -> Entry:
    """A published entry of the test's own, saved as another staff member would."""
    body = new_entry(entry_id, **changes)
    entry = Entry.model_validate(body)

    async def save(services: Services) -> Entry:
        return await services.store.save(entry, expected_version=0, actor=actor)

    return console.run(save)


def get_entry(console: Console, entry_id: str) -> Entry | None:
    async def read(services: Services) -> Entry | None:
        return await services.store.get(entry_id)

    return console.run(read)


def ask(console: Console, text: str, lang: str = "es", user: str = "u1",
        candidates: tuple[Candidate, ...] = ()) -> None:
    """An unanswered question, recorded as the bot records it (redacted into the inbox)."""
    async def record(services: Services) -> None:
        await services.stats.record_question(MatchResult(text, Decision.NONE, candidates),
                                             lang, user)

    console.run(record)
