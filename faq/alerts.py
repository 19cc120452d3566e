"""Alerts people chose to receive: topics, subscriptions, drafts, approval, resumable delivery.

Written once here; the bot (``/alertas``, the unsubscribe button, the broadcast worker), the admin
API and the console call it.

- Topics are content (``faq/alert_topics.yaml`` seeds them; staff may edit their names).
- A subscription is stored under the person's keyed hash only, with their chat id encrypted
  (``ChatCipher``): ``im:{alert-subs}:topic:<topic>`` maps hash -> token. /forget removes it.
- An editor drafts an alert (a text per offered language, Telegram HTML); an administrator other
  than its author approves it: two people for any mass message. Approval fixes the recipients.
- Delivery keeps a state per recipient in Redis, so a process that dies resumes where it was:
  a recipient is taken from the queue and marked ``sending`` in one script, then ``delivered``
  or ``failed`` after Telegram answers; only the holder of the alert's lease may take
  recipients, and a new holder puts back the ``sending`` ones of a dead one. Nobody is taken
  twice and nobody is dropped; the one message that can be doubled is one Telegram accepted in
  the instant the process died, before its answer was read (see ``resume``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from redis.asyncio import Redis

from faq.crypto import ChatCipher
from faq.keys import Keys
from faq.models import LanguageCode, Slug
from faq.telegram_html import (
    TELEGRAM_MESSAGE_LIMIT,
    TelegramHtmlError,
    validate_html,
    visible_length,
)

Clock = Callable[[], datetime]
TOPICS_FILE = Path(__file__).with_name("alert_topics.yaml")
INACTIVE_FIELD = "inactive"
"""The field the sender sets in ``im:user:{hash}`` when Telegram refuses a person (403)."""
ALERT_MARGIN = 200
"""Characters kept free for the bot's heading (the topic names) above an alert's text."""
QUEUE_CHUNK = 1000
"""Recipients pushed per Redis command at approval (bounded command size)."""


class AlertStatus(StrEnum):
    DRAFT = "draft"
    APPROVING = "approving"
    APPROVED = "approved"
    SENDING = "sending"
    DONE = "done"


# KEYS: alert hash. ARGV: from, to. Returns 1 when the status moved.
_TRANSITION = """
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
return 1
"""

# KEYS: lock, queue, state, recipients, alert. ARGV: owner.
# Returns {} when the queue is empty, {'lost'} when the lease is not ours, else {hash, data}.
_CLAIM = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
while true do
  local user = redis.call('LPOP', KEYS[2])
  if not user then return {} end
  local state = redis.call('HGET', KEYS[3], user)
  if not state then
    redis.call('HSET', KEYS[3], user, 'sending')
    redis.call('HINCRBY', KEYS[5], 'inflight', 1)
    if redis.call('HGET', KEYS[5], 'status') == 'approved' then
      redis.call('HSET', KEYS[5], 'status', 'sending')
    end
    return {user, redis.call('HGET', KEYS[4], user) or ''}
  end
end
"""

# KEYS: state, alert. ARGV: hash, outcome, counter. Records an outcome once.
_MARK = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'sending' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('HINCRBY', KEYS[2], 'inflight', -1)
return 1
"""

# KEYS: lock, state, queue, alert. ARGV: owner. Puts back what a dead holder had taken.
_RESUME = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local all = redis.call('HGETALL', KEYS[2])
local n = 0
for i = 1, #all, 2 do
  if all[i + 1] == 'sending' then
    redis.call('HDEL', KEYS[2], all[i])
    redis.call('LPUSH', KEYS[3], all[i])
    n = n + 1
  end
end
redis.call('HSET', KEYS[4], 'inflight', 0)
return n
"""

