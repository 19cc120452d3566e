"""Talking to a person: a conversation between someone in Telegram and the helpdesk staff.

The use cases are written once here and called by the bot (open after consent, the person's
messages, closing, /forget), the admin API and the console (list, claim, reply, close) and the
scheduler (retention). Nothing here sends to Telegram: a staff reply or a staff closing goes to
an outbox stream (``im:{conv}:outbox``) that a bot process delivers, so the API may run in another
process than the bot.

What is kept, and how:
- the person is known by their keyed hash; staff see only "Persona 4F2A" (the hash's first four
  hex digits) and the language, never an id, a name or a username;
- the chat id, needed to answer, is stored only encrypted (``ChatCipher``), in the conversation;
- what the person writes is redacted like the inbox (phones, e-mails, ID numbers) before it is
  stored; staff replies are kept as written (they may carry an official phone number);
- everything about a conversation is deleted ``retention_days`` after it closes, and at once on
  /forget.
"""

from __future__ import annotations

import json
import re
import secrets
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from faq.crypto import ChatCipher
from faq.keys import Keys
from faq.privacy import redact
from faq.stats import days_between
from faq.telegram_html import TELEGRAM_MESSAGE_LIMIT, validate_html, visible_length

Clock = Callable[[], datetime]
PERSON_LABEL = "Persona {code}"
"""How staff see a person: a pseudonym from the keyed hash, the same in every conversation."""
STATUSES = ("open", "mine", "closed")
PERSON, STAFF = "person", "staff"
OUTBOX_GROUP = "bot"
REPLY_MARGIN = 96
"""Characters kept free under a staff reply for the bot's own line above the close button."""
_ID_RE = re.compile(r"^[0-9a-f]{12}$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW_RE = re.compile(
    r"^\s*(?P<d1>[a-z]{3})(?:\s*-\s*(?P<d2>[a-z]{3}))?\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*$")

# KEYS: conversation hash. ARGV: actor, now (iso), force ("1"/"0").
# Returns "ok", "missing", "closed" or the actor already holding it.
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return 'closed' end
local holder = redis.call('HGET', KEYS[1], 'claimed_by')
if holder and holder ~= '' and holder ~= ARGV[1] and ARGV[3] ~= '1' then return holder end
if holder ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'claimed_by', ARGV[1], 'claimed_at', ARGV[2])
end
return 'ok'
"""

# KEYS: conversation hash. ARGV: now (iso). Returns 1 when this call closed it, 0 if it was not
# open (already closed, or gone).
_CLOSE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_at', ARGV[1])
return 1
"""


class ConversationErrorCode(StrEnum):
    """Why a conversation action was refused, for front doors that say it in their own words."""

    REPLY_EMPTY = "reply_empty"
    REPLY_TOO_LONG = "reply_too_long"
    BAD_STATUS = "bad_status"
    CLAIMED = "claimed"
    CLOSED = "closed"


class ConversationError(ValueError):
    """A conversation action that cannot be done as asked; the message says why, plainly (in
    English); ``code`` and ``details`` (a limit, who holds it) say it as data."""

    def __init__(self, code: ConversationErrorCode, message: str, *,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}


class ConversationNotFound(LookupError):
    def __init__(self, conv_id: str) -> None:
        super().__init__(f"no conversation {conv_id!r} (it may have been closed and deleted)")
        self.conv_id = conv_id


class ConversationClaimed(ConversationError):
    def __init__(self, holder: str) -> None:
        super().__init__(ConversationErrorCode.CLAIMED,
                         f"this conversation is being answered by {holder}; claim it with "
                         f"force to take it over", details={"holder": holder})
        self.holder = holder


class ConversationClosed(ConversationError):
    def __init__(self, conv_id: str) -> None:
        super().__init__(ConversationErrorCode.CLOSED,
                         f"conversation {conv_id!r} is closed; the person can open a new one")
        self.conv_id = conv_id


