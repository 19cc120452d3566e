"""API keys over the API: list, create, revoke (admin keys only). Audited like entry changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from faq.apikeys import KeyLookupError

from ...deps import AdminDep, KeyRegistryDep, StoreDep
from ...errors import ApiError
from ...schemas.common import AUTH_ERRORS, INVALID, NOT_FOUND
from ...schemas.keys import KeyCreate, KeyCreated, KeyList, KeyOut

router = APIRouter(prefix="/keys", tags=["keys"], responses=AUTH_ERRORS)


@router.get("", summary="Every API key (never the keys themselves)", response_model=KeyList)
async def list_keys(registry: KeyRegistryDep, who: AdminDep) -> KeyList:
    return KeyList(items=[KeyOut.of(k) for k in await registry.list()])


@router.post("", summary="Create a key (shown once in this answer)", status_code=201,
             response_model=KeyCreated, responses=INVALID)
async def create_key(body: KeyCreate, registry: KeyRegistryDep, store: StoreDep,
                     who: AdminDep) -> KeyCreated:
    secret, info = await registry.create(body.role, body.name, created_by=who.actor)
    await store.note(action="key-create", actor=who.actor,
                     detail=f"key {info.id} ({info.name}), role {info.role.value}")
    return KeyCreated.model_validate({**info.as_dict(), "key": secret})


@router.delete("/{key_id}", summary="Revoke a key at once", response_model=KeyOut,
               responses=NOT_FOUND)
async def revoke_key(key_id: Annotated[str, Path(max_length=64)], registry: KeyRegistryDep,
                     store: StoreDep, who: AdminDep) -> KeyOut:
    try:
        info = await registry.revoke(key_id)
    except KeyLookupError as exc:
        raise ApiError(404, f"{str(exc).capitalize()}.", details={"key": key_id}) from exc
    await store.note(action="key-revoke", actor=who.actor,
                     detail=f"key {info.id} ({info.name}), role {info.role.value}")
    return KeyOut.of(info)
