"""Statistics over HTTP, from counters the bot would have written (Stats.record_question)."""

from __future__ import annotations

import csv
import io

from faq.matcher import Candidate, Decision, MatchResult
from tests.admin_api.conftest import Api, record
from tests.conftest import FakeClock


async def seed_two_days(api: Api, clock: FakeClock) -> None:
    svc = api.services
    # 2026-11-19, Guatemala time (UTC-6): 3 questions, 2 people.
    clock.now = clock.now.replace(day=19, hour=18)
    await record(svc, "pasaporte", "es", Decision.ANSWER, "privacy", user="ana")
    await record(svc, "passport", "en", Decision.ANSWER, "privacy", user="bob")
    await record(svc, "algo raro", "es", Decision.NONE, user="ana")
    # 05:30 UTC on the 20th is still the 19th in Guatemala: the day is cut in local time.
    clock.now = clock.now.replace(day=20, hour=5, minute=30)
    await record(svc, "visa", "es", Decision.SUGGEST, user="carla",
                 candidates=(Candidate("privacy", 0.5),))
    # 2026-11-20 local: 2 questions.
    clock.now = clock.now.replace(day=20, hour=15, minute=0)
    await record(svc, "trabajo", "es", Decision.ANSWER, "talk-to-person", user="ana")
    await record(svc, "trabajo", "es", Decision.ANSWER, "talk-to-person", user="dan")
    await svc.stats.record_feedback("talk-to-person", "up", None)
    await svc.stats.record_feedback("privacy", "down", None)


async def test_summary_daily_and_entries(api: Api, clock: FakeClock) -> None:
    await seed_two_days(api, clock)
    params = {"from": "2026-11-19", "to": "2026-11-20"}
    res = await api.http.get("/api/v1/stats/summary", params=params, headers=api.auth("manager"))
    assert res.status_code == 200, res.text
    s = res.json()
    assert (s["from"], s["to"]) == ("2026-11-19", "2026-11-20")
    assert (s["questions"], s["answered"], s["suggested"], s["unmatched"]) == (6, 4, 1, 1)
    assert s["answer_rate"] == round(4 / 6, 4)
    assert s["distinct_users"] == 4
    assert (s["feedback_up"], s["feedback_down"]) == (1, 1)
    assert s["by_language"]["en"] == {"asked": 1, "answered": 1}

    res = await api.http.get("/api/v1/stats/daily", params=params, headers=api.auth("manager"))
    days = {d["day"]: d for d in res.json()["days"]}
    assert days["2026-11-19"]["questions"] == 4  # the 05:30 UTC question counts on the 19th
    assert days["2026-11-20"]["questions"] == 2
    assert days["2026-11-19"]["distinct_users"] == 3

    res = await api.http.get("/api/v1/stats/entries", params=params, headers=api.auth("admin"))
    ranked = res.json()["entries"]
    assert [(e["id"], e["answers"]) for e in ranked] == [("privacy", 2), ("talk-to-person", 2)]
    by_id = {e["id"]: e for e in ranked}
    assert by_id["talk-to-person"]["up"] == 1 and by_id["talk-to-person"]["up_rate"] == 1.0
    assert by_id["privacy"]["down"] == 1 and by_id["privacy"]["up_rate"] == 0.0
    assert by_id["privacy"]["question"]


async def test_default_period_is_the_last_30_days_in_the_service_time_zone(
        api: Api, clock: FakeClock) -> None:
    await seed_two_days(api, clock)
    res = await api.http.get("/api/v1/stats/summary", headers=api.auth("manager"))
    assert (res.json()["from"], res.json()["to"]) == ("2026-10-22", "2026-11-20")
    assert res.json()["questions"] == 6


async def test_every_stats_endpoint_speaks_csv(api: Api, clock: FakeClock) -> None:
    await seed_two_days(api, clock)
    params = {"from": "2026-11-19", "to": "2026-11-20", "format": "csv"}
    res = await api.http.get("/api/v1/stats/summary", params=params, headers=api.auth("manager"))
    assert res.headers["content-type"].startswith("text/csv")
    assert "attachment" in res.headers["content-disposition"]
    [row] = list(csv.DictReader(io.StringIO(res.text)))
    assert row["questions"] == "6" and row["asked_en"] == "1" and row["unmatched_es"] == "1"

    res = await api.http.get("/api/v1/stats/daily", params=params, headers=api.auth("manager"))
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert [(r["day"], r["questions"]) for r in rows] == [("2026-11-19", "4"),
                                                          ("2026-11-20", "2")]

    res = await api.http.get("/api/v1/stats/entries", params=params, headers=api.auth("manager"))
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert rows[0]["id"] == "privacy" and rows[0]["answers"] == "2"


async def test_periods_that_make_no_sense_are_refused(api: Api) -> None:
    res = await api.http.get("/api/v1/stats/daily", params={"from": "2026-11-20",
                                                            "to": "2026-11-01"},
                             headers=api.auth("manager"))
    assert res.status_code == 422
    assert "after 'to'" in res.json()["error"]["message"]
    res = await api.http.get("/api/v1/stats/daily", params={"from": "2016-01-01",
                                                            "to": "2026-11-01"},
                             headers=api.auth("manager"))
    assert res.status_code == 422 and "366 days" in res.json()["error"]["message"]
    res = await api.http.get("/api/v1/stats/daily", params={"from": "yesterday"},
                             headers=api.auth("manager"))
    assert res.status_code == 422


async def test_summary_counts_replies_that_never_reached_the_person(api: Api) -> None:
    svc = api.services
    await record(svc, "pasaporte", "es", Decision.ANSWER, "privacy", user="ana")
    blocked = MatchResult("visa", Decision.ANSWER, (Candidate("privacy", 0.9),))
    await svc.stats.record_question(blocked, "es", "bob", failed="blocked")
    await svc.stats.record_rejected_suggestion("trabajo en canada", "es", [])
    res = await api.http.get("/api/v1/stats/summary", headers=api.auth("manager"))
    assert res.status_code == 200, res.text
    s = res.json()
    assert (s["questions"], s["answered"], s["delivery_failed"]) == (2, 1, 1)
    assert s["failed_by_reason"] == {"blocked": 1}
    assert s["suggestion_rejected"] == 1