@dataclass(frozen=True)
class OfficeHours:
    """When staff answer: weekly windows in one time zone
    (``mon-fri 08:00-17:00, sat 09:00-12:00``)."""

    windows: tuple[tuple[int, time, time], ...]
    tz: tzinfo
    text: str = ""

    @classmethod
    def parse(cls, text: str, tz: tzinfo | str) -> OfficeHours:
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        windows: list[tuple[int, time, time]] = []
        for part in (p for p in text.casefold().split(",") if p.strip()):
            match = _WINDOW_RE.match(part)
            if match is None:
                raise ValueError(f"office hours {part.strip()!r}: write them like "
                                 f"'mon-fri 08:00-17:00, sat 09:00-12:00'")
            first, last = match["d1"], match["d2"] or match["d1"]
            if first not in _DAYS or last not in _DAYS:
                raise ValueError(f"office hours {part.strip()!r}: days are "
                                 f"{', '.join(_DAYS)}")
            try:
                start = time(int(match["h1"]), int(match["m1"]))
                end = time(int(match["h2"]), int(match["m2"]))
            except ValueError as exc:
                raise ValueError(f"office hours {part.strip()!r}: {exc}") from exc
            if end <= start:
                raise ValueError(f"office hours {part.strip()!r}: the end must be after the "
                                 f"start")
            a, b = _DAYS.index(first), _DAYS.index(last)
            days = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            windows += [(d, start, end) for d in days]
        if not windows:
            raise ValueError("office hours are empty: give at least one window")
        return cls(tuple(sorted(windows)), zone, text.strip())

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.tz)
        return any(d == local.weekday() and s <= local.time() < e for d, s, e in self.windows)

    def next_opening(self, at: datetime) -> datetime:
        """The start of the next window after ``at`` (in the office's time zone)."""
        local = at.astimezone(self.tz)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            for weekday, start, _ in self.windows:
                if weekday != day.weekday():
                    continue
                opening = datetime.combine(day, start, tzinfo=self.tz)
                if opening > local:
                    return opening
        raise AssertionError("a weekly window always opens within eight days")


@dataclass(frozen=True)
class ConversationOptions:
    retention_days: int = 30
    """Days a closed conversation is kept (staff may reread it) before it is deleted."""
    stats_retention_days: int = 90
    max_message_chars: int = 2000
    """A longer message from the person is cut (the rest is not stored)."""
    max_messages: int = 300
    """Messages kept per conversation; older ones are dropped (a bounded Redis key)."""
    list_limit: int = 200
    out_of_hours_every: timedelta = timedelta(hours=6)
    """The out-of-hours notice is repeated at most this often in one conversation."""


@dataclass(frozen=True)
class Message:
    sender: str
    text: str
    at: datetime
    author: str | None = None

    def as_json(self) -> str:
        return json.dumps({"s": self.sender, "t": self.text, "at": self.at.isoformat(),
                           "a": self.author}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Message:
        data = json.loads(raw)
        return cls(data["s"], data["t"], datetime.fromisoformat(data["at"]), data.get("a"))


@dataclass(frozen=True)
class Conversation:
    id: str
    user: str = field(repr=False)
    """The keyed hash: for /forget and the label; never shown to staff."""
    label: str
    lang: str
    status: str
    opened_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    first_reply_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    waiting_since: datetime | None = None
    """The first message from the person that no staff reply has followed yet."""
    message_count: int = 0
    messages: tuple[Message, ...] = ()

    @property
    def person(self) -> str:
        return PERSON_LABEL.format(code=self.label)

    def waiting_seconds(self, now: datetime) -> int | None:
        if self.status != "open" or self.waiting_since is None:
            return None
        return max(0, int((now - self.waiting_since).total_seconds()))


@dataclass(frozen=True)
class OutboxItem:
    """A staff action the bot must deliver to the person."""

    id: str
    conv_id: str
    kind: str  # "reply" | "closed"
    chat_id: int
    lang: str
    text: str = ""


@dataclass(frozen=True)
class PersonMessageResult:
    conversation: Conversation
    out_of_hours: bool
    """True when the person should be told (again) when staff are back."""


@dataclass
class LanguageFigures:
    opened: int = 0
    answered: int = 0
    first_replies: list[int] = field(default_factory=list)

    @property
    def median_first_reply_seconds(self) -> float | None:
        return float(statistics.median(self.first_replies)) if self.first_replies else None

    def as_dict(self) -> dict[str, Any]:
        return {"opened": self.opened, "answered": self.answered,
                "median_first_reply_seconds": self.median_first_reply_seconds}


@dataclass
class ConversationStats:
    start: date
    end: date
    total: LanguageFigures
    by_language: dict[str, LanguageFigures]

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end, **self.total.as_dict(),
                "by_language": {k: v.as_dict() for k, v in sorted(self.by_language.items())}}


