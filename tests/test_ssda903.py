"""The SSDA903 (children looked after) importer: Header, Episodes, Missing and Reviews files.

Synthetic fixtures are written in tmp_path by the tests; the real public sample is read from
../shared/samples and its expected counts are worked out here with the csv module.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from sqlalchemy import select

from chronology.db.models import ImportBatch
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
from chronology.identifiers import make_upn
from chronology.labels import label_key
from importers.base import ImportOptions, detect
from importers.dfe_codes import code_info
from importers.ssda903 import SSDA903Importer, collection_year_start
from importers.tabular import open_table
from tests.conftest import SAMPLES
from tests.helpers import (
    DAMAGE,
    DAMAGE_SETTINGS,
    damaged,
    damaged_file,
    events_of,
    import_file,
    import_twice,
    rejected_of,
    warnings_of,
)

SAMPLE = SAMPLES / "social-care" / "ssda903-episodes-2020.csv"
EPISODE_HEADER = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read(path: Path, **options: object) -> list[ImportItem]:
    return list(SSDA903Importer().read(path, ImportOptions(**options)))  # type: ignore[arg-type]


def by_row(items: list[ImportItem], row: int) -> list[CanonicalEvent]:
    return [event for event in events_of(items) if event.provenance.row == row]


def warned(items: list[ImportItem], row: int | None, text: str) -> bool:
    return any(w.row == row and text in w.message for w in warnings_of(items))


# --- the real sample -------------------------------------------------------------------------------


def _sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _uk(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def test_real_sample_is_recognised_and_every_episode_becomes_events() -> None:
    rows = _sample_rows()
    assert SSDA903Importer.can_read(SAMPLE)
    assert detect(SAMPLE) is SSDA903Importer
    items = read(SAMPLE)
    events = events_of(items)
    ends_care = [row for row in rows if row["REC"].strip() and row["REC"].strip() != "X1"]
    assert len(events) == len(rows) + len(ends_care)
    assert not rejected_of(items)
    expected_types = Counter(
        {"S": "looked_after_start", "L": "legal_status_change"}.get(row["RNE"], "placement_change")
        for row in rows
    )
    expected_types["looked_after_end"] = len(ends_care)
    assert Counter(event.event_type for event in events) == expected_types
    assert len({event.natural_key() for event in events}) == len(events)
    for row in rows:
        [main] = [
            e
            for e in events
            if e.provenance.source_record_id == f"{row['CHILD']}/episode/{_uk(row['DECOM']).isoformat()}"
            and e.provenance.record_part is None
        ]
        assert main.date == PartialDate.from_date(_uk(row["DECOM"]))
        assert main.end == PartialDate.from_date(_uk(row["DEC"]))
        assert main.subject.identifiers[0].kind is IdentifierKind.LA_CHILD_ID
        assert main.subject.identifiers[0].value == row["CHILD"]
        assert {row["RNE"], row["LS"], row["CIN"], row["PLACE"]} <= set(main.categories)
        assert main.attributes["URN"] == row["URN"] and main.attributes["PL_POST"] == row["PL_POST"]
        assert main.agency == "Children's social care"


def test_real_sample_coverage_is_the_collection_year_held_by_its_events(engine) -> None:
    rows = _sample_rows()
    dates = [_uk(row[column]) for row in rows for column in ("DECOM", "DEC") if row[column]]
    [coverage] = [item for item in read(SAMPLE) if isinstance(item, Coverage)]
    year = Counter(collection_year_start(day).year for day in dates).most_common(1)[0][0]
    assert (coverage.start, coverage.end) == (dt.date(year, 4, 1), dt.date(year + 1, 3, 31))
    assert year == 2019 and "2019-20" in coverage.basis and coverage.open_before
    # recorded: the collection year cut to the events the file holds in it
    items = read(SAMPLE)
    held = sorted(e.date.earliest() for e in events_of(items) if e.date)
    in_year = [day for day in held if coverage.start <= day <= coverage.end]
    import_file(engine, items, SAMPLE.name, "ssda903")
    with engine.connect() as conn:
        batch = conn.execute(select(ImportBatch.__table__)).one()
    first = coverage.start if held[0] < coverage.start else in_year[0]  # an open episode: held from the start
    assert (batch.covers_from, batch.covers_to) == (first, in_year[-1])
    assert batch.covers_from == max(dt.date(2019, 4, 1), min(dates))  # as before issue 14
    assert batch.covers_to == max(day for day in held)


def test_the_end_of_care_is_a_second_event_of_the_same_record() -> None:
    items = read(SAMPLE)
    ends = [e for e in events_of(items) if e.event_type == "looked_after_end"]
    died = next(e for e in ends if e.categories == ["E2"])
    assert died.significant and "Died" in died.summary
    assert died.provenance.record_part == "ceased"
    main = next(
        e
        for e in events_of(items)
        if e.provenance.source_record_id == died.provenance.source_record_id and e is not died
    )
    assert main.natural_key() != died.natural_key()
    assert died.date == main.end


def test_collection_year_start() -> None:
    assert collection_year_start(dt.date(2020, 3, 31)) == dt.date(2019, 4, 1)
    assert collection_year_start(dt.date(2020, 4, 1)) == dt.date(2020, 4, 1)


# --- Episodes ----------------------------------------------------------------------------------------


def test_periods_of_care_and_placement_changes_in_date_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "episodes.csv",
        EPISODE_HEADER + "\n"
        "A1,10/05/2020,P,C2,N1,U4,PR1,01/09/2020,E13,CARPL,AB1 2CD,EF3 4GH,\n"  # row 2
        "A1,01/04/2020,S,C1,N1,U6,PR1,10/05/2020,X1,,AB1 2CD,EF3 4GH,\n"  # row 3
        "A1,01/10/2020,P,V2,N2,K2,PR4,,,,AB1 2CD,,SC123\n"  # row 4: care had ended: a new period
        "A1,15/10/2020,L,C2,N2,K2,PR4,,,,AB1 2CD,,SC123\n",  # row 5: still open
    )
    items = read(path)
    assert [e.event_type for e in by_row(items, 3)] == ["looked_after_start"]
    assert [e.event_type for e in by_row(items, 2)] == ["placement_change", "looked_after_end"]
    assert [e.event_type for e in by_row(items, 4)] == ["looked_after_start"]
    assert warned(items, 4, "previous episode ended the period of care on 2020-09-01")
    assert warned(items, 5, "overlap")  # row 4 is still open when row 5 starts
    start = by_row(items, 3)[0]
    assert start.categories == ["S", "C1", "N1", "U6", "PR1"]
    assert "neglect" in start.themes and "C1 Interim care order" in start.summary
    assert start.subject.postcode == "AB1 2CD"
    assert by_row(items, 4)[0].themes == ["disability"]
    end = by_row(items, 2)[1]
    assert end.date == PartialDate(2020, 9, 1) and end.categories == ["E13"]
    change = by_row(items, 2)[0]
    assert "placement ended: CARPL" in change.summary
    assert by_row(items, 5)[0].event_type == "legal_status_change"
    assert "Change of legal status" in by_row(items, 5)[0].summary
    # the events come out in date order within the child
    starts = [e.date for e in events_of(items) if e.provenance.record_part is None]
    assert starts == sorted(starts, key=lambda d: d.earliest() if d else dt.date.max)


def test_episode_after_a_same_day_X1_is_not_a_new_period(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "episodes.csv",
        EPISODE_HEADER + "\n"
        "B2,01/04/2020,S,V2,N4,U6,PR1,01/06/2020,X1,,,,\n"
        "B2,01/06/2020,T,V2,N4,U4,PR1,,,,,,\n"
        "B2,01/06/2020,S,V2,N4,U4,PR1,,,,,,\n",  # S straight after X1: flagged, kept as written
    )
    items = read(path)
    assert [e.event_type for e in events_of(items)] == [
        "looked_after_start",
        "placement_change",
        "looked_after_start",
    ]
    assert warned(items, 4, "which means care went on") or warned(items, 4, "overlap")
    ids = [e.provenance.source_record_id for e in events_of(items)]
    assert ids == ["B2/episode/2020-04-01", "B2/episode/2020-06-01", "B2/episode/2020-06-01#2"]


def test_split_runs_of_one_child_use_the_latest_episode_seen(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "episodes.csv",
        EPISODE_HEADER + "\n"
        "C3,01/04/2020,S,V2,N4,U6,PR1,01/05/2020,E4A,,,,\n"
        "D4,02/04/2020,S,V2,N4,U6,PR1,,,,,,\n"
        "C3,01/07/2020,P,V2,N4,U6,PR1,,,,,,\n",
    )
    items = read(path)
    assert by_row(items, 4)[0].event_type == "looked_after_start"  # C3's care had ended in row 2
    assert warned(items, 4, "recorded as the start of a new period of care")


def test_bad_episode_values_are_kept_with_warnings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "episodes.csv",
        EPISODE_HEADER + "\n"
        "E5,31/02/2020,S,C2,N1,U4,PR1,,,,,,\n"  # row 2: impossible date
        "E5,01/03/2020,P,Z9,N1,U4,PR1,05/03/2020,,,,,\n"  # row 3: unknown LS, DEC without REC
        "E5,06/03/2020,,C2,N1,U4,PR1,,E11,,,,\n"  # row 4: blank RNE; REC ends care but no DEC
        ",06/03/2020,S,C2,N1,U4,PR1,,,,,,\n"  # row 5: no child
        "E5,07/03/2020,p,C2,N1,U4,PR1,,,,,,,extra\n",  # row 6: value beyond the header; lower-case code
    )
    items = read(path)
    undated = by_row(items, 2)[0]
    assert undated.date is None and undated.date_text == "31/02/2020"
    assert undated.provenance.source_record_id is None
    assert any(
        w.row == 2 and w.field == "DECOM" and "could not be read" in w.message for w in warnings_of(items)
    )
    unknown = by_row(items, 3)[0]
    assert "Z9" in unknown.categories
    assert any(
        w.row == 3 and w.field == "LS" and "unknown code 'Z9'" in w.message for w in warnings_of(items)
    )
    assert warned(items, 3, "no reason (REC)")
    blank_rne, undated_end = by_row(items, 4)
    assert blank_rne.event_type == "other" and warned(items, 4, "RNE) is blank")
    assert undated_end.event_type == "looked_after_end" and undated_end.date is None
    assert warned(items, 4, "date the episode ceased (DEC) is blank")
    rejected = rejected_of(items)
    assert [(r.row, r.field) for r in rejected] == [(5, "CHILD"), (6, None)]
    assert "beyond the last" in rejected[1].reason and rejected[1].file == "episodes.csv"


def test_lower_case_codes_are_read_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "episodes.csv", EPISODE_HEADER + "\nF6,01/04/2020,s,c2,n1,u4,pr1,,,,,,\n")
    items = read(path)
    [event] = events_of(items)
    assert event.event_type == "looked_after_start"
    assert event.categories == ["s", "c2", "n1", "u4", "pr1"]  # verbatim
    assert "neglect" in event.themes
    assert warned(items, 2, "should be upper case")


def test_headers_are_matched_case_insensitively_and_missing_columns_noted(tmp_path: Path) -> None:
    path = write(tmp_path, "eps.csv", "child,decom,rne,extra_col\nG7,01/04/2020,S,kept\n")
    items = read(path)
    [event] = events_of(items)
    assert event.attributes["extra_col"] == "kept"
    assert warned(items, 1, "no column(s) LS, CIN, PLACE")


# --- Missing -------------------------------------------------------------------------------------------


def test_missing_episodes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "missing.csv",
        "CHILD,DOB,MISSING,MIS_START,MIS_END\n"
        "H8,05/06/2008,M,01/05/2020,03/05/2020\n"
        "H8,05/06/2008,A,10/05/2020,\n"
        "H8,05/06/2008,X,12/05/2020,11/05/2020\n",
    )
    assert SSDA903Importer.can_read(path)
    items = read(path)
    first, second, third = events_of(items)
    assert first.event_type == "missing_episode" and first.end == PartialDate(2020, 5, 3)
    assert first.themes == ["missing"] and "Missing from care" in first.summary
    assert first.subject.dob == PartialDate(2008, 6, 5)
    assert first.provenance.source_record_id == "H8/missing/2020-05-01"
    assert second.end is None and "no end date" in second.summary and second.categories == ["A"]
    assert third.categories == ["X"] and third.themes == ["missing"]
    assert warned(items, 4, "unknown code 'X' in MISSING") and warned(items, 4, "ends (2020-05-11) before")


# --- Reviews ---------------------------------------------------------------------------------------------


def test_reviews_record_the_childs_voice_when_their_views_reached_the_review(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "reviews.csv",
        "CHILD,DOB,REVIEW,REVIEW_CODE\n"
        "J9,01/01/2010,01/06/2020,PN1\n"
        "J9,01/01/2010,01/12/2020,PN7\n"
        "J9,01/01/2010,01/03/2021,PN6\n"
        "K1,01/01/2019,01/03/2021,PN0\n"
        "K1,01/01/2019,02/03/2021,PN9\n",
    )
    items = read(path)
    spoke, absent, medium, baby, unknown = events_of(items)
    assert all(e.event_type == "looked_after_review" for e in events_of(items))
    assert spoke.child_voice is not None and "spoke for themselves" in spoke.child_voice
    assert absent.child_voice is None and "PN7" in absent.summary
    assert medium.child_voice is not None and "facilitative medium" in medium.child_voice
    assert baby.child_voice is None
    assert unknown.categories == ["PN9"] and warned(items, 6, "unknown code 'PN9' in REVIEW_CODE")


# --- Header ----------------------------------------------------------------------------------------------


def test_header_rows_are_identity_records(tmp_path: Path) -> None:
    upn = make_upn(random.Random(3))
    path = write(
        tmp_path,
        "header.csv",
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        f"L2,2,14/02/2004,WBRI,{upn},1,03/03/2020\n"
        "M3,1,01/01/2012,ZZZZ,A123,0,\n"
        "N4,1,01/01/2019,MWBA,UN1,,01/01/2021\n",
    )
    assert SSDA903Importer.can_read(path)
    items = read(path)
    records = [item for item in items if isinstance(item, PersonRecord)]
    assert len(records) == 3
    first = records[0].person
    assert first.sex == "F" and first.dob == PartialDate(2004, 2, 14)
    assert [(i.kind, i.value) for i in first.identifiers] == [
        (IdentifierKind.LA_CHILD_ID, "L2"),
        (IdentifierKind.UPN, upn),
    ]
    assert records[0].attributes == {"ETHNIC": "WBRI", "MOTHER": "1", "MC_DOB": "03/03/2020"}
    assert records[0].provenance.source_record_id == "L2/header"
    assert [(i.kind, i.value) for i in records[1].person.identifiers][1] == (IdentifierKind.UPN, "A123")
    assert warned(items, 3, "UPN 'A123' is not valid") and warned(items, 3, "unknown code 'ZZZZ' in ETHNIC")
    assert [i.kind for i in records[2].person.identifiers] == [IdentifierKind.LA_CHILD_ID]
    assert records[2].attributes["UPN"] == "UN1"
    born = events_of(items)
    assert [(e.provenance.row, e.event_type, e.date) for e in born] == [
        (2, "other", PartialDate(2020, 3, 3)),
        (4, "other", PartialDate(2021, 1, 1)),
    ]
    assert warned(items, 4, "MC_DOB is given but MOTHER is 'blank'")
    assert not any(isinstance(item, Coverage) for item in items)  # who a child is says no period


# --- whole-file problems -----------------------------------------------------------------------------------


def test_other_files_are_not_claimed_and_are_refused_clearly(tmp_path: Path) -> None:
    template = write(tmp_path, "t.csv", "agency,start_date,source,event,child_id\nPolice,01/01/2020,x,y,1\n")
    uasc = write(tmp_path, "uasc.csv", "CHILD,SEX,DOB,DUC\n1,1,01/01/2005,01/01/2023\n")
    assert not SSDA903Importer.can_read(template)
    assert not SSDA903Importer.can_read(uasc)
    assert not SSDA903Importer.can_read(tmp_path / "absent.csv")
    with pytest.raises(ImportFileError, match=r"uasc\.csv is the SSDA903 UASC .* which this tool does not read"):
        read(uasc)
    other = write(tmp_path, "other.csv", "CHILD,NAME\n1,x\n")
    with pytest.raises(ImportFileError, match=r"other\.csv is not an SSDA903 file: header row 1 has 'CHILD'"):
        read(other)
    with pytest.raises(ImportFileError, match="empty"):
        read(write(tmp_path, "empty.csv", ""))
    big = write(tmp_path, "big.csv", EPISODE_HEADER + "\n" + "P1,01/04/2020,S,C2,N1,U4,PR1,,,,,,\n" * 50)
    with pytest.raises(ImportFileError, match="more than"):
        read(big, max_bytes=100)
    xlsx = tmp_path / "eps.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    assert not SSDA903Importer.can_read(xlsx)
    with pytest.raises(ImportFileError, match="not a CSV file"):
        read(xlsx)


def test_header_only_and_title_line(tmp_path: Path) -> None:
    items = read(write(tmp_path, "eps.csv", "SSDA903 episodes 2020-21\n" + EPISODE_HEADER + "\n\n"))
    assert not events_of(items)
    assert warned(items, None, "no data rows") and warned(items, None, "taken as a title")


def test_windows_1252_file(tmp_path: Path) -> None:
    path = tmp_path / "eps.csv"
    path.write_bytes((EPISODE_HEADER + "\nQ1,01/04/2020,S,C2,N1,U4,PR1,,,,,,Café\n").encode("cp1252"))
    [event] = events_of(read(path))
    assert event.attributes["URN"] == "Café"


# --- random damage --------------------------------------------------------------------------------------------


def _valid_bytes() -> bytes:
    lines = [EPISODE_HEADER]
    rng = random.Random(7)
    for child in range(4):
        day = dt.date(2020, 4, 1)
        for rne, rec in (("S", "X1"), ("P", "E13"), ("S", "")):
            end = day + dt.timedelta(days=rng.randint(1, 40))
            dec = end.strftime("%d/%m/%Y") if rec else ""
            lines.append(f"C{child},{day:%d/%m/%Y},{rne},C2,N1,U4,PR1,{dec},{rec},,AB1 2CD,,")
            day = end + dt.timedelta(days=1)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _data_rows(path: Path) -> set[int]:
    """Non-blank data row numbers, found with the csv module on the reader's own decisions."""
    with open_table(path, max_bytes=1 << 20) as table:
        encoding, delimiter, header_row = table.encoding, table.delimiter, table.header_row
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    reader = csv.reader(io.StringIO(data.decode(encoding or "utf-8"), newline=""), delimiter=delimiter or ",")
    rows = set()
    for number, cells in enumerate(reader, start=1):
        if number > header_row and any(cell.strip() for cell in cells):
            rows.add(number)
    return rows


