"""Issue 14: what an import tells the user must be true — counts that add up, refusals that name the
reason, data-held periods checked against what the file holds, identity facts that disagree shown."""

from __future__ import annotations

import datetime as dt
import re
import shutil

from click.testing import CliRunner

from commands.main import cli
from tests.conftest import SAMPLES


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


LIST_LINE = re.compile(
    r"read (\d+) = imported (\d+) \(undated (\d+)\) \+ relationships (\d+) \+ identity records (\d+) "
    r"\+ duplicates (\d+) \+ rejected (\d+); skipped (\d+), warnings (\d+)"
)

HEADER_903 = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1001,1,11/07/2015,WBRI,UN1,,\n1002,2,01/02/2014,WBRI,UN2,1,03/03/2013\n"
RELATIONSHIPS = (
    "child_id,person_id,surname,forenames,relationship\nLA1,P1,Jones,Sara,mother\nLA1,P2,Brown,Lee,mother's partner\n"
)


def test_imports_list_shows_every_count_and_they_add_up_for_several_formats(cli_env, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "header.csv").write_text(HEADER_903, encoding="utf-8")
    shutil.copy(SAMPLES / "social-care" / "ssda903-episodes-2020.csv", folder / "episodes.csv")
    shutil.copy(SAMPLES / "social-care" / "cin-census-2022-one-child.xml", folder / "cin.xml")
    (folder / "relationships.csv").write_text(RELATIONSHIPS, encoding="utf-8")
    assert run("import", str(folder)).exit_code == 0
    run("import", str(folder / "episodes.csv"))  # again: every record a duplicate
    lines = [line for line in run("imports", "list").output.splitlines() if line.strip()]
    assert len(lines) == 5
    formats = set()
    for line in lines:
        formats.add(line.split("\t")[3])
        found = LIST_LINE.search(line)
        assert found, line
        read, imported, undated, relationships, identity, duplicates, rejected = map(int, found.groups()[:7])
        assert read == imported + relationships + identity + duplicates + rejected, line
        assert undated <= imported
    assert {"ssda903", "cin-census"} <= formats
    header_line = next(line for line in lines if "header.csv" in line)
    assert "identity records 2" in header_line  # the two Header rows, no longer left out


# --- refusals that name the reason ------------------------------------------------------------------

FHIR_XML = '<?xml version="1.0"?>\n<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/></Bundle>\n'
OC3 = "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n1001,11/07/2000,YES,F2,S\n"
LEGACY_XLS = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 64  # an Excel 97-2003 file naming no list


def test_fhir_xml_is_refused_as_xml_not_as_invalid_json(cli_env, tmp_path):
    path = tmp_path / "bundle.xml"
    path.write_text(FHIR_XML, encoding="utf-8")
    forced = run("import", "--format", "fhir", str(path))
    assert "FHIR written as XML" in forced.output and "export the bundle" in forced.output
    assert "JSON" in forced.output and "not valid JSON" not in forced.output
    detected = run("import", str(path))
    assert "not recognised (1 files" in detected.output
    assert f"{path}: bundle.xml is FHIR written as XML" in detected.output


def test_a_903_table_not_read_is_named_with_the_tables_that_are(cli_env, tmp_path):
    path = tmp_path / "oc3.csv"
    path.write_text(OC3, encoding="utf-8")
    forced = run("import", "--format", "ssda903", str(path))
    assert "oc3.csv is the SSDA903 OC3 (care leavers" in forced.output
    assert "Header, Episodes, Missing and Reviews" in forced.output
    assert "not an SSDA903 file" not in forced.output
    detected = run("import", str(path))
    assert f"{path}: oc3.csv is the SSDA903 OC3" in detected.output


def test_annex_a_refusals_say_what_the_file_is_and_to_save_as_xlsx(cli_env, tmp_path):
    legacy = tmp_path / "returns.xls"
    legacy.write_bytes(LEGACY_XLS)
    detected = run("import", str(legacy))
    assert "returns.xls is an Excel 97-2003 workbook (.xls)" in detected.output
    assert "save it as an Excel Workbook (.xlsx)" in detected.output
    csv_named = tmp_path / "list1.ods"
    csv_named.write_text("not a workbook", encoding="utf-8")
    forced = run("import", "--format", "annex-a", str(csv_named))
    assert "list1.ods is a .ods file, not an Excel workbook" in forced.output
    assert "save it as an Excel Workbook (.xlsx)" in forced.output
    assert "is read from Excel files" not in forced.output


