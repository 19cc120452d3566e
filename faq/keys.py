"""The Redis key layout of DESIGN.md, in one place, under a configurable prefix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Keys:
    prefix: str = "im:"

    def entry(self, entry_id: str) -> str:
        return f"{self.prefix}faq:entry:{entry_id}"

    @property
    def ids(self) -> str:
        return f"{self.prefix}faq:ids"

    @property
    def rev(self) -> str:
        return f"{self.prefix}faq:rev"

    @property
    def changed_channel(self) -> str:
        return f"{self.prefix}faq:changed"

    @property
    def categories(self) -> str:
        return f"{self.prefix}faq:categories"

    def history(self, entry_id: str) -> str:
        return f"{self.prefix}faq:history:{entry_id}"

    @property
    def audit(self) -> str:
        return f"{self.prefix}audit"

    def stats_day(self, day: date) -> str:
        return f"{self.prefix}stats:{day.isoformat()}"

    def stats_entries(self, day: date) -> str:
        return f"{self.stats_day(day)}:entries"

    def stats_users(self, day: date) -> str:
        return f"{self.stats_day(day)}:users"

    def embeddings(self, model_id: str) -> str:
        """Hash of phrasing vectors for one embedding model version (faq.semantic)."""
        return f"{self.prefix}emb:{model_id}"

    @property
    def inbox(self) -> str:
        return f"{self.prefix}inbox"

    def user(self, user_hash: str) -> str:
        return f"{self.prefix}user:{user_hash}"

    def user_votes(self, user_hash: str) -> str:
        return f"{self.prefix}user:{user_hash}:votes"

    def user_rate(self, user_hash: str) -> str:
        return f"{self.prefix}user:{user_hash}:rate"

    def user_suggestions(self, user_hash: str) -> str:
        """Did-you-mean questions awaiting a tap (redacted, for a day): "none of these" sends
        the question to the inbox."""
        return f"{self.prefix}user:{user_hash}:suggested"

    def update_seen(self, update_id: int) -> str:
        """A webhook update already taken (Telegram re-sends after a timeout)."""
        return f"{self.prefix}tg:update:{update_id}"

    def api_key(self, digest: str) -> str:
        return f"{self.prefix}keys:{digest}"

    @property
    def api_keys(self) -> str:
        return f"{self.prefix}keys"

    def auth_failures(self, subject: str) -> str:
        """Wrong admin API keys from one subject (``addr:{address}`` or ``key:{hash}``); expires
        with the lockout window."""
        return f"{self.prefix}authfail:{subject}"

    def inbox_undo(self, cluster_id: str) -> str:
        """A dismissed cluster's questions, kept for a short while so staff can undo."""
        return f"{self.prefix}inbox:undo:{cluster_id}"

    def console_session(self, digest: str) -> str:
        """A staff console session, by the SHA-256 of its cookie (the cookie is never stored)."""
        return f"{self.prefix}console:session:{digest}"

    def console_signin(self, digest: str) -> str:
        """A one-time sign-in link (first run), by the SHA-256 of its token."""
        return f"{self.prefix}console:signin:{digest}"
