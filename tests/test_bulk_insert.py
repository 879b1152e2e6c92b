"""A batch written by ``insert_rows`` (COPY on PostgreSQL) reads back exactly as one written by
SQLAlchemy's own insert: JSON, SQL NULLs, dates, times, booleans and awkward text alike."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from chronology.bulk_insert import insert_rows
from chronology.db.models import Event, ImportBatch, ImportIssue, Person, utcnow

events_t = Event.__table__


def _event(key: str, subject_id: int, batch_id: int, **changes) -> dict:  # type: ignore[no-untyped-def]
    row = {
        "natural_key": key,
        "subject_id": subject_id,
        "date": dt.date(2021, 3, 4),
        "date_precision": "day",
        "date_uncertain": False,
        "date_text": None,
        "time": dt.time(9, 30),
        "end_date": None,
        "end_precision": None,
        "end_uncertain": True,
        "end_time": None,
        "seq": None,
        "agency": "Police",
        "source": "Police records",
        "event_type": "agency_record",
        "categories": ["Domestic abuse", "Missing"],
        "themes": [],
        "summary": 'Tab\there, a "quote", a back\\slash,\na new line and café ü — ok',
        "impact_on_child": None,
        "action_outcome": "",
        "analysis": None,
        "significant": True,
        "child_voice": None,
        "child_seen_alone": None,
        "persons": [{"name": "Ann O'Neil", "role": "mother", "relationship": "mother", "person_id": subject_id}],
        "attributes": {"nested": {"list": [1, 2.5, None, True]}, "empty": ""},
        "batch_id": batch_id,
        "source_system": "template:Police",
        "source_file": "police.csv",
        "source_row": 7,
        "source_path": None,
        "source_sheet": None,
        "source_record_id": "P1",
        "refs": None,  # stored as SQL NULL
        "referring_agency": None,
        "encounter_ref": None,
        "labels": ["a"],
    }
    row.update(changes)
    return row


def test_rows_written_in_bulk_read_back_as_written_one_by_one(engine):
    with engine.begin() as conn:
        batch_id = conn.execute(
            insert(ImportBatch.__table__)
            .values(format="template", file_name="f.csv", status="completed", started_at=utcnow())
            .returning(ImportBatch.__table__.c.id)
        ).scalar_one()
        person_id = conn.execute(
            insert(Person.__table__)
            .values(source_system="s", is_child=True, created_at=utcnow())
            .returning(Person.__table__.c.id)
        ).scalar_one()
        rows = [
            _event("bulk-1", person_id, batch_id),
            _event("bulk-2", person_id, batch_id, refs=[{"kind": "crime", "value": "C1"}], labels=None, date=None),
        ]
        conn.execute(insert(events_t), [{**row, "natural_key": "one-" + row["natural_key"]} for row in rows])
        insert_rows(conn, events_t, rows)
        issue = {"batch_id": batch_id, "kind": "warning", "row": None, "path": None, "field": None,
                 "message": "m", "raw": None}  # fmt: skip
        insert_rows(conn, ImportIssue.__table__, [issue, {**issue, "raw": {"a": "b"}}])
    with engine.connect() as conn:
        read = {r.natural_key: r._asdict() for r in conn.execute(select(events_t))}
        raws = conn.execute(select(ImportIssue.__table__.c.raw).order_by(ImportIssue.__table__.c.id)).scalars().all()
        null_refs = conn.execute(select(events_t.c.natural_key).where(events_t.c.refs.is_(None))).scalars().all()
    for key in ("bulk-1", "bulk-2"):
        bulk, single = dict(read[key]), dict(read["one-" + key])
        for row in (bulk, single):
            row.pop("id"), row.pop("natural_key")
        assert bulk == single
    assert read["bulk-1"]["summary"] == rows[0]["summary"]
    assert read["bulk-1"]["attributes"] == rows[0]["attributes"]
    assert sorted(null_refs) == ["bulk-1", "one-bulk-1"]  # a NULL, not a JSON null, as before
    assert raws == [None, {"a": "b"}]
