"""A practitioner's working notes on a child's events, kept beside (never inside) what agencies recorded.

Each note is one row of ``annotations``: who wrote it, when, what kind (a significance judgement,
analysis, impact on the child, or a comment) and its text. Notes are only ever added: a later
significance judgement outweighs an earlier one, and both stay visible with their authors.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, insert, select

from chronology.db.models import Annotation, Event, utcnow

annotations_t = Annotation.__table__
events_t = Event.__table__
CHUNK = 2_000  # ids per IN (...) list, well under SQLite's parameter limit
MAX_TEXT = 5_000


class Kind(StrEnum):
    SIGNIFICANCE = "significance"
    ANALYSIS = "analysis"
    IMPACT = "impact"
    COMMENT = "comment"


KIND_WORDS = {
    Kind.SIGNIFICANCE: "Significance",
    Kind.ANALYSIS: "Analysis",
    Kind.IMPACT: "Impact on the child",
    Kind.COMMENT: "Comment",
}


class AnnotationError(ValueError):
    """An annotation that cannot be kept (empty, too long, or on another child's event)."""


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    event_id: int
    author: str
    created_at: dt.datetime
    kind: Kind
    significant: bool | None
    text: str

    def label(self) -> str:
        """The note as one line of the CSV ``analysis`` column: attributed and dated."""
        day = self.created_at.date().isoformat()
        if self.kind == Kind.SIGNIFICANCE:
            said = "significant" if self.significant else "not significant"
            body = f"marked {said}" + (f": {self.text}" if self.text else "")
        else:
            body = f"{KIND_WORDS[self.kind].lower()}: {self.text}"
        return f"[annotation by {self.author} on {day}] {body}"

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "author": self.author,
            "created_at": self.created_at.isoformat(),
            "kind": self.kind.value,
            "kind_words": KIND_WORDS[self.kind],
            "significant": self.significant,
            "text": self.text,
        }


def add_note(
    conn: Connection,
    *,
    child_person_id: int,
    members: Sequence[int],
    event_id: int,
    author: str,
    kind: Kind,
    text: str,
    significant: bool | None = None,
) -> int:
    """Keep one note on an event of this child (``members``: the child's merged person rows)."""
    text = text.strip()
    if kind == Kind.SIGNIFICANCE and significant is None:
        raise AnnotationError("say whether the event is significant")
    if kind != Kind.SIGNIFICANCE and not text:
        raise AnnotationError("the note is empty")
    if len(text) > MAX_TEXT:
        raise AnnotationError(f"a note may have at most {MAX_TEXT} characters")
    subject = conn.execute(select(events_t.c.subject_id).where(events_t.c.id == event_id)).scalar()
    if subject is None or subject not in members:
        raise AnnotationError("that event is not in this child's chronology")
    result = conn.execute(
        insert(annotations_t).values(
            event_id=event_id,
            child_person_id=child_person_id,
            author=author,
            created_at=utcnow(),
            kind=kind.value,
            significant=significant if kind == Kind.SIGNIFICANCE else None,
            text=text,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def notes_for(conn: Connection, event_ids: Iterable[int]) -> dict[int, list[Note]]:
    """Every note on these events, oldest first, by event id."""
    ids = sorted(set(event_ids))
    found: dict[int, list[Note]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(
            select(annotations_t)
            .where(annotations_t.c.event_id.in_(ids[start : start + CHUNK]))
            .order_by(annotations_t.c.created_at, annotations_t.c.id)
        )
        for row in rows:
            found[int(row.event_id)].append(
                Note(
                    int(row.id),
                    int(row.event_id),
                    row.author,
                    _aware(row.created_at),
                    Kind(row.kind),
                    row.significant,
                    row.text,
                )
            )
    return dict(found)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def judged_significance(notes: Sequence[Note]) -> bool | None:
    """The latest significance judgement among the notes, if any was made."""
    judged = [note.significant for note in notes if note.kind == Kind.SIGNIFICANCE]
    return judged[-1] if judged else None


def analysis_text(agency_analysis: str | None, notes: Sequence[Note]) -> str:
    """The ``analysis`` column: the agency's own analysis first, then each note, attributed and dated."""
    parts = [agency_analysis] if agency_analysis else []
    parts += [note.label() for note in notes]
    return "\n".join(parts)
