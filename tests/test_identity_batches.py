"""Identity resolved a batch at a time: the identifiers of a batch of rows are looked up together,
what the import wrote is known without asking, and none of it changes who is joined to whom, however
little the import is allowed to remember."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

import chronology.ingest as ingest
import chronology.people as people
from chronology.db.models import (
    AnalysisQueue,
    MatchSuggestion,
    Person,
    PersonFact,
    PersonIdentifier,
    PersonMerge,
)
from chronology.events import Identifier, IdentifierKind, PersonRef
from chronology.identifiers import make_nhs_number, make_upn
from chronology.ingest import FileInfo, import_items
from chronology.people import list_suggestions
from chronology.record import find_child, load_child
from tests.factories import child, event

RNG = random.Random(11)
NHS = [make_nhs_number(RNG) for _ in range(11)]
UPN = [make_upn(RNG) for _ in range(10)]
NAMES = ["Mark Jones", "Ann Smith", "Lee Brown", "Kai Green", "Sam White", "Ola Black", "Tom Gray", "Ivy Hill",
         "Joe Wood", "Amy Lake"]  # fmt: skip


def load(engine, items, name):
    return import_items(engine, list(items), FileInfo(name, "template"), actor="officer")


def police_rows():
    for i in range(10):
        for n in range(2):  # two records of each child, each naming the child's father and a "Dad"
            persons = [PersonRef(name=NAMES[i], role="father"), PersonRef(name="Dad", role="father")]
            yield event(child(nhs=NHS[i], name=f"Child {NAMES[i]}"), record_id=f"P{i}-{n}", persons=persons)


def social_rows():
    for i in range(10):
        by_id = Identifier(IdentifierKind.SOURCE_PERSON_ID, f"M{i}", "social-care")
        mother = PersonRef(name=f"Mum {NAMES[i]}", role="mother", identifiers=[by_id])
        for n in range(2):
            subject = child(nhs=NHS[i], la_id=f"LA{i}")
            yield event(subject, agency="Social care", system="social-care", record_id=f"S{i}-{n}", persons=[mother])


def school_rows():
    for i in range(10):
        nhs = NHS[10] if i == 9 else None  # child 9: the school holds another NHS number
        yield event(child(upn=UPN[i], la_id=f"LA{i}", nhs=nhs), agency="School", record_id=f"E{i}")


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Person.__table__, PersonIdentifier.__table__, PersonFact.__table__, PersonMerge.__table__)
        }


@pytest.mark.parametrize("remember", ["plenty", "almost nothing"])
def test_who_is_joined_does_not_depend_on_what_the_import_remembers(engine, monkeypatch, remember):
    if remember == "almost nothing":  # every look ahead and cache forgotten at once: all asked again
        monkeypatch.setattr(people, "RESOLVER_CACHE_SIZE", 1)
        monkeypatch.setattr(people, "IDENTIFIERS_REMEMBERED", 1)
        monkeypatch.setattr(ingest, "BATCH_SIZE", 3)
    reports = [
        load(engine, police_rows(), "police.csv"),
        load(engine, social_rows(), "social.csv"),
        load(engine, school_rows(), "school.csv"),
    ]
    assert [r.status for r in reports] == ["completed"] * 3
    assert [r.new_people for r in reports] == [20, 20, 10]  # a child and one adult per child and file
    with engine.connect() as conn:
        for i in range(9):
            record = load_child(conn, find_child(conn, UPN[i]))
            assert len(record.members) == 3, i  # police, social care and school: one child
            assert sorted(m.label() for m in record.family) == sorted(
                [f"{NAMES[i]} (father)", f"Mum {NAMES[i]} (mother)"]
            )
        # the school's child 9 holds a different NHS number: suggested, never joined
        assert len(load_child(conn, find_child(conn, UPN[9])).members) == 1
        assert len(load_child(conn, find_child(conn, NHS[9])).members) == 2
        suggestions = conn.execute(select(MatchSuggestion.__table__.c.reason)).scalars().all()
    assert any("hold different NHS numbers" in reason for reason in suggestions)
    with engine.connect() as conn:  # every person a join touched waits for their analysis, saying why
        why = Counter(conn.execute(select(AnalysisQueue.__table__.c.why)).scalars())
    assert why == {"import 1": 10, "merged by nhs_number": 10, "merged by la_child_id": 9, "import 3": 1}
    before = counts(engine)
    assert before["person_merges"] == 10 + 9  # NHS number (police, social care), LA child ID (school)
    again = load(engine, police_rows(), "police.csv")
    assert (again.events_imported, again.new_people, again.merges) == (0, 0, 0)
    assert counts(engine) == before


def test_a_batch_of_new_children_is_looked_up_together_not_row_by_row(engine):
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", seen)
    rows = [
        event(child(nhs=make_nhs_number(RNG), la_id=f"LA{i}"), record_id=f"R{i}",
              persons=[PersonRef(name=f"{NAMES[i % 10]}", role="father")])
        for i in range(200)
    ]  # fmt: skip
    report = load(engine, rows, "many.csv")
    sa_event.remove(engine, "before_cursor_execute", seen)
    assert report.new_people == 400
    lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "person_identifiers" in s]
    # one query per kind of identifier for the batch (NHS number, LA child ID); the fathers, new
    # people named in new children's records, need none; was one query per person (400)
    assert len(lookups) <= 3
    facts_read = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM person_facts" in s]
    assert len(facts_read) <= 2  # new people have no stored facts to read (was one query each)
    with engine.connect() as conn:
        identifiers = conn.execute(select(func.count()).select_from(PersonIdentifier.__table__)).scalar_one()
    assert identifiers == 600  # each child's two, each father's local one: written, if in batches


def test_two_records_of_one_child_like_a_third_make_one_suggestion_not_two(engine):
    dob = dt.date(2016, 4, 9)
    joined = [
        event(child(nhs=NHS[0], name="Rosa Diaz", dob=dob), record_id="P1"),
        event(child(nhs=NHS[0], name="Rosa Diaz", dob=dob), agency="Health", record_id="H1"),
    ]
    load(engine, joined, "joined.csv")
    report = load(engine, [event(child(la_id="LA1", name="Rosa Diaz", dob=dob), agency="School")], "school.csv")
    assert report.suggestions == 1  # the two joined records are one person: one pair to decide
    with engine.connect() as conn:
        assert len(list_suggestions(conn)) == 1
