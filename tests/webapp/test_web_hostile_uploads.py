"""Hostile files through the web upload: each is refused with a message naming the file and the
problem, nothing is written for it (every table as before, apart from one 'failed' import record
when an importer refused it), and the service goes on answering. The same files through
``chronology import``: tests/test_hostile_files.py."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select, text

from chronology.db.models import Event, ImportBatch
from generator.hostile import HOSTILE, template_rows, utf16_without_bom
from tests.test_hostile_files import EXPECTED, assert_nothing_written, table_counts
from tests.webapp.conftest import BASE, post_form


def _upload(client, data: bytes, name: str, format_name: str = ""):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/imports/",
        {"file": (io.BytesIO(data), name), "format": format_name, "agency": ""},
        content_type="multipart/form-data",
    )


def _message(client, response) -> str:  # type: ignore[no-untyped-def]
    """What the person reads: the form's error, or the failed import's page it redirects to."""
    if response.status_code == 302:
        response = client.get(response.headers["Location"], base_url=BASE)
    page = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", page).replace("&#39;", "'").replace("&#34;", '"')


def _still_up(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/imports/", base_url=BASE).status_code == 200


@pytest.fixture
def officer(client, login, web_engine):  # type: ignore[no-untyped-def]
    login("data_officer")
    assert _upload(client, template_rows(5).encode(), "good.csv").status_code == 302
    return web_engine


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_upload_is_refused_by_name_and_nothing_is_written(case, officer, client, tmp_path):
    name, write = HOSTILE[case]
    data = write(tmp_path / name).read_bytes()
    before = table_counts(officer)
    response = _upload(client, data, name)
    assert response.status_code in (302, 400)
    page = _message(client, response)
    assert EXPECTED[case] in page and name in page
    if response.status_code == 302:  # an importer refused it: its failed record says why
        assert "The file was not imported" in page
    with officer.connect() as conn:
        error = conn.execute(select(ImportBatch.error).order_by(ImportBatch.id.desc()).limit(1)).scalar_one()
    assert_nothing_written(officer, before, error if response.status_code == 302 else "")
    _still_up(client)


def test_an_xxe_upload_never_reads_the_file_it_names(officer, client, tmp_path):
    from generator.hostile import xxe

    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN-7f3e9a-NOT-TO-BE-READ")
    data = xxe(tmp_path / "xxe.xml", target=str(secret)).read_bytes()
    for format_name in ("", "cin-census"):
        page = _message(client, _upload(client, data, "xxe.xml", format_name))
        assert "declares an XML entity" in page and "TOKEN-7f3e9a" not in page
    with officer.connect() as conn:
        assert conn.execute(select(Event.id).where(Event.summary.contains("TOKEN-7f3e9a"))).first() is None
        assert conn.execute(text("SELECT count(*) FROM person_identifiers WHERE value LIKE '%TOKEN%'")).scalar() == 0


def test_an_upload_over_the_limit_is_a_413_govuk_page_and_the_service_stays_up(monkeypatch, database_url):
    from web import create_app

    monkeypatch.setenv("CHRONOLOGY_MAX_UPLOAD_MB", "1")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-only-secret", "DATABASE_URL": database_url})
    try:
        from chronology.users import add_user
        from tests.webapp.conftest import PASSWORD, sign_in

        engine = app.extensions["chronology_engine"]
        with engine.begin() as conn:
            add_user(conn, "officer", "data_officer", None, PASSWORD)
        client = app.test_client()
        assert sign_in(client, "officer").status_code == 302
        assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
        before = table_counts(engine)
        response = _upload(client, template_rows(40_000).encode(), "big.csv")  # about 1.8 MB
        page = response.get_data(as_text=True)
        assert response.status_code == 413
        assert "The file is too large" in page and "(1 MB)" in page
        assert 'class="govuk-heading-l"' in page and "govuk-template" in page  # the service's own layout
        assert table_counts(engine) == before
        _still_up(client)
        assert _upload(client, template_rows(3, ids="S").encode(), "small.csv").status_code == 302
    finally:
        engine.dispose()


@pytest.mark.parametrize("hostile", ["../../etc/passwd.csv", "..\\..\\windows\\passwd.csv", "/etc/passwd.csv"])
def test_a_path_traversal_file_name_is_made_safe_and_nothing_is_written_outside(
    hostile, officer, client, tmp_path, monkeypatch
):
    import tempfile

    uploads = tmp_path / "uploads" / "deeper"
    uploads.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))
    listing = sorted(tmp_path.rglob("*"))
    response = _upload(client, template_rows(2, "Traversal", ids="T").encode(), hostile)
    assert response.status_code == 302
    page = _message(client, response)
    with officer.connect() as conn:
        name = conn.execute(select(ImportBatch.file_name).order_by(ImportBatch.id.desc()).limit(1)).scalar_one()
        sources = set(conn.execute(select(Event.source_file)).scalars())
    assert name.endswith("passwd.csv") and "/" not in name and "\\" not in name and ".." not in name
    assert sources == {"good.csv", name} and name in page
    assert sorted(tmp_path.rglob("*")) == listing  # the upload's folder is gone, nothing beside it


def test_an_empty_upload_is_refused_by_name(officer, client):
    before = table_counts(officer)
    response = _upload(client, b"", "empty.csv", "template")
    assert response.status_code in (302, 400)
    assert "empty.csv" in _message(client, response) and "empty" in _message(client, response)
    assert_nothing_written(officer, before, _message(client, response))


def test_nul_bytes_and_utf16_without_bom_are_read_with_a_note(officer, client, tmp_path):
    nul = template_rows(3, "Nul", ids="N").encode().replace(b"Nul 1", b"Nu\x00l 1")
    response = _upload(client, nul, "nul.csv")
    assert response.status_code == 302
    assert "row 3" in _message(client, response) and "NUL characters removed" in _message(client, response)
    response = _upload(client, utf16_without_bom(tmp_path / "utf16.csv", rows=4).read_bytes(), "utf16.csv")
    assert response.status_code == 302
    assert "without the byte-order mark" in _message(client, response)
    with officer.connect() as conn:
        summaries = set(conn.execute(select(Event.summary).where(Event.source_file == "utf16.csv")).scalars())
    assert summaries == {f"Incident at Łódź Road {i}" for i in range(4)}
