"""Conversations with people (open / mine / closed, claim, reply, close, reply -> draft entry)
and alerts (draft in every language with a preview, approval by a second person, progress).

The same use cases as the API (``faq.conversations``, ``faq.alerts``). Staff see a pseudonym
("Persona 4F2A") and the language, never an account.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from faq.alerts import AlertDesk, AlertError, AlertNotFound
from faq.apikeys import Role
from faq.conversations import (
    ConversationClaimed,
    ConversationClosed,
    ConversationDesk,
    ConversationError,
    ConversationNotFound,
)
from faq.telegram_html import TelegramHtmlError

from . import errors, preview
from .routes_auth import PageDep
from .web import PREFIX, Page, Refused

router = APIRouter(include_in_schema=False)
STATUSES = ("open", "mine", "closed")


def _desk(page: Page) -> ConversationDesk:
    _ = page.gettext
    desk = page.state.services.conversations
    if desk is None:
        raise Refused(404, _("Not switched on"),
                      _("Talking to a person is not switched on for this service."))
    return desk


def _alerts(page: Page) -> AlertDesk:
    _ = page.gettext
    desk = page.state.services.alerts
    if desk is None:
        raise Refused(404, _("Not switched on"), _("Alerts are not switched on for this service."))
    return desk


def waited(seconds: int | None, page: Page) -> str:
    ngettext = page.ngettext
    if seconds is None:
        return "–"
    if seconds < 3600:
        minutes = max(1, seconds // 60)
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    hours = seconds // 3600
    return ngettext("{n} hour", "{n} hours", hours).format(n=hours)


# -- conversations ---------------------------------------------------------------------------

@router.get("/conversations")
async def conversations(page: PageDep, status: str = "open") -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    desk = _desk(page)
    status = status if status in STATUSES else "open"
    found = await desk.list_conversations(status, page.actor)
    now = desk.clock()
    rows = [{"c": c, "waiting": waited(c.waiting_seconds(now), page)} for c in found]
    return page.render("conversations.html", rows=rows, status=status)


async def _conversation_page(page: Page, conv_id: str, *, status: int = 200,
                             error: str | None = None, text: str = "") -> Response:
    _ = page.gettext
    desk = _desk(page)
    try:
        conv = await desk.get(conv_id)
    except ConversationNotFound as exc:
        raise Refused(404, _("Not found"),
                      _("There is no such conversation (it may have been deleted).")) from exc
    mine = page.session is not None and conv.claimed_by == page.actor
    return page.render("conversation.html", http_status=status, conv=conv, mine=mine,
                       error=error, text=text,
                       waiting=waited(conv.waiting_seconds(desk.clock()), page),
                       rendered={i: preview.render(m.text)[0] if m.sender == "staff" else ""
                                 for i, m in enumerate(conv.messages)})


@router.get("/conversations/{conv_id}")
async def conversation(page: PageDep, conv_id: str) -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    return await _conversation_page(page, conv_id)


@router.post("/conversations/{conv_id}/claim")
async def claim(page: PageDep, conv_id: str) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    data = await page.form()
    try:
        await _desk(page).claim(conv_id, page.actor, force=data.get("force") == "1")
    except ConversationClaimed as exc:
        return await _conversation_page(page, conv_id, status=409, error=_(
            "{name} is answering this conversation. Take it over only if they cannot.").format(
                name=exc.holder))
    except ConversationClosed:
        return await _conversation_page(page, conv_id, status=409,
                                        error=_("This conversation is closed."))
    except ConversationNotFound:
        return await _conversation_page(page, conv_id)
    return page.redirect(f"{PREFIX}/conversations/{conv_id}")


@router.post("/conversations/{conv_id}/reply")
async def reply(page: PageDep, conv_id: str) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    data = await page.form()
    text = str(data.get("text") or "")
    try:
        await _desk(page).reply(conv_id, page.actor, text)
    except ConversationClaimed as exc:
        return await _conversation_page(page, conv_id, status=409, text=text, error=_(
            "{name} is answering this conversation. Take it over only if they cannot.").format(
                name=exc.holder))
    except ConversationClosed:
        return await _conversation_page(page, conv_id, status=409, text=text,
                                        error=_("This conversation is closed."))
    except TelegramHtmlError as exc:
        return await _conversation_page(page, conv_id, status=422, text=text, error=_(
            "Telegram would refuse this reply: {reason}").format(reason=page.error_text(exc)))
    except ConversationError as exc:
        return await _conversation_page(page, conv_id, status=422, text=text,
                                        error=page.error_text(exc))
    return page.redirect(f"{PREFIX}/conversations/{conv_id}?msg=sent")


@router.post("/conversations/{conv_id}/close")
async def close(page: PageDep, conv_id: str) -> Response:
    page.require(Role.EDITOR)
    await page.form()
    with contextlib.suppress(ConversationClosed, ConversationNotFound):  # shown as it is
        await _desk(page).close(conv_id, page.actor)
    return page.redirect(f"{PREFIX}/conversations/{conv_id}?msg=closed")


@router.get("/conversations/{conv_id}/draft/{index}")
async def draft_entry(page: PageDep, conv_id: str, index: int) -> Response:
    """A staff reply worth keeping: a new FAQ entry form with the person's question before it
    and the reply as the answer, in the conversation's language (a draft until reviewed)."""
    page.require(Role.EDITOR)
    _ = page.gettext
    conv = await _desk(page).get(conv_id)
    if not 0 <= index < len(conv.messages) or conv.messages[index].sender != "staff":
        raise Refused(404, _("Not found"), _("There is no such reply."))
    asked = next((m.text for m in reversed(conv.messages[:index]) if m.sender == "person"), "")
    query = urlencode({"lang": conv.lang, "question": asked[:300],
                       "answer": conv.messages[index].text})
    return page.redirect(f"{PREFIX}/entries/new?{query}")