def test_auto_detection_gives_a_reason_for_every_file_it_cannot_place(cli_env, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    notes = folder / "notes.txt"
    notes.write_text("not a data file", encoding="utf-8")
    other = folder / "other.xml"
    other.write_text('<Message><Header><CollectionDetails><Collection>School Census</Collection>'
                     "</CollectionDetails></Header></Message>", encoding="utf-8")
    result = run("import", str(folder))
    assert "not recognised (2 files" in result.output
    assert f"{notes}: notes.txt (a .txt file) looks like none of the formats read (" in result.output
    assert "ssda903" in result.output  # the formats that are read are listed
    assert f"{other}: other.xml is a DfE 'School Census' collection return, not a Children in Need" in result.output


# --- data-held periods that are true ----------------------------------------------------------------


def _import(engine, importer, path):  # type: ignore[no-untyped-def]
    from chronology.ingest import FileInfo, import_items
    from importers.base import ImportOptions

    items = importer().read(path, ImportOptions())
    return import_items(engine, items, FileInfo(path.name, importer.name), actor="t")


def _batch(engine, batch_id):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from chronology.db.models import ImportBatch

    with engine.connect() as conn:
        return conn.execute(select(ImportBatch.__table__).where(ImportBatch.__table__.c.id == batch_id)).one()


def _held_warnings(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [issue for issue in report.first_issues if issue.startswith("warning: data held:")]


def test_one_review_in_the_future_grace_does_not_make_the_period_next_year(engine, tmp_path):
    from importers.ssda903 import SSDA903Importer

    ahead = dt.date.today() + dt.timedelta(days=30)  # accepted: inside the future-date grace
    reviews = ["03/05/2017", "14/08/2017", "20/11/2017", "02/02/2018", "15/03/2018"]
    rows = [f"{1000 + n},01/01/2010,{day},PN1" for n, day in enumerate(reviews)]
    rows.append(f"2000,01/01/2010,{ahead:%d/%m/%Y},PN1")
    path = tmp_path / "reviews.csv"
    path.write_text("CHILD,DOB,REVIEW,REVIEW_CODE\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = _import(engine, SSDA903Importer, path)
    batch = _batch(engine, report.batch_id)
    assert (batch.covers_from, batch.covers_to) == (dt.date(2017, 5, 3), dt.date(2018, 3, 15))
    [future] = [w for w in _held_warnings(report) if "after today" in w]
    assert "reviews.csv" in future and ahead.isoformat() in future
    assert "do not stretch the period" in future


def test_an_episodes_file_whose_latest_start_is_1_april_is_not_a_one_day_period(engine, tmp_path):
    from importers.ssda903 import SSDA903Importer

    header = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
    rows = [
        "A1,01/05/2016,S,C2,N1,U4,PR1,,,,,,",
        "A2,10/06/2017,S,C2,N1,U4,PR1,,,,,,",
        "A3,01/09/2017,S,C2,N1,U4,PR1,,,,,,",
        "A4,15/01/2018,S,C2,N1,U4,PR1,01/03/2018,E11,,,,",
        "A5,01/04/2018,S,C2,N1,U4,PR1,,,,,,",
    ]
    path = tmp_path / "episodes.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = _import(engine, SSDA903Importer, path)
    batch = _batch(engine, report.batch_id)
    # the 2017-18 collection year (an episode open from 2016 is data held from its first day), cut at
    # the last event in it
    assert (batch.covers_from, batch.covers_to) == (dt.date(2017, 4, 1), dt.date(2018, 3, 1))
    assert batch.covers_from != batch.covers_to
    [after] = [w for w in _held_warnings(report) if "dated after the period" in w]
    assert "episodes.csv" in after and "2018-04-01" in after
    assert "shorter than the spread of the file's events (2016-05-01 to 2018-04-01)" in after


def test_a_cin_return_whose_events_are_all_decades_before_its_year_warns_and_claims_no_period(engine, tmp_path):
    from importers.cin_census import CinCensusImporter
    from tests.test_cin_census import census, child, details

    old = child("OLD1", details("", referral="1970-02-17")) + child("OLD2", details("", referral="1980-10-08"))
    path = census(tmp_path, old, year=2023, name="cin2223.xml")
    report = _import(engine, CinCensusImporter, path)
    batch = _batch(engine, report.batch_id)
    assert (batch.covers_from, batch.covers_to) == (None, None)
    [none] = _held_warnings(report)
    assert "cin2223.xml: none of its 2 dated event(s) falls in the period the file declares" in none
    assert "2022-04-01 to 2023-03-31" in none and "1970-02-17 to 1980-10-08" in none


def test_a_cin_return_with_open_cases_from_before_its_year_gives_no_warning(engine, tmp_path):
    from importers.cin_census import CinCensusImporter
    from tests.test_cin_census import census, child, details

    open_case = child("C1", details("", referral="2019-02-17")) + child("C2", details("", referral="2022-10-08"))
    report = _import(engine, CinCensusImporter, census(tmp_path, open_case, year=2023))
    batch = _batch(engine, report.batch_id)
    assert not _held_warnings(report)
    assert (batch.covers_from, batch.covers_to) == (dt.date(2022, 4, 1), dt.date(2023, 3, 31))  # stated: whole
    only_new = child("C3", details("", referral="2022-06-01")) + child("C4", details("", referral="2022-10-08"))
    report = _import(engine, CinCensusImporter, census(tmp_path, only_new, year=2023, name="new.xml"))
    batch = _batch(engine, report.batch_id)
    assert (batch.covers_from, batch.covers_to) == (dt.date(2022, 4, 1), dt.date(2023, 3, 31))


def test_the_users_covers_is_recorded_and_events_outside_it_are_warned_about(cli_env, tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("CHILD,DOB,REVIEW,REVIEW_CODE\n1,01/01/2010,03/05/2017,PN1\n2,01/01/2010,03/05/2019,PN1\n")
    result = run("import", "--covers", "2017-01-01:2017-12-31", str(path))
    assert "1 event(s) dated after the period given with --covers (2017-01-01 to 2017-12-31" in result.output
    assert "2019-05-03" in result.output


# --- identity facts that disagree are kept side by side ---------------------------------------------

HEADER_THREE_DOBS = (
    "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
    "7001,2,11/07/2015,WBRI,UN1,0,\n"
    "7001,2,03/02/2014,WBRI,UN1,0,\n"
    "7001,1,25/12/2016,WBRI,UN1,0,\n"
)


def test_one_header_giving_a_child_three_dates_of_birth_and_two_sexes_is_warned_and_kept(engine, tmp_path):
    from chronology.record import find_child, load_child
    from importers.ssda903 import SSDA903Importer

    path = tmp_path / "header.csv"
    path.write_text(HEADER_THREE_DOBS, encoding="utf-8")
    report = _import(engine, SSDA903Importer, path)
    [warning] = [issue for issue in report.first_issues if issue.startswith("warning: identity:")]
    assert "la child id 7001 disagree" in warning
    assert "date of birth: 2015-07-11 (header.csv row 2); 2014-02-03 (header.csv row 3); " in warning
    assert "2016-12-25 (header.csv row 4)" in warning
    assert "sex: F (header.csv row 2); M (header.csv row 4)" in warning
    with engine.connect() as conn:
        record = load_child(conn, find_child(conn, "7001"))  # type: ignore[arg-type]
    by_fact = {d.fact: d for d in record.disagreements}
    assert [v.value for v in by_fact["dob"].values] == ["2015-07-11", "2014-02-03", "2016-12-25"]
    assert [v.value for v in by_fact["sex"].values] == ["F", "M"]
    again = _import(engine, SSDA903Importer, path)  # the same facts again: nothing new to warn about
    assert not [issue for issue in again.first_issues if issue.startswith("warning: identity:")]


def test_facts_that_disagree_across_files_are_warned_and_agreeing_ones_are_not(engine, tmp_path):
    from importers.ssda903 import SSDA903Importer

    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC\n8001,1,01/03/2012,WBRI\n8002,1,05/05/2013,WBRI\n")
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("CHILD,DOB,REVIEW,REVIEW_CODE\n8001,01/03/2012,03/05/2019,PN1\n8002,06/05/2013,03/05/2019,PN1\n")
    assert not [i for i in _import(engine, SSDA903Importer, header).first_issues if "identity" in i]
    report = _import(engine, SSDA903Importer, reviews)
    [warning] = [issue for issue in report.first_issues if issue.startswith("warning: identity:")]
    assert "la child id 8002" in warning and "8001" not in warning
    assert "2013-05-05 (header.csv row 3); 2013-05-06 (reviews.csv row 3)" in warning


def test_a_young_mothers_child_born_before_her_is_a_warning(tmp_path):
    from importers.base import ImportOptions
    from importers.ssda903 import SSDA903Importer

    path = tmp_path / "header.csv"
    path.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n9001,2,01/06/2006,WBRI,UN1,1,14/02/1999\n")
    items = list(SSDA903Importer().read(path, ImportOptions()))
    [warning] = [i for i in items if getattr(i, "field", None) == "MC_DOB" and hasattr(i, "message")]
    assert "born (1999-02-14) before the young person (2006-06-01" in warning.message
    assert warning.row == 2


def test_chronology_show_marks_the_facts_that_disagree(cli_env, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(HEADER_THREE_DOBS, encoding="utf-8")
    run("import", str(path))
    shown = run("show", "7001")
    assert "FACTS DISAGREE — date of birth: 2015-07-11 (header.csv row 2); 2014-02-03" in shown.output
    assert "FACTS DISAGREE — sex: F (header.csv row 2); M (header.csv row 4)" in shown.output
    assert "born: facts disagree" in shown.output and "born 2015-07-11" not in shown.output


def test_a_declared_period_running_past_today_is_cut_at_today_and_one_wholly_ahead_is_not_recorded():
    from collections import Counter

    from chronology.coverage_check import Declared, check_coverage

    today = dt.date(2026, 12, 7)
    days = Counter({dt.date(2026, 5, 1): 2, dt.date(2026, 11, 30): 1})
    running = check_coverage("cin.xml", Declared(dt.date(2026, 4, 1), dt.date(2027, 3, 31), "CIN 2026-27"), days, today)
    assert running.period == (dt.date(2026, 5, 1), dt.date(2026, 11, 30))
    [warning] = running.warnings
    assert warning.startswith("cin.xml: the period the file declares (2026-04-01 to 2027-03-31; CIN 2026-27)")
    assert "runs past today (2026-12-07)" in warning
    ahead = check_coverage("cin.xml", Declared(dt.date(2027, 4, 1), dt.date(2028, 3, 31), "CIN 2027-28"), days, today)
    assert ahead.period is None and "lies wholly in the future" in ahead.warnings[0]
    given = Declared(dt.date(2027, 1, 1), dt.date(2027, 6, 30), "as said", given_by_user=True)
    assert check_coverage("x.csv", given, days, today).period == (dt.date(2027, 1, 1), dt.date(2027, 6, 30))


def test_events_before_a_period_that_lists_no_open_records_are_warned_about():
    from collections import Counter

    from chronology.coverage_check import Declared, check_coverage

    days = Counter({dt.date(2019, 8, 1): 1, dt.date(2020, 10, 1): 1})
    declared = Declared(dt.date(2020, 9, 1), dt.date(2021, 8, 31), "CTF attendance 2020/21")
    checked = check_coverage("ctf.xml", declared, days, dt.date(2026, 12, 7))
    [warning] = checked.warnings
    assert "ctf.xml: 1 event(s) dated before the period the file declares" in warning and "2019-08-01" in warning
    assert "shorter than the spread of the file's events (2019-08-01 to 2020-10-01)" in warning
    assert checked.period == (dt.date(2020, 10, 1), dt.date(2020, 10, 1))
    opened = Declared(declared.start, declared.end, declared.basis, open_before=True)
    assert check_coverage("ctf.xml", opened, days, dt.date(2026, 12, 7)).warnings == []


def test_the_annex_a_sample_names_sheets_for_disagreeing_facts_and_its_open_cases_are_no_contradiction(engine):
    from importers.annex_a import AnnexAImporter

    report = _import(engine, AnnexAImporter, SAMPLES / "social-care" / "annex-a-sample.xlsx")
    assert not _held_warnings(report)  # lists of open cases begun before the period are expected
    identity = [issue for issue in report.first_issues if issue.startswith("warning: identity:")]
    assert identity and all("annex-a-sample.xlsx sheet 'List " in issue for issue in identity)


def test_two_returns_with_a_gap_between_them_are_two_periods_not_one_span(engine, tmp_path):
    from chronology.record import find_child, load_child
    from importers.cin_census import CinCensusImporter
    from tests.test_cin_census import census, child, details

    first = census(tmp_path, child("G1", details("", referral="2019-06-01")), year=2020, name="cin1920.xml")
    later = census(tmp_path, child("G1", details("", referral="2023-06-01")), year=2024, name="cin2324.xml")
    touching = census(tmp_path, child("G1", details("", referral="2024-04-01")), year=2025, name="cin2425.xml")
    for path in (first, later, touching):
        _import(engine, CinCensusImporter, path)
    with engine.connect() as conn:
        record = load_child(conn, find_child(conn, "G1"))  # type: ignore[arg-type]
    assert [(c.start, c.end) for c in record.coverage] == [
        (dt.date(2019, 4, 1), dt.date(2020, 3, 31)),
        (dt.date(2023, 4, 1), dt.date(2025, 3, 31)),  # 2023-24 and 2024-25 touch: one period
    ]
