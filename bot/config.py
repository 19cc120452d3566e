"""What the bot needs from the outside world, as plain values.

``bot/`` never reads settings or the environment: the composition root (``infomigra``) builds a
``BotConfig`` from its settings, and tests build one by hand with a small rate limit or page size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


@dataclass(frozen=True)
class BotConfig:
    user_hash_secret: bytes = field(repr=False)
    locales_dir: Path = LOCALES_DIR
    languages: tuple[str, ...] = ("es", "en")
    default_language: str = "es"
    rate_limit_per_minute: int = 20
    retention_days: int = 90
    max_stored_question_chars: int = 1000
    contact_entry_id: str = "talk-to-person"
    """The talk-to-a-person entry offered whenever the bot cannot help."""
    page_size: int = 8
    """Entries per page when browsing a topic; more than this and the topic is paginated."""
    inline_results: int = 5

    @property
    def retention_seconds(self) -> int:
        return self.retention_days * 86400