NAME_PLACEHOLDER = "[nombre]"


def redact_names(text: str, names: Sequence[str]) -> str:
    """Each word of ``names`` (3 letters or more, whole words, any case) replaced."""
    words = {w.lstrip("@") for name in names for w in name.replace("-", " ").split()}
    words = {w for w in words if len(w) >= 3}
    if not words:
        return text
    pattern = re.compile(r"(?<!\w)@?(?:" + "|".join(re.escape(w) for w in
                                                    sorted(words, key=len, reverse=True))
                         + r")(?!\w)", re.IGNORECASE)
    return pattern.sub(NAME_PLACEHOLDER, text)


def valid_id(conv_id: str) -> bool:
    return bool(_ID_RE.match(conv_id))


def validate_reply(text: str) -> str:
    """Telegram HTML that Telegram will accept, short enough for one message."""
    text = text.strip()
    if not text:
        raise ConversationError(ConversationErrorCode.REPLY_EMPTY, "the reply is empty")
    validate_html(text)
    if visible_length(text) > TELEGRAM_MESSAGE_LIMIT - REPLY_MARGIN:
        limit = TELEGRAM_MESSAGE_LIMIT - REPLY_MARGIN
        raise ConversationError(ConversationErrorCode.REPLY_TOO_LONG,
                                f"the reply is longer than {limit} characters; split it in two",
                                details={"limit": limit})
    return text


