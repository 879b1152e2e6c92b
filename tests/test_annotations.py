"""Annotations sit beside agency events and never change them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chronology.annotations import AnnotationError, add_annotation, annotations_by_event
from chronology.db.models import Event
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from tests.factories import child, event


def _events(engine):
    amy, ben = child(la_id="LA1", name="Amy Jones"), child(la_id="LA2", name="Ben Smith")
    import_items(
        engine,
        [event(amy, record_id="a"), event(ben, record_id="b")],
        FileInfo("f.csv", "template"),
        actor="t",
    )
    with engine.connect() as conn:
        rows = {r.source_record_id: r for r in conn.execute(select(Event.__table__))}
        return find_child(conn, "LA1"), rows["a"], rows["b"]


def test_a_note_is_kept_apart_from_the_event(engine):
    amy, amys_event, _ = _events(engine)
    with engine.begin() as conn:
        add_annotation(
            conn,
            child_person_id=amy,
            event_id=amys_event.id,
            author="pat",
            kind="significance",
            significant=True,
            text="Third DA incident this year",
        )
        add_annotation(
            conn,
            child_person_id=amy,
            event_id=amys_event.id,
            author="pat",
            kind="comment",
            significant=True,
            text="Discussed in supervision",
        )
        notes = annotations_by_event(conn, [amys_event.id])[amys_event.id]
        after = conn.execute(select(Event.__table__).where(Event.id == amys_event.id)).one()
    assert [(n.kind.value, n.significant, n.author) for n in notes] == [
        ("significance", True, "pat"),
        ("comment", None, "pat"),
    ]
    assert after == amys_event  # the agency's record is untouched


def test_a_note_must_be_about_the_childs_own_event(engine):
    amy, _, bens_event = _events(engine)
    with engine.begin() as conn, pytest.raises(AnnotationError, match="not in this child's chronology"):
        add_annotation(
            conn, child_person_id=amy, event_id=bens_event.id, author="pat", kind="comment", text="x"
        )


def test_unknown_kinds_and_empty_text_are_refused(engine):
    amy, amys_event, _ = _events(engine)
    with engine.begin() as conn:
        with pytest.raises(AnnotationError, match="unknown kind"):
            add_annotation(
                conn, child_person_id=amy, event_id=amys_event.id, author="p", kind="verdict", text="x"
            )
        with pytest.raises(AnnotationError, match="needs some text"):
            add_annotation(
                conn, child_person_id=amy, event_id=amys_event.id, author="p", kind="comment", text="  "
            )
        with pytest.raises(AnnotationError, match="whether the event is significant"):
            add_annotation(
                conn, child_person_id=amy, event_id=amys_event.id, author="p", kind="significance", text="x"
            )
