"""Alerts: an editor drafts, an administrator other than the author approves, the bot delivers;
anyone with a staff key reads the progress. The topics people subscribe to are editable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from faq.alerts import AlertError, AlertNotFound, AlertTopic
from faq.exchange import ExchangeError, Problem

from ...deps import AdminDep, AlertsDep, EditorDep, ReaderDep
from ...errors import ApiError
from ...schemas.alerts import AlertIn, AlertOut, AlertsOut, TopicIn, TopicOut, TopicsOut
from ...schemas.common import AUTH_ERRORS, INVALID, NOT_FOUND, Responses, _doc

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=AUTH_ERRORS)
AlertPath = Annotated[str, Path(pattern=r"^[0-9a-f]{10}$", description="An alert id")]
TopicPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$",
                                description="An alert topic id")]
CONFLICT: Responses = {409: _doc("Not a draft any more, or approved by its own author")}


def _missing(exc: AlertNotFound) -> ApiError:
    return ApiError(404, f"There is no alert {exc.alert_id!r}.", details={"alert": exc.alert_id})


@router.get("/topics", summary="The alert topics people can subscribe to",
            response_model=TopicsOut)
async def topics(desk: AlertsDep, who: ReaderDep) -> TopicsOut:
    found = []
    for topic in await desk.topics():
        found.append(TopicOut(id=topic.id, names=topic.names, descriptions=topic.descriptions,
                              subscribers=await desk.subscriber_count(topic.id)))
    return TopicsOut(topics=found)


@router.put("/topics/{topic_id}", summary="Create or rename an alert topic",
            response_model=TopicOut, responses=INVALID)
async def save_topic(topic_id: TopicPath, body: TopicIn, desk: AlertsDep,
                     who: EditorDep) -> TopicOut:
    topic = await desk.save_topic(AlertTopic(id=topic_id, names=body.names,
                                             descriptions=body.descriptions))
    return TopicOut(id=topic.id, names=topic.names, descriptions=topic.descriptions,
                    subscribers=await desk.subscriber_count(topic.id))


@router.get("", summary="Alerts, newest first", response_model=AlertsOut)
async def list_alerts(desk: AlertsDep, who: ReaderDep) -> AlertsOut:
    return AlertsOut(alerts=[AlertOut.of(a) for a in await desk.list_alerts()])


@router.post("", summary="Draft an alert (nothing is sent before an approval)",
             response_model=AlertOut, status_code=201, responses=INVALID)
async def create(body: AlertIn, desk: AlertsDep, who: EditorDep) -> AlertOut:
    try:
        alert = await desk.create(body.topics, body.texts, actor=who.actor, actor_key=who.id)
    except AlertError as exc:
        raise ExchangeError([Problem("", "texts" if "text" in str(exc) else "topics",
                                     str(exc))]) from exc
    return AlertOut.of(alert)


@router.get("/{alert_id}", summary="An alert and its delivery progress", response_model=AlertOut,
            responses=NOT_FOUND)
async def get_alert(alert_id: AlertPath, desk: AlertsDep, who: ReaderDep) -> AlertOut:
    try:
        return AlertOut.of(await desk.get(alert_id))
    except AlertNotFound as exc:
        raise _missing(exc) from exc


@router.post("/{alert_id}/approve", summary="Approve a draft: it goes to every subscriber",
             response_model=AlertOut, responses={**NOT_FOUND, **CONFLICT})
async def approve(alert_id: AlertPath, desk: AlertsDep, who: AdminDep) -> AlertOut:
    try:
        return AlertOut.of(await desk.approve(alert_id, actor=who.actor, actor_key=who.id))
    except AlertNotFound as exc:
        raise _missing(exc) from exc
    except AlertError as exc:
        raise ApiError(409, str(exc)[:1].upper() + str(exc)[1:] + ".", code="not_approvable") \
            from exc
