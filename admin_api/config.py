"""What the admin API is built from: its options (``ApiConfig``) and the core services it uses.

The composition root (``infomigra``) fills these from its settings; the API itself reads no
environment, so tests and other hosts can build it with any store and options they like.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from faq import defaults
from faq.alerts import AlertDesk
from faq.apikeys import ApiKeyRegistry, AuthThrottle
from faq.conversations import ConversationDesk
from faq.inbox import InboxDesk, InboxOptions
from faq.live import LiveMatcher
from faq.stats import Stats
from faq.store import FaqStore
from faq.usecases import FaqService

from .clients import Network
from .outage import RedisOutage

# A multipart upload wraps the file in a boundary and part headers: a few hundred bytes, or a
# little more for long file names. 64 KiB is far above that and small next to the file cap.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class ApiConfig:
    languages: tuple[str, ...] = defaults.LANGUAGES
    default_language: str = defaults.DEFAULT_LANGUAGE
    tz: tzinfo = field(default_factory=lambda: ZoneInfo(defaults.TIMEZONE))
    title: str = "InfoMigra admin API"
    version: str = "1"
    # Wrong keys are refused for the window once an address or a key prefix has presented
    # this many (counted in Redis); valid keys always pass.
    auth_max_failures: int = 10
    auth_window_seconds: int = 300
    # X-Forwarded-For is believed only from these peers (none: it is ignored).
    trusted_proxies: tuple[Network, ...] = ()
    # Bounded costs: a statistics call reads one small hash per day asked for.
    max_stats_days: int = 366
    # Request bodies: 2 MB is ~100 times the largest entry a person writes by hand; an import
    # file has its own cap (8 MB: the whole shipped FAQ exported is ~0.3 MB) and entry count
    # (2,000: 40 times the shipped FAQ), which keep one import to seconds of worker-thread time.
    max_body_bytes: int = 2_000_000
    max_import_bytes: int = 8_000_000
    max_import_entries: int = 2_000
    inbox: InboxOptions = field(default_factory=InboxOptions)
    redis_timeout_seconds: float = 2.0
    # The staff console reads the same gettext catalogs as the bot.
    locales_dir: Path | None = Path(__file__).resolve().parent.parent / "locales"
    # /docs, /redoc and /openapi.json (Swagger UI loads its assets from a CDN, outside the
    # console's CSP): the composition root turns them off unless INFOMIGRA_API_DOCS is set.
    docs: bool = True
    # Session cookies marked Secure: None follows the request (https behind a trusted proxy).
    secure_cookies: bool | None = None
    # Connecting at start-up (``connect=``): retries after 1, 2, 4... s, at most this far apart.
    redis_retry_max_seconds: float = 30.0
    # Who may read /metrics: with a token, whoever sends it; without, only this machine.
    metrics_token: str | None = None

    @property
    def import_body_bytes(self) -> int:
        return self.max_import_bytes + MULTIPART_OVERHEAD_BYTES


@dataclass
class ApiServices:
    """The core objects the API works on; whoever builds them owns their Redis connection."""

    store: FaqStore
    stats: Stats
    live: LiveMatcher
    api_keys: ApiKeyRegistry
    conversations: ConversationDesk | None = None
    """Talking to a person (None: the feature is off)."""
    alerts: AlertDesk | None = None
    """Opt-in alerts (None: the feature is off)."""
    bot_ready: Callable[[], bool] | None = None
    """Under ``serve``: has the bot heard from Telegram lately? (``/readyz`` reports it)."""


@dataclass
class ApiState:
    """Everything a request handler may need, assembled once per application."""

    services: ApiServices
    config: ApiConfig
    throttle: AuthThrottle
    inbox: InboxDesk
    faq: FaqService
    outage: RedisOutage

    @classmethod
    def assemble(cls, services: ApiServices, config: ApiConfig) -> ApiState:
        store = services.store
        throttle = AuthThrottle(store.redis, store.keys, max_failures=config.auth_max_failures,
                                window_seconds=config.auth_window_seconds)
        pipeline = services.live.pipeline

        def key(text: str, lang: str) -> str:
            return " ".join(sorted(set(pipeline.content_words(text, lang))))

        inbox = InboxDesk(services.stats, store, key, config.inbox)
        return cls(services, config, throttle, inbox,
                   FaqService(store, config.languages), RedisOutage(store.redis))
