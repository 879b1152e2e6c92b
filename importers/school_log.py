"""The school safeguarding log CSV (project format), as school safeguarding record systems export it.

One row per incident or concern about a pupil: the pupil (UPN, names, date of birth), when, the
category (Domestic abuse, Operation Encompass, Neglect, Self-harm, ...), what was seen or said, the
child's own words, what the school did and who recorded it. Each row becomes one event for the
pupil; agency Education.

An Operation Encompass notification is the police telling the school about a domestic abuse
incident the child was part of: its ``police_reference`` is the event's QUOTED ``police_occurrence``
reference (the link graph joins it, by token, to the occurrence that owns it), and is kept as an
attribute and as the category ``police_ref:<ref>`` too.

The natural key is the school (``school-log:<URN>``) and its own ``incident_id``: the same incident
in a later, longer export of the same log adds nothing. A row with no school named has no stable
key of that kind and is keyed on its content (with a warning). The log's span of incident dates is
yielded as the school's coverage, so "no school concerns before September" is not mistaken for a
quiet child when the log simply starts then. Category codes and themes are data in
``config/codes/school_log.toml``; header aliases in ``config/project_formats.toml``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from chronology.events import (
    CanonicalEvent,
    Coverage,
    Identifier,
    ImportItem,
    PartialDate,
    PersonRef,
    Reference,
    ReferenceRole,
)
from chronology.labels import label_key
from chronology.references import merge_references
from chronology.settings import load_config
from importers.base import register
from importers.project_rows import (
    POLICE_REF_PREFIX,
    ProjectImporter,
    ProjectRow,
    column_references,
    split_references,
)
from importers.tabular import Table

FIELDS = (
    "incident_id",
    "school_urn",
    "school_name",
    "upn",
    "surname",
    "forenames",
    "dob",
    "date",
    "time",
    "category",
    "description",
    "child_voice",
    "action_taken",
    "police_reference",
    "recorded_by",
)
SNIFF_COLUMNS = ("incident_id", "upn", "category", "date")
REQUIRED_COLUMNS = ("incident_id", "school_urn", "upn", "date", "category", "description")
ATTRIBUTE_FIELDS = ("school_urn", "school_name", "police_reference")
AGENCY = "Education"
SOURCE_SYSTEM = "school-log"
DEFAULT_EVENT_TYPE = "school_safeguarding_concern"
_URN = re.compile(r"[0-9]{6}")


@dataclass(frozen=True, slots=True)
class Category:
    """What a school log category means (config/codes/school_log.toml)."""

    label: str  # the label_key of the config entry (what the event's labels hold)
    event_type: str = DEFAULT_EVENT_TYPE
    themes: tuple[str, ...] = ()
    significant: bool = False


@cache
def categories() -> dict[str, Category]:
    """label_key of each configured category -> what it means (the first of two that key alike)."""
    found: dict[str, Category] = {}
    for label, entry in load_config("codes/school_log").get("categories", {}).items():
        key = label_key(label)
        found.setdefault(
            key,
            Category(
                label=key,
                event_type=entry.get("event_type", DEFAULT_EVENT_TYPE),
                themes=tuple(entry.get("themes", ())),
                significant=bool(entry.get("significant", False)),
            ),
        )
    return found


def is_school_log_header(cells: Sequence[str]) -> bool:
    """incident_id + upn + category + date: a pupil-level incident log, not a police or care file."""
    return SchoolLogImporter.is_header(cells)


class _IncidentRow(ProjectRow):
    """Turns one log row into an event (or a rejected row)."""

    def convert(self) -> ImportItem:
        if broken := self.broken():
            return broken
        subject = self.pupil()
        if subject is None:
            return self.reject("upn", "no pupil identified: the UPN, surname and forenames are all blank")
        date, date_text, time = self.when("date", "time")
        written = [part.strip() for part in self.text("category").split(";") if part.strip()]
        known = self.categories(written)
        event_type = next(
            (c.event_type for c in known if c.event_type != DEFAULT_EVENT_TYPE), DEFAULT_EVENT_TYPE
        )
        police_ref = self.text("police_reference")
        if event_type == "operation_encompass" and not police_ref:
            self.warn(
                "police_reference",
                "an Operation Encompass notification with no police reference cannot be linked to the "
                "police occurrence",
            )
        record_id = self.text("incident_id")
        system = self.source_system()
        if not record_id:
            self.warn(
                "incident_id",
                "the incident ID is blank, so a re-import can only recognise this row by its content",
            )
        description = self.text("description")
        if not description:
            self.warn("description", "the description is blank")
        return CanonicalEvent(
            subject=subject,
            agency=AGENCY,
            source=self.source(),
            event_type=event_type,
            summary=description
            or f"{'; '.join(written) or 'Safeguarding concern'} (no description recorded)",
            provenance=self.provenance(system, record_id if system != SOURCE_SYSTEM else None),
            date=date,
            date_text=date_text,
            time=time,
            categories=written + ([f"{POLICE_REF_PREFIX}{police_ref}"] if police_ref else []),
            themes=list(dict.fromkeys(theme for c in known for theme in c.themes)),
            action_outcome=self.text("action_taken") or None,
            significant=any(c.significant for c in known),
            child_voice=self.text("child_voice") or None,
            attributes=self.attributes(record_id, system),
            references=self.references(),
            labels=list(dict.fromkeys(c.label for c in known)),
        )

    def references(self) -> list[Reference]:
        """The police reference an Operation Encompass row quotes (whole, as written), then any other
        reference-like extra column (config/project_formats.toml [reference_columns])."""
        police = [
            Reference("police_occurrence", ref, ReferenceRole.QUOTED, "police_reference")
            for ref in split_references(self.text("police_reference"))
        ]
        return merge_references(police, column_references(self.unmapped()))

    def pupil(self) -> PersonRef | None:
        """The pupil by UPN (kept with a warning when invalid), names and date of birth."""
        identifiers: list[Identifier] = []
        if upn := self.upn():
            identifiers.append(upn)
        person = self.person(identifiers)
        if not identifiers and not person.name:
            return None
        if not identifiers:
            self.warn(
                "upn",
                "the UPN is blank, so this pupil can only be matched to a child by name and date of birth",
            )
        return person

    def categories(self, labels: list[str]) -> list[Category]:
        """The known categories; each unknown one is kept as written, with a warning."""
        known: list[Category] = []
        if not labels:
            self.warn("category", "the category is blank")
        for label in labels:
            category = categories().get(label_key(label))
            if category is None:
                self.warn(
                    "category",
                    f"unknown category '{label}'; kept as written, recorded as a safeguarding concern "
                    "with no themes",
                )
            else:
                known.append(category)
        return known

    def source_system(self) -> str:
        """``school-log:<URN>`` (or the school's name when the URN is blank): the incident ID's scope."""
        urn = self.text("school_urn")
        if urn and not _URN.fullmatch(urn):
            self.warn("school_urn", f"school URN '{urn}' is not a 6-digit URN; kept as written")
        school = urn or self.text("school_name")
        if not urn:
            self.warn(
                "school_urn",
                "the school URN is blank"
                + ("; the school's name is used to tell its incidents apart" if school else ""),
            )
        return f"{SOURCE_SYSTEM}:{school}" if school else SOURCE_SYSTEM

    def source(self) -> str:
        school = self.text("school_name") or self.text("school_urn")
        base = f"School safeguarding log ({school})" if school else "School safeguarding log"
        recorded_by = self.text("recorded_by")
        return f"{base}, recorded by {recorded_by}" if recorded_by else base

    def attributes(self, record_id: str, system: str) -> dict[str, str]:
        attributes = self.cells(ATTRIBUTE_FIELDS)
        if record_id and system == SOURCE_SYSTEM:  # no school: the ID is kept, but cannot key the row
            attributes["incident_id"] = self.raw("incident_id")
        for name, value in self.unmapped().items():
            attributes.setdefault(name, value)
        return attributes


@register
class SchoolLogImporter(ProjectImporter):
    """Reads the project's school safeguarding log CSV/XLSX."""

    name: ClassVar[str] = "school-log"
    description: ClassVar[str] = (
        "School safeguarding log CSV or XLSX (project format): one row per incident or concern about a pupil"
    )
    section, fields, what = "school_log", FIELDS, "a school safeguarding log"
    sniff_columns, required_columns = SNIFF_COLUMNS, REQUIRED_COLUMNS
    row_class = _IncidentRow

    def items(self, table: Table, columns: dict[str, str]) -> Iterator[ImportItem]:
        """The rows' items, then the log's span of incident dates as the school's coverage."""
        span: tuple[dt.date, dt.date] | None = None
        for item in super().items(table, columns):
            yield item
            if isinstance(item, CanonicalEvent) and item.date is not None:
                span = _widen(span, item.date)
        if span:
            yield Coverage(AGENCY, span[0], span[1], f"span of the incident dates in {table.file_name}")


def _widen(span: tuple[dt.date, dt.date] | None, date: PartialDate) -> tuple[dt.date, dt.date]:
    if span is None:
        return date.earliest(), date.latest()
    return min(span[0], date.earliest()), max(span[1], date.latest())
