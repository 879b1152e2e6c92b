"""The police occurrence CSV, school safeguarding log and CTF writers: the same synthetic world in the
agencies' native formats, read back by the project's own importers through the store.

Counts are taken from the world itself (``iter_families`` with the run's seed), so "every world
event of the format appears" is checked against what happened, not against the files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from chronology.events import ImportFileError, RejectedRow
from chronology.ingest import FileInfo, import_items
from generator import generate_authority, iter_families
from generator.model import ChildRecord, Family, Mention, Person, Relation, WorldEvent
from generator.timeline import Window
from generator.writers.ctf_xml import CtfWriter, academic_year
from generator.writers.police_csv import NAME as POLICE_FILE
from generator.writers.police_csv import PoliceCsvWriter, nominal_id, occurrence_ref
from generator.writers.school_log_csv import (
    SchoolLogWriter,
    is_safeguarding_record,
    school_name_of,
    school_of,
)
from importers.base import ImportOptions, detect

SEED = 7
CHILDREN = 60
WINDOW = Window(dt.date(2016, 4, 1), dt.date(2025, 3, 31))  # generate_authority's default window
ROUTINE = ("Progress report", "Parents' evening", "Behaviour", "Achievement")


def _writers() -> list:
    return [PoliceCsvWriter(), SchoolLogWriter(), CtfWriter()]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("native")
    writers = _writers()
    summary = generate_authority(out, children=CHILDREN, seed=SEED, writers=writers)
    families = list(iter_families(seed=SEED, children=CHILDREN, window=WINDOW))
    truth = json.loads((out / "ground-truth.json").read_text(encoding="utf-8"))
    return {"out": out, "writers": writers, "summary": summary, "families": families, "truth": truth}


def _events(families: list[Family], agency: str) -> list[tuple[ChildRecord, WorldEvent]]:
    return [(r, e) for f in families for r in f.children for e in r.events if e.agency == agency]


def _import(engine: Engine, paths: list[Path], fmt: str):
    reports = []
    for path in paths:
        importer = detect(path)
        assert importer is not None and importer.name == fmt, path.name
        report = import_items(
            engine, importer().read(path, ImportOptions()), FileInfo(path.name, fmt), actor="t"
        )
        assert report.status == "completed", report.error
        assert report.rows_rejected == 0, report.first_issues
        assert report.adds_up(), path.name
        reports.append(report)
    return reports


def test_every_file_is_recognised_and_read_without_rejections(run: dict) -> None:
    names = sorted(
        p.name for p in run["out"].iterdir() if p.name not in ("ground-truth.json", "manifest.json")
    )
    assert names == sorted(run["summary"].files), "close() reports every file it wrote"
    assert not [n for n in names if n.startswith(".")], "part files are removed"
    expected = {"police": 0, "school-log": 0, "ctf": 0}
    for name in names:
        path = run["out"] / name
        importer = detect(path)
        assert importer is not None, name
        expected[importer.name] += 1
        items = list(importer().read(path, ImportOptions()))
        assert not [i for i in items if isinstance(i, RejectedRow | ImportFileError)], name
    assert expected["police"] == 1 and expected["school-log"] >= 2 and expected["ctf"] >= 2


def test_police_occurrences_import_one_event_per_world_police_event(run: dict, engine: Engine) -> None:
    world = _events(run["families"], "Police")
    assert world
    (report,) = _import(engine, [run["out"] / POLICE_FILE], "police")
    assert report.events_imported == len(world)
    with engine.connect() as conn:
        stored = Counter(
            row[0]
            for row in conn.execute(
                text("SELECT source_record_id FROM events WHERE source_system = 'police'")
            )
        )
    assert stored == Counter(occurrence_ref(e) for _, e in world)
    # Every planted cross-agency incident's police report is there under its occurrence reference.
    incidents = run["truth"]["cross_agency_incidents"]
    assert incidents
    for incident in incidents:
        police = [r for r in incident["reports"] if r["agency"] == "Police"]
        assert [r["record_id"].partition("/")[0] for r in police] == [incident["police_reference"]]
        assert stored[incident["police_reference"]] >= 1


def test_police_rows_carry_the_worlds_identifiers_and_encompass_schools(run: dict) -> None:
    with (run["out"] / POLICE_FILE).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    la_ids = {r.la_child_id for f in run["families"] for r in f.children}
    assert not any(value in la_ids for row in rows for value in row.values()), (
        "police never hold the LA child ID"
    )
    by_child = {(row["occurrence_ref"], row["nominal_id"]): row for row in rows}
    encompass = 0
    for record, event in _events(run["families"], "Police"):
        row = by_child[(occurrence_ref(event), nominal_id(record.child.person_id, record.child.name))]
        assert row["nhs_number"] == event.ids.get("nhs_number", "")
        assert row["nominal_role"] in ("child present", "child resident", "victim")
        notes = [  # sent for the occurrence itself (a MARAC referral quoting it has its own reference)
            e
            for e in record.events
            if e.labels[0] == "Operation Encompass" and e.reference == occurrence_ref(event)
        ]
        assert row["encompass_school_urn"] == (school_of(notes[0]).urn if notes else "")
        encompass += bool(notes)
        if "DASH" in " ".join(event.labels):
            assert row["dash_risk"] in ("standard", "medium", "high") and row["dash_score"].isdigit()
        for mention in event.persons:
            adult = by_child[(occurrence_ref(event), nominal_id(mention.person_id, mention.name))]
            assert adult["nominal_role"] == (mention.roles[1] if len(mention.roles) > 1 else "other")
            assert adult["dob"] and adult["sex"] in ("F", "M")
    assert encompass


def test_school_logs_hold_every_safeguarding_record_and_no_routine_one(run: dict, engine: Engine) -> None:
    world = [(r, e) for r, e in _events(run["families"], "Education") if is_safeguarding_record(e)]
    assert world
    paths = sorted(run["out"].glob("school-log-*.csv"))
    reports = _import(engine, paths, "school-log")
    assert sum(r.events_imported for r in reports) == len(world)
    with engine.connect() as conn:
        stored = {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                text(
                    "SELECT source_record_id, source_system, categories FROM events WHERE agency = 'Education'"
                )
            )
        }
    assert set(stored) == {e.record_id for _, e in world}
    for _, event in world:
        system, categories = stored[event.record_id]
        assert system == f"school-log:{school_of(event).urn}"
        if event.reference:  # Operation Encompass: linkable to the police occurrence
            assert f"police_ref:{event.reference}" in (
                json.loads(categories) if isinstance(categories, str) else categories
            )
    routine = {e.record_id for _, e in _events(run["families"], "Education") if e.labels[0] in ROUTINE}
    assert routine and not routine & set(stored)
    for incident in run["truth"]["cross_agency_incidents"]:
        for report in incident["reports"]:
            if report["agency"] == "Education":
                assert report["record_id"] in stored


def test_ctf_years_and_school_history_match_the_world(run: dict, engine: Engine) -> None:
    education = _events(run["families"], "Education")
    admissions = [e for _, e in education if e.labels[0] == "Admission"]
    years = {
        (r.la_child_id, school_name_of(e), academic_year(e.day))
        for r, e in education
        if e.labels[0] == "Attendance"
    }
    assert admissions and years
    writer = run["writers"][2]
    assert writer.years == len(years) and writer.admissions == len(admissions)
    assert writer.half_terms == sum(1 for _, e in education if e.labels[0] == "Attendance")
    reports = _import(engine, sorted(run["out"].glob("ctf-*.xml")), "ctf")
    assert sum(r.events_imported for r in reports) == len(years) + len(admissions)
    # An admission repeats in the later schools' files: the same record, never a second event.
    assert sum(r.duplicates_skipped for r in reports) == writer.entries - len(admissions)


def test_same_seed_gives_byte_identical_files(run: dict, tmp_path: Path) -> None:
    generate_authority(tmp_path, children=CHILDREN, seed=SEED, writers=_writers())
    for name in run["summary"].files:
        assert (tmp_path / name).read_bytes() == (run["out"] / name).read_bytes(), name


def _person(pid: str, forenames: str, surname: str, dob: dt.date, sex: str, nhs: str | None) -> Person:
    return Person(pid, forenames, surname, dob, sex, nhs)


def test_siblings_on_one_occurrence_are_one_occurrence_ref(tmp_path: Path) -> None:
    mother = _person("P0000101", "Kelly", "Hart", dt.date(1990, 1, 2), "F", "9990000018")
    partner = _person("P0000102", "Dean", "Shaw", dt.date(1988, 3, 4), "M", None)
    kids = [
        _person("P0000103", "Amy", "Hart", dt.date(2012, 5, 6), "F", "9990000026"),
        _person("P0000104", "Leo", "Hart", dt.date(2015, 7, 8), "M", "9990000034"),
    ]
    persons = (
        Mention(mother.name, ("mother", "victim"), mother.person_id),
        Mention(partner.name, ("mother's partner", "suspect"), partner.person_id),
    )
    records = []
    for n, kid in enumerate(kids, start=1):
        event = WorldEvent(
            agency="Police",
            record_id=f"OR-21-000009/{n}",
            day=dt.date(2021, 6, 1),
            time=dt.time(21, 30 + n),  # the world's siblings may disagree on the minute
            labels=("Police occurrence", "Domestic crime", "Domestic abuse", "DASH: high (16)"),
            text="Domestic crime at home address. Occurrence OR-21-000009",
            source="Police occurrence OR-21-000009",
            persons=persons,
            reference="OR-21-000009",
            ids={"nhs_number": kid.nhs_number} if n == 2 else {},
        )
        relations = [
            Relation(mother, "mother", True, True),
            Relation(partner, "mother's partner", True, False),
        ]
        records.append(ChildRecord(kid, f"LA000090{n}", None, relations, events=[event]))
    writer = PoliceCsvWriter()
    writer.open(tmp_path)
    writer.write_family(Family(0, [mother, partner], records))
    assert writer.close() == {POLICE_FILE: 4}
    with (tmp_path / POLICE_FILE).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["occurrence_ref"] for r in rows} == {"OR-21-000009"}
    assert {r["occurred_at"] for r in rows} == {"2021-06-01 21:31"}
    assert [(r["forenames"], r["nominal_role"], r["nhs_number"]) for r in rows] == [
        ("Amy", "child present", ""),
        ("Leo", "child present", "9990000034"),
        ("Kelly", "victim", "9990000018"),
        ("Dean", "suspect", ""),
    ]
    assert {(r["domestic_abuse"], r["dash_risk"], r["dash_score"]) for r in rows} == {("Y", "high", "16")}
    assert writer.merged_children == 1 and writer.sibling_details_differ == 1
    items = list(detect(tmp_path / POLICE_FILE)().read(tmp_path / POLICE_FILE, ImportOptions()))  # type: ignore[misc]
    events = [i for i in items if type(i).__name__ == "CanonicalEvent"]
    assert len(events) == 2 and all(len(e.persons) == 2 for e in events)


def test_siblings_on_one_world_occurrence_agree_on_its_time(tmp_path: Path) -> None:
    """The world gives each sibling their own record of a shared occurrence; one occurrence has one
    time, so the records agree and the police file needs no tie-break (seed 29: four such)."""
    families = list(iter_families(seed=29, children=120, window=WINDOW))
    writer = PoliceCsvWriter()
    writer.open(tmp_path)
    for family in families:
        writer.write_family(family)
    writer.close()
    assert writer.merged_children >= 2, "the run must hold occurrences shared by siblings"
    assert writer.sibling_details_differ == 0
