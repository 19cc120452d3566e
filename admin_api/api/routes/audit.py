"""The audit log: who changed what, when."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated

from fastapi import APIRouter, Query

from ...deps import ConfigDep, ReaderDep, StoreDep
from ...errors import ApiError
from ...schemas.audit import AuditPage, AuditRecordOut
from ...schemas.common import AUTH_ERRORS, INVALID

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
router = APIRouter(prefix="/audit", tags=["audit"], responses=AUTH_ERRORS)


def _bound(value: date | datetime | None, tz: tzinfo, *, end: bool) -> datetime | None:
    """A date means the whole day in the service's time zone; a naive time is in that zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    start = datetime.combine(value, time.min, tzinfo=tz)
    return start + timedelta(days=1) - timedelta(microseconds=1) if end else start


@router.get("", summary="Audit records, newest first (filter by entry and date)",
            response_model=AuditPage, responses=INVALID)
async def audit_log(
        store: StoreDep, config: ConfigDep, who: ReaderDep,
        entry: Annotated[str | None, Query(max_length=200, description="An entry id")] = None,
        since: Annotated[datetime | date | None, Query(
            description="From this date (whole day, service time zone) or date-time")] = None,
        until: Annotated[datetime | date | None, Query(
            description="Up to this date (whole day) or date-time")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> AuditPage:
    start = _bound(since, config.tz, end=False)
    end = _bound(until, config.tz, end=True)
    if start and end and start > end:
        raise ApiError(422, "'since' is after 'until'.", code="validation_failed",
                       details={"problems": [{"where": "query parameter", "field": "since",
                                              "message": "must not be after 'until'"}]})
    # The log starts in 1970 (stream ids are Unix milliseconds): earlier bounds mean "from the
    # beginning", and a period that ends before it holds nothing.
    if end is not None and end < EPOCH:
        return AuditPage(items=[])
    if start is not None and start < EPOCH:
        start = None
    records = await store.audit(entry_id=entry or None, since=start, until=end, limit=limit)
    return AuditPage(items=[AuditRecordOut.model_validate(r.as_dict()) for r in records])
