"""Admin API keys and the lockout of clients that keep presenting wrong ones.

A key is shown once, when it is created; Redis keeps only its SHA-256 (``im:keys:{sha256}``), so
a copy of the database hands out no working key. Keys are random 256-bit tokens, which makes a
plain (unsalted) digest safe: there is nothing to brute-force from the digest.

Wrong keys are counted in Redis per client address (``im:authfail:addr:{address}``) and per
start of the key presented (``im:authfail:key:{hash of its first characters}``), so every API
process sees the same counts and a restart does not reset them. A valid key is always accepted,
whatever others did from the same address: staff behind one office NAT or proxy cannot be locked
out by someone else's typos or guesses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from faq.keys import Keys
from faq.redis_values import Clock, as_text, utc_now

KEY_PREFIX = "imk_"
KEY_ID_LENGTH = 12
MIN_LOOKUP_PREFIX = 4
LAST_USED_RESOLUTION = timedelta(minutes=1)
_KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")
# Compared against when a key is unknown, so that a miss costs what a hit costs.
_DUMMY_DIGEST = hashlib.sha256(b"no such key").hexdigest()


class Role(StrEnum):
    EDITOR = "editor"    # read and write the FAQ, work the inbox
    MANAGER = "manager"  # read the FAQ and the statistics
    ADMIN = "admin"      # everything, plus keys over the API


class KeyLookupError(LookupError):
    """No key, or more than one, answers to the id or prefix given."""


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """What is known about a key. ``id`` is the start of its digest: safe to show and log."""

    id: str
    name: str
    role: Role
    created_at: datetime
    created_by: str
    last_used_at: datetime | None = None

    def allows(self, *roles: Role) -> bool:
        return self.role is Role.ADMIN or self.role in roles

    @property
    def actor(self) -> str:
        """How this key signs the audit log: the name staff gave it, and the key id."""
        return f"{self.name} (key {self.id})"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role.value,
                "created_at": self.created_at.isoformat(), "created_by": self.created_by,
                "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None}


class ApiKeyRegistry:
    def __init__(self, redis: Redis, keys: Keys | None = None, clock: Clock = utc_now) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self.clock = clock

    async def create(self, role: Role | str, name: str, *,
                     created_by: str = "cli") -> tuple[str, ApiKey]:
        """A new key: returns the secret (to show once) and its public description."""
        role = Role(role)
        name = " ".join(name.split())
        if not name or len(name) > 80:
            raise ValueError("a key needs a name of 1 to 80 characters (who or what uses it)")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        digest = digest_of(secret)
        info = ApiKey(id=digest[:KEY_ID_LENGTH], name=name, role=role,
                      created_at=self.clock(), created_by=created_by)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.keys.api_key(digest), mapping={
            "digest": digest, "name": info.name, "role": info.role.value,
            "created_at": info.created_at.isoformat(), "created_by": created_by})
        pipe.sadd(self.keys.api_keys, digest)
        await pipe.execute()
        return secret, info

    async def authenticate_digest(self, presented: str) -> tuple[str, ApiKey] | None:
        """Like ``authenticate``, with the key's digest (what a console session remembers)."""
        info = await self.authenticate(presented)
        return (digest_of(presented), info) if info is not None else None

    async def authenticate(self, presented: str) -> ApiKey | None:
        """The key's description when ``presented`` is a live key, else None.

        The lookup is by digest; the stored digest is then compared in constant time so the
        answer's timing says nothing about how close a guess was.
        """
        if not _KEY_RE.match(presented):
            hmac.compare_digest(_DUMMY_DIGEST, _DUMMY_DIGEST)
            return None
        digest = digest_of(presented)
        raw = await self.redis.hgetall(self.keys.api_key(digest))
        fields = {as_text(k): as_text(v) for k, v in (raw or {}).items()}
        stored = fields.get("digest", _DUMMY_DIGEST)
        if not hmac.compare_digest(stored, digest) or not fields:
            return None
        info = _key_from(digest, fields)
        now = self.clock()
        if info.last_used_at is None or now - info.last_used_at >= LAST_USED_RESOLUTION:
            await self.redis.hset(self.keys.api_key(digest), "last_used_at", now.isoformat())
        return info

    async def by_digest(self, digest: str) -> ApiKey | None:
        """The live key with this digest (a console session holds the digest, not the key)."""
        raw = await self.redis.hgetall(self.keys.api_key(digest))
        fields = {as_text(k): as_text(v) for k, v in (raw or {}).items()}
        return _key_from(digest, fields) if fields else None

    async def has_admin(self) -> bool:
        return any(k.role is Role.ADMIN for k in await self.list())

    async def list(self) -> list[ApiKey]:
        digests = sorted(as_text(d) for d in await self.redis.smembers(self.keys.api_keys))
        if not digests:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for digest in digests:
            pipe.hgetall(self.keys.api_key(digest))
        rows = await pipe.execute()
        found = [_key_from(d, {as_text(k): as_text(v) for k, v in row.items()})
                 for d, row in zip(digests, rows, strict=True) if row]
        return sorted(found, key=lambda k: (k.created_at, k.id))

    async def _resolve(self, id_or_prefix: str) -> str:
        """The digest of the one key whose id starts with ``id_or_prefix`` (or that key itself)."""
        wanted = id_or_prefix.strip()
        if wanted.startswith(KEY_PREFIX):
            digest = digest_of(wanted)
            if await self.redis.sismember(self.keys.api_keys, digest):
                return digest
            raise KeyLookupError("no such key")
        wanted = wanted.lower()
        if len(wanted) < MIN_LOOKUP_PREFIX:
            raise KeyLookupError(f"give at least {MIN_LOOKUP_PREFIX} characters of the key id")
        digests = [as_text(d) for d in await self.redis.smembers(self.keys.api_keys)]
        matches = [d for d in digests if d.startswith(wanted)]
        if not matches:
            raise KeyLookupError(f"no key with id {id_or_prefix!r}")
        if len(matches) > 1:
            raise KeyLookupError(f"{len(matches)} keys start with {id_or_prefix!r}; give more "
                                 "characters of the id")
        return matches[0]

    async def get(self, id_or_prefix: str) -> ApiKey:
        digest = await self._resolve(id_or_prefix)
        raw = await self.redis.hgetall(self.keys.api_key(digest))
        return _key_from(digest, {as_text(k): as_text(v) for k, v in raw.items()})

    async def revoke(self, id_or_prefix: str) -> ApiKey:
        """Delete a key at once: the next request made with it gets 401."""
        digest = await self._resolve(id_or_prefix)
        raw = await self.redis.hgetall(self.keys.api_key(digest))
        info = _key_from(digest, {as_text(k): as_text(v) for k, v in raw.items()})
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(self.keys.api_key(digest))
        pipe.srem(self.keys.api_keys, digest)
        await pipe.execute()
        return info


