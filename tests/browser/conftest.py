"""
Playwright driving Debian's Chromium (never a browser Playwright downloads).

Under CI a missing Chromium fails the run; elsewhere the browser tests are
skipped with the command that installs it (``make test`` does, as root).
"""

import importlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the tests build
# their data with the ORM before and between page visits.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def roles(request):
    """
    The newsroom's roles, as their migration makes them. Browser tests run in
    real transactions and the database is emptied after each one, so the
    groups the migration created are put back before every test.
    """
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    request.getfixturevalue("transactional_db")
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    importlib.import_module("articles.migrations.0003_roles").make_groups(Group, Permission)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}; install it with: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """
    A page that fails the test on any script error or broken resource (an image,
    stylesheet or script that does not load). Pages themselves may answer 404 or
    410 on purpose; tests assert those statuses where they mean them.
    """
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors, failed_documents = [], set()

    def on_response(response):
        if response.status < 400:
            return
        if response.request.resource_type == "document":
            failed_documents.add(response.url)
        else:
            errors.append(f"{response.status} {response.url}")

    def on_console(message):
        if message.type == "error" and message.location.get("url") not in failed_documents:
            errors.append(message.text)

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", on_console)
    page.on("response", on_response)
    yield page
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"


@pytest.fixture
def screenshot():
    """Save a screenshot under screenshots/ (git-ignored) for people to look at."""

    def take(page, name, full_page=True):
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return take
