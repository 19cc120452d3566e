"""API keys for administrators: create (the key is shown once) and revoke.

Creating is POST, then a redirect to ``/keys?created=1`` (POST/redirect/GET): the new key
travels in the session's one-time flash, so reloading the page neither creates a second key nor
shows the first one again (it says the key was already shown).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from faq.apikeys import KeyLookupError, Role

from .labels import role_label
from .routes_auth import PageDep
from .web import COOKIE, PREFIX, Page, Refused

router = APIRouter(include_in_schema=False)


async def _keys_page(page: Page, status: int = 200, created: str = "", created_name: str = "",
                     error: str | None = None, name: str = "",
                     already_shown: bool = False) -> Response:
    keys = await page.state.services.api_keys.list()
    rows = [{"key": k, "role": role_label(k.role.value, page.gettext),
             "mine": page.session is not None and page.session.key.id == k.id} for k in keys]
    return page.render("keys.html", http_status=status, rows=rows, created=created,
                       created_name=created_name, error=error, name=name,
                       already_shown=already_shown,
                       roles=[(r.value, role_label(r.value, page.gettext)) for r in Role])


@router.get("/keys")
async def keys(page: PageDep, created: str = "") -> Response:
    page.require()
    if created:
        flash = await page.sessions.take_flash(page.request.cookies.get(COOKIE))
        if flash and isinstance(flash.get("key"), str):
            return await _keys_page(page, created=flash["key"],
                                    created_name=str(flash.get("name", "")))
        return await _keys_page(page, already_shown=True)
    return await _keys_page(page)


@router.post("/keys")
async def create_key(page: PageDep) -> Response:
    page.require()
    _ = page.gettext
    data = await page.form()
    name = " ".join(str(data.get("name") or "").split())
    role = str(data.get("role") or "")
    if not name or len(name) > 80:
        return await _keys_page(page, 422, error=_("Write who will use the key (1 to 80 "
                                                    "characters)."), name=name)
    if role not in {r.value for r in Role}:
        return await _keys_page(page, 422, error=_("Choose a role."), name=name)
    secret, info = await page.state.services.api_keys.create(role, name,
                                                             created_by=page.actor)
    await page.state.services.store.note(
        action="key-create", actor=page.actor,
        detail=f"key {info.id} ({info.name}), role {info.role.value}")
    await page.sessions.put_flash(str(page.request.cookies.get(COOKIE)),
                                  {"key": secret, "name": info.name})
    return page.redirect(f"{PREFIX}/keys?created=1")


@router.get("/keys/{key_id}/revoke")
async def revoke_confirm(page: PageDep, key_id: str) -> Response:
    page.require()
    _ = page.gettext
    try:
        info = await page.state.services.api_keys.get(key_id)
    except KeyLookupError as exc:
        raise Refused(404, _("Not found"), _("There is no such key.")) from exc
    return page.render(
        "confirm.html", title=_("Revoke the key of {name}?").format(name=info.name),
        text=_("Whoever uses this key is signed out at once and cannot sign in with it "
               "again. This cannot be undone; you can create a new key."),
        action=f"{PREFIX}/keys/{info.id}/revoke", button=_("Revoke"), hidden={},
        back=f"{PREFIX}/keys", changes=[])


@router.post("/keys/{key_id}/revoke")
async def revoke(page: PageDep, key_id: str) -> Response:
    page.require()
    _ = page.gettext
    await page.form()
    try:
        info = await page.state.services.api_keys.revoke(key_id)
    except KeyLookupError as exc:
        raise Refused(404, _("Not found"), _("There is no such key.")) from exc
    await page.state.services.store.note(
        action="key-revoke", actor=page.actor,
        detail=f"key {info.id} ({info.name}), role {info.role.value}")
    return page.redirect(f"{PREFIX}/keys?msg=revoked")
