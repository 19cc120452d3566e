"""Import entries from a YAML or CSV file: preview first, then "Importar" writes exactly that.

The upload goes through the same parser, limits and use case as ``POST /api/v1/faq/import``
(``faq.exchange.entries_from_upload``, ``FaqService.import_entries``). The preview is a dry run;
the previewed file stays server-side for the confirmation (``imports.ImportStash``), and the
confirmation passes the versions the preview was planned on, so an entry changed in between
refuses the whole import (nothing written) instead of writing something nobody saw.
After success: POST/redirect/GET with the summary in the session's one-time flash.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from faq.apikeys import Role
from faq.exchange import ExchangeError, entries_from_upload
from faq.models import Entry
from faq.store import VersionConflict
from faq.usecases import ImportResult

from .imports import ImportStash, Previewed, shown_problems
from .routes_auth import PageDep
from .web import COOKIE, PREFIX, Page, Refused

router = APIRouter(include_in_schema=False)
ACCEPTED_SUFFIXES = (".yaml", ".yml", ".csv")
# The ids a summary links to after an import: the flash lives in the session hash, so it stays
# small; a larger import says how many more there were (the audit log lists them all).
SUMMARY_IDS = 100


def _stash(page: Page) -> ImportStash:
    return ImportStash(page.state.services.store.redis, page.state.services.store.keys)


def _form(page: Page, status: int = 200, **values: object) -> Response:
    return page.render("import.html", http_status=status,
                       max_mb=page.state.config.max_import_bytes / 1_000_000, **values)


def _refused(page: Page, exc: ExchangeError, name: str) -> Response:
    problems = shown_problems(exc.problems[:100], page.gettext, page.ngettext, page.lang)
    return _form(page, 422, problems=problems, more=max(0, len(exc.problems) - 100),
                 name=name)


async def _parse(page: Page, raw: bytes, name: str) -> list[Entry]:
    # Seconds of CPU for a big file: in a worker thread, as the API does.
    return await asyncio.to_thread(entries_from_upload, raw, filename=name,
                                   max_entries=page.state.config.max_import_entries)


@router.get("/import")
async def import_form(page: PageDep, done: str = "") -> Response:
    page.require(Role.EDITOR)
    summary = None
    if done:
        flash = await page.sessions.take_flash(page.request.cookies.get(COOKIE))
        summary = flash.get("import") if flash else None
    return _form(page, summary=summary if isinstance(summary, dict) else None,
                 already_shown=bool(done) and summary is None)


@router.post("/import")
async def preview_import(page: PageDep) -> Response:
    session = page.require(Role.EDITOR)
    _ = page.gettext
    config = page.state.config
    data = await page.form(config.import_body_bytes)
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _form(page, 422, error=_("Choose a file to import."))
    name = upload.filename[:200]
    if not name.lower().endswith(ACCEPTED_SUFFIXES):
        return _form(page, 422, error=_("Choose a YAML file (.yaml or .yml) or a CSV file "
                                        "(.csv), as the console or the API exports them."),
                     name=name)
    raw = await upload.read(config.max_import_bytes + 1)
    if len(raw) > config.max_import_bytes:
        return _form(page, 413, name=name, error=_(
            "The file is larger than {mb:.0f} MB; nothing was read. Split it into smaller "
            "files.").format(mb=config.max_import_bytes / 1_000_000))
    try:
        incoming = await _parse(page, raw, name)
        result = await page.state.faq.import_entries(incoming, actor=page.actor, dry_run=True)
    except ExchangeError as exc:
        return _refused(page, exc, name)
    token = ""
    if any(action != "unchanged" for _id, action in result.plan):
        # It was parsed, so it is UTF-8; the confirm re-parses the very same text.
        text = raw.decode("utf-8-sig")
        token = await _stash(page).put(session.digest, Previewed(text, name, result.based_on))
    return _form(page, name=name, result=result, token=token)


def _summary(result: ImportResult, name: str) -> dict[str, object]:
    changed = [entry_id for entry_id, action in result.plan if action != "unchanged"]
    return {"name": name, "added": result.count("add"), "updated": result.count("update"),
            "unchanged": result.count("unchanged"), "ids": changed[:SUMMARY_IDS],
            "more": max(0, len(changed) - SUMMARY_IDS)}


@router.post("/import/apply")
async def apply_import(page: PageDep) -> Response:
    session = page.require(Role.EDITOR)
    _ = page.gettext
    data = await page.form()
    token = data.get("token")
    previewed = await _stash(page).take(session.digest, token if isinstance(token, str) else "")
    if previewed is None:
        raise Refused(409, _("Nothing to import"), _(
            "This preview was already imported, replaced by another one or has expired. "
            "Upload the file again to see a new preview; nothing was imported now."))
    try:
        incoming = await _parse(page, previewed.text.encode(), previewed.name)
        result = await page.state.faq.import_entries(
            incoming, actor=page.actor, expected_versions=previewed.based_on,
            detail=f"from {previewed.name} (console)")
    except VersionConflict as exc:
        return _form(page, 412, name=previewed.name, conflict=exc.entry_id)
    except ExchangeError as exc:  # the FAQ moved on (a related entry archived, say)
        return _refused(page, exc, previewed.name)
    await page.sessions.put_flash(str(page.request.cookies.get(COOKIE)),
                                  {"import": _summary(result, previewed.name)})
    return page.redirect(f"{PREFIX}/import?done=1")
