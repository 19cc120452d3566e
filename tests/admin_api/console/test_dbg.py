from __future__ import annotations
import pytest
from playwright.sync_api import Page
from faq.apikeys import Role
from tests.admin_api.console.conftest import Console
pytestmark = pytest.mark.browser

def test_dbg(page: Page, console: Console) -> None:
    r = page.goto(f"{console.url}/console/login")
    print(r.status, page.content()[:3000])
    page.get_by_label("Su clave de acceso").fill(console.keys[Role.EDITOR])
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_timeout(1500)
    print(page.url, page.content()[:3000])
