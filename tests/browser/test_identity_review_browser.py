"""A data officer reviews possible children in a real browser: search shows the fragments under one
result, the review page groups them, a whole group is confirmed at once and the join undone again.

Its own small store and server: deciding suggestions would change the shared generated world."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from chronology.ingest import FileInfo, import_items
from chronology.users import add_user
from commands.store import open_store
from tests.browser.conftest import screenshot, sign_in
from tests.browser.harness import PASSWORD, Server
from tests.factories import child, event


@pytest.fixture
def review_page(browser, tmp_path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    engine = open_store(f"sqlite:///{tmp_path / 'review.sqlite'}")
    born = dt.date(2013, 8, 21)
    for file, agency, system, ids in (
        ("csc.csv", "Children's social care", "template:Children's social care", {"la_id": "LA9"}),
        ("school.csv", "Education: Elm High", "template:Education", {}),
        ("health.csv", "Health", "fhir", {}),
    ):
        subject = child(name="Rhys Pryce", dob=born, **ids)
        import_items(engine, [event(subject, record_id=file, agency=agency, system=system, file=file)],
                     FileInfo(file, "template"), actor="t")
    with engine.begin() as conn:
        add_user(conn, "dora-data", "data_officer", None, PASSWORD)
    with Server(str(engine.url)) as server:
        context = browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 768})
        context.set_default_timeout(10_000)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        yield page
        context.close()
    engine.dispose()
    assert not problems, problems


def test_review_a_possible_child_confirm_the_group_and_undo_a_join(review_page) -> None:  # type: ignore[no-untyped-def]
    page = review_page
    sign_in(page, "dora-data")
    page.goto("/children?q=pryce")
    assert "1 child found" in page.inner_text("main")
    assert page.locator(".app-possible-same").count() == 1
    screenshot(page, "search-possible-same-child")
    page.click("text=3 records to review")
    page.wait_for_selector("[data-group]")
    assert page.locator("[data-group]").count() == 1
    assert page.locator("[data-group] .app-evidence thead th").count() == 3  # three records side by side
    screenshot(page, "identity-review")
    page.click("button:has-text('Confirm all')")
    page.wait_for_load_state()
    assert "2 suggestions confirmed" in page.inner_text("main")  # the third was made moot by the two
    assert page.locator("[data-group]").count() == 0
    page.goto("/children?q=pryce")
    assert page.locator(".app-possible-same").count() == 0 and "1 child found" in page.inner_text("main")

    page.goto("/identity/suggestions")
    first_undo = page.locator("#decisions form:has(textarea)").first
    first_undo.locator("textarea").fill("Different schools' records of two brothers")
    first_undo.locator("button").click()
    page.wait_for_load_state()
    assert "undone: the records are apart again" in page.inner_text("main")
    page.goto("/children?q=pryce")
    # The undone pair is kept apart; a suggestion the join had made moot waits for a decision again.
    listed = page.inner_text(".app-possible-same")
    assert "2 records not yet joined" in listed and listed.count("Rhys Pryce") == 1
