"""The FAQ on Redis: current entries, history, audit, revision counter and change notice.

Every save names the version it read. The check and the write happen inside one Lua script, so
of twenty editors saving the same version at once exactly one wins and nothing of the others is
written. The script also appends the history, the audit record, bumps the revision and publishes
the change, so a bot process never sees an entry without its history or notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from faq.keys import Keys
from faq.models import Category, Entry, Status
from faq.redis_values import Clock, as_text, utc_now

SEED_ACTOR = "system:seed"
AUDIT_MAXLEN = 100_000


class StoreError(Exception):
    """Base of the store's refusals."""


class VersionConflict(StoreError):
    def __init__(self, entry_id: str, expected: int, current: int) -> None:
        super().__init__(f"entry {entry_id!r} is at version {current}, not {expected}")
        self.entry_id = entry_id
        self.expected = expected
        self.current = current


class EntryNotFound(StoreError):
    def __init__(self, entry_id: str) -> None:
        super().__init__(f"no entry {entry_id!r}")
        self.entry_id = entry_id


# KEYS: entry, history, ids, rev, audit   ARGV: id, expected, new_json, audit_json..., channel
_SAVE_SCRIPT = """
local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = tonumber(cjson.decode(current)['version']) end
if version ~= tonumber(ARGV[2]) then return {0, version} end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
local rev = redis.call('INCR', KEYS[4])
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[5], '*',
           'entry', ARGV[1], 'action', ARGV[4], 'version', tostring(version + 1),
           'actor', ARGV[6], 'at', ARGV[7], 'rev', tostring(rev), 'detail', ARGV[9])
redis.call('PUBLISH', ARGV[8], tostring(rev))
return {1, rev}
"""


# All or nothing for a batch (imports): every expected version is checked before anything is
# written. KEYS: ids, rev, audit, then entry and history per entry.
# ARGV: n, channel, maxlen, actor, at, action, then id, expected, json, detail per entry.
_SAVE_MANY_SCRIPT = """
local n = tonumber(ARGV[1])
for i = 1, n do
  local current = redis.call('GET', KEYS[2 + 2 * i])
  local version = 0
  if current then version = tonumber(cjson.decode(current)['version']) end
  if version ~= tonumber(ARGV[6 + 4 * (i - 1) + 2]) then return {0, i, version} end
end
local rev = 0
for i = 1, n do
  local base = 6 + 4 * (i - 1)
  redis.call('SET', KEYS[2 + 2 * i], ARGV[base + 3])
  redis.call('LPUSH', KEYS[3 + 2 * i], ARGV[base + 3])
  redis.call('SADD', KEYS[1], ARGV[base + 1])
  rev = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*',
             'entry', ARGV[base + 1], 'action', ARGV[6],
             'version', tostring(tonumber(ARGV[base + 2]) + 1),
             'actor', ARGV[4], 'at', ARGV[5], 'rev', tostring(rev), 'detail', ARGV[base + 4])
end
if n > 0 then redis.call('PUBLISH', ARGV[2], tostring(rev)) end
return {1, 0, rev}
"""

@dataclass(frozen=True)
class AuditRecord:
    id: str
    entry: str
    action: str
    version: int
    actor: str
    at: datetime
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "entry": self.entry, "action": self.action,
                "version": self.version, "actor": self.actor, "at": self.at.isoformat(),
                "detail": self.detail}


@dataclass(frozen=True)
class SeedReport:
    added: list[str]
    updated: list[str]
    kept: list[str]