@DAMAGE_SETTINGS
@given(DAMAGE)
def test_random_damage_gives_file_error_or_accounted_rows(mutations: list[tuple[str, int, bytes]]) -> None:
    with damaged_file(damaged(_valid_bytes(), mutations), "damaged.csv") as path:
        try:
            items = read(path)
        except ImportFileError:
            return
        allowed = CanonicalEvent | RejectedRow | ImportWarning | Coverage
        assert all(isinstance(item, allowed) for item in items)
        covered = {e.provenance.row for e in events_of(items)} | {r.row for r in rejected_of(items)}
        assert covered == _data_rows(path)


# --- through the store ----------------------------------------------------------------------------------------


def test_end_to_end_through_the_store(engine, tmp_path: Path) -> None:
    rows = _sample_rows()
    expected = len(rows) + sum(1 for row in rows if row["REC"] not in ("", "X1"))
    report, again = import_twice(engine, read, SAMPLE, "ssda903")
    assert report.status == "completed" and report.adds_up()
    assert report.events_imported == expected and report.rows_rejected == 0
    assert again.adds_up() and again.events_imported == 0 and again.duplicates_skipped == expected

    header = write(
        tmp_path, "header.csv", "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n689661,1,01/01/2003,WBRI,UN2,,\n"
    )
    identity = import_file(engine, read(header), "header.csv", "ssda903")
    assert identity.adds_up() and identity.person_records == 1 and identity.new_people == 0


