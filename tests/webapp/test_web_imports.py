"""A data officer uploads a file; it goes through the real importers and the report is shown."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from chronology.db.models import Event, ImportBatch
from tests.helpers import csv_text, header_of
from tests.webapp.conftest import BASE, post_form

GOOD_AND_BAD = csv_text(
    [
        header_of("template"),
        ["Police", "P-1", "04/03/2021", "Police records", "LA1", "Domestic incident reported at home"],
        ["Police", "P-2", "05/03/2021", "Police records", "LA1", ""],
        ["Police", "P-3", "31/04/2021", "Police records", "LA1", "Second incident, date mistyped"],
    ]
).encode()


def _upload(client, data: bytes, name: str, **fields):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/imports/",
        {"file": (io.BytesIO(data), name), "format": "", "agency": "", **fields},
        content_type="multipart/form-data",
    )


def test_upload_imports_through_the_pipeline_and_shows_the_report(client, login, web_engine):
    officer = login("data_officer")
    response = _upload(client, GOOD_AND_BAD, "police template.csv")
    assert response.status_code == 302
    report = client.get(response.headers["Location"], base_url=BASE)
    page = report.get_data(as_text=True)
    assert report.status_code == 200
    assert "police_template.csv" in page
    assert "Records read</dt>" in page and "Rows rejected" in page
    assert "row 3" in page and "blank" in page  # the rejected row and its reason
    assert "31/04/2021" in page  # the warning about the impossible date
    with web_engine.connect() as conn:
        batch = conn.execute(select(ImportBatch.__table__)).one()
        events = conn.execute(select(func.count()).select_from(Event)).scalar_one()
    assert (batch.rows_read, batch.events_imported, batch.rows_rejected) == (3, 2, 1)
    assert batch.imported_by == officer.username and events == 2


def test_an_unrecognised_file_is_explained_and_nothing_is_imported(client, login, web_engine):
    login("data_officer")
    response = _upload(client, b"just some words\n", "notes.txt")
    assert response.status_code == 400
    assert "was not recognised" in response.get_data(as_text=True)
    assert "notes.txt (a .txt file) looks like none of the formats read" in response.get_data(as_text=True)
    with web_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 0


def test_an_unrecognised_upload_gets_the_nearest_importers_reason(client, login, web_engine):
    login("data_officer")
    xml = b'<?xml version="1.0"?><Bundle xmlns="http://hl7.org/fhir"><type value="collection"/></Bundle>'
    response = _upload(client, xml, "bundle.xml")
    assert response.status_code == 400
    assert "bundle.xml is FHIR written as XML" in response.get_data(as_text=True)


def test_a_file_over_the_limit_is_refused_with_a_clear_message(app, client, login):
    login("data_officer")
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = _upload(client, b"x" * 5000, "big.csv")
    assert response.status_code == 413
    assert "larger than this service accepts" in response.get_data(as_text=True)


def test_the_upload_is_not_kept_after_import(client, login, tmp_path, monkeypatch):
    import tempfile

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))
    login("data_officer")
    assert _upload(client, GOOD_AND_BAD, "police.csv").status_code == 302
    assert list(uploads.iterdir()) == []


def test_practitioners_cannot_upload(client, login):
    login("practitioner", "Team A")
    response = _upload(client, GOOD_AND_BAD, "police.csv")
    assert response.status_code == 403


def test_an_upload_leaves_clusters_and_audit_flags_current_and_lists_unmatched_references(client, login, web_engine):
    from chronology.analysis.flag_store import stored_children
    from chronology.analysis_queue import queue_size
    from chronology.db.models import EventGroup

    login("data_officer")
    police = csv_text(
        [
            ["occurrence_ref", "occurred_at", "occurrence_type", "domestic_abuse", "nominal_id", "nominal_role",
             "surname", "forenames", "dob"],
            ["47/123456/19", "2021-03-04 21:00", "Domestic incident", "Y", "N1", "child present", "Lowe", "Ava",
             "2015-03-14"],
        ]
    ).encode()  # fmt: skip
    school = csv_text(
        [
            ["incident_id", "school_urn", "school_name", "upn", "surname", "forenames", "dob", "date", "category",
             "description", "police_reference"],
            ["S1", "100001", "Oak Lane", "", "Lowe", "Ava", "14/03/2015", "05/03/2021", "Operation Encompass",
             "Notification", "47 999999 19"],
        ]
    ).encode()  # fmt: skip
    assert _upload(client, police, "police.csv").status_code == 302
    response = _upload(client, school, "school.csv")
    page = client.get(response.headers["Location"], base_url=BASE).get_data(as_text=True)
    assert "1 police reference quoted in this file matches no police occurrence" in page
    assert "row 2: 47 999999 19" in page
    with web_engine.connect() as conn:
        assert queue_size(conn) == 0
        assert len(list(stored_children(conn))) == 2  # police and school records of Ava, still to be joined
        clustered = conn.execute(select(func.count()).select_from(EventGroup).where(EventGroup.incident_cluster.is_not(None))).scalar_one()  # fmt: skip
    assert clustered == 2  # each report is an incident of its own until a person joins the two records


def test_the_import_report_page_lists_each_stored_skip_with_its_reason(client, login, web_engine, tmp_path):
    from tests.test_skipped_stored import annex_with_guidance, bundle_with_claim

    login("data_officer")
    pages = []
    for path in (annex_with_guidance(tmp_path), bundle_with_claim(tmp_path)):
        response = _upload(client, path.read_bytes(), path.name)
        assert response.status_code == 302
        pages.append(client.get(response.headers["Location"], base_url=BASE).get_data(as_text=True))
    # read back later from the store, not from the upload's run
    with web_engine.connect() as conn:
        ids = [row.id for row in conn.execute(select(ImportBatch.__table__).order_by(ImportBatch.id))]
    annex = client.get(f"/imports/{ids[0]}", base_url=BASE).get_data(as_text=True)
    assert "skipped: 1 sheet/resource," in annex
    assert "sheet &#39;Guidance&#39; (3 non-blank row(s))" in annex and "not an Annex A list" in annex
    fhir = client.get(f"/imports/{ids[1]}", base_url=BASE).get_data(as_text=True)
    assert "Claim/claim-9" in fhir and "billing claim" in fhir
    with web_engine.connect() as conn:
        batch = conn.execute(select(ImportBatch.__table__).where(ImportBatch.id == ids[1])).one()
    assert f"skipped: {batch.skipped} sheets/resources," in fhir
    assert (
        batch.rows_read
        == batch.events_imported
        + batch.relationships_imported
        + batch.person_records
        + batch.duplicates_skipped
        + batch.rows_rejected
    )
