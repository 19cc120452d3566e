"""Try a phrasing against the matcher every bot answers from."""

from __future__ import annotations

from fastapi import APIRouter

from faq.exchange import ExchangeError, Problem

from ...deps import ConfigDep, LiveDep, ReaderDep
from ...schemas.common import AUTH_ERRORS, INVALID
from ...schemas.match import CandidateOut, MatchIn, MatchOut

router = APIRouter(prefix="/match", tags=["match"], responses=AUTH_ERRORS)


@router.post("", summary="Rank the entries for a question, with scores and the decision",
             response_model=MatchOut, responses=INVALID)
async def match(body: MatchIn, live: LiveDep, config: ConfigDep, who: ReaderDep) -> MatchOut:
    """Uses the live snapshot of published entries (kept current by the change notices), so
    staff see exactly what the bot would do, before and after publishing."""
    lang = body.lang or config.default_language
    if lang not in config.languages:
        raise ExchangeError([Problem("", "lang", f"language {lang!r} is not offered; the "
                                                 f"service speaks {', '.join(config.languages)}")])
    hybrid = live.hybrid  # the whole cascade, as the bot decides
    matcher = hybrid.lexical
    result = (await hybrid.amatch(body.q, lang)).as_dict()
    candidates = []
    for cand in result["candidates"]:
        entry = matcher.get(cand["id"])
        question = entry.translation(lang, config.default_language)[1].question if entry else None
        candidates.append(CandidateOut(id=cand["id"], score=cand["score"], question=question))
    return MatchOut(q=result["q"], lang=lang, decision=result["decision"], id=result["id"],
                    score=result["score"], candidates=candidates, revision=matcher.revision)
