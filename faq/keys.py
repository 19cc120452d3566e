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

    # -- talking to a person (faq.conversations) ----------------------------------------------

    def conversation(self, conv_id: str) -> str:
        """The conversation's hash: status, language, encrypted chat, times, who claimed it."""
        return f"{self.prefix}conv:{conv_id}"

    def conversation_messages(self, conv_id: str) -> str:
        """Its messages, redacted, oldest first (a list of JSON objects)."""
        return f"{self.prefix}conv:{conv_id}:messages"

    def conversations(self, status: str) -> str:
        """Conversation ids by status ("open", "closed"): a sorted set by opening/closing time."""
        return f"{self.prefix}conv:index:{status}"

    @property
    def conversation_outbox(self) -> str:
        """Staff replies and closings waiting for the bot to deliver them (a stream)."""
        return f"{self.prefix}conv:outbox"

    def user_conversation(self, user_hash: str) -> str:
        """The person's open conversation id, if any (deleted by /forget with the user keys)."""
        return f"{self.prefix}user:{user_hash}:conv"

    def user_conversations(self, user_hash: str) -> str:
        """Every conversation of the person still kept (open and closed), for /forget."""
        return f"{self.prefix}user:{user_hash}:convs"

    def conversation_stats(self, day: date) -> str:
        return f"{self.prefix}conv:stats:{day.isoformat()}"

    def conversation_first_replies(self, day: date) -> str:
        """``lang:seconds`` per conversation first answered that day (for the median)."""
        return f"{self.prefix}conv:stats:{day.isoformat()}:firstreply"

    # -- alerts (faq.alerts) --------------------------------------------------------------------

    @property
    def alert_topics(self) -> str:
        """Alert topics (content, editable): a hash id -> JSON."""
        return f"{self.prefix}alert:topics"

    def alert_subscribers(self, topic_id: str) -> str:
        """A topic's subscribers: a hash keyed hash -> JSON (encrypted chat, language)."""
        return f"{self.prefix}alert:subs:{topic_id}"

    def user_alerts(self, user_hash: str) -> str:
        """The topics a person subscribed to (a set; deleted by /forget with the user keys)."""
        return f"{self.prefix}user:{user_hash}:alerts"

    def alert(self, alert_id: str) -> str:
        return f"{self.prefix}alert:{{{alert_id}}}"

    def alert_queue(self, alert_id: str) -> str:
        """Recipients not yet taken by a sender (a list of keyed hashes)."""
        return f"{self.prefix}alert:{{{alert_id}}}:queue"

    def alert_recipients(self, alert_id: str) -> str:
        """The recipients fixed at approval: keyed hash -> JSON (encrypted chat, language)."""
        return f"{self.prefix}alert:{{{alert_id}}}:recipients"

    def alert_state(self, alert_id: str) -> str:
        """Per recipient: ``sending:<lease>``, ``delivered``, ``failed:<reason>``, ``skipped``."""
        return f"{self.prefix}alert:{{{alert_id}}}:state"

    def alert_lock(self, alert_id: str) -> str:
        """Held by the one process delivering the alert (expires if it dies)."""
        return f"{self.prefix}alert:{{{alert_id}}}:lock"

    @property
    def alerts(self) -> str:
        """Every alert id by creation time (a sorted set)."""
        return f"{self.prefix}alert:index"

    @property
    def alerts_active(self) -> str:
        """Approved alerts not yet fully delivered (a set the senders poll)."""
        return f"{self.prefix}alert:active"
