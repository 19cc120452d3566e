from __future__ import annotations

import pytest
from playwright.sync_api import Page

from faq.apikeys import Role
from tests.admin_api.console.conftest import Console, axe, sign_in

pytestmark = pytest.mark.browser


def test_smoke(page: Page, console: Console) -> None:
    sign_in(page, console, Role.EDITOR)
    for path in ("/console/entries", "/console/entries/passport-application", "/console/inbox", "/console/try?q=pasaporte", "/console/audit", "/console/entries/passport-application/history", "/console/entries/new", "/console/entries/passport-application"):
        res = page.goto(console.url + path)
        print(path, res.status, page.title())
        print(axe(page))
    page.screenshot(path="/tmp/console/shot.png", full_page=True)
