"""The audit log over HTTP: who changed what, filtered by entry and by date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.admin_api.conftest import Api
from tests.admin_api.helpers import with_answer
from tests.conftest import FakeClock


async def edit(api: Api, entry_id: str, answer: str) -> None:
    entry, etag = await api.get_entry(entry_id)
    res = await api.http.put(f"/api/v1/faq/{entry_id}", json=with_answer(entry, answer),
                             headers={**api.auth("editor"), "If-Match": etag})
    assert res.status_code == 200, res.text


async def test_audit_filters_by_entry(api: Api) -> None:
    await edit(api, "privacy", "<b>uno</b>")
    await edit(api, "talk-to-person", "<b>dos</b>")
    res = await api.http.get("/api/v1/audit", params={"entry": "privacy"},
                             headers=api.auth("manager"))
    assert res.status_code == 200
    items = res.json()["items"]
    assert items and {i["entry"] for i in items} == {"privacy"}
    assert items[0]["action"] == "update" and items[0]["actor"].startswith("test editor")
    assert items[-1]["action"] == "seed"
    everything = await api.http.get("/api/v1/audit", params={"limit": 2},
                                    headers=api.auth("editor"))
    assert [i["entry"] for i in everything.json()["items"]] == ["talk-to-person", "privacy"]


async def test_audit_filters_by_date(api: Api, clock: FakeClock) -> None:
    # The stream is ordered by real time; keep the clock on it for this test.
    clock.now = datetime.now(UTC)
    await edit(api, "privacy", "<b>hoy</b>")
    today = clock.now.astimezone(api.services.settings.tz).date()
    res = await api.http.get("/api/v1/audit", params={"since": today.isoformat(),
                                                      "entry": "privacy"},
                             headers=api.auth("manager"))
    assert [i["action"] for i in res.json()["items"]][:1] == ["update"]
    tomorrow = today + timedelta(days=1)
    res = await api.http.get("/api/v1/audit", params={"since": tomorrow.isoformat()},
                             headers=api.auth("manager"))
    assert res.json()["items"] == []
    yesterday = today - timedelta(days=1)
    res = await api.http.get("/api/v1/audit", params={"until": yesterday.isoformat()},
                             headers=api.auth("manager"))
    assert res.json()["items"] == []
    res = await api.http.get("/api/v1/audit", params={"since": today.isoformat(),
                                                      "until": yesterday.isoformat()},
                             headers=api.auth("manager"))
    assert res.status_code == 422
