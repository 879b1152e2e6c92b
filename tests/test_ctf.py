"""The Common Transfer File importer, on synthetic CTFs built here (no public sample exists).

The fixture follows the DfE CTF layout (CTF 20/21): ``CTfile/Header`` with the source and
destination schools, and ``CTfile/CTFpupilData/Pupil`` with identity, BasicDetails, LookedAfter,
SENhistory, Attendance/YearData, SchoolHistory and the blocks the chronology does not use
(Address, Contacts, FSMhistory). All people are invented.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importers
from chronology.events import (
    CanonicalEvent,
    Coverage,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRecord,
    RejectedRow,
)
from chronology.identifiers import make_upn, upn_problem
from importers.base import ImportOptions, detect
from importers.ctf import CtfImporter
from tests.helpers import damaged, import_twice
from tests.helpers import events_of as events
from tests.helpers import warnings_of as warnings

RNG = random.Random(20)
UPN_A = make_upn(RNG, "999", 16)
UPN_B = make_upn(RNG, "999", 17)

HEADER = """<Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>21.0</CTFversion>
    <DateTime>2021-07-21T14:05:00</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SupplierID>TESTMIS</SupplierID>
    <SourceSchool>
      <LEA>999</LEA>
      <Estab>2001</Estab>
      <URN>100001</URN>
      <SchoolName>Riverside Primary School</SchoolName>
      <AcademicYear>2020</AcademicYear>
    </SourceSchool>
    <DestSchool>
      <LEA>999</LEA>
      <Estab>4002</Estab>
    </DestSchool>
  </Header>"""


def year_data(
    year: str, possible: str, attended: str | None, authorised: str, unauthorised: str, extra: str = ""
) -> str:
    attended_element = f"<SessionsAttended>{attended}</SessionsAttended>" if attended is not None else ""
    return f"""
        <YearData>
          <Year>{year}</Year>
          <LEA>999</LEA>
          <Estab>2001</Estab>
          <SchoolName>Riverside Primary School</SchoolName>
          <SessionsPossible>{possible}</SessionsPossible>
          <SessionsAuthorised>{authorised}</SessionsAuthorised>
          {attended_element}
          <SessionsUnauthorised>{unauthorised}</SessionsUnauthorised>{extra}
        </YearData>"""


def pupil(
    upn: str = UPN_A,
    *,
    attendance: str | None = None,
    in_care: str = "true",
    sen: str | None = None,
    history: str | None = None,
    surname: str = "Testpupil",
) -> str:
    if attendance is None:
        attendance = year_data("2019", "320", "300", "12", "8") + year_data(
            "2020", "330", "280", "20", "30", "<AttendanceStartDate>2020-09-03</AttendanceStartDate>"
        )
    if sen is None:
        sen = """
        <SEN>
          <StartDate>2019-10-01</StartDate>
          <SENprovision>K</SENprovision>
          <SENneeds>
            <SENneed><SENtypeRank>1</SENtypeRank><SENtype>SEMH</SENtype></SENneed>
            <SENneed><SENtypeRank>2</SENtypeRank><SENtype>SLCN</SENtype></SENneed>
          </SENneeds>
        </SEN>"""
    if history is None:
        history = """
        <School>
          <LEA>888</LEA><Estab>3003</Estab><SchoolName>Hilltop Infant School</SchoolName>
          <EntryDate>2016-09-05</EntryDate><LeavingDate>2019-07-19</LeavingDate>
          <LeavingReason>Moved house</LeavingReason>
        </School>
        <School>
          <LEA>999</LEA><Estab>2001</Estab><SchoolName>Riverside Primary School</SchoolName>
          <EntryDate>2019-09-04</EntryDate>
        </School>"""
    return f"""
    <Pupil>
      <UPN>{upn}</UPN>
      <UniqueLearnerNumber>9999999999</UniqueLearnerNumber>
      <Surname>{surname}</Surname>
      <Forename>Alex</Forename>
      <DOB>2012-05-01</DOB>
      <Sex>F</Sex>
      <BasicDetails>
        <FormerUPN>{UPN_B}</FormerUPN>
        <PreferredSurname>{surname}</PreferredSurname>
        <NCyearActual>4</NCyearActual>
        <Ethnicity>WBRI</Ethnicity>
        <EnrolStatus>C</EnrolStatus>
        <MedicalFlag>false</MedicalFlag>
      </BasicDetails>
      <LookedAfter><InCare>{in_care}</InCare><CareAuthority>999</CareAuthority></LookedAfter>
      <SENhistory>{sen}
      </SENhistory>
      <FSMhistory><FSMinstance><FSMstartDate>2019-09-01</FSMstartDate><UKcountry>ENG</UKcountry></FSMinstance></FSMhistory>
      <Address><BS7666Address><PAON>1</PAON><Street>Example Street</Street><Town>Testtown</Town></BS7666Address></Address>
      <Contacts>
        <Contact><Order>1</Order><Surname>Testparent</Surname><Forename>Sam</Forename><Relationship>PAR</Relationship><Responsibility>true</Responsibility></Contact>
      </Contacts>
      <Attendance>{attendance}
      </Attendance>
      <SchoolHistory>{history}
      </SchoolHistory>
    </Pupil>"""


def ctf(tmp_path: Path, *pupils: str, header: str = HEADER, name: str = "999_2001_CTF.xml") -> Path:
    path = tmp_path / name
    body = "".join(pupils) if pupils else pupil()
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>\n  '
        f"{header}\n  <CTFpupilData>{body}\n  </CTFpupilData>\n</CTfile>\n"
    )
    return path


def read(path: Path, options: ImportOptions | None = None) -> list[ImportItem]:
    return list(CtfImporter().read(path, options or ImportOptions()))


def by_id(items: list[ImportItem]) -> dict[str, CanonicalEvent]:
    return {e.provenance.source_record_id or "": e for e in events(items)}


def test_full_pupil_becomes_dated_events(tmp_path: Path) -> None:
    assert upn_problem(UPN_A) is None and upn_problem(UPN_B) is None
    items = read(ctf(tmp_path))
    found = by_id(items)
    assert set(found) == {
        f"{UPN_A}/Attendance/2019/9992001",
        f"{UPN_A}/Attendance/2020/9992001",
        f"{UPN_A}/SEN/2019-10-01/K",
        f"{UPN_A}/SchoolHistory/8883003/EntryDate/2016-09-05",
        f"{UPN_A}/SchoolHistory/8883003/LeavingDate/2019-07-19",
        f"{UPN_A}/SchoolHistory/9992001/EntryDate/2019-09-04",
        f"{UPN_A}/LookedAfter/2021-07-21",
    }
    assert {e.agency for e in found.values()} == {"Education: Riverside Primary School"}
    assert {e.provenance.source_system for e in found.values()} == {"ctf"}
    assert not [w for w in warnings(items)]


def test_attendance_percentage_and_persistent_absence(tmp_path: Path) -> None:
    found = by_id(read(ctf(tmp_path)))
    good = found[f"{UPN_A}/Attendance/2019/9992001"]
    assert good.summary == (
        "Attendance 2019/20 at Riverside Primary School (LA 999 establishment 2001): 93.7% "
        "(300 of 320 sessions attended; 12 authorised and 8 unauthorised absences)"
    )
    assert not good.significant and good.categories == [] and good.themes == []
    assert good.date == PartialDate(2019, 9) and good.end == PartialDate(2020, 7)
    poor = found[f"{UPN_A}/Attendance/2020/9992001"]
    assert poor.summary.endswith(
        "84.8% (280 of 330 sessions attended; 20 authorised and 30 unauthorised absences); persistent absence (below 90%)"
    )
    assert poor.significant and poor.categories == ["persistent absence"] and poor.themes == ["education"]
    assert poor.date == PartialDate(2020, 9, 3)  # AttendanceStartDate wins over the year
    assert poor.attributes["SessionsPossible"] == "330" and poor.attributes["attendance_percent"] == "84.8"
    assert poor.provenance.path == "CTfile/CTFpupilData/Pupil[1]/Attendance/YearData[2]"


def test_attended_sessions_are_worked_out_from_absences(tmp_path: Path) -> None:
    attendance = year_data("2020/21", "300", None, "10", "20")
    found = by_id(read(ctf(tmp_path, pupil(attendance=attendance))))
    year = found[f"{UPN_A}/Attendance/2020/9992001"]
    assert "90.0% (270 of 300 sessions attended" in year.summary and not year.significant


def test_bad_attendance_figures_are_reported(tmp_path: Path) -> None:
    attendance = (
        year_data("2019", "abc", "300", "12", "8")
        + year_data("2020", "300", "250", "10", "10")
        + year_data("", "300", "290", "5", "5")
        + year_data("2018", "0", "0", "0", "0")
    )
    items = read(ctf(tmp_path, pupil(attendance=attendance)))
    notes = [(w.path, w.message) for w in warnings(items)]
    base = "CTfile/CTFpupilData/Pupil[1]/Attendance"
    assert (
        f"{base}/YearData[1]/SessionsPossible",
        "'abc' is not a whole number of sessions; kept as written",
    ) in notes
    assert any(
        path == f"{base}/YearData[2]" and "do not add up to the sessions possible (300)" in m
        for path, m in notes
    )
    assert (
        f"{base}/YearData[3]/Year",
        "the attendance year is missing; the attendance is kept as an undated event",
    ) in notes
    assert any(
        path == f"{base}/YearData[4]/SessionsPossible" and "no possible sessions" in m for path, m in notes
    )
    undated = [e for e in events(items) if e.event_type == "attendance" and e.date is None]
    assert (
        len(undated) == 1
        and undated[0].provenance.source_record_id == f"{UPN_A}/Attendance/(no year, YearData[3])/9992001"
    )
    unknown = next(e for e in events(items) if e.provenance.path == f"{base}/YearData[1]")
    assert "attendance percentage not available" in unknown.summary and not unknown.significant


def test_sen_history_codes_labels_and_themes(tmp_path: Path) -> None:
    sen = by_id(read(ctf(tmp_path)))[f"{UPN_A}/SEN/2019-10-01/K"]
    assert sen.event_type == "special_educational_needs" and sen.date == PartialDate(2019, 10, 1)
    assert sen.summary == (
        "Special educational needs: SEN support (K); needs: Social, emotional and mental health (SEMH, rank 1), "
        "Speech, language and communication needs (SLCN, rank 2)"
    )
    assert sen.categories == ["K", "SEMH", "SLCN"] and sen.themes == ["child_mental_health"]
    odd = "<SEN><SENprovision>Z</SENprovision><SENneeds><SENneed><SENtype>XYZ</SENtype></SENneed></SENneeds></SEN>"
    items = read(ctf(tmp_path, pupil(sen=odd), name="odd.xml"))
    messages = {w.field: w.message for w in warnings(items)}
    assert messages["SENprovision"] == "unknown code 'Z' in SENprovision; kept as written"
    assert messages["SENtype"] == "unknown code 'XYZ' in SENtype; kept as written"
    assert "no start date" in messages["StartDate"]
    (undated,) = [e for e in events(items) if e.event_type == "special_educational_needs"]
    assert undated.date is None and undated.categories == ["Z", "XYZ"]


def test_school_history_joined_and_left(tmp_path: Path) -> None:
    found = by_id(read(ctf(tmp_path)))
    left = found[f"{UPN_A}/SchoolHistory/8883003/LeavingDate/2019-07-19"]
    assert left.event_type == "school_move"
    assert left.summary == "Left Hilltop Infant School (LA 888 establishment 3003); reason: Moved house"
    joined = found[f"{UPN_A}/SchoolHistory/9992001/EntryDate/2019-09-04"]
    assert joined.summary == "Joined Riverside Primary School (LA 999 establishment 2001)"
    assert joined.provenance.path == "CTfile/CTFpupilData/Pupil[1]/SchoolHistory/School[2]/EntryDate"


def test_looked_after_is_an_event_and_an_attribute(tmp_path: Path) -> None:
    found = by_id(read(ctf(tmp_path)))
    care = found[f"{UPN_A}/LookedAfter/2021-07-21"]
    assert care.event_type == "other" and care.categories == ["looked after"]
    assert care.summary == (
        "School records the pupil as looked after by local authority 999 when this transfer file was made (2021-07-21)"
    )
    assert all(e.attributes["LookedAfter/InCare"] == "true" for e in found.values())
    not_in_care = by_id(read(ctf(tmp_path, pupil(in_care="false"), name="nc.xml")))
    assert not [key for key in not_in_care if "LookedAfter" in key]


def test_identity_and_unused_blocks_are_kept(tmp_path: Path) -> None:
    items = read(ctf(tmp_path))
    subject = events(items)[0].subject
    assert (subject.surname, subject.forenames, subject.dob, subject.sex) == (
        "Testpupil",
        "Alex",
        PartialDate(2012, 5, 1),
        "F",
    )
    assert {(i.kind, i.value) for i in subject.identifiers} == {
        (IdentifierKind.UPN, UPN_A),
        (IdentifierKind.FORMER_UPN, UPN_B),
    }
    attributes = events(items)[0].attributes
    assert (
        attributes["BasicDetails/Ethnicity"] == "WBRI" and attributes["UniqueLearnerNumber"] == "9999999999"
    )
    (record,) = [item for item in items if isinstance(item, PersonRecord)]
    assert record.attributes["Contacts/Contact/Surname"] == "Testparent"
    assert record.attributes["FSMhistory/FSMinstance/FSMstartDate"] == "2019-09-01"
    assert record.provenance.path == "CTfile/CTFpupilData/Pupil[1]"


def test_coverage_from_attendance_years(tmp_path: Path) -> None:
    (coverage,) = [item for item in read(ctf(tmp_path)) if isinstance(item, Coverage)]
    assert (coverage.start, coverage.end) == (dt.date(2019, 9, 1), dt.date(2021, 8, 31))
    assert coverage.agency == "Education: Riverside Primary School"
    assert coverage.basis == "CTF attendance for academic years 2019/20 to 2020/21"


def test_invalid_and_missing_upn(tmp_path: Path) -> None:
    bad = "A" + UPN_A[1:] if UPN_A[0] != "A" else "B" + UPN_A[1:]
    items = read(ctf(tmp_path, pupil(bad), pupil("", surname="Nonumber")))
    notes = {(w.path, w.field): w.message for w in warnings(items)}
    assert notes[("CTfile/CTFpupilData/Pupil[1]/UPN", "UPN")].startswith(
        f"UPN '{bad}' is not valid: check letter"
    )
    assert "no UPN" in notes[("CTfile/CTFpupilData/Pupil[2]/UPN", "UPN")]
    second = [e for e in events(items) if e.subject.surname == "Nonumber"]
    assert second and all(e.provenance.source_record_id is None for e in second)
    assert len({e.natural_key() for e in second}) == len(second)


def test_header_without_school_name_uses_given_agency(tmp_path: Path) -> None:
    path = ctf(tmp_path, header="<Header><DocumentName>Common Transfer File</DocumentName></Header>")
    assert {e.agency for e in events(read(path))} == {"Education"}
    given = {e.agency for e in events(read(path, ImportOptions(agency="Education: Oak Academy")))}
    assert given == {"Education: Oak Academy"}
    looked_after = [e for e in events(read(path)) if e.event_type == "other"]
    assert looked_after[0].date is None  # no DateTime in the header: undated, with a warning


def test_not_a_ctf_and_detection(tmp_path: Path) -> None:
    path = ctf(tmp_path)
    assert CtfImporter.can_read(path) and detect(path) is CtfImporter
    assert importers.get("ctf") is CtfImporter
    cin = tmp_path / "cin.xml"
    cin.write_text("<Message><Children/></Message>")
    assert not CtfImporter.can_read(cin)
    with pytest.raises(ImportFileError, match=r"^cin.xml is not a Common Transfer File .*<Message>"):
        read(cin)
    assert CtfImporter().estimate_rows(ctf(tmp_path, pupil(), pupil(UPN_B), name="two.xml")) == 2


def test_stray_text_and_unsafe_files(tmp_path: Path) -> None:
    stray = ctf(tmp_path, pupil().replace("<Forename>", "oops<Forename>", 1), name="stray.xml")
    (note,) = [w for w in warnings(read(stray)) if "stray text" in w.message]
    assert note.path == "CTfile/CTFpupilData/Pupil[1]" and note.message.startswith(
        "stray text 'oops' inside <Pupil> after <Surname>"
    )
    unsafe = tmp_path / "unsafe.xml"
    unsafe.write_text('<!DOCTYPE CTfile [<!ENTITY x SYSTEM "file:///etc/passwd">]><CTfile>&x;</CTfile>')
    with pytest.raises(ImportFileError, match="declares an XML entity"):
        read(unsafe)


_VALID = (
    '<?xml version="1.0"?><CTfile>'
    + HEADER
    + "<CTFpupilData>"
    + pupil(
        attendance=year_data("2020", "330", "280", "20", "30"),
        sen="<SEN><StartDate>2019-10-01</StartDate><SENprovision>E</SENprovision></SEN>",
    )
    + "</CTFpupilData></CTfile>"
).encode()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), action=st.sampled_from(["insert", "delete", "replace", "truncate"]))
def test_mutated_files_give_items_or_a_file_error(tmp_path: Path, data: st.DataObject, action: str) -> None:
    position = data.draw(st.integers(0, len(_VALID) - 1))
    chunk = data.draw(st.binary(min_size=1, max_size=3))
    path = tmp_path / "mutated.xml"
    path.write_bytes(damaged(_VALID, [(action, position, chunk)]))
    try:
        items = read(path)
    except ImportFileError as exc:
        assert "mutated.xml" in str(exc)
        return
    for item in items:
        assert isinstance(item, CanonicalEvent | ImportWarning | RejectedRow | Coverage | PersonRecord)


def test_through_the_store_and_again(tmp_path: Path, engine) -> None:
    path = ctf(tmp_path, pupil(), pupil(UPN_B, surname="Second"))
    report, again = import_twice(engine, read, path, "ctf")
    assert report.status == "completed" and report.adds_up()
    assert (report.events_imported, report.person_records, report.rows_rejected) == (14, 2, 0)
    assert again.adds_up() and again.events_imported == 0 and again.duplicates_skipped == 14


def test_school_history_entry_without_dates_is_rejected_with_its_values(tmp_path: Path) -> None:
    history = (
        "<School><LEA>888</LEA><Estab>3003</Estab><SchoolName>Hilltop Infant School</SchoolName></School>"
    )
    items = read(ctf(tmp_path, pupil(history=history)))
    (rejected,) = [item for item in items if isinstance(item, RejectedRow)]
    assert rejected.path == "CTfile/CTFpupilData/Pupil[1]/SchoolHistory/School[1]"
    assert rejected.raw == {"LEA": "888", "Estab": "3003", "SchoolName": "Hilltop Infant School"}
    assert rejected.reason.startswith(
        "the school history entry for Hilltop Infant School (LA 888 establishment 3003)"
    )


def test_persistent_absence_boundary(tmp_path: Path) -> None:
    attendance = year_data("2019", "10000", "8999", "1000", "1") + year_data(
        "2020", "10000", "9000", "1000", "0"
    )
    found = by_id(read(ctf(tmp_path, pupil(attendance=attendance))))
    below = found[f"{UPN_A}/Attendance/2019/9992001"]
    assert below.significant and "89.9% (8999 of 10000 sessions attended" in below.summary
    exactly = found[f"{UPN_A}/Attendance/2020/9992001"]
    assert not exactly.significant and "90.0% (9000 of 10000" in exactly.summary


def test_codes_in_any_case_and_the_labels_they_give(tmp_path: Path) -> None:
    found = by_id(read(ctf(tmp_path)))
    sen = found[f"{UPN_A}/SEN/2019-10-01/K"]
    assert sen.labels == [
        "sen support",
        "emotional health mental social",
        "communication language need speech",
    ]
    assert found[f"{UPN_A}/Attendance/2020/9992001"].labels == ["absence persistent"]
    assert found[f"{UPN_A}/Attendance/2019/9992001"].labels == []
    lower = "<SEN><StartDate>2019-10-01</StartDate><SENprovision>e</SENprovision><SENneeds><SENneed><SENtype>asd</SENtype></SENneed></SENneeds></SEN>"
    items = read(ctf(tmp_path, pupil(sen=lower), name="lower.xml"))
    (event,) = [e for e in events(items) if e.event_type == "special_educational_needs"]
    assert event.categories == ["e", "asd"] and event.themes == ["disability"]
    assert event.labels == ["care education health plan", "autistic disorder spectrum"]
    assert not [w for w in warnings(items) if w.field in ("SENprovision", "SENtype")]