# The part of a presented key that names it: the "imk_" marker and 8 random characters
# (48 bits), enough that two real keys never share it, too little to help anyone guess one.
FAILURE_PREFIX_LENGTH = len(KEY_PREFIX) + 8


def failure_subjects(address: str, presented: str) -> tuple[str, str]:
    """What a wrong key counts against: the client address and the start of the key.

    The start of the key is hashed, so the failure counters hold no part of any key."""
    start = hashlib.sha256(presented[:FAILURE_PREFIX_LENGTH].encode()).hexdigest()[:16]
    return f"addr:{address}", f"key:{start}"


class AuthThrottle:
    """Refuses wrong keys (429) for a while once a subject (an address, a key prefix) has
    presented ``max_failures`` of them within ``window_seconds``.

    The window starts at the first failure and is not extended by later ones. Callers check the
    key first: only wrong keys are refused, so a lockout never shuts a valid key out; it makes
    guessing slow and noisy instead.
    """

    def __init__(self, redis: Redis, keys: Keys | None = None, *, max_failures: int = 10,
                 window_seconds: int = 300) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self.max_failures = max_failures
        self.window_seconds = window_seconds

    async def retry_after(self, *subjects: str) -> int | None:
        """Seconds until none of ``subjects`` is locked out, or None when none is."""
        pipe = self.redis.pipeline(transaction=False)
        for subject in subjects:
            key = self.keys.auth_failures(subject)
            pipe.get(key)
            pipe.ttl(key)
        answers = await pipe.execute()
        waits = [max(int(ttl), 1) for count, ttl in zip(answers[::2], answers[1::2], strict=True)
                 if count is not None and int(count) >= self.max_failures]
        return max(waits) if waits else None

    async def failed(self, *subjects: str) -> int:
        """Count a wrong key against every subject; returns the highest count."""
        pipe = self.redis.pipeline(transaction=True)
        for subject in subjects:
            key = self.keys.auth_failures(subject)
            # SET NX EX then INCR (which keeps the TTL): the window starts at the first failure.
            # (EXPIRE ... NX would say the same but needs Redis 7; the embedded server is 6.2.)
            pipe.set(key, 0, ex=self.window_seconds, nx=True)
            pipe.incr(key)
        answers = await pipe.execute()
        return max(int(count) for count in answers[1::2])


def _key_from(digest: str, fields: dict[str, str]) -> ApiKey:
    last_used = fields.get("last_used_at")
    return ApiKey(id=digest[:KEY_ID_LENGTH], name=fields.get("name", ""),
                  role=Role(fields.get("role", Role.EDITOR.value)),
                  created_at=datetime.fromisoformat(fields["created_at"]),
                  created_by=fields.get("created_by", ""),
                  last_used_at=datetime.fromisoformat(last_used) if last_used else None)
