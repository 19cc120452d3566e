"""The previewed upload kept for its confirmation, and import problems in Spanish (no browser)."""

from __future__ import annotations

from admin_api.config import ApiConfig
from admin_api.console.i18n import ConsoleI18n
from admin_api.console.imports import ImportStash, Previewed, shown_problems
from faq.exchange import ExchangeError, Problem, entries_from_upload
from faq.keys import Keys
from infomigra.redis_server import EmbeddedRedis
from infomigra.runtime import redis_client
from tests.admin_api.console.conftest import in_thread


def test_a_preview_is_taken_once_and_only_by_its_own_session(
        redis_server: EmbeddedRedis) -> None:
    # Sync, with its own loop in a thread: this package's browser holds the test loop.
    async def check() -> None:
        redis = redis_client(f"{redis_server.url}?db=2")
        try:
            await redis.delete(Keys().console_import("session-a"))
            stash = ImportStash(redis, Keys())
            token = await stash.put("session-a", Previewed("entries: []", "faq.yaml",
                                                           {"visa": 3}))
            assert await stash.take("session-b", token) is None  # another session's token
            assert await stash.take("session-a", "not-the-token") is None
            taken = await stash.take("session-a", token)
            assert taken == Previewed("entries: []", "faq.yaml", {"visa": 3})
            assert await stash.take("session-a", token) is None  # a reloaded confirm
            first = await stash.put("session-a", Previewed("a", "a.yaml", {}))
            await stash.put("session-a", Previewed("b", "b.yaml", {}))
            assert await stash.take("session-a", first) is None  # replaced by a newer one
            assert 0 < await redis.ttl(Keys().console_import("session-a")) <= 15 * 60
        finally:
            await redis.aclose()

    in_thread(check)


def _spanish(raw: bytes, name: str) -> list[str]:
    i18n = ConsoleI18n(ApiConfig().locales_dir, ("es", "en"))
    try:
        entries_from_upload(raw, filename=name, max_entries=1)
    except ExchangeError as exc:
        return [f"{p.where} | {p.field} | {p.text}" for p in shown_problems(
            exc.problems, i18n.gettext("es"), i18n.ngettext("es"), "es")]
    raise AssertionError("the file was accepted")


def test_file_problems_are_plain_spanish() -> None:
    assert _spanish(b"entries: [{id: a}, {id: b}]", "x.yaml") == [
        "El archivo |  | El archivo tiene 2 entradas; se pueden importar como máximo 1 de una "
        "vez. Divida el archivo."]
    assert _spanish(b"a: &x [1]\nb: *x\n", "x.yaml") == [
        "El archivo |  | El archivo usa alias de YAML (*nombre), que no se permiten."]
    assert _spanish(b"id,colour\nvisa,red\n", "x.csv") == [
        "La primera fila (nombres de columnas) | colour | Esta columna no se conoce."]
    problems = _spanish(b"id,category\nNo Valida,documents\n", "x.csv")
    assert any(p.startswith("Fila 2 (No Valida) | Identificador | Use letras minúsculas")
               for p in problems), problems
    assert "Fila 2 (No Valida) | Idiomas | Escriba la pregunta y la respuesta en al menos un " \
           "idioma." in problems
    assert not [p for p in problems if "must" in p or "translations" in p]  # no English
    shown = shown_problems([Problem("entry visa", "related", "there is no entry 'x' to "
                                                             "relate to")],
                           lambda s: s, lambda s, p, n: s if n == 1 else p, "en")
    assert [(s.where, s.field) for s in shown] == [("Entry visa", "Related entries")]
