"""The settings of talking to a person and alerts: refused clearly when they cannot work."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from faq.crypto import ChatCipher
from infomigra.settings import Settings


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("feature", ["helpdesk_enabled", "alerts_enabled"])
def test_the_chat_key_is_required_when_a_feature_is_on(feature: str) -> None:
    with pytest.raises(ValidationError, match="INFOMIGRA_CHAT_KEY must be set"):
        make(**{feature: True})
    with pytest.raises(ValidationError, match="INFOMIGRA_CHAT_KEY must be set"):
        make(**{feature: True, "chat_key": "  "})  # as left empty in .env
    with pytest.raises(ValidationError, match="Fernet key"):
        make(**{feature: True, "chat_key": "not-a-key"})
    assert make(**{feature: True, "chat_key": ChatCipher.new_key()}).chat_cipher() is not None


def test_off_by_default_and_no_key_needed() -> None:
    settings = make()
    assert not settings.helpdesk_enabled and not settings.alerts_enabled
    assert settings.chat_cipher() is None


def test_office_hours_and_their_time_zone_are_checked() -> None:
    with pytest.raises(ValidationError, match="write them like"):
        make(office_hours="9 to 5")
    with pytest.raises(ValidationError, match="unknown time zone"):
        make(office_timezone="Mars/Olympus")
    office = make(office_hours="mon-fri 08:00-17:00", office_timezone="").office()
    assert str(office.tz) == "America/Guatemala"
