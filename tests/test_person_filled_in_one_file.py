"""A person first given by identifier alone and named by a later row of the same file is named: the
resolver's cache of people already found in this import must not skip what the later row adds (name,
date of birth, sex, and an identity record's attributes). Across two imports this always worked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from chronology.db.models import Person
from chronology.events import PartialDate, PersonRecord, Provenance
from tests.factories import child, event
from tests.helpers import import_file

persons_t = Person.__table__


def _stored(engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(persons_t).where(persons_t.c.is_child.is_(True))))


def test_a_child_named_by_a_later_row_of_the_same_file_is_named(engine):
    unnamed = event(child(la_id="LA77"), record_id="R1", row=2, when=PartialDate(2022, 1, 5))
    named = event(
        child(la_id="LA77", name="Mia Stone", dob=dt.date(2016, 2, 3)),
        record_id="R2",
        row=3,
        when=PartialDate(2022, 2, 5),
    )
    report = import_file(engine, [unnamed, named], "police.csv", "template")
    assert report.events_imported == 2 and report.new_people == 1
    (person,) = _stored(engine)
    assert person.display_name == "Mia Stone"
    assert person.dob == dt.date(2016, 2, 3)


def test_an_identity_record_later_in_the_file_adds_its_attributes(engine):
    first = event(child(la_id="LA78"), record_id="R1", row=2)
    record = PersonRecord(
        person=child(la_id="LA78"),
        provenance=Provenance(source_system="template:Police", file="police.csv", row=3),
        is_child=True,
        attributes={"ethnicity": "WBRI"},
    )
    import_file(engine, [first, record], "police.csv", "template")
    (person,) = _stored(engine)
    assert (person.attributes or {}).get("ethnicity") == "WBRI"
