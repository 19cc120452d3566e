"""What the bot needs from the outside world, as plain values.

``bot/`` never reads settings or the environment: the composition root (``infomigra``) builds a
``BotConfig`` from its settings, and tests build one by hand with a small rate limit or page size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from faq import defaults

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
TELEGRAM_API_URL = "https://api.telegram.org"


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

    @property
    def retention_seconds(self) -> int:
        return self.retention_days * 86400
