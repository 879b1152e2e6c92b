"""The Word document for a conference or review panel: exactly what the filters show, logged as an
export, and with the pseudonymise switch no name, identifier or date of birth the record holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile

import pytest
from docx import Document
from sqlalchemy import select

from chronology.db.models import AccessLog
from chronology.events import PartialDate, PersonRef, Provenance, Relationship
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from chronology.users import allocate
from tests.factories import child, event
from tests.webapp.conftest import BASE

HOSTILE = '<w:p><w:r><w:t>injected</w:t></w:r></w:p> {{7*7}} =HYPERLINK("x")'


@pytest.fixture
def amy(web_engine) -> int:
    """Amy Jones (LA1, NHS 9434765919, UPN) whose father Mark Jones and mother Lisa Brown are named in
    the agencies' free text as well as recorded as people."""
    amy = child(la_id="LA1", nhs="9434765919", upn="A123456789012", name="Amy Jones", dob=dt.date(2015, 3, 14))
    dad = PersonRef(name="Mark Jones", role="father")
    mum = PersonRef(name="Lisa Brown", role="mother")

    def at(record: str, day: str, agency: str, summary: str, **changes):  # type: ignore[no-untyped-def]
        y, m, d = (int(p) for p in day.split("-"))
        base = event(amy, record_id=record, agency=agency, when=PartialDate(y, m, d), summary=summary)
        return dataclasses.replace(base, **changes)

    items = [
        at("p1", "2021-03-04", "Police", "Mark Jones assaulted Lisa at home; Amy (DOB 14/03/2015) present",
           persons=[dad, mum], themes=["domestic_abuse"]),
        at("h1", "2021-03-05", "Health", "AMY JONES seen in A&E, NHS 943 476 5919; mother Lisa Brown with her",
           persons=[mum]),
        at("s1", "2022-01-10", "Education: Oak Lane Primary", "Amy came in hungry; Mr Jones collected her",
           action_outcome="Spoke to the Jones family"),
        at("s2", "2023-09-01", "Education: Elm High", HOSTILE),
    ]
    items += [
        Relationship(amy, dad, "father", Provenance(source_system="template:Children's social care", file="r.csv", row=2)),
        Relationship(amy, mum, "mother", Provenance(source_system="template:Children's social care", file="r.csv", row=3)),
    ]
    import_items(web_engine, items, FileInfo("amy.csv", "template"), actor="t")
    with web_engine.begin() as conn:
        allocate(conn, "Team A", ["LA1"], "test-admin")
        return find_child(conn, "LA1")  # type: ignore[return-value]


def _document_text(data: bytes) -> str:
    """Every piece of text in the package: body, tables, headers, footers, document properties."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = [package.read(name).decode("utf-8") for name in package.namelist() if name.endswith(".xml")]
    return " ".join(re.sub(r"<[^>]+>", " ", part) for part in parts)


def _table_rows(data: bytes, index: int = -1) -> list[list[str]]:
    table = Document(io.BytesIO(data)).tables[index]
    return [[cell.text for cell in row.cells] for row in table.rows]


def _exports(web_engine) -> list:
    with web_engine.connect() as conn:
        rows = conn.execute(select(AccessLog.__table__).order_by(AccessLog.id)).all()
    return [row for row in rows if row.action == "export"]


def test_document_holds_exactly_the_filtered_events_and_is_logged(client, login, web_engine, amy):
    user = login("practitioner", "Team A")
    response = client.get(f"/children/{amy}/timeline.docx?agency=Education", base_url=BASE)
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    rows = _table_rows(response.data)
    assert rows[0][:3] == ["Date", "Age", "Agency"]
    assert [row[2] for row in rows[1:]] == ["Education: Oak Lane Primary", "Education: Elm High"]
    assert "Amy came in hungry" in rows[1][3] and "Source: police.csv" in rows[1][3]
    [export] = _exports(web_engine)
    assert export.actor == user.username and export.person_id == amy
    assert "Word document, 2 events (agency Education)" in export.detail


def test_hostile_text_stays_text_in_the_document(client, login, amy):
    login("practitioner", "Team A")
    data = client.get(f"/children/{amy}/timeline.docx", base_url=BASE).data
    rows = _table_rows(data)
    assert any(HOSTILE in row[3] for row in rows)  # the literal characters, as written
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<w:t>injected</w:t>" not in body and "&lt;w:p&gt;" in body


def test_pseudonymised_document_has_no_name_identifier_or_birth_date(client, login, web_engine, amy):
    login("practitioner", "Team A")
    response = client.get(f"/children/{amy}/timeline.docx?pseudonymise=1", base_url=BASE)
    text = _document_text(response.data)
    for secret in ("Amy", "Jones", "Mark", "Lisa", "Brown", "9434765919", "943 476 5919", "A123456789012",
                   "LA1", "14/03/2015", "2015-03-14"):
        assert secret.casefold() not in text.casefold(), secret
    rows = _table_rows(response.data)
    police = next(row for row in rows if row[2] == "Police")
    assert "Father (F) assaulted Mother (M) at home; Child (C) (DOB [date of birth]) present" in police[3]
    assert "Mother (M)" in police[4] and "Father (F)" in police[4]
    school = next(row for row in rows if row[2] == "Education: Oak Lane Primary")
    assert "Mr [family name] collected her" in school[3] and "the [family name] family" in school[3]
    assert "Source:" not in " ".join(row[3] for row in rows)  # file names may carry names
    glossary = _table_rows(response.data, index=0)
    assert glossary[1][:2] == ["Child (C)", "the child"]
    assert {row[0] for row in glossary[1:]} == {"Child (C)", "Father (F)", "Mother (M)"}
    assert "cannot be found" in text  # the document says what it could not hide
    [export] = _exports(web_engine)
    assert "pseudonymised Word document, 4 events" in export.detail
    assert response.headers["Content-Disposition"] == 'attachment; filename="chronology-pseudonymised.docx"'


def test_document_needs_the_same_access_as_the_record(client, login, web_engine, amy):
    login("practitioner", "Team B")
    response = client.get(f"/children/{amy}/timeline.docx?pseudonymise=1", base_url=BASE)
    assert response.status_code == 302 and "/reason" in response.headers["Location"]
    assert _exports(web_engine) == []


def test_links_on_the_page_keep_the_filters(client, login, amy):
    login("practitioner", "Team A")
    page = client.get(f"/children/{amy}/timeline/table?agency=Police", base_url=BASE).get_data(as_text=True)
    assert f"/children/{amy}/timeline.docx?agency=Police" in page
    assert f"/children/{amy}/timeline.docx?pseudonymise=1&amp;agency=Police" in page
