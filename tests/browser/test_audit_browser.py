"""An audit panel member's way through a cohort's flags to their evidence, in a real browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from chronology.db.models import AccessLog
from chronology.users import add_user
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in, wait_for_timeline
from tests.browser.harness import PASSWORD, World

AUDITOR = "audrey-auditor"


@pytest.fixture(scope="module")
def audited(world: World) -> Iterator[World]:
    """The world (whose import stored the panel's flags) and an auditor."""
    with world.engine.begin() as conn:
        add_user(conn, AUDITOR, "auditor", None, PASSWORD)
    yield world


def test_an_auditor_works_a_flag_through_to_its_evidence_on_the_timeline(page, audited: World) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, AUDITOR)
    page.goto("/audit/")
    assert page.locator("figure.app-chart table").count() == 5  # every chart (DA rates too) has its numbers in a table
    assert page.locator("svg[role=img]").count() >= 1
    rows = page.locator("table.app-flags tbody tr")
    assert rows.count() >= 1, "the generated authority should give the panel at least one flag"
    first_child = rows.first.locator("th").inner_text()
    assert first_child.startswith("Child-")  # pseudonymised
    assert audited.featured_name not in page.inner_text("main")
    screenshot(page, "audit-panel")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".app-charts").screenshot(path=str(ARTIFACTS / "audit-charts.png"))

    link = rows.first.locator("a.app-evidence-link").first
    href = link.get_attribute("href")
    query = parse_qs(urlparse(href).query)
    evidence_from, evidence_to = dt.date.fromisoformat(query["from"][0]), dt.date.fromisoformat(query["to"][0])
    link.click()
    page.wait_for_load_state()
    assert "/reason" in page.url  # an auditor names a child only for a reason
    reason = "Audit panel: checking the evidence for this flag"
    page.fill("#reason", reason)
    page.click("text=Open the record")
    assert wait_for_timeline(page) in ("drawn", "empty")
    opened = urlparse(page.url)
    assert opened.path.endswith("/timeline")
    assert parse_qs(opened.query)["from"] == [evidence_from.isoformat()]
    assert parse_qs(opened.query)["to"] == [evidence_to.isoformat()]
    screenshot(page, "audit-evidence-timeline")

    table_url = page.url.replace("/timeline?", "/timeline/table?")
    page.goto(table_url)
    dates = page.eval_on_selector_all("table tbody tr td:first-child", "els => els.map(e => e.textContent.trim())")
    for text in dates:  # every event shown falls within the flag's dates (partial dates may start earlier)
        day = text[:10]
        if len(day) == 10 and day[4] == "-":
            assert dt.date.fromisoformat(day) <= evidence_to

    with audited.engine.connect() as conn:
        log = [e for e in conn.execute(select(AccessLog.__table__)) if e.actor == AUDITOR]
    assert [e.reason for e in log if e.action == "break-glass"] == [reason]
    assert any(e.action == "cohort" and "pseudonymised" in e.detail for e in log)
