"""The inbox (attach to any entry, create an entry, dismiss with undo), "Try it" and the audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from faq.apikeys import Role
from faq.inbox import Cluster, ClusterNotFound, InboxError
from faq.matcher import Decision
from faq.models import Entry, Status
from faq.store import EntryNotFound
from faq.text import normalise

from . import preview
from .labels import action_label
from .routes_auth import PageDep
from .routes_entries import _searchable
from .web import PREFIX, Page, Refused

router = APIRouter(include_in_schema=False)
PICKER_RESULTS = 20
AUDIT_LIMIT = 300


def _question(entry: Entry | None, lang: str) -> str:
    return entry.translation(lang)[1].question if entry else ""


async def _cluster(page: Page, cluster_id: str) -> Cluster:
    try:
        return await page.state.inbox.cluster(cluster_id)
    except ClusterNotFound as exc:
        _ = page.gettext
        raise Refused(404, _("Not found"), _("These questions are no longer in the inbox "
                                             "(someone may have handled them).")) from exc


@router.get("/inbox")
async def inbox(page: PageDep, dismissed: str = "", n: int = 0) -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    clusters = await page.state.inbox.clusters()
    entries = await page.state.services.store.get_many(
        [i for c in clusters for i, _score in c.candidates])
    rows = [{"cluster": c, "examples": c.examples(page.state.config.inbox.max_examples),
             "candidates": [{"id": i, "question": _question(entries.get(i), page.lang)}
                            for i, _score in c.candidates if i in entries]}
            for c in clusters]
    return page.render("inbox.html", rows=rows, total=sum(c.count for c in clusters),
                       dismissed=dismissed, dismissed_count=n)


def _picker(page: Page, entries: list[Entry], cluster: Cluster, q: str) -> list[dict[str, Any]]:
    """Suggestions first (the entries the matcher came closest with), then the search."""
    by_id = {e.id: e for e in entries if e.status is not Status.ARCHIVED}
    picked: list[str] = [i for i, _score in cluster.candidates if i in by_id]
    needle = normalise(q[:200]) if q else ""
    if needle:
        picked += [e.id for e in by_id.values() if needle in _searchable(e)
                   and e.id not in picked]
    elif not picked:
        picked = sorted(by_id)[:PICKER_RESULTS]
    suggested = {i for i, _score in cluster.candidates}
    return [{"id": i, "question": _question(by_id[i], page.lang), "suggested": i in suggested}
            for i in picked[:PICKER_RESULTS]]


@router.get("/inbox/{cluster_id}/attach")
async def attach_form(page: PageDep, cluster_id: str, q: str = "", entry: str = "") -> Response:
    page.require(Role.EDITOR)
    cluster = await _cluster(page, cluster_id)
    entries = await page.state.services.store.list_entries()
    results = _picker(page, entries, cluster, q)
    if page.is_htmx:
        return page.render("_picker.html", results=results, chosen=entry)
    return page.render("attach.html", cluster=cluster, results=results, q=q,
                       chosen=entry or (results[0]["id"] if results and not q else ""),
                       phrasings=cluster.phrasings()[:60], error=None,
                       attach_lang=cluster.main_language)


@router.post("/inbox/{cluster_id}/attach")
async def attach(page: PageDep, cluster_id: str) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    data = await page.form()
    cluster = await _cluster(page, cluster_id)
    entry_id = str(data.get("entry") or "")
    lang = str(data.get("lang") or cluster.main_language)
    texts = [str(v) for v in data.getlist("phrasing")]
    keep = {str(v) for v in data.getlist("keep")}
    chosen = [t.strip() for i, t in enumerate(texts) if str(i) in keep and t.strip()]
    error = None
    if lang not in page.state.config.languages:
        error = _("Choose one of the languages in the list.")
    elif not entry_id:
        error = _("Choose the entry that answers these questions.")
    elif not chosen:
        error = _("Keep at least one of the questions.")
    else:
        try:
            result = await page.state.inbox.attach(cluster_id, entry_id, actor=page.actor,
                                                   lang=lang, phrasings=chosen)
        except ClusterNotFound as exc:
            raise Refused(404, _("Not found"), _("These questions are no longer in the inbox "
                                                 "(someone may have handled them).")) from exc
        except EntryNotFound:
            error = _("There is no entry {id}.").format(id=entry_id)
        except InboxError as exc:
            error = page.error_text(exc)
        except ValidationError:
            error = _("Each question must have between 2 and 300 characters.")
        else:
            return page.redirect(
                f"{PREFIX}/entries/{result.entry.id}?msg=attached&n={len(result.added)}")
    entries = await page.state.services.store.list_entries()
    return page.render("attach.html", http_status=422, cluster=cluster,
                       results=_picker(page, entries, cluster, ""), q="", chosen=entry_id,
                       phrasings=texts or cluster.phrasings()[:60], error=error,
                       attach_lang=lang)


@router.post("/inbox/{cluster_id}/dismiss")
async def dismiss(page: PageDep, cluster_id: str) -> Response:
    page.require(Role.EDITOR)
    await page.form()
    try:
        count = await page.state.inbox.dismiss(cluster_id, actor=page.actor)
    except ClusterNotFound:
        return page.redirect(f"{PREFIX}/inbox")
    return page.redirect(f"{PREFIX}/inbox?dismissed={cluster_id}&n={count}")


@router.post("/inbox/{cluster_id}/undo")
async def undo(page: PageDep, cluster_id: str) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    await page.form()
    try:
        await page.state.inbox.undo_dismiss(cluster_id, actor=page.actor)
    except ClusterNotFound as exc:
        raise Refused(410, _("Too late to undo"),
                      _("This dismissal can no longer be undone.")) from exc
    return page.redirect(f"{PREFIX}/inbox?msg=restored")


# -- Try it ------------------------------------------------------------------------------------

def closeness(score: float, answer_at: float, page: Page) -> str:
    """The cascade's scores are calibrated probabilities; "very close" is where it would answer,
    "somewhat close" from half of that (the did-you-mean band in practice)."""
    _ = page.gettext
    if score >= answer_at:
        return _("very close")
    if score >= answer_at / 2:
        return _("somewhat close")
    return _("far")


@router.get("/try")
async def try_it(page: PageDep, q: str = "", lang: str = "") -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    _ = page.gettext
    lang = lang if lang in page.state.config.languages else page.lang
    if not q.strip():
        return page.render("try.html", q="", try_lang=lang, result=None)
    live = page.state.services.live
    # The same cascade the bot runs (small talk, lexical, semantic where needed, calibrated).
    result = await live.match(q[:1000], lang)
    matcher = live.matcher
    answer_at = live.hybrid.calibration.hybrid.thresholds.answer
    candidates = []
    for cand in result.candidates:
        entry = matcher.get(cand.entry_id)
        candidates.append({"id": cand.entry_id, "question": _question(entry, lang),
                           "closeness": closeness(cand.score, answer_at, page)})
    best = matcher.get(result.best.entry_id) if result.best else None
    answer_html = ""
    if result.decision is Decision.ANSWER and best is not None:
        answer_html = preview.render(best.translation(lang)[1].answer)[0]
    if result.decision is Decision.ANSWER:
        why = _("One entry is clearly the closest to this question, so the bot answers with it.")
    elif result.decision is Decision.SUGGEST:
        close_call = (len(result.candidates) > 1 and result.candidates[0].score >= answer_at)
        why = (_("Two or more entries are almost equally close, so the bot asks which one the "
                 "person means.") if close_call else
               _("The closest entries are only somewhat close, so the bot asks “Did you mean…?” "
                 "instead of answering."))
    elif result.decision is Decision.SMALLTALK:
        why = _("This is a greeting, a thank-you or a goodbye: the bot replies with a short "
                "friendly line and the topics. It is not kept in the inbox.")
    elif result.decision is Decision.OUT_OF_SCOPE:
        why = _("This subject is not covered by the service: the bot says so and who can help, "
                "without offering an entry.")
    else:
        why = _("No entry is close enough. The bot says it does not know, shows the topics and "
                "how to reach a person, and keeps the question in the inbox.")
    if result.semantic:
        why += " " + _("The bot also compared the meaning of the question with every entry, "
                       "not only its words.")
    return page.render("try.html", q=q, try_lang=lang, result=result, why=why,
                       candidates=candidates, best=best, answer_html=answer_html,
                       best_question=_question(best, lang))


# -- audit -------------------------------------------------------------------------------------

def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/audit")
async def audit(page: PageDep, who: str = "", entry: str = "", since: str = "",
                until: str = "") -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    tz = page.state.config.tz
    start, end = _day(since), _day(until)
    epoch = datetime(1970, 1, 2, tzinfo=UTC)
    start_at = max(datetime.combine(start, time.min, tzinfo=tz), epoch) if start else None
    end_at = (datetime.combine(end, time.min, tzinfo=tz) + timedelta(days=1)
              - timedelta(microseconds=1)) if end else None
    records = []
    if not (end_at and end_at < epoch) and not (start_at and end_at and start_at > end_at):
        records = await page.state.services.store.audit(
            entry_id=entry.strip() or None, since=start_at, until=end_at,
            limit=AUDIT_LIMIT if not who else 100_000)
    needle = who.strip().casefold()
    if needle:
        records = [r for r in records if needle in r.actor.casefold()][:AUDIT_LIMIT]
    rows = [{"record": r, "action": action_label(r.action, page.gettext),
             "at": r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")} for r in records]
    return page.render("audit.html", rows=rows, who=who, entry=entry, since=since, until=until)
