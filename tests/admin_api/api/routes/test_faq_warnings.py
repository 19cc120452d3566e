"""Saving an entry with few alternates works, and the reply says why it may not be matched."""

from __future__ import annotations

from tests.admin_api.conftest import Api
from tests.admin_api.helpers import new_entry

FAQ = "/api/v1/faq"


async def test_a_save_with_few_alternates_succeeds_with_a_warning_per_language(api: Api) -> None:
    res = await api.http.post(FAQ, json=new_entry(), headers=api.auth("editor"))
    assert res.status_code == 201, res.text
    warnings = res.json()["warnings"]
    assert len(warnings) == 2  # es has 2 alternates, en has 1
    assert warnings[0].startswith("en: only 1 alternate") and "at least 4" in warnings[0]
    assert warnings[1].startswith("es: only 2 alternate")


async def test_no_warning_when_every_language_has_four_alternates(api: Api) -> None:
    body = new_entry()
    for lang, extra in (("es", ["pesca artesanal permiso", "carne para pescar en el lago"]),
                        ("en", ["fishing permit", "fishing card", "licence to fish"])):
        body["translations"][lang]["alternates"] += extra
    res = await api.http.post(FAQ, json=body, headers=api.auth("editor"))
    assert res.status_code == 201, res.text
    assert res.json()["warnings"] == []
