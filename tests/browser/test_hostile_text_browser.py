"""Hostile text in the data (markup, script, javascript: URLs) is shown as text and never runs.

The events come in through the template importer (tests/browser/harness.py writes the file). A
script that ran would set ``window.__pwned``; markup that was parsed would leave an element behind.
The Content-Security-Policy would also block inline handlers, so the test checks both: nothing ran
AND nothing was injected (the page fixture fails on any CSP violation, i.e. on any attempt).
"""

from __future__ import annotations

from tests.browser.conftest import screenshot, sign_in, wait_for_timeline
from tests.browser.harness import HOSTILE, HOSTILE_CHILD, World

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
    assert HOSTILE["analysis"] in page.inner_text("#chronology-table")  # {{7*7}} as typed, not 49
    assert page.locator("#chronology-table b").count() == 0


def test_hostile_text_in_search_annotations_import_report_and_audit_is_inert(page, world: World) -> None:  # type: ignore[no-untyped-def]
    """The same file's text on the other pages, a hostile annotation typed by a user, and the file's
    own hostile name on the import report: shown as typed, nothing runs, nothing injected, no CSP report."""
    sign_in(page, world.users["practitioner"])
    page.goto(f"/children?q={HOSTILE_CHILD}")
    assert HOSTILE["child"] in page.inner_text("main")
    _assert_inert(page)

    page.goto(f"/children/{world.hostile}/timeline/table")
    page.click("#chronology-table a:has-text('Details and annotate')")
    page.wait_for_selector("#event-record")
    page.fill("#comment", HOSTILE["note"])
    page.click("#save-annotation")
    page.wait_for_selector("#annotation-list")
    assert HOSTILE["note"] in page.inner_text("#annotation-list")
    _assert_inert(page)
    page.goto(f"/children/{world.hostile}/timeline/table")
    assert HOSTILE["note"] in page.inner_text("#chronology-table")
    assert "49" not in page.inner_text("#chronology-table")  # {{7*7}} was never evaluated
    _assert_inert(page)

    page.context.clear_cookies()
    sign_in(page, world.users["admin"])
    page.goto("/imports/")
    page.wait_for_load_state()
    assert HOSTILE["file"] in page.inner_text("main")
    page.locator("main tr", has_text="template-hostile").locator("a").first.click()
    page.wait_for_load_state()
    assert HOSTILE["file"] in page.inner_text("main")
    _assert_inert(page)
    screenshot(page, "hostile-import-report")
    page.goto("/audit/")
    page.wait_for_load_state()  # pseudonymised: no agency text on the page yet
    assert page.evaluate("typeof window.__pwned") == "undefined" and page.locator(INJECTED).count() == 0
    page.click("summary:has-text(\"Show children's names\")")
    page.fill("#reason", HOSTILE["reason"])
    page.click("button:has-text('Show names')")
    page.wait_for_load_state()
    row = page.locator("main tbody tr", has=page.locator("th", has_text="Hostile"))
    assert row.count() == 1, "the hostile child is not on the audit panel"
    assert row.locator("th").inner_text().strip() == f"{HOSTILE['child']} ({HOSTILE_CHILD})"  # as typed, as text
    assert row.locator("a.app-evidence-link").count() >= 1  # flagged: its da_escalation row is listed
    assert f"\u201c{HOSTILE['reason']}\u201d" in page.inner_text("main")  # the hostile reason, as text
    _assert_inert(page)
    screenshot(page, "hostile-audit-panel")
