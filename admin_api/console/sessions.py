"""Console sessions: an API key is exchanged once for a server-side session.

The browser holds only a random session token in an HttpOnly cookie; Redis holds the session
under the token's SHA-256 (a copy of the database opens no session) with the digest of the key
it was opened with, so revoking the key ends its sessions at the next request. Sessions expire
after ``idle_seconds`` without a request and after ``max_seconds`` in any case.

A session can hold one flash: something to show once on the page a POST redirects to (a new
API key). It is encrypted under a key derived from the session cookie, which Redis never holds,
so a copy of the database cannot read it; reading it deletes it, so a reload shows nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis

from faq.apikeys import ApiKey, ApiKeyRegistry
from faq.keys import Keys
from faq.redis_values import as_text

# OWASP's Session Management Cheat Sheet: 15-30 minutes idle for low-risk applications; the
# console edits public information, so the upper end. Absolute limit: one working day.
IDLE_SECONDS = 30 * 60
MAX_SECONDS = 12 * 3600
# A first-run sign-in link stays valid for a day (the newcomer may open it after lunch).
SIGNIN_LINK_SECONDS = 24 * 3600


FLASH_FIELD = "flash"
FLASH_NONCE_BYTES = 12  # AES-GCM's standard nonce size (NIST SP 800-38D)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _flash_cipher(token: str) -> AESGCM:
    return AESGCM(hmac.new(token.encode(), b"im-console-flash", hashlib.sha256).digest())


@dataclass(frozen=True)
class Session:
    digest: str
    key: ApiKey
    csrf: str
    lang: str


class SessionStore:
    def __init__(self, redis: Redis, keys: Keys, registry: ApiKeyRegistry, *,
                 idle_seconds: int = IDLE_SECONDS, max_seconds: int = MAX_SECONDS) -> None:
        self.redis = redis
        self.keys = keys
        self.registry = registry
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds

    async def open(self, key_digest: str, lang: str) -> str:
        """A new session for the key; returns the cookie value (shown to no one else)."""
        token = secrets.token_urlsafe(32)
        name = self.keys.console_session(_digest(token))
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(name, mapping={"key": key_digest, "csrf": secrets.token_urlsafe(32),
                                 "lang": lang,
                                 "started": str(int(datetime.now(UTC).timestamp()))})
        pipe.expire(name, self.idle_seconds)
        await pipe.execute()
        return token

    async def load(self, token: str | None) -> Session | None:
        if not token or len(token) > 200:
            return None
        digest = _digest(token)
        name = self.keys.console_session(digest)
        fields = {as_text(k): as_text(v) for k, v in (await self.redis.hgetall(name)).items()}
        if not fields:
            return None
        started = int(fields.get("started", "0"))
        if datetime.now(UTC).timestamp() - started > self.max_seconds:
            await self.redis.delete(name)
            return None
        key = await self.registry.by_digest(fields.get("key", ""))
        if key is None:  # revoked since
            await self.redis.delete(name)
            return None
        await self.redis.expire(name, self.idle_seconds)
        return Session(digest, key, fields.get("csrf", ""), fields.get("lang", ""))

    async def set_language(self, session: Session, lang: str) -> None:
        await self.redis.hset(self.keys.console_session(session.digest), "lang", lang)

    async def put_flash(self, token: str, payload: dict[str, Any]) -> None:
        """Keep ``payload`` for the next page of this session only (replacing an unread one)."""
        nonce = os.urandom(FLASH_NONCE_BYTES)
        sealed = _flash_cipher(token).encrypt(nonce, json.dumps(payload).encode(), None)
        await self.redis.hset(self.keys.console_session(_digest(token)), FLASH_FIELD,
                              base64.b64encode(nonce + sealed).decode())

    async def take_flash(self, token: str | None) -> dict[str, Any] | None:
        """The flash, once: it is deleted in the same transaction that reads it."""
        if not token or len(token) > 200:
            return None
        pipe = self.redis.pipeline(transaction=True)
        pipe.hget(self.keys.console_session(_digest(token)), FLASH_FIELD)
        pipe.hdel(self.keys.console_session(_digest(token)), FLASH_FIELD)
        value, _ = await pipe.execute()
        if not value:
            return None
        try:
            raw = base64.b64decode(as_text(value))
            opened = _flash_cipher(token).decrypt(raw[:FLASH_NONCE_BYTES],
                                                  raw[FLASH_NONCE_BYTES:], None)
            payload = json.loads(opened)
        except (InvalidTag, ValueError):
            return None
        return payload if isinstance(payload, dict) else None

    async def close(self, token: str | None) -> None:
        if token:
            await self.redis.delete(self.keys.console_session(_digest(token)))

    async def signin_link(self, key_digest: str) -> str:
        """A one-time token that opens a session for the key (the first-run link)."""
        token = secrets.token_urlsafe(32)
        await self.redis.set(self.keys.console_signin(_digest(token)), key_digest,
                             ex=SIGNIN_LINK_SECONDS)
        return token

    async def redeem(self, token: str) -> str | None:
        """The key digest a sign-in token stood for; the token is gone afterwards."""
        if not token or len(token) > 200:
            return None
        name = self.keys.console_signin(_digest(token))
        pipe = self.redis.pipeline(transaction=True)
        pipe.get(name)
        pipe.delete(name)
        value, _ = await pipe.execute()
        return as_text(value) if value else None


async def first_run_link(redis: Redis, keys: Keys, registry: ApiKeyRegistry) -> str | None:
    """When no admin key exists: create one and return a one-time sign-in token for it.

    ``serve`` and ``api`` call this at start-up and print the link to the terminal, so that a
    newcomer can open the console without reading the CLI docs first. None once an admin exists.
    """
    if await registry.has_admin():
        return None
    secret, _ = await registry.create("admin", "first administrator", created_by="first-run")
    sessions = SessionStore(redis, keys, registry)
    return await sessions.signin_link(_digest(secret))
