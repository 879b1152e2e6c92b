"""A practitioner's notes on a child's events: significance, analysis, impact, comments.

Kept beside the agency's record, never in it: an annotation names its author and time, and the
event it is about stays exactly as the agency recorded it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, insert, select

from chronology.db.models import Annotation, Event, utcnow
from chronology.people import group_members

annotations_t = Annotation.__table__
events_t = Event.__table__


class AnnotationKind(StrEnum):
    SIGNIFICANCE = "significance"
    ANALYSIS = "analysis"
    IMPACT = "impact"
    COMMENT = "comment"


class AnnotationError(ValueError):
    """An annotation that cannot be made (unknown kind, empty text, event of another child...)."""


@dataclass(frozen=True, slots=True)
class AnnotationView:
    id: int
    event_id: int
    author: str
    created_at: dt.datetime
    kind: AnnotationKind
    significant: bool | None
    text: str


def add_annotation(
    conn: Connection,
    *,
    child_person_id: int,
    event_id: int,
    author: str,
    kind: str,
    text: str,
    significant: bool | None = None,
) -> int:
    """Record a note on one of the child's events; returns its id."""
    try:
        kind_value = AnnotationKind(kind)
    except ValueError:
        raise AnnotationError(
            f"unknown kind {kind!r}; kinds: {', '.join(k.value for k in AnnotationKind)}"
        ) from None
    text = text.strip()
    if kind_value is AnnotationKind.SIGNIFICANCE and significant is None:
        raise AnnotationError("a significance note says whether the event is significant")
    if kind_value is not AnnotationKind.SIGNIFICANCE:
        significant = None
    if not text:
        raise AnnotationError("an annotation needs some text")
    subject = conn.execute(select(events_t.c.subject_id).where(events_t.c.id == event_id)).scalar()
    if subject is None or subject not in group_members(conn, child_person_id):
        raise AnnotationError(f"event {event_id} is not in this child's chronology")
    return int(
        conn.execute(
            insert(annotations_t).values(
                event_id=event_id,
                child_person_id=child_person_id,
                author=author,
                created_at=utcnow(),
                kind=kind_value.value,
                significant=significant,
                text=text,
            )
        ).inserted_primary_key[0]
    )


def annotations_by_event(conn: Connection, event_ids: list[int]) -> dict[int, list[AnnotationView]]:
    """Every note on these events, oldest first (notes outlive merges: they follow the event)."""
    found: dict[int, list[AnnotationView]] = defaultdict(list)
    if not event_ids:
        return found
    for row in conn.execute(
        select(annotations_t).where(annotations_t.c.event_id.in_(event_ids)).order_by(annotations_t.c.id)
    ):
        found[row.event_id].append(
            AnnotationView(
                row.id,
                row.event_id,
                row.author,
                row.created_at,
                AnnotationKind(row.kind),
                row.significant,
                row.text,
            )
        )
    return found
