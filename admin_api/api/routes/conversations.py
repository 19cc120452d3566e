"""Talking to a person: staff read (manager or editor), claim, reply and close (editor).

A reply is queued for the bot (``faq.conversations``' outbox), so this API may run in another
process than the bot. Staff see a pseudonym and the language, never an account.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from faq.conversations import (
    ConversationClaimed,
    ConversationClosed,
    ConversationError,
    ConversationNotFound,
)
from faq.exchange import ExchangeError, Problem
from faq.telegram_html import TelegramHtmlError

from ...deps import ConfigDep, ConversationsDep, EditorDep, ManagerDep, ReaderDep
from ...errors import ApiError
from ...schemas.common import AUTH_ERRORS, INVALID, NOT_FOUND, Responses, _doc
from ...schemas.conversations import (
    ConversationOut,
    ConversationsOut,
    ConversationStatsOut,
    ConversationSummary,
    MessageOut,
    ReplyIn,
    ReplyOut,
)
from .stats import FromQuery, ToQuery, _span

router = APIRouter(prefix="/conversations", tags=["conversations"], responses=AUTH_ERRORS)
stats_router = APIRouter(prefix="/stats", tags=["statistics"], responses=AUTH_ERRORS)
ConvPath = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$",
                               description="A conversation id from GET /conversations")]
CONFLICT: Responses = {409: _doc("Claimed by someone else, or already closed")}


def _refused(exc: Exception) -> ApiError:
    if isinstance(exc, ConversationNotFound):
        return ApiError(404, str(exc).capitalize() + ".", details={"conversation": exc.conv_id})
    if isinstance(exc, ConversationClaimed):
        return ApiError(409, str(exc).capitalize() + ".", code="claimed",
                        details={"claimed_by": exc.holder})
    if isinstance(exc, ConversationClosed):
        return ApiError(409, str(exc).capitalize() + ".", code="closed")
    raise exc


@router.get("", summary="Conversations: open (longest waiting first), mine, or closed",
            response_model=ConversationsOut)
async def list_conversations(
        desk: ConversationsDep, who: ReaderDep,
        status: Annotated[Literal["open", "mine", "closed"], Query()] = "open"
) -> ConversationsOut:
    now = desk.clock()
    found = await desk.list_conversations(status, who.actor)
    return ConversationsOut(status=status,
                            conversations=[ConversationSummary.of(c, now) for c in found])


@router.get("/{conv_id}", summary="One conversation with its messages",
            response_model=ConversationOut, responses=NOT_FOUND)
async def get_conversation(conv_id: ConvPath, desk: ConversationsDep,
                           who: ReaderDep) -> ConversationOut:
    try:
        conv = await desk.get(conv_id)
    except ConversationNotFound as exc:
        raise _refused(exc) from exc
    return ConversationOut.full(conv, desk.clock())


@router.post("/{conv_id}/claim", summary="Take a conversation to answer it",
             response_model=ConversationOut, responses={**NOT_FOUND, **CONFLICT})
async def claim(conv_id: ConvPath, desk: ConversationsDep, who: EditorDep,
                force: Annotated[bool, Query(description="Take it over from someone else")]
                = False) -> ConversationOut:
    try:
        conv = await desk.claim(conv_id, who.actor, force=force)
    except (ConversationNotFound, ConversationClaimed, ConversationClosed) as exc:
        raise _refused(exc) from exc
    return ConversationOut.full(conv, desk.clock())


@router.post("/{conv_id}/messages", summary="Reply to the person (delivered in their chat)",
             response_model=ReplyOut, status_code=201,
             responses={**NOT_FOUND, **CONFLICT, **INVALID})
async def reply(conv_id: ConvPath, body: ReplyIn, desk: ConversationsDep,
                who: EditorDep) -> ReplyOut:
    try:
        message = await desk.reply(conv_id, who.actor, body.text)
        conv = await desk.get(conv_id)
    except (ConversationNotFound, ConversationClaimed, ConversationClosed) as exc:
        raise _refused(exc) from exc
    except (TelegramHtmlError, ConversationError) as exc:
        raise ExchangeError([Problem("", "text", str(exc))]) from exc
    return ReplyOut(message=MessageOut.of(message),
                    conversation=ConversationSummary.of(conv, desk.clock()))


@router.post("/{conv_id}/close", summary="Close it; the person is told and may ask the bot again",
             response_model=ConversationOut, responses={**NOT_FOUND, **CONFLICT})
async def close(conv_id: ConvPath, desk: ConversationsDep, who: EditorDep) -> ConversationOut:
    try:
        conv = await desk.close(conv_id, who.actor)
    except (ConversationNotFound, ConversationClosed) as exc:
        raise _refused(exc) from exc
    return ConversationOut.full(conv, desk.clock())


@stats_router.get("/conversations", response_model=ConversationStatsOut, responses=INVALID,
                  summary="Conversations opened, answered, median first-reply time, by language")
async def conversation_stats(desk: ConversationsDep, config: ConfigDep, who: ManagerDep,
                             start: FromQuery = None, to: ToQuery = None
                             ) -> ConversationStatsOut:
    first, last = _span(start, to, desk.today(), config)
    figures = await desk.stats(first, last)
    return ConversationStatsOut.model_validate(figures.as_dict())
