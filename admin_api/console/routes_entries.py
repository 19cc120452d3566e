"""Entries: list and search, create, edit every field, archive, preview, history, rollback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from faq.apikeys import Role
from faq.exchange import ExchangeError, FieldChange, Problem, _flatten, diff_entries
from faq.inbox import ClusterNotFound
from faq.models import Entry, Status
from faq.store import EntryFilter, EntryNotFound, VersionConflict
from faq.text import normalise
from faq.usecases import AlreadyCurrent, EntryExists, VersionMissing

from . import preview
from .forms import EntryForm, answer_problems, field_errors
from .labels import field_label, show_value
from .routes_auth import PageDep
from .web import PREFIX, Page, Refused

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# "Not reviewed for 6 months": facts about visas and fees change; the facts brief asks for a
# review at least twice a year.
STALE_AFTER = timedelta(days=183)


def _searchable(entry: Entry) -> str:
    parts = [entry.id, *entry.tags]
    for tr in entry.translations.values():
        parts += [tr.question, *tr.alternates]
    return normalise(" ".join(parts))


async def _entry(page: Page, entry_id: str) -> Entry:
    entry = await page.state.services.store.get(entry_id)
    if entry is None:
        _ = page.gettext
        raise Refused(404, _("Not found"), _("There is no entry {id}.").format(id=entry_id))
    return entry


@router.get("/entries")
async def entries(page: PageDep, q: str = "", category: str = "", status: str = "",
                  stale: str = "", offset: int = 0) -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    store = page.state.services.store
    needle = normalise(q[:200]) if q else ""
    limit_day = page.today() - STALE_AFTER
    known_status = status in {s.value for s in Status}
    where = EntryFilter(category=category or None,
                        status=Status(status) if known_status else None,
                        reviewed_before=limit_day if stale else None)
    offset = max(0, offset)
    if status and not known_status:
        items, total = [], 0
    elif not needle:  # a page from the indexes: reads its own entries, not the FAQ
        found = await store.page_entries(where, offset=offset, limit=PAGE_SIZE)
        items, total = found.entries, found.total
        if offset > total:
            offset = total
    else:  # a text search reads the entries the filters leave
        ids, _ = await store.page(where, limit=None)
        by_id = await store.get_many(ids)
        selected = [by_id[i] for i in ids if i in by_id and needle in _searchable(by_id[i])]
        offset = min(offset, len(selected))
        items, total = selected[offset:offset + PAGE_SIZE], len(selected)
    values: dict[str, Any] = {
        "items": items, "total": total,
        "offset": offset, "size": PAGE_SIZE, "q": q, "category": category, "status": status,
        "stale": stale, "categories": await store.categories(), "limit_day": limit_day}
    if page.is_htmx:
        return page.render("_entries_table.html", **values)
    return page.render("entries.html", **values)


async def _form_page(page: Page, form: EntryForm, *, creating: bool, status: int = 200,
                     errors: dict[str, list[str]] | None = None,
                     conflict: list[dict[str, Any]] | None = None,
                     cluster: str = "") -> HTMLResponse:
    store = page.state.services.store
    previews = {}
    for lang, tr in form.translations.items():
        html, _problem = preview.render(tr["answer"]) if tr["answer"] else ("", None)
        previews[lang] = {"html": html,
                          "problems": answer_problems(tr["answer"], page.gettext)
                          if tr["answer"] else []}
    ids, _ = await store.page(limit=None)  # every id, from the index (no entry is read)
    return page.render("entry_form.html", http_status=status, form=form, creating=creating,
                       errors=errors or {}, previews=previews, conflict=conflict or [],
                       categories=await store.categories(), statuses=[s.value for s in Status],
                       entry_ids=ids, cluster=cluster, today=page.today().isoformat())


@router.get("/entries/new")
async def new_entry(page: PageDep, cluster: str = "", lang: str = "", question: str = "",
                    answer: str = "") -> Response:
    page.require(Role.EDITOR)
    form = EntryForm.blank(page.state.config.languages)
    if lang in form.translations:  # from a conversation: its question and the staff reply
        form.translations[lang]["question"] = question[:300]
        form.translations[lang]["answer"] = answer[:4000]
    if cluster:
        try:
            found = await page.state.inbox.cluster(cluster)
        except ClusterNotFound:
            found = None
        if found is not None:
            lang = found.main_language if found.main_language in form.translations else \
                page.state.config.default_language
            wordings = found.phrasings(lang)
            form.translations[lang]["question"] = wordings[0][:300] if wordings else ""
            form.translations[lang]["alternates"] = [w[:300] for w in wordings[1:60]]
    return await _form_page(page, form, creating=True, cluster=cluster)


@router.post("/entries/new")
async def create_entry(page: PageDep) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    data = await page.form()
    form = EntryForm.parse(data, page.state.config.languages, page.today())
    cluster = str(data.get("cluster") or "")
    service = page.state.faq
    try:
        entry = await service.validate(form.data(), form.id)
        saved = await service.create(entry, actor=page.actor)
    except ExchangeError as exc:
        return await _form_page(page, form, creating=True, status=422, cluster=cluster,
                                errors=field_errors([*exc.problems,
                                                     *form.publishing_problems()], _,
                                                    page.ngettext, _first_question(page),
                                                    form.answer_inputs()))
    except EntryExists:
        errors = {"id": [_("An entry with this identifier exists already; choose another.")]}
        return await _form_page(page, form, creating=True, status=409, errors=errors,
                                cluster=cluster)
    if cluster:
        await page.state.inbox.resolve(cluster)
    return page.redirect(f"{PREFIX}/entries/{saved.id}?msg=created")


@router.get("/entries/{entry_id}")
async def edit_entry(page: PageDep, entry_id: str) -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    entry = await _entry(page, entry_id)
    return await _form_page(page, EntryForm.of(entry, page.state.config.languages),
                            creating=False)


def _merge(base: dict[str, Any], theirs: dict[str, Any], mine: dict[str, Any]
           ) -> dict[str, Any]:
    """Per field: the editor's value where they changed it, else the other person's."""
    merged: dict[str, Any] = {}
    for path in set(base) | set(theirs) | set(mine):
        merged[path] = mine.get(path) if mine.get(path) != base.get(path) else theirs.get(path)
    return merged


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _comparable(data: dict[str, Any], languages: tuple[str, ...]) -> dict[str, Any]:
    """Form data shaped like ``Entry.content()``, so the three versions compare field by field."""
    translations = {lang: data.get("translations", {}).get(lang) or
                    {"question": "", "alternates": [], "answer": ""} for lang in languages}
    return _flatten({**{k: v for k, v in data.items() if k != "translations"},
                     "reviewed_on": data.get("reviewed_on"), "translations": translations})


async def _conflict(page: Page, form: EntryForm, current: Entry) -> HTMLResponse:
    """412: show what the other person changed, with a form that already holds both changes."""
    store = page.state.services.store
    languages = page.state.config.languages
    base_entry = await store.version(current.id, form.version)
    base = _comparable(base_entry.content(), languages) if base_entry else {}
    theirs = _comparable(current.content(), languages)
    mine = _comparable(form.data(), languages)
    merged = _unflatten(_merge(base, theirs, mine))
    merged_form = EntryForm.parse_content(merged, languages, current.id, current.version)
    rows = []
    for path in sorted(set(base) | set(theirs)):
        if base.get(path) == theirs.get(path):
            continue
        rows.append({"label": field_label(path, page.gettext, page.lang),
                     "before": show_value(base.get(path)), "theirs": show_value(theirs.get(path)),
                     "mine": show_value(mine.get(path)),
                     "both": mine.get(path) != base.get(path)
                     and mine.get(path) != theirs.get(path)})
    return await _form_page(page, merged_form, creating=False, status=412,
                            conflict=[{"who": current.updated_by or "", "rows": rows}])


@router.post("/entries/{entry_id}")
async def save_entry(page: PageDep, entry_id: str) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    data = await page.form()
    form = EntryForm.parse(data, page.state.config.languages, page.today())
    form.id = entry_id
    service = page.state.faq
    current = await _entry(page, entry_id)
    if current.version != form.version:
        return await _conflict(page, form, current)
    try:
        entry = await service.validate(form.data(), entry_id)
        saved = await service.update(entry, expected_version=form.version, actor=page.actor)
    except ExchangeError as exc:
        return await _form_page(page, form, creating=False, status=422,
                                errors=field_errors([*exc.problems,
                                                     *form.publishing_problems()], _,
                                                    page.ngettext, _first_question(page),
                                                    form.answer_inputs()))
    except VersionConflict:
        return await _conflict(page, form, await _entry(page, entry_id))
    message = "saved" if saved.changed else "unchanged"
    return page.redirect(f"{PREFIX}/entries/{entry_id}?msg={message}")


@router.get("/entries/{entry_id}/archive")
async def archive_confirm(page: PageDep, entry_id: str) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    entry = await _entry(page, entry_id)
    question = entry.translation(page.lang)[1].question
    return page.render(
        "confirm.html", title=_("Archive this entry?"),
        text=_("The bot will stop answering with “{question}”. Its history is kept and you "
               "can restore it at any time.").format(question=question),
        action=f"{PREFIX}/entries/{entry_id}/archive", button=_("Archive"),
        hidden={"version": entry.version}, back=f"{PREFIX}/entries/{entry_id}", changes=[])


@router.post("/entries/{entry_id}/archive")
async def archive(page: PageDep, entry_id: str) -> Response:
    page.require(Role.EDITOR)
    data = await page.form()
    try:
        version = int(str(data.get("version") or 0))
    except ValueError:
        version = 0
    try:
        await page.state.faq.archive(entry_id, expected_version=version, actor=page.actor)
    except EntryNotFound:
        await _entry(page, entry_id)
    except VersionConflict:
        return page.redirect(f"{PREFIX}/entries/{entry_id}/archive?msg=changed")
    return page.redirect(f"{PREFIX}/entries/{entry_id}?msg=archived")


@router.post("/preview")
async def preview_answer(page: PageDep) -> Response:
    """The live preview under an answer box (htmx posts the box as the editor types)."""
    page.require(Role.EDITOR)
    data = await page.form()
    lang = str(data.get("lang") or "")
    if lang not in page.state.config.languages:
        lang = page.state.config.default_language
    answer = str(data.get(f"answer_{lang}") or "")
    html, _problem = preview.render(answer) if answer.strip() else ("", None)
    return page.render("_preview.html", preview_lang=lang,
                       p={"html": html, "problems": answer_problems(answer, page.gettext)})


def _first_question(page: Page) -> str:
    return f"question_{page.state.config.languages[0]}"


def _diff_rows(page: Page, changes: list[FieldChange]) -> list[dict[str, str]]:
    return [{"label": field_label(c.field, page.gettext, page.lang),
             "before": show_value(c.before), "after": show_value(c.after)} for c in changes]


@router.get("/entries/{entry_id}/history")
async def history(page: PageDep, entry_id: str) -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    versions = await page.state.services.store.history(entry_id)
    if not versions:
        await _entry(page, entry_id)
    older: list[Entry | None] = [*versions[1:], None]
    rows = [{"entry": v, "changes": _diff_rows(page, diff_entries(prev, v) if prev else [])}
            for v, prev in zip(versions, older, strict=True)]
    return page.render("history.html", entry_id=entry_id, versions=rows,
                       current=versions[0].version if versions else 0)


@router.get("/entries/{entry_id}/rollback/{version}")
async def rollback_confirm(page: PageDep, entry_id: str, version: int) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    current = await _entry(page, entry_id)
    old = await page.state.services.store.version(entry_id, version)
    if old is None:
        raise Refused(404, _("Not found"), _("This version does not exist."))
    return page.render(
        "confirm.html", title=_("Restore version {version}?").format(version=version),
        text=_("The entry will look as it did in version {version}. This is saved as a new "
               "version; nothing is lost. What will change:").format(version=version),
        action=f"{PREFIX}/entries/{entry_id}/rollback/{version}", button=_("Restore"),
        hidden={"version": current.version}, back=f"{PREFIX}/entries/{entry_id}/history",
        changes=_diff_rows(page, diff_entries(current, old)))


@router.post("/entries/{entry_id}/rollback/{version}")
async def rollback(page: PageDep, entry_id: str, version: int) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    data = await page.form()
    try:
        expected = int(str(data.get("version") or 0))
    except ValueError:
        expected = 0
    try:
        await page.state.faq.rollback(entry_id, version, actor=page.actor,
                                      expected_version=expected)
    except (EntryNotFound, VersionMissing) as exc:
        raise Refused(404, _("Not found"), _("This version does not exist.")) from exc
    except VersionConflict:
        return page.redirect(f"{PREFIX}/entries/{entry_id}/rollback/{version}?msg=changed")
    except AlreadyCurrent:
        return page.redirect(f"{PREFIX}/entries/{entry_id}/history?msg=unchanged")
    except ExchangeError as exc:
        problems: list[Problem] = exc.problems
        messages = [m for ms in field_errors(problems, _, page.ngettext).values()
                    for m in ms]
        raise Refused(422, _("Cannot restore"), " ".join(messages)) from exc
    return page.redirect(f"{PREFIX}/entries/{entry_id}?msg=restored")
