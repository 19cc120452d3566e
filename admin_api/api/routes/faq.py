"""FAQ entries: list, read, create, edit, archive, history, rollback, import and export.

Every write names the version it was based on (If-Match) and goes through ``FaqStore``, whose
save script refuses stale versions atomically, keeps the history and publishes the change notice
that makes every bot process rebuild its matcher.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse

from faq.exchange import (
    ExchangeError,
    Problem,
    changed_fields,
    collection_paused,
    csv_languages,
    entries_from_upload,
    entries_to_csv,
    entries_to_yaml,
)
from faq.models import Entry, LanguageCode, Slug, Status
from faq.store import EntryFilter, FaqStore, VersionConflict
from faq.text import normalise
from faq.usecases import AlreadyCurrent, EntryExists, FaqService, ImportResult, VersionMissing

from ...deps import (
    ConfigDep,
    EditorDep,
    FaqServiceDep,
    IfMatchHeader,
    ReaderDep,
    StoreDep,
    parse_if_match,
)
from ...errors import ApiError
from ...schemas.common import AUTH_ERRORS, CONCURRENCY, INVALID, NOT_FOUND
from ...schemas.faq import (
    EntryCreate,
    EntryFields,
    EntryOut,
    EntryPage,
    EntrySaved,
    EntryUpdate,
    HistoryOut,
    ImportedEntry,
    ImportReport,
    VersionSummary,
)

router = APIRouter(prefix="/faq", tags=["faq"], responses=AUTH_ERRORS)

EntryIdPath = Annotated[str, Path(max_length=200, description="The entry's id (slug)")]
VersionPath = Annotated[int, Path(ge=1, le=10**9, description="A version number")]
SEARCH_CHUNK = 500  # entries read per MGET during a text search (bounded replies)


def etag(entry: Entry) -> str:
    return f'"{entry.version}"'


def _with_etag(response: Response, entry: Entry) -> EntryOut:
    response.headers["ETag"] = etag(entry)
    return EntryOut.of(entry)


def _saved(response: Response, entry: Entry) -> EntrySaved:
    """A create/replace reply: the entry with advice (few alternates) for the editor."""
    response.headers["ETag"] = etag(entry)
    return EntrySaved.of(entry)


async def _require(store: FaqStore, entry_id: str) -> Entry:
    entry = await store.get(entry_id)
    if entry is None:
        raise ApiError(404, f"There is no FAQ entry {entry_id!r}.", details={"entry": entry_id})
    return entry


async def validated(service: FaqService, body: EntryFields, entry_id: str) -> Entry:
    """The entry ``body`` describes, or one 422 listing every problem at once: the entry's own
    rules (published needs sources, ...) and its fit with the FAQ (related ids, languages)."""
    data = body.model_dump(exclude={"id", "version", "updated_at", "updated_by", "warnings"})
    data["translations"] = dict(body.translations)
    data["sources"] = list(body.sources)
    return await service.validate(data, entry_id)


def _stale(entry: Entry, expected: int) -> ApiError:
    return ApiError(412, f"Entry {entry.id!r} was changed by someone else (it is now at version "
                         f"{entry.version}, you sent {expected}); nothing was saved. Reload it, "
                         "redo your change and save again.",
                    details={"entry": entry.id, "current_version": entry.version,
                             "your_version": expected},
                    headers={"ETag": etag(entry)})


def _searchable(entry: Entry) -> str:
    parts = [entry.id, *entry.tags]
    for tr in entry.translations.values():
        parts += [tr.question, *tr.alternates, tr.answer]
    return normalise(" ".join(parts))


# -- export / import (declared before /{entry_id} so their paths win) -------------------------

@router.get("/export", summary="Download every entry as YAML or CSV",
            response_class=PlainTextResponse,
            responses={200: {"content": {"application/yaml": {}, "text/csv": {}},
                             "description": "The entries, as a file"}})
async def export_entries(store: StoreDep, config: ConfigDep, who: ReaderDep,
                         fmt: Annotated[Literal["yaml", "csv"], Query(alias="format")] = "yaml",
                         status: Status | None = None) -> Response:
    entries = [e for e in await store.list_entries() if status is None or e.status is status]
    stamp = datetime.now(config.tz).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        body = entries_to_csv(entries, csv_languages(entries, config.languages))
        media = "text/csv; charset=utf-8"
    else:
        body = entries_to_yaml(entries)
        media = "application/yaml; charset=utf-8"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="infomigra-faq-{stamp}.{fmt}"'})


def _import_report(result: ImportResult, dry_run: bool) -> str:
    """The import's answer as JSON (CPU only: run in a worker thread)."""
    with collection_paused():
        report = [ImportedEntry.model_validate({"id": entry_id, "action": action, "changes": [
                      c.as_dict() for c in result.changes[entry_id]]})
                  for entry_id, action in result.plan]
        return ImportReport(dry_run=dry_run, written=len(result.written),
                            added=result.count("add"), updated=result.count("update"),
                            unchanged=result.count("unchanged"), entries=report
                            ).model_dump_json()