def test_an_episode_in_two_yearly_returns_is_one_event(engine, tmp_path: Path) -> None:
    first_year = write(tmp_path, "eps2021.csv", EPISODE_HEADER + "\nR1,01/02/2021,S,C2,N1,U4,PR1,,,,,,\n")
    second_year = write(
        tmp_path, "eps2122.csv", EPISODE_HEADER + "\nR1,01/02/2021,S,C2,N1,U4,PR1,01/06/2021,E4A,,,,\n"
    )
    one = import_file(engine, read(first_year), "eps2021.csv", "ssda903")
    two = import_file(engine, read(second_year), "eps2122.csv", "ssda903")
    assert one.events_imported == 1
    assert two.adds_up() and two.events_imported == 1 and two.duplicates_skipped == 1  # only the end is new


def test_events_carry_the_label_keys_of_the_codes_matched(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "missing.csv",
        "CHILD,DOB,MISSING,MIS_START,MIS_END\nH9,05/06/2008,m,01/05/2020,03/05/2020\nH9,05/06/2008,Q,10/05/2020,\n",
    )
    items = read(path)
    known, unknown = events_of(items)
    assert known.labels == [label_key(str(code_info("MISSING", "M")["label"]))]
    assert unknown.labels == [] and unknown.event_type == "missing_episode"
    assert [w.field for w in warnings_of(items) if "'Q'" in w.message and w.row == 3] == ["MISSING"]
