"""Managers' statistics: a date range, charts drawn on the server (SVG) with their tables, and a
CSV download for every table; and the helpdesk conversations' figures (``faq.conversations``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from faq.apikeys import Role
from faq.stats import DayTotals, EntryStats

from .labels import language_name
from .routes_auth import PageDep
from .routes_people import waited
from .web import Page, Refused

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 30
TOP_ENTRIES = 10
TOP_CLUSTERS = 10
CHART_WIDTH = 720
CHART_HEIGHT = 220
CHART_LEFT = 40
CHART_BOTTOM = 24


@dataclass(frozen=True)
class Span:
    start: date
    end: date
    error: str | None = None


def _span(page: Page, start: str, end: str) -> Span:
    _ = page.gettext
    today = page.today()
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return Span(today - timedelta(days=DEFAULT_DAYS - 1), today,
                    _("Write the dates like 2026-11-20."))
    if first > last:
        return Span(last, last, _("The first day is after the last day; showing the last day."))
    limit = page.state.config.max_stats_days
    if (last - first).days + 1 > limit:
        return Span(last - timedelta(days=limit - 1), last,
                    _("At most {days} days at once; showing the last {days}.").format(days=limit))
    return Span(first, last)


def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def bars(days: list[DayTotals]) -> dict[str, Any]:
    """Stacked bars per day (answered, did-you-mean, unanswered) in SVG user units."""
    top = max([d.asked for d in days] + [1])
    plot_w = CHART_WIDTH - CHART_LEFT - 8
    plot_h = CHART_HEIGHT - CHART_BOTTOM - 8
    step = plot_w / max(len(days), 1)
    width = max(step * 0.8, 1)
    out = []
    for i, day in enumerate(days):
        x = CHART_LEFT + i * step + (step - width) / 2
        y = 8.0 + plot_h
        parts = []
        for kind, value in (("answered", day.answered), ("suggested", day.suggested),
                            ("unmatched", day.unmatched)):
            h = plot_h * value / top
            y -= h
            parts.append({"kind": kind, "y": round(y, 1), "h": round(h, 1), "value": value})
        out.append({"x": round(x, 1), "w": round(width, 1), "parts": parts, "day": day,
                    "label": day.day.strftime("%d/%m") if day.day else ""})
    every = max(1, len(days) // 8)
    return {"bars": out, "top": top, "every": every, "width": CHART_WIDTH,
            "height": CHART_HEIGHT, "left": CHART_LEFT, "base": 8 + plot_h}


def rate_line(days: list[DayTotals]) -> dict[str, Any]:
    plot_w = CHART_WIDTH - CHART_LEFT - 8
    plot_h = CHART_HEIGHT - CHART_BOTTOM - 8
    step = plot_w / max(len(days), 1)
    points = []
    for i, day in enumerate(days):
        if day.asked:
            x = CHART_LEFT + i * step + step / 2
            y = 8 + plot_h * (1 - day.answer_rate)
            points.append((round(x, 1), round(y, 1)))
    return {"points": " ".join(f"{x},{y}" for x, y in points), "dots": points,
            "width": CHART_WIDTH, "height": CHART_HEIGHT, "left": CHART_LEFT,
            "base": 8 + plot_h, "every": max(1, len(days) // 8), "step": step,
            "labels": [(round(CHART_LEFT + i * step + step / 2, 1),
                        d.day.strftime("%d/%m") if d.day else "") for i, d in enumerate(days)]}


def _votes(item: EntryStats) -> int:
    return item.up + item.down


async def _tables(page: Page, span: Span) -> dict[str, Any]:
    stats = page.state.services.stats
    days = await stats.daily(span.start, span.end)
    total = await stats.summary(span.start, span.end)
    ranked = await stats.entries(span.start, span.end)
    known = await page.state.services.store.get_many([i.entry_id for i in ranked])

    def question(entry_id: str) -> str:
        entry = known.get(entry_id)
        return entry.translation(page.lang)[1].question if entry else entry_id

    top = [{"id": i.entry_id, "question": question(i.entry_id), "answers": i.answers,
            "up": i.up, "down": i.down, "votes": _votes(i),
            "up_share": share(i.up, _votes(i))} for i in ranked[:TOP_ENTRIES]]
    rated = [i for i in ranked if _votes(i)]
    rated.sort(key=lambda i: (i.up / _votes(i), -i.down, i.entry_id))
    worst = [{"id": i.entry_id, "question": question(i.entry_id), "up": i.up, "down": i.down,
              "votes": _votes(i), "up_share": share(i.up, _votes(i))}
             for i in rated[:TOP_ENTRIES]]
    languages = []
    for code, counts in sorted(total.by_language.items(), key=lambda kv: -kv[1].get("asked", 0)):
        asked = counts.get("asked", 0)
        languages.append({"code": code, "name": language_name(code, page.lang), "asked": asked,
                          "share": share(asked, total.asked),
                          "answered": counts.get("answered", 0),
                          "answer_rate": share(counts.get("answered", 0), asked)})
    clusters = (await page.state.inbox.clusters())[:TOP_CLUSTERS]
    unanswered = [{"count": c.count, "example": (c.examples(1) or [""])[0],
                   "last_seen": c.last_seen.astimezone(page.state.config.tz).strftime(
                       "%Y-%m-%d")} for c in clusters]
    return {"days": days, "total": total, "top": top, "worst": worst,
            "language_rows": languages, "unanswered": unanswered}


@router.get("/stats")
async def stats_page(page: PageDep, start: str = "", end: str = "") -> Response:
    page.require(Role.MANAGER)
    span = _span(page, start, end)
    tables = await _tables(page, span)
    return page.render("stats.html", span=span, chart=bars(tables["days"]),
                       rate=rate_line(tables["days"]), share=share,
                       helpdesk=page.state.services.conversations is not None, **tables)


def _median(seconds: float | None, page: Page) -> str:
    return waited(None if seconds is None else round(seconds), page)


@router.get("/stats/conversations")
async def conversation_stats(page: PageDep, start: str = "", end: str = "") -> Response:
    """Opened, answered and the median wait for a first reply, by language (the core's
    figures, as the API gives them), with the conversations open right now."""
    page.require(Role.MANAGER)
    _ = page.gettext
    desk = page.state.services.conversations
    if desk is None:
        raise Refused(404, _("Not switched on"),
                      _("Talking to a person is not switched on for this service."))
    span = _span(page, start, end)
    figures = await desk.stats(span.start, span.end)
    open_now = await desk.list_conversations("open")
    now = desk.clock()
    waits = [w for w in (c.waiting_seconds(now) for c in open_now) if w is not None]
    rows = [{"name": language_name(code, page.lang), "opened": f.opened,
             "answered": f.answered, "share": share(f.answered, f.opened),
             "median": _median(f.median_first_reply_seconds, page),
             "open_now": sum(1 for c in open_now if c.lang == code)}
            for code, f in sorted(figures.by_language.items(),
                                  key=lambda kv: (-kv[1].opened, kv[0]))]
    return page.render(
        "conversation_stats.html", span=span, total=figures.total, rows=rows,
        share=share, median=_median(figures.total.median_first_reply_seconds, page),
        open_count=len(open_now), limited=len(open_now) >= desk.options.list_limit,
        longest=waited(max(waits), page) if waits else "–")


CSV_TABLES = ("daily", "languages", "entries", "worst", "unanswered")


@router.get("/stats/{table}.csv")
async def stats_csv(page: PageDep, table: str, start: str = "", end: str = "") -> Response:
    page.require(Role.MANAGER)
    if table not in CSV_TABLES:
        return Response(status_code=404)
    span = _span(page, start, end)
    t = await _tables(page, span)
    rows: list[list[Any]]
    if table == "daily":
        header = ["day", "questions", "answered", "suggested", "unmatched", "answer_rate",
                  "distinct_users", "feedback_up", "feedback_down"]
        rows = [[d.day.isoformat() if d.day else "", d.asked, d.answered, d.suggested,
                 d.unmatched, d.answer_rate, d.distinct_users, d.feedback_up, d.feedback_down]
                for d in t["days"]]
    elif table == "languages":
        header = ["language", "questions", "answered"]
        rows = [[x["code"], x["asked"], x["answered"]] for x in t["language_rows"]]
    elif table in {"entries", "worst"}:
        header = ["id", "question", "answers", "up", "down"] if table == "entries" else \
            ["id", "question", "up", "down"]
        rows = [[x["id"], x["question"], *([x["answers"]] if table == "entries" else []),
                 x["up"], x["down"]] for x in t["top" if table == "entries" else "worst"]]
    else:
        header = ["questions", "example", "last_seen"]
        rows = [[x["count"], x["example"], x["last_seen"]] for x in t["unanswered"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        # A cell starting with = + - @ is a formula to a spreadsheet: quote it as text.
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in "=+-@" else c
                         for c in row])
    name = f"{table}-{span.start}-{span.end}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
