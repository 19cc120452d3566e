"""From settings to the admin API's options (infomigra/api_runner.py ``api_config``)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from pydantic import ValidationError

from infomigra.api_runner import UVICORN_OPTIONS, api_config
from infomigra.settings import Settings


def from_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_defaults_protect_without_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    config = api_config(from_env(monkeypatch))
    assert config.trusted_proxies == ()  # X-Forwarded-For ignored
    assert (config.auth_max_failures, config.auth_window_seconds) == (10, 300)
    assert config.max_body_bytes == 2_000_000
    assert config.max_import_bytes > config.max_body_bytes
    assert config.metrics_token is None
    assert UVICORN_OPTIONS["proxy_headers"] is False  # uvicorn must not rewrite the client


@pytest.mark.parametrize("value", ["10.0.0.0/8, 192.168.1.5", '["10.0.0.0/8", "192.168.1.5"]'])
def test_trusted_proxies_as_a_list_or_json(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    config = api_config(from_env(monkeypatch, INFOMIGRA_TRUSTED_PROXIES=value))
    assert config.trusted_proxies == (ip_network("10.0.0.0/8"), ip_network("192.168.1.5/32"))


def test_a_bad_proxy_is_named_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="not-an-ip"):
        from_env(monkeypatch, INFOMIGRA_TRUSTED_PROXIES="10.0.0.1,not-an-ip")


def test_limits_and_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = api_config(from_env(
        monkeypatch, INFOMIGRA_AUTH_MAX_FAILURES="5", INFOMIGRA_AUTH_WINDOW_SECONDS="60",
        INFOMIGRA_MAX_BODY_BYTES="100000", INFOMIGRA_MAX_IMPORT_BYTES="500000",
        INFOMIGRA_MAX_IMPORT_ENTRIES="50", INFOMIGRA_METRICS_TOKEN="tok"))
    assert (config.auth_max_failures, config.auth_window_seconds) == (5, 60)
    assert (config.max_body_bytes, config.max_import_bytes) == (100_000, 500_000)
    assert config.max_import_entries == 50 and config.metrics_token == "tok"
