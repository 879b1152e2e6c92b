"""Hostile text in the data (markup, script, javascript: URLs) is shown as text and never runs.

The events come in through the template importer (tests/browser/harness.py writes the file). A
script that ran would set ``window.__pwned``; markup that was parsed would leave an element behind.
The Content-Security-Policy would also block inline handlers, so the test checks both: nothing ran
AND nothing was injected (the page fixture fails on any CSP violation, i.e. on any attempt).
"""

from __future__ import annotations

from tests.browser.conftest import screenshot, sign_in, wait_for_timeline
from tests.browser.harness import HOSTILE, World

INJECTED = "img[src='x'], img[onerror], svg[onload], script:not([src]), a[href^='javascript:' i], [onmouseover]"


def _assert_inert(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator(INJECTED).count() == 0
    body = page.evaluate("document.body.textContent")
    assert "window.__pwned" in body  # the text was there, shown, not dropped


def test_hostile_summaries_names_and_codes_are_shown_as_text(page, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, world.users["practitioner"])
    page.goto(f"/children?q={world.hostile}")
    page.goto(f"/children/{world.hostile}/timeline")
    assert wait_for_timeline(page) == "drawn"
    lanes = page.eval_on_selector_all("#timeline .app-lane__label", "els => els.map(e => e.textContent)")
    assert HOSTILE["agency"] in lanes
    items = page.locator(".vis-item.app-item")
    assert any(HOSTILE["summary"][:40] in text for text in items.all_text_contents())
    for index in range(items.count()):
        items.nth(index).click()
        page.wait_for_selector("#detail-provenance")
        detail = page.evaluate("document.getElementById('event-detail').textContent")
        if HOSTILE["summary"] in detail and HOSTILE["category"] in detail:
            break
    else:
        raise AssertionError("the hostile event's detail never showed its summary and category")
    assert HOSTILE["person"] in detail and HOSTILE["analysis"] in detail and HOSTILE["record"] in detail
    assert page.get_attribute("#detail-open", "href").startswith(f"/children/{world.hostile}/events/")
    _assert_inert(page)
    screenshot(page, "hostile-timeline")

    page.click("#detail-open")
    page.wait_for_selector("#event-record")
    assert HOSTILE["summary"] in page.inner_text("#event-record")
    _assert_inert(page)

    page.goto(f"/children/{world.hostile}/timeline/table")
    page.wait_for_selector("#chronology-table")
    assert HOSTILE["child"] in page.inner_text("h1")
    _assert_inert(page)
