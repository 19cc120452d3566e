"""First run: with no admin key, serve/api create one and print a one-time sign-in link once."""

from __future__ import annotations

import pytest

from faq.apikeys import ApiKeyRegistry, Role
from infomigra.api_runner import announce_first_run
from infomigra.runtime import Services


async def test_the_link_is_printed_once_to_the_terminal_and_not_logged(
        services: Services, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    link = await announce_first_run(services, "0.0.0.0", 8000)
    assert link is not None and link.startswith("http://127.0.0.1:8000/console/first-run?token=")
    printed = capsys.readouterr()
    assert link in printed.err and link not in printed.out
    assert link.split("token=")[1] not in caplog.text
    keys = await ApiKeyRegistry(services.redis, services.keys).list()
    assert [k.role for k in keys] == [Role.ADMIN]
    assert await announce_first_run(services, "127.0.0.1", 8000) is None  # an admin exists now
    assert capsys.readouterr().err == ""
