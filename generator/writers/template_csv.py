"""The multi-agency chronology template (CSV), one file per agency.

Conventions a reader of these files needs (also in the ground truth's ``conventions``):

- ``category`` is ``;``-separated: the event type first, then qualifiers, e.g.
  ``CP plan start; Emotional abuse``, ``Referral; Source: Police; Domestic abuse``,
  ``Police occurrence; Domestic crime; Domestic abuse; DASH: high (16)``,
  ``MARAC referral; DASH: high (16)``, ``Was not brought; Audiology``,
  ``Statutory visit; Child seen alone``.
- The child's own words are in an extra ``child_voice`` column (many agencies' templates have one; the
  template importer reads it as the event's child's voice).
- ``persons`` is ``Full Name (relationship[, part in the event])``, ``;``-separated, e.g.
  ``Kelly Hart (mother, victim); Dean Shaw (mother's partner, suspect); Ann Lowe (social worker)``.
- Police ``record_id`` is ``<occurrence reference>/<n>`` (the nth child linked to the occurrence);
  Operation Encompass rows quote the reference in ``event`` as ``(ref OR-19-001234)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from generator.model import ChildRecord, Family, WorldEvent

COLUMNS = (
    "agency",
    "record_id",
    "seq",
    "start_date",
    "start_time",
    "end_date",
    "end_time",
    "source",
    "child_id",
    "nhs_number",
    "upn",
    "child_name",
    "child_dob",
    "event",
    "category",
    "impact_on_child",
    "action_outcome",
    "analysis",
    "persons",
    "child_voice",
)
FILES = {
    "Police": "template-police.csv",
    "Health": "template-health.csv",
    "Education": "template-education.csv",
    "Children's Social Care": "template-childrens-social-care.csv",
    "Probation": "template-probation.csv",
    "Housing": "template-housing.csv",
    "Substance misuse service": "template-substance-misuse.csv",
}
ALWAYS = ("Police", "Health", "Education", "Children's Social Care")
ISO_SHARE = 12  # percent of rows an agency dated in ISO form rather than DD/MM/YYYY


def _iso_style(record_id: str) -> bool:
    return zlib.crc32(record_id.encode()) % 100 < ISO_SHARE


def format_date(day: dt.date, *, iso: bool, precision: str = "day", uncertain: bool = False) -> str:
    if precision == "month":
        text = f"{day.year:04d}-{day.month:02d}" if iso else f"{day.month:02d}/{day.year:04d}"
    else:
        text = day.isoformat() if iso else f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    return ("?" if uncertain else "") + text


def _time(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def row(record: ChildRecord, event: WorldEvent) -> list[str]:
    """One template row for one child's event."""
    iso = _iso_style(event.record_id)
    child = record.child
    return [
        event.agency,
        event.record_id,
        str(event.seq) if event.seq else "",
        format_date(event.day, iso=iso, precision=event.precision, uncertain=event.uncertain),
        _time(event.time),
        format_date(event.end_day, iso=iso) if event.end_day else "",
        _time(event.end_time),
        event.source,
        event.ids.get("child_id", ""),
        event.ids.get("nhs_number", ""),
        event.ids.get("upn", ""),
        child.name,
        format_date(child.dob, iso=iso),
        event.text,
        "; ".join(event.labels),
        event.impact,
        event.action,
        event.analysis,
        "; ".join(f"{m.name} ({', '.join(m.roles)})" for m in event.persons),
        event.voice or "",
    ]


def family_rows(family: Family) -> Iterator[tuple[str, list[str]]]:
    """(agency, row) for every event of every child in the family, child by child, oldest first."""
    for record in family.children:
        for event in record.events:
            yield event.agency, row(record, event)


class TemplateCsvWriter:
    """Writes ``template-<agency>.csv`` files; agencies beyond the main four appear when used.

    ``include`` chooses the events it writes: alongside the native-format writers it takes only what
    no native format carries, so every world event is written once.
    """

    def __init__(
        self, include: Callable[[WorldEvent], bool] | None = None, always: tuple[str, ...] = ALWAYS
    ) -> None:
        self._include = include
        self._always = always
        self._dir: Path | None = None
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, csv._writer] = {}
        self._counts: dict[str, int] = {}

    def open(self, out_dir: Path) -> None:
        self._dir = out_dir
        for agency in self._always:
            self._writer_for(agency)

    def _writer_for(self, agency: str) -> csv._writer:
        writer = self._writers.get(agency)
        if writer is None:
            assert self._dir is not None, "open() first"
            name = FILES.get(agency) or f"template-{agency.lower().replace(' ', '-')}.csv"
            handle = (self._dir / name).open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            self._files[agency] = handle
            self._writers[agency] = writer
            self._counts[agency] = 0
        return writer

    def write_family(self, family: Family) -> None:
        for record in family.children:
            for event in record.events:
                if self._include is None or self._include(event):
                    self._writer_for(event.agency).writerow(row(record, event))
                    self._counts[event.agency] += 1

    def close(self) -> dict[str, int]:
        for handle in self._files.values():
            handle.close()
        written = {Path(handle.name).name: self._counts[agency] for agency, handle in self._files.items()}
        self._files.clear()
        self._writers.clear()
        return dict(sorted(written.items()))
