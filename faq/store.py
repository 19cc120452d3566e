"""The FAQ on Redis: current entries, history, audit, revision counter and change notice.

Every save names the version it read. The check and the write happen inside one Lua script, so
of twenty editors saving the same version at once exactly one wins and nothing of the others is
written. The script also appends the history (trimmed to the last ``history_length``), the audit
record (in the log, and its id in the entry's index of the log), updates the indexes the admin
API pages through, bumps the revision and publishes the change, so a bot process never sees an
entry without its history or notice, and a page never lists an entry under a category it has
left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from redis.asyncio import Redis

from faq.keys import Keys
from faq.models import Category, Entry, Status
from faq.redis_values import Clock, as_text, utc_now

SEED_ACTOR = "system:seed"
AUDIT_MAXLEN = 100_000  # the whole log, unchanged from before: bounds its memory
ENTRY_AUDIT_MAXLEN = 1_000  # record ids indexed per entry: years of edits of one entry
HISTORY_LENGTH = 50  # versions kept per entry (issue 14; the `history_length` setting)
READ_CHUNK = 500  # keys per MGET/XRANGE: bounded replies, so Redis never blocks on one of MBs
INDEX_VERSION = 1  # bump when ensure_indexes() must run again on existing data


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


# One script saves one entry or a batch (an import), all or nothing: every expected version is
# checked before the first write; then each entry, its history (trimmed), the id set, the indexes
# the admin API pages through, the change log and the audit (the log, and the record's id in the
# entry's index of it) are written,
# and one change notice is published at the end.
# KEYS: ids, rev, audit, changes, index_all, index_reviewed, then per entry:
#       entry, history, entry_audit, r index keys to leave, a index keys to join
# ARGV: n, channel, audit_maxlen, actor, at, action, history_length, entry_audit_maxlen,
#       then per entry: id, expected, json, detail, reviewed_score, r, a
_SAVE_SCRIPT = """
local n = tonumber(ARGV[1])
local k, a = 7, 9
for i = 1, n do
  local current = redis.call('GET', KEYS[k])
  local version = 0
  if current then version = tonumber(cjson.decode(current)['version']) end
  if version ~= tonumber(ARGV[a + 1]) then return {0, i, version} end
  k = k + 3 + tonumber(ARGV[a + 5]) + tonumber(ARGV[a + 6])
  a = a + 7
end
local rev = 0
k, a = 7, 9
for i = 1, n do
  local id = ARGV[a]
  local leave, join = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  redis.call('SET', KEYS[k], ARGV[a + 2])
  redis.call('LPUSH', KEYS[k + 1], ARGV[a + 2])
  redis.call('LTRIM', KEYS[k + 1], 0, tonumber(ARGV[7]) - 1)
  redis.call('SADD', KEYS[1], id)
  rev = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[4], rev, id)
  redis.call('ZADD', KEYS[5], 0, id)
  redis.call('ZADD', KEYS[6], tonumber(ARGV[a + 4]), id)
  for j = 1, leave do redis.call('ZREM', KEYS[k + 2 + j], id) end
  for j = 1, join do redis.call('ZADD', KEYS[k + 2 + leave + j], 0, id) end
  local fields = {'entry', id, 'action', ARGV[6], 'version', tostring(tonumber(ARGV[a + 1]) + 1),
                  'actor', ARGV[4], 'at', ARGV[5], 'rev', tostring(rev), 'detail', ARGV[a + 3]}
  local sid = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
  redis.call('ZADD', KEYS[k + 2], tonumber(string.match(sid, '^(%d+)')), sid)
  redis.call('ZREMRANGEBYRANK', KEYS[k + 2], 0, -tonumber(ARGV[8]) - 1)
  k = k + 3 + leave + join
  a = a + 7