# KEYS: lock. ARGV: owner, ms. Extends the lease if it is still ours.
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: lock, queue, alert (one slot: the alert's). ARGV: owner, now. Done when nothing is left.
# The caller then removes the alert from the active set (another slot): a crash in between leaves
# a done alert in the set, which the next run finishes again (1) and removes. An alert not yet
# approved (``approve`` adds it to the set before fixing its recipients) is not finished: the
# lease is released (0) and a later run delivers it.
_FINISH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local status = redis.call('HGET', KEYS[3], 'status')
if status == 'done' then
  redis.call('DEL', KEYS[1])
  return 1
end
if status ~= 'approved' and status ~= 'sending' then
  redis.call('DEL', KEYS[1])
  return 0
end
if redis.call('LLEN', KEYS[2]) > 0 then return 0 end
if tonumber(redis.call('HGET', KEYS[3], 'inflight') or '0') > 0 then return 0 end
redis.call('HSET', KEYS[3], 'status', 'done', 'finished_at', ARGV[2])
redis.call('DEL', KEYS[1])
return 1
"""


class AlertErrorCode(StrEnum):
    """Why an alert action was refused, for front doors that say it in their own words."""

    NO_TOPIC = "no_topic"
    UNKNOWN_TOPIC = "unknown_topic"
    TEXT_MISSING = "text_missing"
    TEXT_INVALID = "text_invalid"
    TEXT_TOO_LONG = "text_too_long"
    LANGUAGE_NOT_OFFERED = "language_not_offered"
    OWN_ALERT = "own_alert"
    NOT_DRAFT = "not_draft"


class AlertError(ValueError):
    """An alert action that cannot be done as asked; the message says why, plainly (in
    English); ``code`` and ``details`` (a language, a limit, topic ids) say it as data."""

    def __init__(self, code: AlertErrorCode, message: str, *,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}


class AlertNotFound(LookupError):
    def __init__(self, alert_id: str) -> None:
        super().__init__(f"no alert {alert_id!r}")
        self.alert_id = alert_id


class AlertTopic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    names: dict[LanguageCode, Annotated[str, StringConstraints(strip_whitespace=True,
                                                               min_length=1, max_length=60)]]
    descriptions: dict[LanguageCode, Annotated[str, StringConstraints(
        strip_whitespace=True, max_length=200)]] = Field(default_factory=dict)

    def name(self, lang: str, fallback: str = "es") -> str:
        return self.names.get(lang) or self.names.get(fallback) or self.id


def load_topics(path: Path = TOPICS_FILE) -> list[AlertTopic]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [AlertTopic.model_validate(t) for t in data.get("topics", [])]


@dataclass(frozen=True)
class Alert:
    id: str
    topics: tuple[str, ...]
    texts: dict[str, str]
    status: AlertStatus
    created_at: datetime
    created_by: str
    created_by_key: str = field(repr=False)
    approved_at: datetime | None = None
    approved_by: str | None = None
    finished_at: datetime | None = None
    recipients: int = 0
    delivered: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def pending(self) -> int:
        return max(0, self.recipients - self.delivered - self.failed - self.skipped)

    def text(self, lang: str, fallback: str) -> str:
        return self.texts.get(lang) or self.texts[fallback]


@dataclass(frozen=True)
class Recipient:
    user: str
    chat_id: int
    lang: str


@dataclass(frozen=True)
class Claim:
    recipient: Recipient | None
    lost_lease: bool = False


class AlertDesk:
    def __init__(self, redis: Redis, keys: Keys, cipher: ChatCipher, *, clock: Clock,
                 languages: Sequence[str], default_language: str) -> None:
        self.redis = redis
        self.keys = keys
        self.cipher = cipher
        self.clock = clock
        self.languages = tuple(languages)
        self.default_language = default_language
        self._transition = redis.register_script(_TRANSITION)
        self._claim = redis.register_script(_CLAIM)
        self._mark = redis.register_script(_MARK)
        self._resume = redis.register_script(_RESUME)
        self._renew = redis.register_script(_RENEW)
        self._finish = redis.register_script(_FINISH)

    # -- topics --------------------------------------------------------------------------------

    async def seed_topics(self, topics: Iterable[AlertTopic]) -> int:
        """Add shipped topics that are missing; staff edits of existing ones are kept."""
        added = 0
        for topic in topics:
            added += int(await self.redis.hsetnx(self.keys.alert_topics, topic.id,
                                                 topic.model_dump_json()))
        return added

    async def topics(self) -> list[AlertTopic]:
        raw = await self.redis.hgetall(self.keys.alert_topics)
        found = [AlertTopic.model_validate_json(_text(v)) for v in raw.values()]
        return sorted(found, key=lambda t: t.id)

    async def topic(self, topic_id: str) -> AlertTopic | None:
        raw = await self.redis.hget(self.keys.alert_topics, topic_id)
        return AlertTopic.model_validate_json(_text(raw)) if raw else None

    async def save_topic(self, topic: AlertTopic) -> AlertTopic:
        await self.redis.hset(self.keys.alert_topics, topic.id, topic.model_dump_json())
        return topic

    # -- subscriptions -------------------------------------------------------------------------

    async def subscriptions(self, user: str) -> set[str]:
        return {_text(t) for t in await self.redis.smembers(self.keys.user_alerts(user))}

    async def subscribe(self, user: str, topic_id: str, chat_id: int, lang: str) -> bool:
        """Subscribe (or refresh the language of a subscription); False for an unknown topic."""
        if await self.topic(topic_id) is None:
            return False
        value = json.dumps({"c": self.cipher.encrypt(chat_id), "l": lang})
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.keys.alert_subscribers(topic_id), user, value)
        pipe.sadd(self.keys.user_alerts(user), topic_id)
        await pipe.execute()
        return True

    async def unsubscribe(self, user: str, topic_ids: Iterable[str] | None = None) -> int:
        """Leave the given topics (all of them by default); how many subscriptions ended."""
        current = await self.subscriptions(user)
        leaving = current if topic_ids is None else current & set(topic_ids)
        if not leaving:
            return 0
        pipe = self.redis.pipeline(transaction=True)
        for topic_id in leaving:
            pipe.hdel(self.keys.alert_subscribers(topic_id), user)
            pipe.srem(self.keys.user_alerts(user), topic_id)
        await pipe.execute()
        return len(leaving)

    async def forget(self, user: str) -> int:
        """/forget: every subscription of the person, whatever the topic list says now."""
        topics = {t.id for t in await self.topics()} | await self.subscriptions(user)
        pipe = self.redis.pipeline(transaction=True)
        for topic_id in topics:
            pipe.hdel(self.keys.alert_subscribers(topic_id), user)
        pipe.delete(self.keys.user_alerts(user))
        removed = await pipe.execute()
        return sum(int(n) for n in removed[:-1])

    async def subscriber_count(self, topic_id: str) -> int:
        return int(await self.redis.hlen(self.keys.alert_subscribers(topic_id)))

    # -- drafting and approval -----------------------------------------------------------------

    async def create(self, topics: Sequence[str], texts: dict[str, str], *, actor: str,
                     actor_key: str) -> Alert:
        """A draft. Every offered language needs its text (people read alerts in theirs)."""
        known = {t.id for t in await self.topics()}
        chosen = list(dict.fromkeys(topics))
        if not chosen:
            raise AlertError(AlertErrorCode.NO_TOPIC, "choose at least one alert topic")
        unknown = [t for t in chosen if t not in known]
        if unknown:
            raise AlertError(AlertErrorCode.UNKNOWN_TOPIC,
                             f"unknown alert topic(s): {', '.join(unknown)}; the topics are "
                             f"{', '.join(sorted(known))}", details={"topics": unknown})
        clean: dict[str, str] = {}
        for lang in self.languages:
            text = (texts.get(lang) or "").strip()
            if not text:
                raise AlertError(AlertErrorCode.TEXT_MISSING,
                                 f"the {lang!r} text is missing: every offered language "
                                 f"({', '.join(self.languages)}) needs one",
                                 details={"lang": lang})
            try:
                validate_html(text)
            except TelegramHtmlError as exc:
                raise AlertError(AlertErrorCode.TEXT_INVALID, f"the {lang!r} text: {exc}",
                                 details={"lang": lang, "problems": exc.problems}) from exc
            if visible_length(text) > TELEGRAM_MESSAGE_LIMIT - ALERT_MARGIN:
                limit = TELEGRAM_MESSAGE_LIMIT - ALERT_MARGIN
                raise AlertError(AlertErrorCode.TEXT_TOO_LONG,
                                 f"the {lang!r} text is longer than {limit} characters",
                                 details={"lang": lang, "limit": limit})
            clean[lang] = text
        extra = sorted(set(texts) - set(self.languages))
        if extra:
            raise AlertError(AlertErrorCode.LANGUAGE_NOT_OFFERED,
                             f"language(s) {', '.join(extra)} are not offered",
                             details={"languages": extra})
        alert_id = secrets.token_hex(5)
        now = self.clock()
        # Two commands, not one MULTI: the alert and the index are in different slots. The
        # hash first, so the index never names a missing alert; a crash in between leaves an
        # unlisted draft (staff text, nobody's data) that nobody can approve.
        await self.redis.hset(self.keys.alert(alert_id), mapping={
            "topics": json.dumps(chosen), "texts": json.dumps(clean, ensure_ascii=False),
            "status": AlertStatus.DRAFT.value, "created_at": now.isoformat(),
            "created_by": actor, "created_by_key": actor_key, "recipients": 0,
            "delivered": 0, "failed": 0, "skipped": 0, "inflight": 0})
        await self.redis.zadd(self.keys.alerts, {alert_id: now.timestamp()})
        return await self.get(alert_id)

    async def approve(self, alert_id: str, *, actor: str, actor_key: str) -> Alert:
        """The second person's yes: fixes the recipients and queues the delivery."""
        alert = await self.get(alert_id)
        if alert.created_by_key == actor_key:
            raise AlertError(AlertErrorCode.OWN_ALERT,
                             "an alert must be approved by someone other than its author "
                             "(two people for any mass message)")
        key = self.keys.alert(alert_id)
        if not await self._transition(keys=[key], args=[AlertStatus.DRAFT.value,
                                                        AlertStatus.APPROVING.value]):
            raise AlertError(AlertErrorCode.NOT_DRAFT,
                             f"alert {alert_id!r} is {alert.status.value}, not a draft: it "
                             f"can be approved only once", details={"status": alert.status.value})
        recipients: dict[str, str] = {}
        for topic_id in alert.topics:
            for user, value in (await self.redis.hgetall(
                    self.keys.alert_subscribers(topic_id))).items():
                recipients.setdefault(_text(user), _text(value))
        users = list(recipients)
        # Into the active set first (another slot than the alert's): a crash after the MULTI
        # below then still leaves the alert where the senders look. Until the MULTI lands a
        # sender finds it ``approving`` and leaves it (``_FINISH``).
        await self.redis.sadd(self.keys.alerts_active, alert_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(self.keys.alert_queue(alert_id), self.keys.alert_recipients(alert_id),
                    self.keys.alert_state(alert_id))
        for start in range(0, len(users), QUEUE_CHUNK):
            chunk = users[start:start + QUEUE_CHUNK]
            pipe.hset(self.keys.alert_recipients(alert_id),
                      mapping={u: recipients[u] for u in chunk})
            pipe.rpush(self.keys.alert_queue(alert_id), *chunk)
        pipe.hset(key, mapping={"status": AlertStatus.APPROVED.value,
                                "approved_at": self.clock().isoformat(), "approved_by": actor,
                                "recipients": len(users)})
        await pipe.execute()
        return await self.get(alert_id)

    async def get(self, alert_id: str) -> Alert:
        raw = await self.redis.hgetall(self.keys.alert(alert_id)) if _valid(alert_id) else {}
        if not raw:
            raise AlertNotFound(alert_id)
        return _alert(alert_id, raw)

    async def list_alerts(self, limit: int = 100) -> list[Alert]:
        ids = [_text(i) for i in await self.redis.zrevrange(self.keys.alerts, 0, limit - 1)]
        pipe = self.redis.pipeline(transaction=False)
        for alert_id in ids:
            pipe.hgetall(self.keys.alert(alert_id))
        rows = await pipe.execute()
        return [_alert(i, row) for i, row in zip(ids, rows, strict=True) if row]

    # -- delivery (the broadcast worker) -------------------------------------------------------

    async def active(self) -> list[str]:
        return sorted(_text(i) for i in await self.redis.smembers(self.keys.alerts_active))

    async def acquire(self, alert_id: str, owner: str, lease_ms: int) -> bool:
        """Become the one process delivering this alert; puts back what a dead holder had
        taken but not finished."""
        if not await self.redis.set(self.keys.alert_lock(alert_id), owner, nx=True,
                                    px=lease_ms):
            return False
        await self.resume(alert_id, owner)
        return True

    async def resume(self, alert_id: str, owner: str) -> int:
        """Recipients left ``sending`` by a holder that died go back to the queue's front.

        One of them may have received the alert already: Telegram accepted the message in the
        instant before the process died and read the answer. The Bot API has no idempotency
        key, so that case cannot be told apart from a send that never left; sending again
        (a safety warning twice) is preferred to skipping (a person never warned).
        """
        return int(await self._resume(keys=[
            self.keys.alert_lock(alert_id), self.keys.alert_state(alert_id),
            self.keys.alert_queue(alert_id), self.keys.alert(alert_id)], args=[owner]))

    async def renew(self, alert_id: str, owner: str, lease_ms: int) -> bool:
        return bool(await self._renew(keys=[self.keys.alert_lock(alert_id)],
                                      args=[owner, lease_ms]))

    async def claim(self, alert_id: str, owner: str) -> Claim:
        """The next recipient, marked ``sending``; None when the queue is empty."""
        result = await self._claim(keys=[
            self.keys.alert_lock(alert_id), self.keys.alert_queue(alert_id),
            self.keys.alert_state(alert_id), self.keys.alert_recipients(alert_id),
            self.keys.alert(alert_id)], args=[owner])
        if result and _text(result[0]) == "lost":
            return Claim(None, lost_lease=True)
        if not result:
            return Claim(None)
        user, value = _text(result[0]), _text(result[1])
        try:
            data = json.loads(value)
            chat_id = self.cipher.decrypt(data["c"])
        except (ValueError, KeyError, TypeError):
            await self.mark(alert_id, user, "failed:unreadable")
            return await self.claim(alert_id, owner)
        return Claim(Recipient(user, chat_id, str(data.get("l") or self.default_language)))

    async def should_send(self, alert: Alert, user: str) -> str | None:
        """Why not to send to ``user`` now (left the topics, /forget, blocked us), or None."""
        pipe = self.redis.pipeline(transaction=False)
        for topic_id in alert.topics:
            pipe.hexists(self.keys.alert_subscribers(topic_id), user)
        pipe.hget(self.keys.user(user), INACTIVE_FIELD)
        *subscribed, inactive = await pipe.execute()
        if not any(subscribed):
            return "unsubscribed"
        if inactive:
            return "inactive"
        return None

    async def mark(self, alert_id: str, user: str, outcome: str) -> bool:
        """``delivered``, ``failed:<reason>`` or ``skipped:<reason>``, recorded once."""
        counter = outcome.split(":", 1)[0]
        if counter not in ("delivered", "failed", "skipped"):
            raise ValueError(f"unknown delivery outcome {outcome!r}")
        return bool(await self._mark(keys=[self.keys.alert_state(alert_id),
                                           self.keys.alert(alert_id)],
                                     args=[user, outcome, counter]))

    async def finish(self, alert_id: str, owner: str) -> bool:
        """Mark the alert done when nothing is queued or in flight; releases the lease."""
        done = bool(await self._finish(keys=[
            self.keys.alert_lock(alert_id), self.keys.alert_queue(alert_id),
            self.keys.alert(alert_id)], args=[owner, self.clock().isoformat()]))
        if done:
            await self.redis.srem(self.keys.alerts_active, alert_id)
        return done

    async def release(self, alert_id: str, owner: str) -> None:
        if _text(await self.redis.get(self.keys.alert_lock(alert_id)) or "") == owner:
            await self.redis.delete(self.keys.alert_lock(alert_id))

    async def states(self, alert_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self.keys.alert_state(alert_id))
        return {_text(k): _text(v) for k, v in raw.items()}


def _valid(alert_id: str) -> bool:
    return len(alert_id) == 10 and all(c in "0123456789abcdef" for c in alert_id)


def _alert(alert_id: str, raw: dict[Any, Any]) -> Alert:
    row = {_text(k): _text(v) for k, v in raw.items()}

    def when(name: str) -> datetime | None:
        value = row.get(name)
        return datetime.fromisoformat(value) if value else None

    created = when("created_at")
    assert created is not None
    return Alert(
        id=alert_id, topics=tuple(json.loads(row.get("topics", "[]"))),
        texts=json.loads(row.get("texts", "{}")), status=AlertStatus(row["status"]),
        created_at=created, created_by=row.get("created_by", ""),
        created_by_key=row.get("created_by_key", ""), approved_at=when("approved_at"),
        approved_by=row.get("approved_by") or None, finished_at=when("finished_at"),
        recipients=int(row.get("recipients", 0)), delivered=int(row.get("delivered", 0)),
        failed=int(row.get("failed", 0)), skipped=int(row.get("skipped", 0)))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
