"""The Redis key layout of DESIGN.md, in one place, under a configurable prefix.

Keys that one Lua script or one MULTI touches together share a hash tag (the part in braces), so
that Redis Cluster puts them in one slot and the script runs there:

- ``{faq}``: every FAQ key (entries, ids, indexes, history, audit, revision). The save script
  checks and writes several entries, their history, the indexes and the audit in one step, and
  an import is all or nothing: the FAQ lives in one slot (a few tens of MB at 10,000 entries).
- ``{stats}``: the day counters, the distinct-user HyperLogLogs and the inbox. One script per
  question writes all of them, and a 30-day report counts distinct users with one PFCOUNT over
  30 HyperLogLogs, which must share a slot. A per-day tag would spread storage, not load: all of
  a day's writes go to that day's slot anyway.
- ``{keys}``: the admin API keys and the set of their digests (written in one MULTI).
- ``{authfail}``: the wrong-key counters (per address and per key prefix, counted in one MULTI).
- ``user:{<hash>}``: one person's keys (language, votes, flood window) share a slot, so /forget
  deletes them in one command; different people spread over the cluster.
- ``{conv}``: talking to a person (conversations, messages, indexes, outbox, day counters and the
  person's pointers ``{conv}:person:<hash>``), written together in one MULTI.
- ``{alert-subs}``: the topics' subscribers and each person's topics (one MULTI per change).
- ``alert:{<alert id>}``: one alert and its delivery state (one script per recipient); the alert
  index and the set of alerts being delivered are single keys written beside those scripts.

``Keys.legacy_name`` maps the names used before the tags (layout 1) to these; ``faq.migrate``
renames them at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LAYOUT_VERSION = 2  # 1: the untagged names of LEGACY_LAYOUT; 2: hash tags (this module)


@dataclass(frozen=True)
class Keys:
    prefix: str = "im:"

    # -- the FAQ: one slot ----------------------------------------------------------------

    @property
    def faq(self) -> str:
        return f"{self.prefix}{{faq}}:"

    def entry(self, entry_id: str) -> str:
        return f"{self.faq}entry:{entry_id}"

    @property
    def ids(self) -> str:
        return f"{self.faq}ids"

    @property
    def rev(self) -> str:
        return f"{self.faq}rev"

    @property
    def changes(self) -> str:
        """Sorted set: entry id -> the revision of its last save (what moved since rev N)."""
        return f"{self.faq}changes"

    @property
    def changed_channel(self) -> str:
        return f"{self.faq}changed"

    @property
    def categories(self) -> str:
        return f"{self.faq}categories"

    def history(self, entry_id: str) -> str:
        return f"{self.faq}history:{entry_id}"

    @property
    def audit(self) -> str:
        return f"{self.faq}audit"

    def entry_audit(self, entry_id: str) -> str:
        """The audit records of one entry (same ids and fields as ``audit``)."""
        return f"{self.faq}audit:{entry_id}"

    # Indexes the admin API pages through (sorted sets; score 0 = ordered by id).
    @property
    def index_all(self) -> str:
        return f"{self.faq}idx:all"

    def index_category(self, category: str) -> str:
        return f"{self.faq}idx:category:{category}"

    def index_status(self, status: str) -> str:
        return f"{self.faq}idx:status:{status}"

    def index_language(self, lang: str) -> str:
        return f"{self.faq}idx:lang:{lang}"

    @property
    def index_reviewed(self) -> str:
        """Score: ``reviewed_on`` as a proleptic ordinal (0 when never reviewed)."""
        return f"{self.faq}idx:reviewed"

    @property
    def index_version(self) -> str:
        """Which index layout has been built for the entries already stored."""
        return f"{self.faq}idx:version"

    # -- statistics and inbox: one slot -----------------------------------------------------

    @property
    def stats(self) -> str:
        return f"{self.prefix}{{stats}}:"

    def stats_day(self, day: date) -> str:
        return f"{self.stats}{day.isoformat()}"

    def stats_entries(self, day: date) -> str:
        return f"{self.stats_day(day)}:entries"

    def stats_users(self, day: date) -> str:
        return f"{self.stats_day(day)}:users"

    def embeddings(self, model_id: str) -> str:
        """Hash of phrasing vectors for one embedding model version (faq.semantic)."""
        return f"{self.prefix}emb:{model_id}"

    @property
    def inbox(self) -> str:
        return f"{self.stats}inbox"

    # -- people: one slot per person ----------------------------------------------------------

    def user(self, user_hash: str) -> str:
        return f"{self.prefix}user:{{{user_hash}}}"

    def user_votes(self, user_hash: str) -> str:
        return f"{self.user(user_hash)}:votes"

    def user_rate(self, user_hash: str) -> str:
        return f"{self.user(user_hash)}:rate"

    def user_suggestions(self, user_hash: str) -> str:
        """Did-you-mean questions awaiting a tap (redacted, for a day): "none of these" sends
        the question to the inbox."""
        return f"{self.user(user_hash)}:suggested"

    # -- Telegram: updates taken, the shared outgoing budget -----------------------------------

    def update_seen(self, update_id: int) -> str:
        """A webhook update already taken (Telegram re-sends after a timeout)."""
        return f"{self.prefix}tg:update:{update_id}"

    def outgoing_budget(self, bucket: str) -> str:
        """One bucket of the outgoing rate limiter (``all``, or a chat's). One slot for all of
        them: each send checks the overall bucket and its chat's in one script."""
        return f"{self.prefix}{{tg-out}}:{bucket}"

    # -- admin API keys: one slot ------------------------------------------------------------

    def api_key(self, digest: str) -> str:
        return f"{self.prefix}{{keys}}:{digest}"

    @property
    def api_keys(self) -> str:
        return f"{self.prefix}{{keys}}"

    def auth_failures(self, subject: str) -> str:
        """Wrong admin API keys from one subject (``addr:{address}`` or ``key:{hash}``); expires
        with the lockout window. One slot: a wrong key counts against both in one MULTI."""
        return f"{self.prefix}{{authfail}}:{subject}"

    def inbox_undo(self, cluster_id: str) -> str:
        """A dismissed cluster's questions, kept for a short while so staff can undo (beside
        the inbox, in its slot)."""
        return f"{self.stats}inbox:undo:{cluster_id}"

    def console_session(self, digest: str) -> str:
        """A staff console session, by the SHA-256 of its cookie (the cookie is never stored)."""
        return f"{self.prefix}console:session:{digest}"

    def console_import(self, digest: str) -> str:
        """An import previewed in a console session, kept for its confirmation (short TTL)."""
        return f"{self.prefix}console:import:{digest}"

    def console_signin(self, digest: str) -> str:
        """A one-time sign-in link (first run), by the SHA-256 of its token."""
        return f"{self.prefix}console:signin:{digest}"

    # -- talking to a person (faq.conversations): one slot ------------------------------------

    @property
    def conv(self) -> str:
        """``{conv}``: every conversation key, the indexes, the outbox, the day counters and the
        person's pointers. Opening or closing writes the hash, the status indexes, the person's
        set and the day's counters in one MULTI, which needs one slot. Conversations are typed
        by people on both sides, so their load fits one shard easily."""
        return f"{self.prefix}{{conv}}:"

    def conversation(self, conv_id: str) -> str:
        """The conversation's hash: status, language, encrypted chat, times, who claimed it."""
        return f"{self.conv}{conv_id}"

    def conversation_messages(self, conv_id: str) -> str:
        """Its messages, redacted, oldest first (a list of JSON objects)."""
        return f"{self.conv}{conv_id}:messages"

    def conversations(self, status: str) -> str:
        """Conversation ids by status ("open", "closed"): a sorted set by opening/closing time."""
        return f"{self.conv}index:{status}"

    @property
    def conversation_outbox(self) -> str:
        """Staff replies and closings waiting for the bot to deliver them (a stream)."""
        return f"{self.conv}outbox"

    def user_conversation(self, user_hash: str) -> str:
        """The person's open conversation id, if any. Under ``{conv}``, not the person's tag, so
        opening writes it with the conversation; /forget deletes it by name."""
        return f"{self.conv}person:{user_hash}"

    def user_conversations(self, user_hash: str) -> str:
        """Every conversation of the person still kept (open and closed), for /forget (by
        name, beside ``user_conversation``)."""
        return f"{self.conv}person:{user_hash}:all"

    def conversation_stats(self, day: date) -> str:
        return f"{self.conv}stats:{day.isoformat()}"

    def conversation_first_replies(self, day: date) -> str:
        """``lang:seconds`` per conversation first answered that day (for the median)."""
        return f"{self.conv}stats:{day.isoformat()}:firstreply"

    # -- alerts (faq.alerts) --------------------------------------------------------------------

    @property
    def alert_topics(self) -> str:
        """Alert topics (content, editable): a hash id -> JSON."""
        return f"{self.prefix}alert:topics"

    @property
    def alert_subs(self) -> str:
        """``{alert-subs}``: the topics' subscribers and each person's topics, written together
        in one MULTI (subscribe, unsubscribe, /forget), so one slot."""
        return f"{self.prefix}{{alert-subs}}:"

    def alert_subscribers(self, topic_id: str) -> str:
        """A topic's subscribers: a hash keyed hash -> JSON (encrypted chat, language)."""
        return f"{self.alert_subs}topic:{topic_id}"

    def user_alerts(self, user_hash: str) -> str:
        """The topics a person subscribed to (a set), beside the subscribers; /forget deletes
        it by name."""
        return f"{self.alert_subs}person:{user_hash}"

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

    @property
    def layout(self) -> str:
        """The key layout version this database is in (``LAYOUT_VERSION`` once migrated)."""
        return f"{self.prefix}layout"

    # -- the names before hash tags (layout 1) ------------------------------------------------

    def legacy_name(self, key: str) -> str | None:
        """The layout-2 name of a layout-1 ``key``; None when ``key`` is not a layout-1 name."""
        p = self.prefix
        if not key.startswith(p) or "{" in key:
            return None
        rest = key[len(p):]
        head, _, tail = rest.partition(":")
        if head == "faq" and tail:
            return f"{self.faq}{tail}"
        if head == "audit" and not tail:
            return self.audit
        if head == "inbox" and not tail:
            return self.inbox
        if head == "stats" and tail:
            return f"{self.stats}{tail}"
        if head == "authfail" and tail:
            return self.auth_failures(tail)
        if head == "keys":
            return self.api_key(tail) if tail else self.api_keys
        if head == "user" and tail:
            user_hash, _, suffix = tail.partition(":")
            return self.user(user_hash) + (f":{suffix}" if suffix else "")
        return None
