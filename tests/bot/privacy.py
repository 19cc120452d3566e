"""The privacy promise as a check: no log line holds a person's Telegram id, name or username."""

from __future__ import annotations

from collections.abc import Iterable

from tests.bot.conftest import FAMILY, JOHN, MARIA, PIERRE

PERSONAL = sorted({str(FAMILY["id"]), *(
    value for user in (MARIA, JOHN, PIERRE)
    for value in (str(user.id), user.first_name, user.last_name, user.username)
    if value)})


def assert_no_personal_data(lines: Iterable[str]) -> None:
    leaks = [(value, line) for line in lines for value in PERSONAL if value in line]
    assert not leaks, leaks[:5]
