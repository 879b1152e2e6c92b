"""Issue 14: what an import tells the user must be true — counts that add up, refusals that name the
reason, data-held periods checked against what the file holds, identity facts that disagree shown."""

from __future__ import annotations

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
