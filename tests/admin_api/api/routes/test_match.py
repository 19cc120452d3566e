"""POST /match: staff test a phrasing against what the bots answer from."""

from __future__ import annotations

from tests.admin_api.conftest import Api


async def test_match_ranks_candidates_with_scores_and_a_decision(api: Api) -> None:
    res = await api.http.post("/api/v1/match", json={"q": "quiero sacar mi pasaporte por "
                                                          "primera vez", "lang": "es"},
                              headers=api.auth("editor"))
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["decision"] in {"answer", "suggest"}
    assert body["id"] == body["candidates"][0]["id"]
    assert body["candidates"][0]["question"].startswith("¿")
    scores = [c["score"] for c in body["candidates"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert body["revision"] >= 1

    res = await api.http.post("/api/v1/match", json={"q": "receta de pepián con pollo"},
                              headers=api.auth("manager"))
    assert res.json()["decision"] == "none" and res.json()["id"] is None
    assert res.json()["lang"] == "es"  # the service's language by default


async def test_match_refuses_a_language_that_is_not_offered(api: Api) -> None:
    res = await api.http.post("/api/v1/match", json={"q": "passeport", "lang": "fr"},
                              headers=api.auth("editor"))
    assert res.status_code == 422
    assert res.json()["error"]["details"]["problems"][0]["field"] == "lang"
    res = await api.http.post("/api/v1/match", json={"q": ""}, headers=api.auth("editor"))
    assert res.status_code == 422
