"""What the bot keeps about one person, under their keyed hash only (``im:user:{hash}*``).

A language choice, votes per answered message (so a second tap changes a vote instead of adding
one) and the flood-control window. ``/forget`` deletes all of it; the anonymous day counters in
``im:stats:*`` are not linked to the person and stay.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from bot.guard import RedisGuard
from bot.ratelimit import chat_key
from faq.erasure import AppendOnlyRewriter
from faq.keys import Keys
from faq.privacy import redact
from faq.redis_values import as_text

VOTES = ("up", "down")
VOTE_UNKNOWN = "?"
"""Returned when Redis cannot tell the previous vote: the vote is then not counted."""

RATE_WINDOW_SECONDS = 60
SUGGESTION_SECONDS = 86400
"""A did-you-mean is kept a day for its "none of these" tap; later taps just show the menu."""
INACTIVE_FIELD = "inactive"
"""Set by the sender when Telegram refuses a message to this person (403)."""
MAX_SUGGESTION_CHARS = 1000

# KEYS: rate hash   ARGV: window id, ttl. Returns the count in the current window.
_RATE_SCRIPT = """
local n
if redis.call('HGET', KEYS[1], 'w') == ARGV[1] then
  n = redis.call('HINCRBY', KEYS[1], 'n', 1)
else
  redis.call('HSET', KEYS[1], 'w', ARGV[1], 'n', 1)
  n = 1
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return n
"""


@dataclass(frozen=True)
class Person:
    """The sender of an update as the bot knows them: a keyed hash and a language."""

    hash: str
    lang: str
    chose_language: bool = False


def vote_slot(secret: bytes, chat_id: int, message_id: int, entry_id: str) -> str:
    """The votes-hash field for one answered message, without the chat id in plain form.

    In a private chat the chat id *is* the user id, so it is keyed-hashed like the user.
    """
    return f"{chat_key(secret, chat_id)}:{message_id}:{entry_id}"


class UserState:
    def __init__(self, redis: Redis, keys: Keys, guard: RedisGuard, *, retention_seconds: int,
                 clock: Callable[[], datetime]) -> None:
        self.redis = redis
        self.keys = keys
        self.guard = guard
        self.retention_seconds = retention_seconds
        self.clock = clock
        self._rate = redis.register_script(_RATE_SCRIPT)
        self.rewriter = AppendOnlyRewriter(redis)

    # -- language ----------------------------------------------------------------------------

    async def language(self, user: str) -> str | None:
        async def read() -> str | None:
            value: Any = await self.redis.hget(self.keys.user(user), "lang")
            return as_text(value) if value else None

        return await self.guard.run(read, None)

    async def profile(self, user: str) -> tuple[str | None, bool]:
        """The saved language and whether Telegram refused a message to them (403) before;
        one round trip, read on every update."""
        async def read() -> tuple[str | None, bool]:
            lang, inactive = await self.redis.hmget(self.keys.user(user), ["lang",
                                                                          INACTIVE_FIELD])
            return (as_text(lang) if lang else None), bool(inactive)

        return await self.guard.run(read, (None, False))

    async def reactivate(self, user: str) -> None:
        """They wrote again after blocking the bot: messages may reach them again."""
        async def clear() -> None:
            await self.redis.hdel(self.keys.user(user), INACTIVE_FIELD)

        await self.guard.run(clear, None)

    async def set_language(self, user: str, lang: str) -> bool:
        async def write() -> bool:
            await self.redis.hset(self.keys.user(user), "lang", lang)
            return True

        return await self.guard.run(write, False)

    # -- votes -------------------------------------------------------------------------------

    async def swap_vote(self, user: str, slot: str, vote: str) -> str | None:
        """Store ``vote`` for the answered message; the previous vote, None for a first vote."""
        async def swap() -> str | None:
            key = self.keys.user_votes(user)
            pipe = self.redis.pipeline(transaction=True)
            pipe.hget(key, slot)
            pipe.hset(key, slot, vote)
            pipe.expire(key, self.retention_seconds)
            previous, _, _ = await pipe.execute()
            return as_text(previous) if previous else None

        return await self.guard.run(swap, VOTE_UNKNOWN)

    # -- did-you-mean awaiting an answer ---------------------------------------------------

    async def remember_suggestion(self, user: str, slot: str, question: str, lang: str,
                                  candidates: list[dict[str, Any]]) -> None:
        async def save() -> None:
            key = self.keys.user_suggestions(user)
            value = json.dumps({"text": redact(question[:MAX_SUGGESTION_CHARS]), "lang": lang,
                                "candidates": candidates})
            pipe = self.redis.pipeline(transaction=True)
            pipe.hset(key, slot, value)
            pipe.expire(key, SUGGESTION_SECONDS)
            await pipe.execute()

        await self.guard.run(save, None)

    async def take_suggestion(self, user: str, slot: str) -> dict[str, Any] | None:
        """The did-you-mean question behind ``slot``, removed (a second tap finds nothing)."""
        async def take() -> dict[str, Any] | None:
            key = self.keys.user_suggestions(user)
            pipe = self.redis.pipeline(transaction=True)
            pipe.hget(key, slot)
            pipe.hdel(key, slot)
            value, _ = await pipe.execute()
            return json.loads(as_text(value)) if value else None

        return await self.guard.run(take, None)

    # -- flood control -----------------------------------------------------------------------

    async def count_message(self, user: str) -> int:
        """Messages in the current minute, this one included; 0 when Redis cannot tell."""
        async def hit() -> int:
            window = int(self.clock().timestamp()) // RATE_WINDOW_SECONDS
            count = await self._rate(keys=[self.keys.user_rate(user)],
                                     args=[window, 2 * RATE_WINDOW_SECONDS])
            return int(count)

        return await self.guard.run(hit, 0)

    # -- forgetting --------------------------------------------------------------------------

    async def forget(self, user: str) -> bool:
        """Delete every ``im:user:{hash}*`` key: the known ones and any added later."""
        async def delete() -> bool:
            base = self.keys.user(user)
            found = [base, self.keys.user_votes(user), self.keys.user_rate(user),
                     self.keys.user_suggestions(user)]
            async for key in self.redis.scan_iter(match=f"{base}:*", count=500):
                found.append(as_text(key))
            await self.redis.delete(*found)
            self.rewriter.request()  # so the hash leaves the append-only file too
            return True

        return await self.guard.run(delete, False)

