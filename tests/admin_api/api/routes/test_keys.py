"""API keys over the API (admin only): create, list, revoke; audited."""

from __future__ import annotations

from tests.admin_api.conftest import Api


async def test_admin_creates_lists_and_revokes_keys(api: Api) -> None:
    res = await api.http.post("/api/v1/keys", json={"name": "Lucía (helpdesk)",
                                                    "role": "editor"},
                              headers=api.auth("admin"))
    assert res.status_code == 201, res.text
    created = res.json()
    secret = created["key"]
    assert secret.startswith("imk_") and created["role"] == "editor"
    new_key = {"Authorization": f"Bearer {secret}"}
    assert (await api.http.get("/api/v1/faq", headers=new_key)).status_code == 200

    listed = (await api.http.get("/api/v1/keys", headers=api.auth("admin"))).json()["items"]
    mine = next(k for k in listed if k["id"] == created["id"])
    assert mine["name"] == "Lucía (helpdesk)" and mine["last_used_at"] is not None
    assert all("key" not in k for k in listed)  # the secret is never shown again

    res = await api.http.delete(f"/api/v1/keys/{created['id'][:6]}", headers=api.auth("admin"))
    assert res.status_code == 200 and res.json()["id"] == created["id"]
    assert (await api.http.get("/api/v1/faq", headers=new_key)).status_code == 401
    again = await api.http.delete(f"/api/v1/keys/{created['id']}", headers=api.auth("admin"))
    assert again.status_code == 404

    actions = [(a.action, a.detail) for a in await api.services.store.audit(limit=2)]
    assert [a for a, _ in actions] == ["key-revoke", "key-create"]
    assert all(created["id"] in detail for _, detail in actions)


async def test_key_requests_are_validated(api: Api) -> None:
    res = await api.http.post("/api/v1/keys", json={"name": "", "role": "editor"},
                              headers=api.auth("admin"))
    assert res.status_code == 422
    res = await api.http.post("/api/v1/keys", json={"name": "x", "role": "owner"},
                              headers=api.auth("admin"))
    assert res.status_code == 422
    assert "editor" in res.json()["error"]["message"]
    res = await api.http.delete("/api/v1/keys/ab", headers=api.auth("admin"))
    assert res.status_code == 404 and "at least 4" in res.json()["error"]["message"]
