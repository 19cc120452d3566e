"""The inbox: unanswered questions as clusters, and turning them into better answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import ValidationError

from faq.exchange import ExchangeError, Problem, validation_problems
from faq.inbox import ClusterNotFound, InboxError
from faq.store import EntryNotFound

from ...deps import ConfigDep, EditorDep, InboxDep, LiveDep, StoreDep
from ...errors import ApiError
from ...schemas.common import AUTH_ERRORS, INVALID, NOT_FOUND
from ...schemas.faq import EntryOut
from ...schemas.inbox import (
    AttachIn,
    AttachOut,
    ClusterCandidate,
    ClusterOut,
    DismissOut,
    InboxOut,
)

router = APIRouter(prefix="/inbox", tags=["inbox"], responses=AUTH_ERRORS)
ClusterPath = Annotated[str, Path(max_length=64, description="A cluster id from GET /inbox")]


def _missing(exc: ClusterNotFound) -> ApiError:
    return ApiError(404, str(exc).capitalize() + ".", details={"cluster": exc.cluster_id})


@router.get("", summary="Unanswered questions grouped by similar wording, largest first",
            response_model=InboxOut)
async def inbox(desk: InboxDep, store: StoreDep, live: LiveDep, config: ConfigDep,
                who: EditorDep) -> InboxOut:
    clusters = await desk.clusters()
    entries = await store.get_many([i for c in clusters for i, _ in c.candidates])
    out = []
    for cluster in clusters:
        lang = cluster.main_language
        candidates = []
        for entry_id, score in cluster.candidates:
            entry = entries.get(entry_id)
            question = (entry.translation(lang, config.default_language)[1].question
                        if entry else None)
            candidates.append(ClusterCandidate(id=entry_id, score=score, question=question))
        out.append(ClusterOut(id=cluster.id, count=cluster.count,
                              examples=cluster.examples(config.inbox.max_examples),
                              languages=cluster.languages, first_seen=cluster.first_seen,
                              last_seen=cluster.last_seen, candidates=candidates))
    return InboxOut(questions=sum(c.count for c in clusters), clusters=out)


@router.post("/{cluster_id}/attach",
             summary="Add the cluster's wordings as alternates of an entry (a new version)",
             response_model=AttachOut, responses={**NOT_FOUND, **INVALID})
async def attach(cluster_id: ClusterPath, body: AttachIn, desk: InboxDep, config: ConfigDep,
                 who: EditorDep) -> AttachOut:
    if body.lang is not None and body.lang not in config.languages:
        raise ExchangeError([Problem("", "lang", f"language {body.lang!r} is not offered; the "
                                                 f"service speaks {', '.join(config.languages)}")])
    try:
        result = await desk.attach(cluster_id, body.entry, actor=who.actor, lang=body.lang,
                                   phrasings=body.phrasings)
    except ClusterNotFound as exc:
        raise _missing(exc) from exc
    except EntryNotFound as exc:
        raise ApiError(404, f"There is no FAQ entry {body.entry!r}.",
                       details={"entry": body.entry}) from exc
    except InboxError as exc:
        raise ExchangeError([Problem("", "phrasings", str(exc))]) from exc
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise ExchangeError([Problem(p.where, f"phrasings ({p.field})", p.message)
                             for p in problems]) from exc
    return AttachOut(entry=EntryOut.of(result.entry), added=result.added,
                     resolved=result.resolved)


@router.post("/{cluster_id}/dismiss", summary="Drop a cluster's questions (audited)",
             response_model=DismissOut, responses=NOT_FOUND)
async def dismiss(cluster_id: ClusterPath, desk: InboxDep, who: EditorDep) -> DismissOut:
    try:
        count = await desk.dismiss(cluster_id, actor=who.actor)
    except ClusterNotFound as exc:
        raise _missing(exc) from exc
    return DismissOut(dismissed=count)
