"""A data officer uploads a partner's file and reads what happened to every row; a practitioner
is refused the imports pages. Both in a real browser."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chronology.db.models import ImportBatch
from chronology.users import add_user
from tests.browser.conftest import screenshot, sign_in
from tests.browser.harness import PASSWORD, World

DATA_OFFICER = "dora-data"
UPLOAD_NAME = "partner-upload.csv"
COLUMNS = ["agency", "record_id", "start_date", "source", "child_id", "child_name", "child_dob", "event", "category"]
ROWS = [  # file row 2 is good, row 3 names no agency (rejected), row 4 has a US-style date (kept, warned)
    ["Health", "U1", "2021-03-04", "GP records", "LAUPLOAD1", "Uma Upload", "2016-02-01", "Seen by GP", "GP visit"],
    ["", "U2", "2021-03-05", "GP records", "LAUPLOAD1", "Uma Upload", "2016-02-01", "No agency named", "GP visit"],
    ["Health", "U3", "05/13/2021", "GP records", "LAUPLOAD1", "Uma Upload", "2016-02-01", "Date in US order", "GP visit"],
]


@pytest.fixture(scope="module")
def officer(world: World) -> Iterator[str]:
    with world.engine.begin() as conn:
        add_user(conn, DATA_OFFICER, "data_officer", None, PASSWORD)
    yield DATA_OFFICER


def _write_upload(folder: Path) -> Path:
    path = folder / UPLOAD_NAME
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    return path


def _report(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    keys = page.eval_on_selector_all("#report .govuk-summary-list__key", "els => els.map(e => e.textContent.trim())")
    values = page.eval_on_selector_all("#report .govuk-summary-list__value", "els => els.map(e => e.textContent.trim())")
    return dict(zip(keys, values, strict=True))


def _issues(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "#issues tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def _batches(world: World) -> int:
    with world.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ImportBatch)).scalar_one()


def test_a_data_officer_uploads_a_file_and_reads_its_report(page, world: World, officer: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, officer)
    page.goto("/imports/")
    page.set_input_files("#file", str(_write_upload(tmp_path)))
    page.click("button:has-text('Import')")
    page.wait_for_selector("#report")
    assert page.inner_text("h1") == UPLOAD_NAME

    report = _report(page)
    assert report["Format"] == "template"
    assert (report["Records read"], report["Events imported"], report["Rows rejected"]) == ("3", "2", "1")
    assert report["Warnings"] == "1"

    issues = {(kind, where, field): reason for kind, where, field, reason in _issues(page)}
    rejected = issues[("Rejected", "row 3", "agency")]
    assert "agency" in rejected.lower()
    warned = issues[("Warning", "row 4", "start_date")]
    assert "05/13/2021" in warned and "never guessed" in warned
    screenshot(page, "import-report")

    page.click("a[href*='kind=rejected']")
    page.wait_for_url("**/imports/*?kind=rejected")
    assert [row[0] for row in _issues(page)] == ["Rejected"]


def test_a_practitioner_is_refused_the_imports_pages(page, world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = _batches(world)
    sign_in(page, world.users["practitioner"])
    for path in ("/imports/", "/imports/history"):
        response = page.goto(path)
        assert response is not None and response.status == 403
        assert page.inner_text("h1") == "You cannot see this page"
        assert page.locator("input[type=file]").count() == 0
    token = page.get_attribute("input[name=csrf_token]", "value")  # the sign-out form's: a valid token
    upload = {"name": UPLOAD_NAME, "mimeType": "text/csv", "buffer": _write_upload(tmp_path).read_bytes()}
    response = page.request.post("/imports/", multipart={"csrf_token": token, "file": upload})
    assert response.status == 403  # refused for the role, not for a missing token
    assert _batches(world) == before  # nothing was imported
