"""
Playwright driving Debian's Chromium (never a browser Playwright downloads).

Under CI a missing Chromium fails the run; elsewhere the browser tests are
skipped with the command that installs it (``make test`` does, as root).
"""

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
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("response", lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"))
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
