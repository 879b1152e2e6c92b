"""The generator's SSDA903 and Ofsted Annex A writers, read back by the project's own importers through the store.

The world has no looked-after children yet, so the 903 set is checked on a hand-made family with a
LAC plan (and is empty for a generated authority). Annex A is imported on its own and every event
it gives is checked against the world's social care facts in its six months.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

import importers
from chronology.db.models import Event
from chronology.ingest import FileInfo, ImportReport, import_items
from generator import generate_authority, iter_families
from generator.model import ChildRecord, Family, Person, Plan, Relation, WorldEvent
from generator.timeline import DAY, Window, add_months
from generator.writers.annex_a_xlsx import NAME, AnnexAWriter
from generator.writers.cin_census_xml import REFERRAL_SOURCE
from generator.writers.ssda903_csv import Ssda903Writer, file_name
from importers.annex_a import AnnexAImporter
from importers.base import Importer, ImportOptions
from importers.ssda903 import SSDA903Importer

SEED, CHILDREN = 7, 80
START, END = dt.date(2016, 4, 1), dt.date(2025, 3, 31)
REFERENCE = dt.date(2020, 3, 31)  # the inspection's reference date: the six months before it
SOCIAL_CARE = "Children's Social Care"
# Annex A fact (in the importer's record ID) -> the world's first label of the fact it restates.
FACT_LABEL = {
    "contact": "Contact",
    "referral": "Referral",
    "assessment": "Assessment",
    "section_47": "Section 47",
    "initial_cp_conference": "Initial child protection conference",
    "cp_plan_start": "CP plan start",
    "cp_plan_end": "CP plan end",
    "review_cp_conference": "Review child protection conference",
    "statutory_visit": "Statutory visit",
    "child_seen": "Statutory visit",
    "case_closure": "Case closed",
}
IN_WINDOW = ("Contact", "Referral", "Section 47", "Initial child protection conference", "CP plan start")


def _import(engine: Engine, path: Path, importer: type[Importer]) -> ImportReport:
    assert importer.can_read(path), path.name
    assert importers.detect(path) is importer, path.name
    items = list(importer().read(path, ImportOptions()))
    report = import_items(engine, items, FileInfo(path.name, importer.name), actor="test")
    assert report.status == "completed", report.error
    assert report.rows_rejected == 0, report.lines()
    return report


def _stored(engine: Engine, system: str) -> dict[str, bool | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Event.source_record_id, Event.child_seen_alone).where(Event.source_system == system)
        )
        return {row[0]: row[1] for row in rows}


@pytest.fixture(scope="module")
def annex(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("annex")
    summary = generate_authority(
        out, children=CHILDREN, seed=SEED, start=START, end=END, writers=[AnnexAWriter(end=REFERENCE)]
    )
    records = [
        r
        for family in iter_families(seed=SEED, children=CHILDREN, window=Window(START, END))
        for r in family.children
    ]
    return {"out": out, "summary": summary, "records": records}


def test_annex_a_restates_the_worlds_social_care_facts(annex: dict, engine: Engine) -> None:
    path = annex["out"] / NAME
    report = _import(engine, path, AnnexAImporter)
    stored = _stored(engine, "annex-a")
    assert report.events_imported == len(stored) > 10
    first = add_months(REFERENCE, -6) + DAY
    world: dict[tuple[str, str, dt.date], list[WorldEvent]] = {}
    for record in annex["records"]:
        for event in record.events:
            if event.agency == SOCIAL_CARE and event.labels:
                world.setdefault((record.la_child_id, event.labels[0], event.day), []).append(event)
    # every event the workbook gives is a world fact, on or before the reference date
    for key, seen_alone in stored.items():
        child, fact, day, *extra = key.split("/")
        matches = world.get((child, FACT_LABEL[fact], dt.date.fromisoformat(day)))
        assert matches, key
        assert dt.date.fromisoformat(day) <= REFERENCE
        if fact == "statutory_visit":
            assert seen_alone == ("Child seen alone" in matches[0].labels), key
        if fact == "contact":
            source = next(label[8:] for label in matches[0].labels if label.startswith("Source: "))
            assert extra == [f"{REFERRAL_SOURCE.get(source, '10')}: {source}"]
    # every contact, referral, section 47, initial conference and plan start of the six months is there
    facts = {(k.split("/")[0], FACT_LABEL[k.split("/")[1]], k.split("/")[2]) for k in stored}
    expected = {
        (child, label, day.isoformat())
        for (child, label, day) in world
        if label in IN_WINDOW and first <= day <= REFERENCE
    }
    assert expected and expected <= facts
    # each CP plan running in the window gives its last statutory visit before the reference date
    for record in annex["records"]:
        for plan in record.plans:
            if plan.kind != "CP" or plan.start > REFERENCE or (plan.end and plan.end < first):
                continue
            last = max(
                (
                    e.day
                    for e in record.events
                    if e.labels[:1] == ("Statutory visit",)
                    and plan.start <= e.day <= min(plan.end or REFERENCE, REFERENCE)
                ),
                default=None,
            )
            if last:
                assert f"{record.la_child_id}/statutory_visit/{last.isoformat()}" in stored


def test_annex_a_is_reproducible(annex: dict, tmp_path: Path) -> None:
    again = generate_authority(
        tmp_path, children=CHILDREN, seed=SEED, start=START, end=END, writers=[AnnexAWriter(end=REFERENCE)]
    )
    assert again.files == annex["summary"].files
    assert (tmp_path / NAME).read_bytes() == (annex["out"] / NAME).read_bytes()


# --- SSDA903 ---------------------------------------------------------------------------------------


def _looked_after_family() -> Family:
    """One child accommodated under section 20 for a year, with a review and a missing episode."""
    child = Person("P1", "Ava", "Stone", dt.date(2010, 6, 1), "F")
    mother = Person("P2", "Kim", "Stone", dt.date(1988, 2, 3), "F")
    record = ChildRecord(child, "LA1001", None, [Relation(mother, "mother", True, True)])
    record.plans = [Plan("LAC", dt.date(2021, 5, 4), dt.date(2022, 5, 20), "Section 20", "neglect")]
    record.events = [
        WorldEvent(SOCIAL_CARE, "R1", dt.date(2021, 11, 2), ("Looked after review",), "LAC review", "case record",
                   voice="I like my foster carers"),
        WorldEvent(SOCIAL_CARE, "R2", dt.date(2022, 1, 8), ("Missing from care",), "Missing overnight",
                   "case record", end_day=dt.date(2022, 1, 9)),
    ]  # fmt: skip
    return Family(0, [child, mother], [record])


def test_ssda903_set_for_a_looked_after_child(tmp_path: Path, engine: Engine) -> None:
    writer = Ssda903Writer(end=END)
    writer.open(tmp_path)
    writer.write_family(_looked_after_family())
    assert writer.close() == {file_name(k): 1 for k in ("header", "episodes", "missing", "reviews")}
    assert (tmp_path / file_name("episodes")).read_text().splitlines()[1] == (
        "LA1001,04/05/2021,S,V2,N1,U6,PR1,20/05/2022,E4A,,,,"
    )
    for kind in ("header", "episodes", "missing", "reviews"):
        _import(engine, tmp_path / file_name(kind), SSDA903Importer)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Event.source_record_id, Event.event_type).where(Event.source_system == "ssda903")
        ).all()
    assert {(r[0], r[1]) for r in rows} == {
        ("LA1001/episode/2021-05-04", "looked_after_start"),
        ("LA1001/episode/2021-05-04", "looked_after_end"),
        ("LA1001/review/2021-11-02", "looked_after_review"),
        ("LA1001/missing/2022-01-08", "missing_episode"),
    }


def test_generated_world_has_no_looked_after_children(tmp_path: Path) -> None:
    summary = generate_authority(
        tmp_path, children=40, seed=3, start=START, end=END, writers=[Ssda903Writer(end=END)]
    )
    assert set(summary.files.values()) == {0}