# -- alerts ----------------------------------------------------------------------------------

async def _alerts_page(page: Page, *, status: int = 200, error: str | None = None,
                       texts: dict[str, str] | None = None, chosen: list[str] | None = None,
                       previews: dict[str, tuple[str, str | None]] | None = None) -> Response:
    desk = _alerts(page)
    topics = await desk.topics()
    counts = {t.id: await desk.subscriber_count(t.id) for t in topics}
    return page.render("alerts.html", http_status=status, alerts=await desk.list_alerts(50),
                       topics=topics, counts=counts, error=error, texts=texts or {},
                       chosen=chosen or [], previews=previews or {})


@router.get("/alerts")
async def alerts(page: PageDep) -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    return await _alerts_page(page)


@router.post("/alerts")
async def create_alert(page: PageDep) -> Response:
    page.require(Role.EDITOR)
    _ = page.gettext
    data = await page.form()
    desk = _alerts(page)
    texts = {lang: str(data.get(f"text_{lang}") or "") for lang in page.state.config.languages}
    chosen = [str(t) for t in data.getlist("topic")]
    previews = {lang: (preview.render(text)[0],
                       " ".join(errors.html_text_problems(text, _)) or None)
                for lang, text in texts.items() if text.strip()}
    if data.get("action") == "preview":
        return await _alerts_page(page, texts=texts, chosen=chosen, previews=previews)
    assert page.session is not None
    try:
        alert = await desk.create(chosen, texts, actor=page.actor, actor_key=page.session.key.id)
    except AlertError as exc:
        return await _alerts_page(page, status=422, texts=texts, chosen=chosen,
                                  previews=previews, error=_("Not saved: {reason}").format(
                                      reason=page.error_text(exc)))
    return page.redirect(f"{PREFIX}/alerts/{alert.id}?msg=drafted")


@router.get("/alerts/{alert_id}")
async def alert(page: PageDep, alert_id: str) -> Response:
    page.require(Role.EDITOR, Role.MANAGER)
    _ = page.gettext
    desk = _alerts(page)
    try:
        found = await desk.get(alert_id)
    except AlertNotFound as exc:
        raise Refused(404, _("Not found"), _("There is no such alert.")) from exc
    names = {t.id: t.name(page.lang) for t in await desk.topics()}
    own = page.session is not None and page.session.key.id == found.created_by_key
    return page.render("alert.html", alert=found, names=names, own=own,
                       previews={lang: preview.render(text)[0]
                                 for lang, text in found.texts.items()},
                       done_share=round(100 * (found.recipients - found.pending)
                                        / found.recipients) if found.recipients else 100)


@router.post("/alerts/{alert_id}/approve")
async def approve(page: PageDep, alert_id: str) -> Response:
    page.require()
    _ = page.gettext
    await page.form()
    assert page.session is not None
    try:
        await _alerts(page).approve(alert_id, actor=page.actor, actor_key=page.session.key.id)
    except AlertNotFound as exc:
        raise Refused(404, _("Not found"), _("There is no such alert.")) from exc
    except AlertError as exc:
        raise Refused(409, _("Not approved"), _(
            "This alert cannot be approved: {reason}").format(
                reason=page.error_text(exc))) from exc
    return page.redirect(f"{PREFIX}/alerts/{alert_id}?msg=approved")
