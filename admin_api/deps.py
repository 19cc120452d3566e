"""Dependencies as ``Annotated`` aliases: the services, the caller's key and role, If-Match.

Routes declare what they need (``store: StoreDep``, ``who: EditorDep``) and never reach into
``request.app.state`` themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from faq.alerts import AlertDesk
from faq.apikeys import ApiKey, ApiKeyRegistry, Role, failure_subjects
from faq.conversations import ConversationDesk
from faq.inbox import InboxDesk
from faq.live import LiveMatcher
from faq.stats import Stats
from faq.store import FaqStore
from faq.usecases import FaqService

from . import clients
from .config import ApiConfig, ApiState
from .errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="An API key from `infomigra keys create`")
_ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d{1,12})"?\s*$')


def get_state(request: Request) -> ApiState:
    state: ApiState | None = getattr(request.app.state, "api", None)
    if state is None:
        raise ApiError(503, "The API is starting or stopping; try again in a moment.",
                       headers={"Retry-After": "2"})
    return state


StateDep = Annotated[ApiState, Depends(get_state)]


def _store(state: StateDep) -> FaqStore:
    return state.services.store


def _stats(state: StateDep) -> Stats:
    return state.services.stats


def _live(state: StateDep) -> LiveMatcher:
    return state.services.live


def _registry(state: StateDep) -> ApiKeyRegistry:
    return state.services.api_keys


def _inbox(state: StateDep) -> InboxDesk:
    return state.inbox


def _service(state: StateDep) -> FaqService:
    return state.faq


def _config(state: StateDep) -> ApiConfig:
    return state.config


def _conversations(state: StateDep) -> ConversationDesk:
    if state.services.conversations is None:
        raise ApiError(404, "Talking to a person is switched off on this service "
                            "(INFOMIGRA_HELPDESK_ENABLED).", code="feature_off")
    return state.services.conversations


def _alerts(state: StateDep) -> AlertDesk:
    if state.services.alerts is None:
        raise ApiError(404, "Alerts are switched off on this service "
                            "(INFOMIGRA_ALERTS_ENABLED).", code="feature_off")
    return state.services.alerts


StoreDep = Annotated[FaqStore, Depends(_store)]
StatsDep = Annotated[Stats, Depends(_stats)]
LiveDep = Annotated[LiveMatcher, Depends(_live)]
KeyRegistryDep = Annotated[ApiKeyRegistry, Depends(_registry)]
InboxDep = Annotated[InboxDesk, Depends(_inbox)]
ConfigDep = Annotated[ApiConfig, Depends(_config)]
ConversationsDep = Annotated[ConversationDesk, Depends(_conversations)]
AlertsDep = Annotated[AlertDesk, Depends(_alerts)]
FaqServiceDep = Annotated[FaqService, Depends(_service)]


def client_address(request: Request, config: ApiConfig) -> str:
    """The caller's address; X-Forwarded-For counts only from ``config.trusted_proxies``."""
    peer = request.client.host if request.client else None
    return clients.client_address(peer, request.headers.getlist("x-forwarded-for"),
                                  config.trusted_proxies)


async def authenticate(
        request: Request, state: StateDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> ApiKey:
    """The caller's key. 401 without one or for an unknown one.

    The key is checked first: a valid key is always accepted, whatever others presented from
    the same address. A wrong key counts against the client address and against the start of
    the key; once either has ``auth_max_failures`` within the window, wrong keys get 429 until
    it ends. Both refusals say the same whatever the key was (unknown, revoked, malformed)."""
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "An API key is required: send 'Authorization: Bearer <key>'. "
                            "Staff get keys from an administrator (infomigra keys create).",
                       headers={"WWW-Authenticate": "Bearer"})
    key = await state.services.api_keys.authenticate(credentials.credentials)
    if key is not None:
        return key
    subjects = failure_subjects(client_address(request, state.config), credentials.credentials)
    wait = await state.throttle.retry_after(*subjects)
    if wait is not None:
        raise ApiError(429, f"Too many wrong API keys. Try again in {wait} seconds.",
                       code="too_many_failures", details={"retry_after_seconds": wait},
                       headers={"Retry-After": str(wait)})
    await state.throttle.failed(*subjects)
    raise ApiError(401, "This API key is not valid (unknown or revoked).",
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, ApiKey]]:
    """A dependency admitting keys with one of ``roles`` (an admin key is always admitted)."""
    allowed = ", ".join(r.value for r in (*roles, Role.ADMIN))

    async def check(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
        if not key.allows(*roles):
            raise ApiError(403, f"A key with role '{key.role.value}' cannot do this; it needs "
                                f"one of: {allowed}.",
                           details={"role": key.role.value, "allowed": allowed.split(", ")})
        return key

    return check


EditorDep = Annotated[ApiKey, Depends(require(Role.EDITOR))]
ReaderDep = Annotated[ApiKey, Depends(require(Role.EDITOR, Role.MANAGER))]
ManagerDep = Annotated[ApiKey, Depends(require(Role.MANAGER))]
AdminDep = Annotated[ApiKey, Depends(require())]


def parse_if_match(value: str | None, *, required: bool = True) -> int | None:
    """The version named by If-Match: 428 when missing (and required), 412 when unreadable."""
    if value is None or not value.strip():
        if not required:
            return None
        raise ApiError(428, "Send the entry's version in the If-Match header (the ETag you "
                            "got when you read it), so that nobody's change is overwritten.")
    match = _ETAG_RE.match(value.split(",")[0])
    if match is None:
        raise ApiError(412, f"If-Match {value[:40]!r} names no version of this entry; send the "
                            'ETag you read, e.g. If-Match: "3".')
    return int(match.group(1))


IfMatchHeader = Annotated[str | None, Header(
    description='The ETag of the version you edited, e.g. "3"')]