@router.post("/import", summary="Import entries from a YAML or CSV file (all or nothing)",
             response_model=ImportReport, responses={**INVALID, 409: {
                 "description": "An entry changed during the import; nothing was written"},
                 413: {"description": "The file is too large (bytes or entries)"}})
async def import_entries(
        service: FaqServiceDep, config: ConfigDep, who: EditorDep,
        file: Annotated[UploadFile, File(description="entries as exported (YAML or CSV)")],
        dry_run: Annotated[bool, Query(description="Only report what would change")] = False,
        fmt: Annotated[Literal["auto", "yaml", "csv"], Query(
            alias="format", description="auto: by file name (.csv) or content type")] = "auto",
) -> Response:
    """Every entry in the file is validated, and checked against the rest of the FAQ, before
    anything is written; then all changed entries are saved in one atomic step. With
    ``dry_run=true`` the answer lists, per entry, the fields that would change."""
    raw = await file.read(config.max_import_bytes + 1)
    if len(raw) > config.max_import_bytes:
        raise ApiError(413, f"The file is larger than {config.max_import_bytes:,} bytes.")
    # Parsing and validating a large file is seconds of CPU: in a worker thread, so the bot
    # and every other request keep being answered meanwhile.
    incoming = await asyncio.to_thread(
        entries_from_upload, raw, filename=file.filename or "",
        content_type=file.content_type or "", fmt=fmt, max_entries=config.max_import_entries)
    try:
        result = await service.import_entries(
            incoming, actor=who.actor, dry_run=dry_run,
            where={e.id: f"entry {e.id}" for e in incoming},
            detail=f"from {file.filename or 'upload'}")
    except VersionConflict as exc:
        raise ApiError(409, f"Entry {exc.entry_id!r} was changed while importing; nothing "
                            "was imported. Run the import again.",
                       details={"entry": exc.entry_id}) from exc
    # The report names every changed field of every entry: megabytes for a big file, so it is
    # built and serialised in the worker thread too (a Response is passed through as it is).
    body = await asyncio.to_thread(_import_report, result, dry_run)
    return Response(body, media_type="application/json")


# -- collection --------------------------------------------------------------------------------

@router.get("", summary="List entries, ordered by id (filters and pagination)",
            response_model=EntryPage, responses=INVALID)
async def list_entries(
        store: StoreDep, config: ConfigDep, who: ReaderDep,
        category: Slug | None = None,
        status: Status | None = None,
        language: Annotated[LanguageCode | None, Query(
            description="Only entries translated into this language")] = None,
        reviewed_before: Annotated[date | None, Query(
            description="Only entries never reviewed or last reviewed before this day "
                        "(e.g. six months ago: entries due for a review)")] = None,
        q: Annotated[str | None, Query(max_length=200,
                                       description="Text search (accents and case ignored)")]
        = None,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = 50) -> EntryPage | Response:
    """Pages come from the indexes the save script keeps (one sorted set per category, status
    and language, and the review dates): a page reads its own entries, not the FAQ. Only a text
    search (``q``) reads the entries the other filters leave, in chunks."""
    if language is not None and language not in config.languages:
        raise ExchangeError([Problem("query parameter", "language",
                                     f"language {language!r} is not offered; the service "
                                     f"speaks {', '.join(config.languages)}")])
    where = EntryFilter(category=category, status=status, language=language,
                        reviewed_before=reviewed_before)
    if not q:
        # The stored documents are the entries as validated at save time, field for field what
        # EntryOut shows (a test holds them equal): passed on unparsed, a page of 50 costs its
        # MGET, not 50 validations and serialisations (10 ms -> 1 ms of CPU per page).
        documents, total = await store.page_documents(where, offset=offset, limit=limit)
        return Response(f'{{"items":[{",".join(documents)}],"total":{total},'
                        f'"offset":{offset},"limit":{limit}}}', media_type="application/json")
    needle = normalise(q)
    ids, _ = await store.page(where, limit=None)
    selected: list[Entry] = []
    total = 0
    for start in range(0, len(ids), SEARCH_CHUNK):
        chunk = await store.get_many(ids[start:start + SEARCH_CHUNK])
        for entry_id in ids[start:start + SEARCH_CHUNK]:
            entry = chunk.get(entry_id)
            if entry is not None and needle in _searchable(entry):
                if offset <= total < offset + limit:
                    selected.append(entry)
                total += 1
    return EntryPage(items=[EntryOut.of(e) for e in selected], total=total, offset=offset,
                     limit=limit)


@router.post("", summary="Create an entry", status_code=201, response_model=EntrySaved,
             responses={**INVALID, 409: {"description": "An entry with this id exists"}})
async def create_entry(body: EntryCreate, request: Request, response: Response,
                       service: FaqServiceDep, who: EditorDep) -> EntrySaved:
    entry = await validated(service, body, body.id)
    try:
        saved = await service.create(entry, actor=who.actor)
    except EntryExists as exc:
        raise ApiError(409, f"An entry with id {entry.id!r} already exists; edit it with PUT "
                            "or choose another id.", details={"entry": entry.id}) from exc
    response.headers["Location"] = str(request.app.url_path_for("get_entry",
                                                                 entry_id=saved.id))
    return _saved(response, saved)


