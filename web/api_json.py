"""How the API writes the project's records as JSON: dates as ISO text, provenance kept together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from chronology.analysis.facts import Flag, PlanPeriod
from chronology.annotations import Note
from chronology.record import Entry


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def row_json(row: Any) -> dict[str, Any]:
    """A database row (an import report, a rejected row) as it is stored."""
    return {key: _plain(value) for key, value in row._mapping.items()}


def note_json(note: Note) -> dict[str, Any]:
    return {
        "author": note.author,
        "at": note.created_at.isoformat(),
        "kind": note.kind.value,
        "significant": note.significant,
        "text": note.text,
    }


def entry_json(entry: Entry, notes: Sequence[Note] = (), significant: bool | None = None) -> dict[str, Any]:
    """One chronology event: what the source said, who was involved, where it came from, its groups,
    and the practitioners' annotations beside it (``significant`` is their latest judgement, else the
    agency's; ``recorded_significant`` is what the agency said)."""
    return {
        "id": entry.id,
        "date": entry.date.iso() if entry.date else None,
        "date_precision": entry.date.precision.value if entry.date else "unknown",
        "date_uncertain": bool(entry.date and entry.date.uncertain),
        "date_as_written": entry.date_text,
        "time": _plain(entry.time),
        "end": entry.end.iso() if entry.end else None,
        "end_time": _plain(entry.end_time),
        "age_at_event": entry.age_at_event,
        "agency": entry.agency,
        "source": entry.source,
        "event_type": entry.event_type,
        "categories": entry.categories,
        "themes": entry.themes,
        "summary": entry.summary,
        "impact_on_child": entry.impact_on_child,
        "action_outcome": entry.action_outcome,
        "analysis": entry.analysis,
        "significant": bool(entry.significant) if significant is None else significant,
        "recorded_significant": bool(entry.significant),
        "annotations": [note_json(n) for n in notes],
        "child_voice": entry.child_voice,
        "child_seen_alone": entry.child_seen_alone,
        "persons": [
            {
                "name": p.name,
                "role": p.role,
                "relationship": p.relationship,
                "person_id": p.person_id,
                "display": p.display,
                "ambiguous": p.ambiguous,
            }
            for p in entry.persons
        ],
        "attributes": _plain(entry.attributes),
        "provenance": {
            "source_system": entry.source_system,
            "file": entry.source_file,
            "row": entry.source_row,
            "path": entry.source_path,
            "sheet": entry.source_sheet,
            "record_id": entry.source_record_id,
            "import_id": entry.batch_id,
        },
        "incident_cluster": entry.incident_cluster,
        "episode": entry.episode,
    }


def plan_json(plan: PlanPeriod) -> dict[str, Any]:
    return {
        "kind": plan.kind,
        "number": plan.number,
        "start": plan.start.isoformat(),
        "end": plan.end.isoformat() if plan.end else None,
        "category": plan.category,
        "previous_reported": plan.previous_reported,
        "start_event_id": plan.start_event_id,
        "end_event_id": plan.end_event_id,
    }


def flag_json(flag: Flag, title: str | None = None) -> dict[str, Any]:
    return {
        "pattern": flag.pattern,
        "title": title,
        "evidence_from": flag.evidence_from.isoformat(),
        "evidence_to": flag.evidence_to.isoformat(),
        "events": list(flag.events),
        "detail": flag.detail,
    }