class FaqStore:
    def __init__(self, redis: Redis, keys: Keys | None = None, clock: Clock = utc_now) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self.clock = clock
        self._save = redis.register_script(_SAVE_SCRIPT)
        self._save_many = redis.register_script(_SAVE_MANY_SCRIPT)

    # -- reading ---------------------------------------------------------------------------

    async def get(self, entry_id: str) -> Entry | None:
        raw = await self.redis.get(self.keys.entry(entry_id))
        return Entry.model_validate_json(raw) if raw else None

    async def list_entries(self) -> list[Entry]:
        ids = sorted(await self.redis.smembers(self.keys.ids))
        if not ids:
            return []
        raws = await self.redis.mget([self.keys.entry(as_text(i)) for i in ids])
        return [Entry.model_validate_json(r) for r in raws if r]

    async def revision(self) -> int:
        return int(await self.redis.get(self.keys.rev) or 0)

    async def history(self, entry_id: str) -> list[Entry]:
        """Every accepted version of the entry, newest first (the current one included)."""
        raws = await self.redis.lrange(self.keys.history(entry_id), 0, -1)
        return [Entry.model_validate_json(r) for r in raws]

    async def version(self, entry_id: str, version: int) -> Entry | None:
        for entry in await self.history(entry_id):
            if entry.version == version:
                return entry
        return None

    async def categories(self) -> list[Category]:
        raw = await self.redis.hgetall(self.keys.categories)
        cats = [Category.model_validate_json(v) for v in raw.values()]
        return sorted(cats, key=lambda c: c.id)

    async def audit(self, entry_id: str | None = None, since: datetime | None = None,
                    until: datetime | None = None, limit: int = 200) -> list[AuditRecord]:
        start = f"{int(since.timestamp() * 1000)}-0" if since else "-"
        end = f"{int(until.timestamp() * 1000)}-18446744073709551615" if until else "+"
        rows = await self.redis.xrevrange(self.keys.audit, max=end, min=start,
                                          count=None if entry_id else limit)
        records: list[AuditRecord] = []
        for stream_id, fields in rows or []:
            f = {as_text(k): as_text(v) for k, v in (fields or {}).items()}
            if entry_id and f.get("entry") != entry_id:
                continue
            records.append(AuditRecord(
                id=as_text(stream_id), entry=f.get("entry", ""), action=f.get("action", ""),
                version=int(f.get("version", 0)), actor=f.get("actor", ""),
                at=datetime.fromisoformat(f["at"]) if f.get("at") else self.clock(),
                detail=f.get("detail", "")))
            if len(records) >= limit:
                break
        return records

    # -- writing ---------------------------------------------------------------------------

    async def save(self, entry: Entry, *, expected_version: int, actor: str,
                   action: str | None = None, detail: str = "") -> Entry:
        """Write ``entry`` as the next version after ``expected_version`` (0: a new entry).

        Raises ``VersionConflict`` (and writes nothing) when someone saved in between.
        """
        now = self.clock()
        stored = entry.with_meta(version=expected_version + 1, updated_at=now, updated_by=actor)
        action = action or ("create" if expected_version == 0 else "update")
        result = await self._save(
            keys=[self.keys.entry(entry.id), self.keys.history(entry.id), self.keys.ids,
                  self.keys.rev, self.keys.audit],
            args=[entry.id, expected_version, stored.model_dump_json(), action, AUDIT_MAXLEN,
                  actor, now.isoformat(), self.keys.changed_channel, detail],
        )
        ok, value = int(result[0]), int(result[1])
        if not ok:
            if value == 0 and expected_version > 0:
                raise EntryNotFound(entry.id)
            raise VersionConflict(entry.id, expected_version, value)
        return stored

    async def save_many(self, changes: Sequence[tuple[Entry, int]], *, actor: str,
                        action: str, details: Sequence[str] | None = None) -> list[Entry]:
        """Write several entries at once, each after the version it names, or none of them.

        An import must not leave the FAQ half replaced: the versions are all checked inside one
        script before the first write, and one change notice is published at the end. Raises
        ``VersionConflict`` / ``EntryNotFound`` for the first stale entry (nothing written).
        """
        if len({entry.id for entry, _ in changes}) != len(changes):
            raise ValueError("save_many: an entry id appears twice")
        if not changes:
            return []
        now = self.clock()
        details = list(details) if details is not None else [""] * len(changes)
        stored = [entry.with_meta(version=expected + 1, updated_at=now, updated_by=actor)
                  for entry, expected in changes]
        keys = [self.keys.ids, self.keys.rev, self.keys.audit]
        args: list[Any] = [len(changes), self.keys.changed_channel, AUDIT_MAXLEN, actor,
                           now.isoformat(), action]
        for (entry, expected), new, detail in zip(changes, stored, details, strict=True):
            keys += [self.keys.entry(entry.id), self.keys.history(entry.id)]
            args += [entry.id, expected, new.model_dump_json(), detail]
        result = await self._save_many(keys=keys, args=args)
        ok, index, value = int(result[0]), int(result[1]), int(result[2])
        if not ok:
            entry, expected = changes[index - 1]
            if value == 0 and expected > 0:
                raise EntryNotFound(entry.id)
            raise VersionConflict(entry.id, expected, value)
        return stored

    async def note(self, *, action: str, actor: str, entry: str = "", detail: str = "",
                   version: int = 0) -> str:
        """Audit an act that changes no entry (an inbox dismissal, an API key revoked).

        Same stream and fields as the saves, so ``audit()`` and ``GET /audit`` show one story.
        """
        now = self.clock()
        stream_id = await self.redis.xadd(
            self.keys.audit,
            {"entry": entry, "action": action, "version": str(version), "actor": actor,
             "at": now.isoformat(), "rev": str(await self.revision()), "detail": detail},
            maxlen=AUDIT_MAXLEN, approximate=True)
        return as_text(stream_id)

    async def archive(self, entry_id: str, *, expected_version: int, actor: str) -> Entry:
        current = await self.get(entry_id)
        if current is None:
            raise EntryNotFound(entry_id)
        archived = current.model_copy(update={"status": Status.ARCHIVED})
        return await self.save(archived, expected_version=expected_version, actor=actor,
                               action="archive")

    async def rollback(self, entry_id: str, version: int, *, expected_version: int,
                       actor: str) -> Entry:
        """Make an earlier version current again, as a new version (history is never rewritten)."""
        old = await self.version(entry_id, version)
        if old is None:
            raise EntryNotFound(f"{entry_id}@{version}")
        return await self.save(old, expected_version=expected_version, actor=actor,
                               action="rollback", detail=f"to version {version}")

    async def save_categories(self, categories: list[Category]) -> None:
        if categories:
            await self.redis.hset(self.keys.categories, mapping={
                c.id: c.model_dump_json() for c in categories})

    async def seed(self, entries: list[Entry], categories: list[Category], *,
                   update: bool = False) -> SeedReport:
        """Add shipped entries that are missing; with ``update``, refresh untouched ones.

        An entry whose last save was not the seeder's has been edited by staff and is kept.
        """
        await self.save_categories(categories)
        added: list[str] = []
        updated: list[str] = []
        kept: list[str] = []
        for entry in entries:
            current = await self.get(entry.id)
            if current is None:
                try:
                    await self.save(entry, expected_version=0, actor=SEED_ACTOR, action="seed")
                    added.append(entry.id)
                except VersionConflict:
                    kept.append(entry.id)  # another process seeded it a moment ago
            elif (update and current.updated_by == SEED_ACTOR
                  and current.content() != entry.content()):
                try:
                    await self.save(entry, expected_version=current.version, actor=SEED_ACTOR,
                                    action="seed-update")
                    updated.append(entry.id)
                except VersionConflict:
                    kept.append(entry.id)
            else:
                kept.append(entry.id)
        return SeedReport(added, updated, kept)