class ConversationDesk:
    def __init__(self, redis: Redis, keys: Keys, cipher: ChatCipher, *, clock: Clock,
                 tz: tzinfo, office_hours: OfficeHours,
                 options: ConversationOptions | None = None) -> None:
        self.redis = redis
        self.keys = keys
        self.cipher = cipher
        self.clock = clock
        self.tz = tz
        self.office_hours = office_hours
        self.options = options or ConversationOptions()
        self._claim = redis.register_script(_CLAIM)
        self._close = redis.register_script(_CLOSE)

    # -- the person's side ---------------------------------------------------------------------

    async def open(self, user: str, chat_id: int, lang: str) -> tuple[Conversation, bool]:
        """Open a conversation after the person consented; their open one if they have one.

        Returns the conversation and whether it was created now.
        """
        conv_id = secrets.token_hex(6)
        now = self.clock()
        claimed = await self.redis.set(self.keys.user_conversation(user), conv_id, nx=True)
        if not claimed:
            existing = await self.active(user)
            if existing is not None:
                return existing, False
            await self.redis.set(self.keys.user_conversation(user), conv_id)
        day = now.astimezone(self.tz).date()
        stats_key = self.keys.conversation_stats(day)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.keys.conversation(conv_id), mapping={
            "user": user, "label": user[:4].upper(), "lang": lang,
            "chat": self.cipher.encrypt(chat_id), "status": "open",
            "opened_at": now.isoformat(), "count": 0})
        pipe.zadd(self.keys.conversations("open"), {conv_id: now.timestamp()})
        pipe.sadd(self.keys.user_conversations(user), conv_id)
        pipe.hincrby(stats_key, "opened", 1)
        pipe.hincrby(stats_key, f"opened:{lang}", 1)
        pipe.expire(stats_key, self._stats_ttl())
        await pipe.execute()
        return await self.get(conv_id), True

    async def active(self, user: str) -> Conversation | None:
        """The person's open conversation (their messages go to it, not to the matcher)."""
        conv_id = await self.redis.get(self.keys.user_conversation(user))
        if not conv_id:
            return None
        conv = await self._read(_text(conv_id), messages=False)
        if conv is None or conv.status != "open":
            return None
        return conv

    async def add_person_message(self, user: str, text: str, *,
                                 own_names: Sequence[str] = ()) -> PersonMessageResult | None:
        """Store (redacted) what the person wrote; None when they have no open conversation.

        ``own_names``: the names Telegram gives for the sender (first and last name,
        username), removed from the text as well: people introduce themselves.
        """
        conv = await self.active(user)
        if conv is None:
            return None
        now = self.clock()
        clean = redact_names(redact(" ".join(text.split())[:self.options.max_message_chars]),
                             own_names)
        key = self.keys.conversation(conv.id)
        out_of_hours = not self.office_hours.is_open(now)
        notify = False
        if out_of_hours:
            last = await self.redis.hget(key, "ooh_at")
            notify = (not last or now - datetime.fromisoformat(_text(last))
                      >= self.options.out_of_hours_every)
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(self.keys.conversation_messages(conv.id), Message(PERSON, clean, now).as_json())
        pipe.ltrim(self.keys.conversation_messages(conv.id), -self.options.max_messages, -1)
        pipe.hincrby(key, "count", 1)
        pipe.hsetnx(key, "waiting_since", now.isoformat())
        if notify:
            pipe.hset(key, "ooh_at", now.isoformat())
        await pipe.execute()
        updated = await self._read(conv.id, messages=False)
        return PersonMessageResult(updated or conv, notify)

    async def close_by_person(self, user: str) -> Conversation | None:
        conv = await self.active(user)
        if conv is None:
            return None
        return await self._close_conversation(conv, PERSON, notify=False)

    # -- the staff's side ----------------------------------------------------------------------

    async def list_conversations(self, status: str,
                                 actor: str | None = None) -> list[Conversation]:
        """``open`` (longest waiting first), ``mine`` (open, claimed by ``actor``), ``closed``
        (most recently closed first); without messages."""
        if status not in STATUSES:
            raise ConversationError(ConversationErrorCode.BAD_STATUS,
                                    f"status must be one of {', '.join(STATUSES)}")
        limit = self.options.list_limit
        if status == "closed":
            ids = await self.redis.zrevrange(self.keys.conversations("closed"), 0, limit - 1)
        else:
            ids = await self.redis.zrange(self.keys.conversations("open"), 0, limit - 1)
        pipe = self.redis.pipeline(transaction=False)
        for conv_id in ids:
            pipe.hgetall(self.keys.conversation(_text(conv_id)))
        rows = await pipe.execute()
        found = [_conversation(_text(i), row) for i, row in zip(ids, rows, strict=True) if row]
        if status == "mine":
            found = [c for c in found if c.claimed_by == actor]
        if status != "closed":
            far = datetime.max.replace(tzinfo=self.tz)
            found.sort(key=lambda c: (c.waiting_since or far, c.opened_at))
        return found

    async def get(self, conv_id: str) -> Conversation:
        conv = await self._read(conv_id, messages=True)
        if conv is None:
            raise ConversationNotFound(conv_id)
        return conv

    async def claim(self, conv_id: str, actor: str, *, force: bool = False) -> Conversation:
        if not valid_id(conv_id):
            raise ConversationNotFound(conv_id)
        result = _text(await self._claim(keys=[self.keys.conversation(conv_id)],
                                         args=[actor, self.clock().isoformat(),
                                               "1" if force else "0"]))
        if result == "missing":
            raise ConversationNotFound(conv_id)
        if result == "closed":
            raise ConversationClosed(conv_id)
        if result != "ok":
            raise ConversationClaimed(result)
        return await self.get(conv_id)

    async def reply(self, conv_id: str, actor: str, text: str) -> Message:
        """A staff reply: validated, stored, and queued for the bot to deliver. Claims the
        conversation for ``actor`` if nobody has."""
        text = validate_reply(text)
        conv = await self.claim(conv_id, actor)
        now = self.clock()
        message = Message(STAFF, text, now, actor)
        key = self.keys.conversation(conv_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(self.keys.conversation_messages(conv_id), message.as_json())
        pipe.ltrim(self.keys.conversation_messages(conv_id), -self.options.max_messages, -1)
        pipe.hincrby(key, "count", 1)
        pipe.hdel(key, "waiting_since")
        pipe.xadd(self.keys.conversation_outbox, {"conv": conv_id, "kind": "reply",
                                                  "text": text})
        if conv.first_reply_at is None:
            pipe.hsetnx(key, "first_reply_at", now.isoformat())
        results = await pipe.execute()
        if conv.first_reply_at is None and results[-1]:
            day = now.astimezone(self.tz).date()
            seconds = max(0, int((now - conv.opened_at).total_seconds()))
            stats = self.keys.conversation_stats(day)
            replies = self.keys.conversation_first_replies(day)
            pipe = self.redis.pipeline(transaction=True)
            pipe.hincrby(stats, "answered", 1)
            pipe.hincrby(stats, f"answered:{conv.lang}", 1)
            pipe.rpush(replies, f"{conv.lang}:{seconds}")
            pipe.expire(stats, self._stats_ttl())
            pipe.expire(replies, self._stats_ttl())
            await pipe.execute()
        return message

    async def close(self, conv_id: str, actor: str) -> Conversation:
        """Staff close: the person is told, and their messages go to the matcher again."""
        conv = await self._read(conv_id, messages=False) if valid_id(conv_id) else None
        if conv is None:
            raise ConversationNotFound(conv_id)
        if conv.status != "open":
            raise ConversationClosed(conv_id)
        return await self._close_conversation(conv, STAFF, notify=True, actor=actor)

    async def _close_conversation(self, conv: Conversation, by: str, *, notify: bool,
                                  actor: str | None = None) -> Conversation:
        now = self.clock()
        if not await self._close(keys=[self.keys.conversation(conv.id)], args=[now.isoformat()]):
            raise ConversationClosed(conv.id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.keys.conversation(conv.id), mapping={
            "closed_by": by if actor is None else f"{by}:{actor}"})
        pipe.hdel(self.keys.conversation(conv.id), "waiting_since")
        pipe.zrem(self.keys.conversations("open"), conv.id)
        pipe.zadd(self.keys.conversations("closed"), {conv.id: now.timestamp()})
        if notify:
            pipe.xadd(self.keys.conversation_outbox, {"conv": conv.id, "kind": "closed"})
        await pipe.execute()
        current = _text(await self.redis.get(self.keys.user_conversation(conv.user)) or "")
        if current == conv.id:
            await self.redis.delete(self.keys.user_conversation(conv.user))
        return await self.get(conv.id)

    # -- the bot's delivery of staff actions -------------------------------------------------

    async def ensure_outbox(self) -> None:
        try:
            await self.redis.xgroup_create(self.keys.conversation_outbox, OUTBOX_GROUP, id="0",
                                           mkstream=True)
        except Exception as exc:  # BUSYGROUP: it exists already
            if "BUSYGROUP" not in str(exc):
                raise

    async def take_outbox(self, consumer: str, *, count: int = 20, block_ms: int = 1000,
                          reclaim_idle_ms: int = 60_000) -> list[OutboxItem]:
        """Staff actions to deliver: ones a dead process left unacknowledged first, then new
        ones. Items whose conversation is gone (forgotten, expired) are acknowledged and
        dropped here."""
        stream = self.keys.conversation_outbox
        claimed = await self.redis.xautoclaim(stream, OUTBOX_GROUP, consumer,
                                              min_idle_time=reclaim_idle_ms, count=count)
        entries = list(claimed[1])  # Redis 7 adds a third element (deleted ids)
        if not entries:
            read: Any = await self.redis.xreadgroup(OUTBOX_GROUP, consumer, {stream: ">"},
                                                    count=count, block=block_ms)
            for _, rows in read or []:
                entries.extend(rows)
        items: list[OutboxItem] = []
        dropped: list[str] = []
        for entry_id, fields in entries:
            item = await self._outbox_item(_text(entry_id), fields or {})
            if item is None:
                dropped.append(_text(entry_id))
            else:
                items.append(item)
        if dropped:
            await self.ack(dropped)
        return items

    async def ack(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            pipe = self.redis.pipeline(transaction=False)
            pipe.xack(self.keys.conversation_outbox, OUTBOX_GROUP, *entry_ids)
            pipe.xdel(self.keys.conversation_outbox, *entry_ids)
            await pipe.execute()

    async def _outbox_item(self, entry_id: str, fields: dict[Any, Any]) -> OutboxItem | None:
        data = {_text(k): _text(v) for k, v in fields.items()}
        conv_id, kind = data.get("conv", ""), data.get("kind", "")
        if not valid_id(conv_id):
            return None
        raw = await self.redis.hmget(self.keys.conversation(conv_id), ["chat", "lang"])
        if not raw[0]:
            return None
        chat_id = self.cipher.decrypt(_text(raw[0]))
        text = data.get("text", "")
        if kind not in ("reply", "closed") or (kind == "reply" and not text):
            return None
        return OutboxItem(entry_id, conv_id, kind, chat_id, _text(raw[1] or ""), text)

    # -- forgetting and retention --------------------------------------------------------------

    async def forget(self, user: str) -> int:
        """/forget: every conversation of the person, open or closed, deleted now."""
        ids = [_text(i) for i in await self.redis.smembers(self.keys.user_conversations(user))]
        await self._delete(ids)
        await self.redis.delete(self.keys.user_conversation(user),
                                self.keys.user_conversations(user))
        return len(ids)

    async def expire(self) -> int:
        """Delete the conversations closed more than ``retention_days`` ago; how many."""
        cutoff = self.clock() - timedelta(days=self.options.retention_days)
        ids = [_text(i) for i in await self.redis.zrangebyscore(
            self.keys.conversations("closed"), "-inf", cutoff.timestamp())]
        await self._delete(ids)
        return len(ids)

    async def _delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        pipe = self.redis.pipeline(transaction=False)
        for conv_id in ids:
            pipe.hget(self.keys.conversation(conv_id), "user")
        users = await pipe.execute()
        pipe = self.redis.pipeline(transaction=True)
        for conv_id, user in zip(ids, users, strict=True):
            pipe.delete(self.keys.conversation(conv_id), self.keys.conversation_messages(conv_id))
            pipe.zrem(self.keys.conversations("open"), conv_id)
            pipe.zrem(self.keys.conversations("closed"), conv_id)
            if user:
                pipe.srem(self.keys.user_conversations(_text(user)), conv_id)
        await pipe.execute()

    # -- statistics ----------------------------------------------------------------------------

    async def stats(self, start: date, end: date) -> ConversationStats:
        days = list(days_between(start, end))
        pipe = self.redis.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(self.keys.conversation_stats(day))
            pipe.lrange(self.keys.conversation_first_replies(day), 0, -1)
        rows = await pipe.execute()
        total = LanguageFigures()
        by_lang: dict[str, LanguageFigures] = {}
        for counters, replies in zip(rows[::2], rows[1::2], strict=True):
            for name, value in (counters or {}).items():
                kind, _, lang = _text(name).partition(":")
                target = by_lang.setdefault(lang, LanguageFigures()) if lang else total
                if kind in ("opened", "answered"):
                    setattr(target, kind, getattr(target, kind) + int(value))
            for item in replies or []:
                lang, _, seconds = _text(item).rpartition(":")
                total.first_replies.append(int(seconds))
                by_lang.setdefault(lang, LanguageFigures()).first_replies.append(int(seconds))
        return ConversationStats(start, end, total, by_lang)

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    # -- reading -------------------------------------------------------------------------------

    async def _read(self, conv_id: str, *, messages: bool) -> Conversation | None:
        if not valid_id(conv_id):
            return None
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self.keys.conversation(conv_id))
        if messages:
            pipe.lrange(self.keys.conversation_messages(conv_id), 0, -1)
        rows = await pipe.execute()
        if not rows[0]:
            return None
        found = tuple(Message.from_json(_text(m)) for m in rows[1]) if messages else ()
        return _conversation(conv_id, rows[0], found)

    def _stats_ttl(self) -> int:
        return (self.options.stats_retention_days + 1) * 86400


def _conversation(conv_id: str, raw: dict[Any, Any],
                  messages: tuple[Message, ...] = ()) -> Conversation:
    row = {_text(k): _text(v) for k, v in raw.items()}

    def when(name: str) -> datetime | None:
        value = row.get(name)
        return datetime.fromisoformat(value) if value else None

    opened = when("opened_at")
    assert opened is not None, "a conversation always has an opening time"
    closed_by = row.get("closed_by") or None
    return Conversation(
        id=conv_id, user=row.get("user", ""), label=row.get("label", "????"),
        lang=row.get("lang", ""), status=row.get("status", "open"), opened_at=opened,
        claimed_by=row.get("claimed_by") or None, claimed_at=when("claimed_at"),
        first_reply_at=when("first_reply_at"), closed_at=when("closed_at"),
        closed_by=closed_by.split(":", 1)[0] if closed_by else None,
        waiting_since=when("waiting_since"), message_count=int(row.get("count", 0) or 0),
        messages=messages)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
