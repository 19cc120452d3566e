"""The console's pieces without a browser: the Telegram preview, plain field errors, the
language choice and session expiry."""

from __future__ import annotations

import asyncio

from admin_api.config import ApiConfig
from admin_api.console.forms import field_errors
from admin_api.console.i18n import ConsoleI18n, pick_language
from admin_api.console.preview import render
from admin_api.console.sessions import SessionStore
from faq.apikeys import ApiKeyRegistry, digest_of
from faq.exchange import Problem
from faq.keys import Keys
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import redis_client
from tests.admin_api.console.conftest import in_thread


def test_the_preview_keeps_telegram_formatting_and_nothing_else() -> None:
    html, problem = render('<b>Hola</b> &amp; <a href="https://igm.gob.gt">IGM</a>\nfin')
    assert problem is None
    assert html == ('<b>Hola</b> &amp; <a href="https://igm.gob.gt" rel="noopener noreferrer" '
                    'target="_blank">IGM</a><br>fin')
    assert render('<a href="javascript:alert(1)">x</a>')[0] == ""
    assert "not allowed" in (render("<img src=x onerror=alert(1)>")[1] or "")


def test_core_problems_land_next_to_their_field_in_spanish() -> None:
    i18n = ConsoleI18n(ApiConfig().locales_dir, ("es", "en"))
    es = i18n.gettext("es")
    errors = field_errors([
        Problem("", "translations.es.answer", "tag <div> is not allowed (use b, i, u, s, a, "
                                              "code, pre, blockquote)"),
        Problem("", "sources.0.url", "must be a web address starting with http:// or https://"),
        Problem("", "entry", "a published entry needs reviewed_on (the date it was checked)"),
        Problem("", "related", "there is no entry 'nada' to relate to")], es, i18n.ngettext("es"))
    assert errors == {
        "answer_es": ["Telegram no acepta <div>; use b, i, u, s, a, code, pre o blockquote."],
        "sources": ["Escriba una dirección web completa que empiece con https://"],
        "reviewed_on": ["Una entrada publicada necesita la fecha en que se revisaron sus datos."],
        "related": ["No existe la entrada nada para relacionarla."]}


def test_language_is_the_choice_then_the_browser_then_spanish() -> None:
    offered = ("es", "en")
    assert pick_language("en", "es-GT,es;q=0.9", offered, "es") == "en"
    assert pick_language(None, "fr-FR,en-US;q=0.8,es;q=0.5", offered, "es") == "en"
    assert pick_language(None, "de-DE", offered, "es") == "es"
    assert pick_language("xx", None, offered, "es") == "es"


def test_a_session_expires_when_idle_and_with_its_key(redis_server: EmbeddedRedis) -> None:
    # Sync, with its own loop in a thread: this package's browser holds the test loop.
    async def check() -> None:
        redis = redis_client(f"{redis_server.url}?db=2")
        try:
            keys = Keys()
            registry = ApiKeyRegistry(redis, keys)
            secret, info = await registry.create("editor", "Ana")
            sessions = SessionStore(redis, keys, registry, idle_seconds=1)
            token = await sessions.open(digest_of(secret), "es")
            assert (await sessions.load(token)) is not None
            assert token not in str(await redis.keys("*"))  # stored by its hash only
            await asyncio.sleep(1.2)
            assert await sessions.load(token) is None  # idle too long
            token = await sessions.open(digest_of(secret), "es")
            await registry.revoke(info.id)
            assert await sessions.load(token) is None  # the key was revoked
        finally:
            await redis.flushdb()
            await redis.aclose()

    in_thread(check)