# -- one entry ---------------------------------------------------------------------------------

@router.get("/{entry_id}", summary="Read an entry (ETag: its version)",
            response_model=EntryOut, responses=NOT_FOUND)
async def get_entry(entry_id: EntryIdPath, response: Response, store: StoreDep,
                    who: ReaderDep) -> EntryOut:
    return _with_etag(response, await _require(store, entry_id))


@router.put("/{entry_id}", summary="Replace an entry (If-Match required)",
            response_model=EntrySaved, responses={**NOT_FOUND, **INVALID, **CONCURRENCY})
async def update_entry(entry_id: EntryIdPath, body: EntryUpdate, response: Response,
                       store: StoreDep, service: FaqServiceDep, who: EditorDep,
                       if_match: IfMatchHeader = None) -> EntrySaved:
    expected = parse_if_match(if_match)
    assert expected is not None
    if body.id is not None and body.id != entry_id:
        raise ExchangeError([Problem("", "id", f"the body is for {body.id!r} but the address "
                                               f"is for {entry_id!r}; ids cannot be changed")])
    current = await _require(store, entry_id)
    if current.version != expected:
        raise _stale(current, expected)
    entry = await validated(service, body, entry_id)
    try:
        saved = await service.update(entry, expected_version=expected, actor=who.actor)
    except VersionConflict as exc:
        raise _stale(await _require(store, entry_id), exc.expected) from exc
    return _saved(response, saved.entry)  # unchanged content: no new version


@router.delete("/{entry_id}", summary="Archive an entry (If-Match required; history is kept)",
               response_model=EntryOut, responses={**NOT_FOUND, **CONCURRENCY})
async def archive_entry(entry_id: EntryIdPath, response: Response, store: StoreDep,
                        service: FaqServiceDep, who: EditorDep,
                        if_match: IfMatchHeader = None) -> EntryOut:
    expected = parse_if_match(if_match)
    assert expected is not None
    current = await _require(store, entry_id)
    if current.version != expected:
        raise _stale(current, expected)
    try:
        saved = await service.archive(entry_id, expected_version=expected, actor=who.actor)
    except VersionConflict as exc:
        raise _stale(await _require(store, entry_id), exc.expected) from exc
    return _with_etag(response, saved.entry)


@router.get("/{entry_id}/history",
            summary="The kept versions of an entry (the last `history_length`), newest first",
            response_model=HistoryOut, responses=NOT_FOUND)
async def entry_history(entry_id: EntryIdPath, store: StoreDep, who: ReaderDep) -> HistoryOut:
    versions = await store.history(entry_id)
    if not versions:
        raise ApiError(404, f"There is no FAQ entry {entry_id!r}.", details={"entry": entry_id})
    older = [*versions[1:], None]
    return HistoryOut(id=entry_id, current_version=versions[0].version, versions=[
        VersionSummary(version=v.version, status=v.status, updated_at=v.updated_at,
                       updated_by=v.updated_by,
                       changes=changed_fields(prev, v) if prev is not None else [])
        for v, prev in zip(versions, older, strict=True)])


@router.get("/{entry_id}/history/{version}", summary="One earlier (or the current) version",
            response_model=EntryOut, responses=NOT_FOUND)
async def entry_version(entry_id: EntryIdPath, version: VersionPath, store: StoreDep,
                        who: ReaderDep) -> EntryOut:
    entry = await store.version(entry_id, version)
    if entry is None:
        raise ApiError(404, f"Entry {entry_id!r} has no version {version}.",
                       details={"entry": entry_id, "version": version})
    return EntryOut.of(entry)


@router.post("/{entry_id}/rollback/{version}",
             summary="Make an earlier version current again (as a new version)",
             response_model=EntryOut,
             responses={**NOT_FOUND, **INVALID, 409: {"description": "Already current"},
                        412: CONCURRENCY[412]})
async def rollback_entry(entry_id: EntryIdPath, version: VersionPath, response: Response,
                         store: StoreDep, service: FaqServiceDep, who: EditorDep,
                         if_match: IfMatchHeader = None) -> EntryOut:
    """History is never rewritten: the old content is saved as the next version. If-Match is
    optional here (a rollback names exactly what it wants); when sent, it is checked."""
    expected = parse_if_match(if_match, required=False)
    try:
        saved = await service.rollback(entry_id, version, actor=who.actor,
                                       expected_version=expected)
    except VersionConflict as exc:
        raise _stale(await _require(store, entry_id), exc.expected) from exc
    except VersionMissing as exc:
        raise ApiError(404, f"Entry {entry_id!r} has no version {version}.",
                       details={"entry": entry_id, "version": version}) from exc
    except AlreadyCurrent as exc:
        raise ApiError(409, f"Version {version} is already the current version of "
                            f"{entry_id!r}.", details={"current_version": version}) from exc
    return _with_etag(response, saved)
