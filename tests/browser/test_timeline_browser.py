"""A practitioner's way through a child's chronology, in a real browser."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from chronology.analysis.facts import top_agency
from chronology.db.models import AccessLog
from chronology.record import load_child
from tests.browser.conftest import screenshot, sign_in, wait_for_timeline
from tests.browser.harness import World


def _shown(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    words = page.inner_text("#shown-count").split()
    return int(words[1]), int(words[3])


def _lanes(page) -> set[str]:  # type: ignore[no-untyped-def]
    return set(page.eval_on_selector_all("#timeline .app-lane .app-lane__label", "els => els.map(e => e.textContent)"))


def _services(page, agency: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Nested (service) lane labels: a school's name, or the agency's own name when it has no services."""
    return set(page.eval_on_selector_all("#timeline .app-service .app-lane__label", "els => els.map(e => e.textContent)"))


def test_search_open_timeline_lanes_filter_detail_table_and_csv(page, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, world.users["practitioner"])
    page.goto("/children")
    page.fill("#q", world.featured_name)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    screenshot(page, "search")
    page.click(f"a[href='/children/{world.featured}']")
    page.click("text=Open the timeline")
    assert wait_for_timeline(page) == "drawn"
    with world.engine.connect() as conn:
        expected = {top_agency(e.agency) for e in load_child(conn, world.featured).entries}
    assert _lanes(page) >= expected | {"Health"}
    assert page.locator(".vis-item").count() > 0
    shown_all, total = _shown(page)
    assert shown_all == total
    screenshot(page, "timeline")

    page.click("text=Filter the chronology")
    page.check("input[name=agency][value=Health]")
    page.click("#apply-filters")
    assert wait_for_timeline(page) == "drawn"
    assert parse_qs(urlparse(page.url).query)["agency"] == ["Health"]
    shown_police, _ = _shown(page)
    assert 0 < shown_police < total
    assert _lanes(page) == {"Health"}

    page.locator(".vis-item.app-item").first.click()
    page.wait_for_selector("#detail-provenance")
    detail = page.inner_text("#event-detail")
    assert "Where it came from" in detail and "template-health.csv" in detail
    screenshot(page, "detail")

    page.click("#view-table")
    page.wait_for_selector("#chronology-table")
    assert page.locator("#chronology-table tbody tr").count() == shown_police
    assert "agency=Health" in page.url
    screenshot(page, "table")

    with page.expect_download() as download:
        page.click("#export-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == shown_police and {top_agency(r["agency"]) for r in rows} == {"Health"}
    with world.engine.connect() as conn:
        exports = [e for e in conn.execute(select(AccessLog.__table__)) if e.action == "export"]
    assert exports and exports[-1].person_id == world.featured


def _first_event_id(page) -> int:  # type: ignore[no-untyped-def]
    page.locator(".vis-item.app-item").first.click()
    page.wait_for_selector("#detail-open")
    return int(page.get_attribute("#detail-open", "href").rsplit("/", 1)[1])


def test_annotate_an_event_and_see_it_on_the_timeline_and_table(page, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, world.users["practitioner"])
    page.goto(f"/children/{world.featured}/timeline?agency=Education")
    assert wait_for_timeline(page) == "drawn"
    event_id = _first_event_id(page)
    page.click("#detail-open")
    page.check("input[name=significance][value=yes]")
    page.fill("#analysis", "Pattern of lateness after each police call-out")
    page.click("#save-annotation")
    page.wait_for_selector("#annotation-list")
    assert "Pattern of lateness" in page.inner_text("#annotation-list")
    page.click("#back-to-timeline")
    assert wait_for_timeline(page) == "drawn"
    page.wait_for_selector("#detail-annotations")  # the link's #event-<id> opened the same event
    notes = page.inner_text("#detail-annotations")
    assert "Pattern of lateness after each police call-out" in notes and world.users["practitioner"] in notes
    page.goto(f"/children/{world.featured}/timeline/table?significance=significant")
    row = page.locator(f"#chronology-table tr[data-event-id='{event_id}']")
    assert "[annotation by pat-a on" in row.inner_text()


def test_other_team_is_refused_until_a_reason_is_given_and_the_reason_is_logged(page, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, world.users["other_team"])
    page.goto(f"/children/{world.featured}/timeline")
    assert f"/children/{world.featured}/reason" in page.url
    assert page.locator("#timeline").count() == 0
    status = page.evaluate(f"fetch('/children/{world.featured}/timeline/data').then(r => r.status)")
    assert status == 403
    reason = "Duty cover for Team A: strategy discussion today"
    page.fill("#reason", reason)
    page.click("text=Open the record")
    assert wait_for_timeline(page) == "drawn"
    assert "reason given" in page.inner_text("main") and reason in page.inner_text("main")
    with world.engine.connect() as conn:
        log = [e for e in conn.execute(select(AccessLog.__table__)) if e.actor == world.users["other_team"]]
    assert [e.action for e in log if e.action == "break-glass"] == ["break-glass"]
    assert all(e.reason == reason for e in log if e.action == "view")
    assert any(e.detail.startswith("timeline data") for e in log)


def test_conference_document_from_the_table_with_and_without_names(page, world: World) -> None:  # type: ignore[no-untyped-def]
    """The Word documents hold the rows the filtered table shows; the pseudonymised one not the name."""
    from docx import Document

    sign_in(page, world.users["practitioner"])
    page.goto(f"/children/{world.featured}/timeline/table?agency=Health")
    page.wait_for_selector("#chronology-table")
    shown = page.locator("#chronology-table tbody tr").count()
    for link, named in (("#export-docx", True), ("#export-docx-pseudonymised", False)):
        with page.expect_download() as download:
            page.click(link)
        document = Document(download.value.path())
        events = document.tables[-1].rows[1:]
        assert len(events) == shown and {top_agency(row.cells[2].text) for row in events} == {"Health"}
        text = "\n".join(p.text for p in document.paragraphs) + "".join(
            cell.text for table in document.tables for row in table.rows for cell in row.cells
        )
        surname = world.featured_name.split()[-1]
        assert (surname in text) is named


def test_the_events_are_asked_for_once_while_the_scripts_load(page, world: World) -> None:  # type: ignore[no-untyped-def]
    """The page preloads its data request so it runs beside the scripts' download; the script's fetch
    must take that answer, not ask again (a preload that does not match is a second, wasted request)."""
    sign_in(page, world.users["practitioner"])
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/timeline/data" in request.url else None)
    page.goto(f"/children/{world.featured}/timeline")
    assert wait_for_timeline(page) == "drawn"
    page.wait_for_selector("#timeline[data-context=drawn]", state="attached")
    assert len(asked) == 1, asked
    [entry] = page.evaluate("performance.getEntriesByType('resource').filter(r => r.name.includes('/timeline/data'))"
                            ".map(r => r.initiatorType)")
    assert entry == "link"  # the preload's, taken by the script's fetch
    marks = page.evaluate("['timeline-drawn', 'timeline-context-drawn'].map(n => performance.getEntriesByName(n).length)")
    assert marks == [1, 1]
