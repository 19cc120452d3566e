"""What the bot needs from the outside world, as plain values.

``bot/`` never reads settings or the environment: the composition root (``infomigra``) builds a
``BotConfig`` from its settings, and tests build one by hand with a small rate limit or page size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.ratelimit import Limits
from faq import defaults
from faq.conversations import OfficeHours

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
TELEGRAM_API_URL = "https://api.telegram.org"


@dataclass(frozen=True)
class SendPolicy:
    """How hard the sender tries before a reply counts as not delivered."""

    max_attempts: int = 5
    max_retry_after: float = 60.0
    """Telegram asks for ``retry_after`` seconds (a flood wait can be minutes): one wait is
    capped at this, and the call tried at most ``max_attempts`` times."""
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    """Network errors and 5xx: 0.5, 1, 2, 4 s between five tries (aiogram's own polling
    backoff starts at 1 s; a waiting person is worth a quicker first retry)."""


@dataclass(frozen=True)
class BotConfig:
    user_hash_secret: bytes = field(repr=False)
    locales_dir: Path = LOCALES_DIR
    languages: tuple[str, ...] = defaults.LANGUAGES
    default_language: str = defaults.DEFAULT_LANGUAGE
    rate_limit_per_minute: int = defaults.RATE_LIMIT_PER_MINUTE
    retention_days: int = defaults.RETENTION_DAYS
    max_stored_question_chars: int = defaults.MAX_STORED_QUESTION_CHARS
    contact_entry_id: str = "talk-to-person"
    """The talk-to-a-person entry offered whenever the bot cannot help."""
    page_size: int = 8
    """Entries per page when browsing a topic; more than this and the topic is paginated."""
    inline_results: int = 5
    send_policy: SendPolicy = field(default_factory=SendPolicy)
    rate_limits: Limits = field(default_factory=Limits)
    update_dedupe_seconds: int = 3600
    """How long a webhook update id is remembered: Telegram re-sends an update it got no answer
    for within minutes, so an hour covers its retries at a few bytes per update."""
    shutdown_seconds: float = 10.0
    """On SIGTERM, how long updates being answered may take to finish."""
    office_hours: OfficeHours | None = None
    """When staff answer conversations; None: talking to a person is off."""
    conversation_retention_days: int = 30
    alerts_enabled: bool = False

    @property
    def retention_seconds(self) -> int:
        return self.retention_days * 86400
