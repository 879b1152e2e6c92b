"""Browser tests: Playwright drives Debian's headless Chromium against the real service.

Skipped only when no Chromium binary is installed (CI installs it; never `playwright install`).
Every page is watched: a Content-Security-Policy violation, an uncaught script error or a request for
the GOV.UK fonts (licensed for GOV.UK only; the built CSS uses Arial) fails the test.
Screenshots of the main pages go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.harness import PASSWORD, Server, World, load_world, make_users

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()), None)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

if CHROMIUM is None:
    pytest.skip("no Chromium binary (/usr/bin/chromium): install Debian's chromium to run the browser tests",
                allow_module_level=True)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("browser")
    engine, featured, la_id, name, hostile = load_world(workdir)
    users = make_users(engine, la_id)
    with Server(str(engine.url)) as server:
        yield World(server.url, engine, featured, la_id, name, hostile, users)
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class PageProblems(list[str]):
    """CSP violations and script errors seen on a page."""


@pytest.fixture
def page(browser, world: World) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=world.base_url, accept_downloads=True, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = PageProblems()

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text:
            problems.append(f"CSP violation: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: problems.append(f"asked for a GOV.UK font: {request.url}")
            if "/assets/fonts/" in request.url else None)
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for_timeline(page) -> str:  # type: ignore[no-untyped-def]
    """Wait until the timeline has drawn (or said it has nothing to draw); returns its state."""
    page.wait_for_selector("#timeline[data-state=drawn], #timeline[data-state=empty], #timeline[data-state=error]")
    return page.get_attribute("#timeline", "data-state")
