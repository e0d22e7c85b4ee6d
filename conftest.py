"""Fixtures shared by every app's tests: demo-role users, API clients, a real browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from rest_framework.test import APIClient

from kehu.accounts.demo import DEMO_PASSWORD, DEMO_USERS

CHROMIUM = os.environ.get("KEHU_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "test-artifacts"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """postgres_only tests (real row locks under concurrency) are deselected on SQLite, not skipped:
    the PostgreSQL pass of `make test` runs them, and there they must not be able to skip."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    keep = [item for item in items if item.get_closest_marker("postgres_only") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    """Documents written by a test go to its own temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "documents"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in zh-Hans: a request in English activates English for the thread it ran in."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _private_cache(settings: Any, request: Any) -> None:
    """Each test gets an empty in-process cache: cached users and sessions must not leak between tests
    (or between parallel workers sharing the file cache of the data directory)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}
    }


@pytest.fixture(scope="session")
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


@pytest.fixture
def users(db: Any, _demo_password_hash: str) -> dict[str, Any]:
    """The demo users by username (admin, mkt_mgr, sales, cs, cs_lead, tech, ...)."""
    from kehu.accounts.models import User

    made: dict[str, Any] = {}
    for username, last, first, department, level, _manager in DEMO_USERS:
        made[username] = User.objects.create(
            username=username,
            last_name=last,
            first_name=first,
            department=department,
            level=level,
            email=f"{username}@kehu.example",
            is_staff=level >= 40,
            is_superuser=level >= 40,
            password=_demo_password_hash,
        )
    for username, *_rest, manager in DEMO_USERS:
        if manager:
            made[username].manager = made[manager]
            made[username].save(update_fields=["manager"])
    return made


@pytest.fixture
def api_for(users: dict[str, Any]):  # type: ignore[no-untyped-def]
    """api_for("sales") -> an APIClient authenticated with that user's token."""
    from kehu.accounts.tokens import token_issue

    def make(username: str) -> APIClient:
        client = APIClient()
        issued = token_issue(user=users[username], used=True)  # just used: no last-used write in pinned counts
        client.credentials(HTTP_AUTHORIZATION=f"Token {issued.secret}")
        return client

    return make


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (scripts/setup.sh dev installs chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any, transactional_db: Any, request: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def login(page: Any, users: dict[str, Any]):  # type: ignore[no-untyped-def]
    """login("sales") logs the browser page in through the real login form."""

    def do(username: str) -> Any:
        page.goto(page.base_url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=current-user]")
        return page

    return do


@pytest.fixture
def archive(users: dict[str, Any]) -> dict[str, Any]:
    """One customer per grade, all owned by sales2 (so `sales` is a colleague, not the owner)."""
    from kehu.customers.services import customer_create

    owner = users["sales2"]
    return {
        grade: customer_create(actor=owner, name=f"{grade}级客户有限公司", owner=owner, grade=grade)
        for grade in ("A", "B", "C")
    }
