"""Alerts over real HTTP: an editor drafts, a second person (an administrator) approves,
progress is readable; nothing is queued before the approval."""

from __future__ import annotations

import pytest

from faq.alerts import AlertDesk, load_topics
from faq.apikeys import ApiKeyRegistry, Role
from infomigra.runtime import Services
from infomigra.settings import Settings
from tests.admin_api.conftest import Api

TEXTS = {"es": "<b>Cuidado</b>: nadie cobra por una visa H-2A.",
         "en": "<b>Beware</b>: nobody charges for an H-2A visa."}


@pytest.fixture
def settings(people_settings: Settings) -> Settings:
    return people_settings


async def alerts_of(services: Services) -> AlertDesk:
    assert services.alerts is not None
    await services.alerts.seed_topics(load_topics())
    return services.alerts


async def test_draft_then_approval_by_another_person(api: Api) -> None:
    desk = await alerts_of(api.services)
    for n in range(5):
        await desk.subscribe(f"{n:064x}", "fraud-warnings", 5000 + n, "es")

    res = await api.http.post("/api/v1/alerts", json={"topics": ["fraud-warnings"],
                                                      "texts": {"es": TEXTS["es"]}},
                              headers=api.auth("editor"))
    assert res.status_code == 422 and "'en' text is missing" in res.json()["error"]["message"]
    res = await api.http.post("/api/v1/alerts", json={"topics": ["fraud-warnings"],
                                                      "texts": TEXTS},
                              headers=api.auth("manager"))
    assert res.status_code == 403
    res = await api.http.post("/api/v1/alerts", json={"topics": ["fraud-warnings"],
                                                      "texts": TEXTS},
                              headers=api.auth("editor"))
    assert res.status_code == 201, res.text
    alert = res.json()
    assert alert["status"] == "draft" and alert["recipients"] == 0
    assert await desk.active() == []  # nothing goes anywhere before an approval

    res = await api.http.post(f"/api/v1/alerts/{alert['id']}/approve",
                              headers=api.auth("editor"))
    assert res.status_code == 403
    res = await api.http.post(f"/api/v1/alerts/{alert['id']}/approve",
                              headers=api.auth("admin"))
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "approved" and res.json()["recipients"] == 5
    assert await desk.active() == [alert["id"]]
    res = await api.http.get(f"/api/v1/alerts/{alert['id']}", headers=api.auth("manager"))
    assert {k: res.json()[k] for k in ("status", "recipients", "delivered", "failed")} == \
        {"status": "approved", "recipients": 5, "delivered": 0, "failed": 0}
    listed = await api.http.get("/api/v1/alerts", headers=api.auth("manager"))
    assert [a["id"] for a in listed.json()["alerts"]] == [alert["id"]]
    again = await api.http.post(f"/api/v1/alerts/{alert['id']}/approve",
                                headers=api.auth("admin"))
    assert again.status_code == 409


async def test_the_author_cannot_approve_their_own_alert(api: Api) -> None:
    await alerts_of(api.services)
    res = await api.http.post("/api/v1/alerts", json={"topics": ["safety-notices"],
                                                      "texts": TEXTS},
                              headers=api.auth("admin"))
    assert res.status_code == 201
    res = await api.http.post(f"/api/v1/alerts/{res.json()['id']}/approve",
                              headers=api.auth("admin"))
    assert res.status_code == 409 and "other than its author" in res.json()["error"]["message"]
    second, _ = await ApiKeyRegistry(api.services.redis, api.services.keys).create(
        Role.ADMIN, "second admin")
    alert_id = (await api.http.get("/api/v1/alerts", headers=api.auth("admin"))
                ).json()["alerts"][0]["id"]
    res = await api.http.post(f"/api/v1/alerts/{alert_id}/approve",
                              headers={"Authorization": f"Bearer {second}"})
    assert res.status_code == 200 and res.json()["approved_by"].startswith("second admin")


async def test_topics_are_content_staff_can_rename(api: Api) -> None:
    await alerts_of(api.services)
    res = await api.http.get("/api/v1/alerts/topics", headers=api.auth("manager"))
    ids = [t["id"] for t in res.json()["topics"]]
    assert "fraud-warnings" in ids and "safety-notices" in ids
    res = await api.http.put("/api/v1/alerts/topics/fraud-warnings",
                             json={"names": {"es": "Estafas", "en": "Scams"}},
                             headers=api.auth("editor"))
    assert res.status_code == 200 and res.json()["names"]["es"] == "Estafas"
    res = await api.http.put("/api/v1/alerts/topics/fraud-warnings", json={"names": {}},
                             headers=api.auth("editor"))
    assert res.status_code == 422