end
if n > 0 then redis.call('PUBLISH', ARGV[2], tostring(rev)) end
return {1, 0, rev}
"""

# An audit record that changes no entry, in the log and (when it names an entry) in that entry's
# index of it. KEYS: audit, rev[, entry_audit]  ARGV: maxlen, entry_maxlen, field pairs
_NOTE_SCRIPT = """
local rev = redis.call('GET', KEYS[2]) or '0'
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
fields[#fields + 1] = 'rev'
fields[#fields + 1] = tostring(rev)
local sid = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
if KEYS[3] then
  redis.call('ZADD', KEYS[3], tonumber(string.match(sid, '^(%d+)')), sid)
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[2]) - 1)
end
return sid
"""

# One entry's audit records, newest first: their ids from the entry's index, the records from
# the log (records the log has trimmed away are skipped). A sorted set of ids, not a stream per
# entry: on Redis 6.2 even a one-record stream takes about 4 kB (40 MB at 10,000 entries).
# KEYS: entry_audit, audit  ARGV: max ms, min ms, limit
_ENTRY_AUDIT_SCRIPT = """
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[3])
local out = {}
for _, sid in ipairs(ids) do
  local found = redis.call('XRANGE', KEYS[2], sid, sid)
  if found[1] then out[#out + 1] = found[1] end
end
return out
"""

# One page of entry ids, ordered by id, from the indexes; never reads an entry.
# KEYS: the index sets to intersect (all scores 0), then index_reviewed when ARGV[4] is not ''.
# ARGV: number of sets, offset, limit (-1: all), reviewed below this score or ''.
# Returns {total, id...}. One set: a range of it (O(log N + page)). A review date: the entries
# reviewed before it, checked against the sets (O(due entries)). Several sets: ZINTER.
_PAGE_SCRIPT = """
local n, offset, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ids
if ARGV[4] ~= '' then
  ids = redis.call('ZRANGEBYSCORE', KEYS[n + 1], '-inf', '(' .. ARGV[4])
  if n > 0 then
    local kept = {}
    for _, id in ipairs(ids) do
      local member = true
      for i = 1, n do
        if not redis.call('ZSCORE', KEYS[i], id) then member = false; break end
      end
      if member then kept[#kept + 1] = id end
    end
    ids = kept
  end
  table.sort(ids)
elseif n == 1 then
  local stop = -1
  if limit >= 0 then stop = offset + limit - 1 end
  local page = redis.call('ZRANGE', KEYS[1], offset, stop)
  table.insert(page, 1, redis.call('ZCARD', KEYS[1]))
  return page
else
  local args = {'ZINTER', n}
  for i = 1, n do args[#args + 1] = KEYS[i] end
  ids = redis.call(unpack(args))
end
local page = {#ids}
local last = #ids
if limit >= 0 and offset + limit < last then last = offset + limit end
for i = offset + 1, last do page[#page + 1] = ids[i] end
return page
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


@dataclass(frozen=True)
class EntryFilter:
    """What a page of entries is restricted to; None: no restriction. ``reviewed_before``:
    entries never reviewed, or last reviewed before that day (due for a review)."""

    category: str | None = None
    status: Status | None = None
    language: str | None = None
    reviewed_before: date | None = None


@dataclass(frozen=True)
class Page:
    """One page of entries in id order, and how many entries match the filters in all."""

    entries: list[Entry]
    total: int


class FaqStore:
    def __init__(self, redis: Redis, keys: Keys | None = None, clock: Clock = utc_now, *,
                 history_length: int = HISTORY_LENGTH) -> None:
        if history_length < 1:
            raise ValueError("history_length must keep at least the current version")
        self.redis = redis
        self.keys = keys or Keys()
        self.clock = clock
        self.history_length = history_length
        self._save_script = redis.register_script(_SAVE_SCRIPT)
        self._note_script = redis.register_script(_NOTE_SCRIPT)
        self._page_script = redis.register_script(_PAGE_SCRIPT)
        self._entry_audit = redis.register_script(_ENTRY_AUDIT_SCRIPT)

    # -- reading ---------------------------------------------------------------------------

    async def get(self, entry_id: str) -> Entry | None:
        raw = await self.redis.get(self.keys.entry(entry_id))
        return Entry.from_stored(raw) if raw else None

    async def get_many(self, entry_ids: Sequence[str]) -> dict[str, Entry]:
        """The stored entries among ``entry_ids`` (missing ones left out), by id."""
        found: dict[str, Entry] = {}
        ids = list(dict.fromkeys(entry_ids))
        for start in range(0, len(ids), READ_CHUNK):
            chunk = ids[start:start + READ_CHUNK]
            raws = await self.redis.mget([self.keys.entry(i) for i in chunk])
            for raw in raws:
                if raw:
                    entry = Entry.from_stored(raw)
                    found[entry.id] = entry
        return found

    async def list_entries(self) -> list[Entry]:
        """Every entry, by id. O(FAQ): for the matcher snapshot and exports, not for pages."""
        ids = sorted(as_text(i) for i in await self.redis.smembers(self.keys.ids))
        found = await self.get_many(ids)
        return [found[i] for i in ids if i in found]

    async def existing(self, entry_ids: Sequence[str]) -> set[str]:
        """Which of ``entry_ids`` are stored entries (one SMISMEMBER, whatever the FAQ's size)."""
        ids = list(dict.fromkeys(entry_ids))
        if not ids:
            return set()
        flags = await self.redis.smismember(self.keys.ids, ids)
        return {i for i, present in zip(ids, flags, strict=True) if int(present)}

    async def count(self) -> int:
        return int(await self.redis.scard(self.keys.ids))

    async def page(self, where: EntryFilter | None = None, *, offset: int = 0,
                   limit: int | None = 50) -> tuple[list[str], int]:
        """Ids of the entries matching every filter given, ordered by id, from ``offset``;
        ``limit=None`` for all of them; and how many match in all. Read from the indexes the
        save script keeps: the cost is the page's size (one filter) or the filtered sets'
        sizes (several), never the entries themselves."""
        where = where or EntryFilter()
        sets = [key for key, wanted in (
            (self.keys.index_category(where.category or ""), where.category),
            (self.keys.index_status(where.status.value if where.status else ""), where.status),
            (self.keys.index_language(where.language or ""), where.language))
            if wanted is not None]
        before = where.reviewed_before
        if not sets and not before:
            sets = [self.keys.index_all]
        keys = [*sets, self.keys.index_reviewed] if before else sets
        below = str(before.toordinal()) if before else ""
        result = await self._page_script(
            keys=keys, args=[len(sets), offset, -1 if limit is None else limit, below])
        return [as_text(i) for i in result[1:]], int(result[0])

    async def page_entries(self, where: EntryFilter | None = None, *, offset: int = 0,
                           limit: int = 50) -> Page:
        """``page`` with the entries themselves (one MGET of the page)."""
        ids, total = await self.page(where, offset=offset, limit=limit)
        found = await self.get_many(ids)
        return Page([found[i] for i in ids if i in found], total)

    async def page_documents(self, where: EntryFilter | None = None, *, offset: int = 0,
                             limit: int = 50) -> tuple[list[str], int]:
        """``page`` with each entry's stored JSON document, not parsed: for a front door that
        passes the documents on as they are (they were validated when saved)."""
        ids, total = await self.page(where, offset=offset, limit=limit)
        raws = await self.redis.mget([self.keys.entry(i) for i in ids]) if ids else []
        return [as_text(r) for r in raws if r], total

    async def revision(self) -> int:
        return int(await self.redis.get(self.keys.rev) or 0)

    async def changed_since(self, revision: int) -> list[str]:
        """Ids of the entries saved after ``revision``, oldest change first."""
        ids = await self.redis.zrangebyscore(self.keys.changes, f"({revision}", "+inf")
        return [as_text(i) for i in ids]

    async def history(self, entry_id: str) -> list[Entry]:
        """The kept versions of the entry, newest first (the current one included); the save
        script keeps the last ``history_length``."""
        raws = await self.redis.lrange(self.keys.history(entry_id), 0, -1)
        return [Entry.from_stored(r) for r in raws]

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
        """Newest first. With ``entry_id``, through that entry's index of the log: the cost is
        the records returned, not the length of the whole log."""
        if entry_id:
            high = str(int(until.timestamp() * 1000)) if until else "+inf"
            low = str(int(since.timestamp() * 1000)) if since else "-inf"
            found = await self._entry_audit(
                keys=[self.keys.entry_audit(entry_id), self.keys.audit], args=[high, low, limit])
            rows: Any = [(sid, _pairs(flat)) for sid, flat in found or []]
        else:
            start = f"{int(since.timestamp() * 1000)}-0" if since else "-"
            end = f"{int(until.timestamp() * 1000)}-18446744073709551615" if until else "+"
            rows = await self.redis.xrevrange(self.keys.audit, max=end, min=start, count=limit)
        records: list[AuditRecord] = []
        for stream_id, fields in rows or []:
            f = {as_text(k): as_text(v) for k, v in (fields or {}).items()}
            records.append(AuditRecord(
                id=as_text(stream_id), entry=f.get("entry", ""), action=f.get("action", ""),
                version=int(f.get("version", 0)), actor=f.get("actor", ""),
                at=datetime.fromisoformat(f["at"]) if f.get("at") else self.clock(),
                detail=f.get("detail", "")))
        return records

    # -- writing ---------------------------------------------------------------------------

    async def save(self, entry: Entry, *, expected_version: int, actor: str,
                   action: str | None = None, detail: str = "") -> Entry:
        """Write ``entry`` as the next version after ``expected_version`` (0: a new entry).

        Raises ``VersionConflict`` (and writes nothing) when someone saved in between.
        """
        action = action or ("create" if expected_version == 0 else "update")
        [stored] = await self.save_many([(entry, expected_version)], actor=actor, action=action,
                                        details=[detail])
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
        # The indexes an entry leaves are those of the version it replaces: read it first. The
        # script then accepts only that very version, so what was read is what is replaced.
        current = await self.get_many([entry.id for entry, _ in changes])
        for entry, expected in changes:
            found = current.get(entry.id)
            version = found.version if found else 0
            if version != expected:
                if version == 0:
                    raise EntryNotFound(entry.id)
                raise VersionConflict(entry.id, expected, version)
        now = self.clock()
        details = list(details) if details is not None else [""] * len(changes)
        stored = [entry.with_meta(version=expected + 1, updated_at=now, updated_by=actor)
                  for entry, expected in changes]
        keys = [self.keys.ids, self.keys.rev, self.keys.audit, self.keys.changes,
                self.keys.index_all, self.keys.index_reviewed]
        args: list[Any] = [len(changes), self.keys.changed_channel, AUDIT_MAXLEN, actor,
                           now.isoformat(), action, self.history_length, ENTRY_AUDIT_MAXLEN]
        for new, detail in zip(stored, details, strict=True):
            old = current.get(new.id)
            joined = self.index_keys(new)
            left = sorted(self.index_keys(old) - joined) if old else []
            keys += [self.keys.entry(new.id), self.keys.history(new.id),
                     self.keys.entry_audit(new.id), *left, *sorted(joined)]
            args += [new.id, new.version - 1, new.model_dump_json(), detail,
                     reviewed_score(new), len(left), len(joined)]
        result = await self._save_script(keys=keys, args=args)
        ok, index, value = int(result[0]), int(result[1]), int(result[2])
        if not ok:
            entry, expected = changes[index - 1]
            if value == 0 and expected > 0:
                raise EntryNotFound(entry.id)
            raise VersionConflict(entry.id, expected, value)
        return stored

    def index_keys(self, entry: Entry) -> set[str]:
        """The filter sets ``entry`` belongs to (besides ``index_all`` and the review dates)."""
        return {self.keys.index_category(entry.category),
                self.keys.index_status(entry.status.value),
                *(self.keys.index_language(lang) for lang in entry.translations)}

    async def note(self, *, action: str, actor: str, entry: str = "", detail: str = "",
                   version: int = 0) -> str:
        """Audit an act that changes no entry (an inbox dismissal, an API key revoked).

        Same stream and fields as the saves, so ``audit()`` and ``GET /audit`` show one story.
        """
        now = self.clock()
        keys = [self.keys.audit, self.keys.rev]
        if entry:
            keys.append(self.keys.entry_audit(entry))
        stream_id = await self._note_script(keys=keys, args=[
            AUDIT_MAXLEN, ENTRY_AUDIT_MAXLEN, "entry", entry, "action", action,
            "version", str(version), "actor", actor, "at", now.isoformat(), "detail", detail])
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
        current = await self.get_many([e.id for e in entries])
        for entry in entries:
            found = current.get(entry.id)
            if found is None:
                try:
                    await self.save(entry, expected_version=0, actor=SEED_ACTOR, action="seed")
                    added.append(entry.id)
                except VersionConflict:
                    kept.append(entry.id)  # another process seeded it a moment ago
            elif (update and found.updated_by == SEED_ACTOR
                  and found.content() != entry.content()):
                try:
                    await self.save(entry, expected_version=found.version, actor=SEED_ACTOR,
                                    action="seed-update")
                    updated.append(entry.id)
                except VersionConflict:
                    kept.append(entry.id)
            else:
                kept.append(entry.id)
        return SeedReport(added, updated, kept)

    # -- upgrading data written before the indexes ------------------------------------------

    async def ensure_indexes(self) -> bool:
        """Build what the save script maintains for entries saved before it existed: the page
        indexes, the change log, the per-entry audit indexes, and histories trimmed to
        ``history_length``. Idempotent and resumable (every step can run twice); done once,
        then a start pays one GET. Returns True when it built something."""
        if await self.redis.get(self.keys.index_version) == str(INDEX_VERSION):
            return False
        ids = sorted(as_text(i) for i in await self.redis.smembers(self.keys.ids))
        for start in range(0, len(ids), READ_CHUNK):
            entries = (await self.get_many(ids[start:start + READ_CHUNK])).values()
            pipe = self.redis.pipeline(transaction=False)
            for entry in entries:
                pipe.zadd(self.keys.index_all, {entry.id: 0})
                pipe.zadd(self.keys.index_reviewed, {entry.id: reviewed_score(entry)})
                pipe.zadd(self.keys.changes, {entry.id: 0}, nx=True)
                for key in self.index_keys(entry):
                    pipe.zadd(key, {entry.id: 0})
                pipe.ltrim(self.keys.history(entry.id), 0, self.history_length - 1)
            await pipe.execute()
        await self._replay_entry_audits()
        await self.redis.set(self.keys.index_version, str(INDEX_VERSION))
        return True

    async def _replay_entry_audits(self) -> None:
        """Index the audit log's records by entry (ZADD: adding an id twice changes nothing)."""
        after = "-"
        while True:
            rows = await self.redis.xrange(self.keys.audit, min=after, max="+",
                                           count=READ_CHUNK)
            if not rows:
                return
            pipe = self.redis.pipeline(transaction=False)
            for stream_id, fields in rows:
                entry_id = as_text((fields or {}).get("entry", ""))
                if entry_id:
                    sid = as_text(stream_id)
                    pipe.zadd(self.keys.entry_audit(entry_id), {sid: int(sid.split("-")[0])})
            await pipe.execute()
            if len(rows) < READ_CHUNK:
                return
            after = "(" + as_text(rows[-1][0])


def reviewed_score(entry: Entry) -> int:
    """The review date as a sortable number; 0 (before any date) when never reviewed."""
    return entry.reviewed_on.toordinal() if entry.reviewed_on else 0


def _pairs(flat: list[Any]) -> dict[Any, Any]:
    """A stream record's fields as a script returns them: field, value, field, value..."""
    return dict(zip(flat[::2], flat[1::2], strict=True))
