"""Statistics for managers: totals, per day, per entry; JSON or CSV (``?format=csv``).

Every call reads one small hash (and one HyperLogLog) per day asked for, so its cost follows
the number of days, never the number of questions; the span is capped by ``max_stats_days``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from faq.exchange import ExchangeError, Problem
from faq.spreadsheet import csv_text
from faq.stats import DayTotals

from ...config import ApiConfig
from ...deps import ConfigDep, ManagerDep, StatsDep, StoreDep
from ...schemas.common import AUTH_ERRORS, INVALID
from ...schemas.stats import DailyOut, EntriesStatsOut, SummaryOut

router = APIRouter(prefix="/stats", tags=["statistics"], responses=AUTH_ERRORS)

DEFAULT_DAYS = 30
FromQuery = Annotated[date | None, Query(alias="from", description="First day (YYYY-MM-DD); "
                                         "default: 29 days before 'to'")]
ToQuery = Annotated[date | None, Query(description="Last day, included; default: today in "
                                       "the service's time zone")]
FormatQuery = Annotated[Literal["json", "csv"], Query(alias="format")]
CSV_DOC: dict[int | str, dict[str, Any]] = {
    **INVALID, 200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with "
                     "?format=csv"}}
COUNTER_COLUMNS = ("questions", "answered", "suggested", "unmatched", "answer_rate",
                   "distinct_users", "feedback_up", "feedback_down")


def _span(start: date | None, end: date | None, today: date, config: ApiConfig
          ) -> tuple[date, date]:
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    problems = []
    if start > end:
        problems.append(Problem("query parameter", "from", "must not be after 'to'"))
    elif (end - start).days + 1 > config.max_stats_days:
        problems.append(Problem("query parameter", "from",
                                f"asks for more than {config.max_stats_days} days; "
                                "ask for a shorter period"))
    if problems:
        raise ExchangeError(problems)
    return start, end


def _languages(rows: list[DayTotals], config: ApiConfig) -> list[str]:
    seen = {lang for row in rows for lang in row.by_language}
    return [*config.languages, *sorted(seen - set(config.languages))]


def _csv(rows: list[dict[str, Any]], columns: list[str], filename: str) -> Response:
    """Cells that look like formulas (an entry question starting with "-", say) are
    neutralised by ``csv_text``, as in every CSV the project writes."""
    return Response(csv_text(rows, columns), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _flat(totals: DayTotals, languages: list[str]) -> dict[str, Any]:
    row = totals.as_dict()
    by_lang = row.pop("by_language")
    for lang in languages:
        for name in ("asked", "answered", "suggested", "unmatched"):
            row[f"{name}_{lang}"] = by_lang.get(lang, {}).get(name, 0)
    return row


def _lang_columns(languages: list[str]) -> list[str]:
    return [f"{n}_{lang}" for lang in languages
            for n in ("asked", "answered", "suggested", "unmatched")]


@router.get("/summary", summary="Totals over a period", response_model=SummaryOut,
            responses=CSV_DOC)
async def summary(stats: StatsDep, config: ConfigDep, who: ManagerDep,
                  start: FromQuery = None, to: ToQuery = None,
                  fmt: FormatQuery = "json") -> SummaryOut | Response:
    first, last = _span(start, to, stats.today(), config)
    totals = await stats.summary(first, last)
    if fmt == "csv":
        langs = _languages([totals], config)
        row = {"from": first.isoformat(), "to": last.isoformat(), **_flat(totals, langs)}
        return _csv([row], ["from", "to", *COUNTER_COLUMNS, *_lang_columns(langs)],
                    f"summary-{first}-{last}.csv")
    return SummaryOut.model_validate({"from": first, "to": last, **totals.as_dict()})


@router.get("/daily", summary="The same totals, per day", response_model=DailyOut,
            responses=CSV_DOC)
async def daily(stats: StatsDep, config: ConfigDep, who: ManagerDep,
                start: FromQuery = None, to: ToQuery = None,
                fmt: FormatQuery = "json") -> DailyOut | Response:
    first, last = _span(start, to, stats.today(), config)
    days = await stats.daily(first, last)
    if fmt == "csv":
        langs = _languages(days, config)
        return _csv([_flat(d, langs) for d in days],
                    ["day", *COUNTER_COLUMNS, *_lang_columns(langs)],
                    f"daily-{first}-{last}.csv")
    return DailyOut.model_validate({"from": first, "to": last,
                                    "days": [d.as_dict() for d in days]})


@router.get("/entries", summary="Entries ranked by answers given, with 👍/👎",
            response_model=EntriesStatsOut, responses=CSV_DOC)
async def entries(stats: StatsDep, store: StoreDep, config: ConfigDep, who: ManagerDep,
                  start: FromQuery = None, to: ToQuery = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  fmt: FormatQuery = "json") -> EntriesStatsOut | Response:
    first, last = _span(start, to, stats.today(), config)
    ranked = (await stats.entries(first, last))[:limit]
    known = {e.id: e for e in await store.list_entries()}
    rows = []
    for item in ranked:
        entry = known.get(item.entry_id)
        question = (entry.translation(config.default_language)[1].question
                    if entry else None)
        rows.append({"id": item.entry_id, "question": question, "answers": item.answers,
                     "up": item.up, "down": item.down, "up_rate": item.up_rate})
    if fmt == "csv":
        return _csv(rows, ["id", "question", "answers", "up", "down", "up_rate"],
                    f"entries-{first}-{last}.csv")
    return EntriesStatsOut.model_validate({"from": first, "to": last, "entries": rows})
