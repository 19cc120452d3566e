"""The service's defaults, in one place: settings, ``BotConfig``, ``ApiConfig`` and the text
pipeline all start from these, so a default changed here changes for every front door.

Where the values come from: Spanish first, then English (the people served, then staff);
Guatemala's time zone (where statistics days are cut). The numbers are the project's first
choices, not measurements: 20 messages a minute is well above anyone typing questions and
stops floods; 90 days is the retention the privacy notice (/privacy) states; 1,000 characters
keeps pasted documents out of the inbox while a question is far shorter.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("es", "en")
DEFAULT_LANGUAGE = "es"
TIMEZONE = "America/Guatemala"
RATE_LIMIT_PER_MINUTE = 20
RETENTION_DAYS = 90
MAX_STORED_QUESTION_CHARS = 1000
