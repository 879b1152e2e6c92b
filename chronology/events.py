"""The canonical event: the one record every importer produces, whatever the source format.

Nothing a source said is thrown away: fields the importer does not map go into ``attributes``
verbatim, category codes are kept as the source wrote them, and dates keep their precision and
uncertainty instead of being rounded to a day that nobody recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum


class Precision(StrEnum):
    """How much of a date the source actually gave."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to day, month or year precision, possibly marked uncertain ('?').

    ``month``/``day`` are None when the source did not give them: we never invent a day.
    """

    year: int
    month: int | None = None
    day: int | None = None
    uncertain: bool = False

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    def earliest(self) -> dt.date:
        """First calendar day the date could be (used for sorting and storage)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        """Last calendar day the date could be."""
        if self.day is not None:
            return dt.date(self.year, self.month or 1, self.day)
        if self.month is not None:
            nxt = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)

    def iso(self) -> str:
        """ISO 8601 at the precision known (``2021``, ``2021-03``, ``2021-03-04``), no uncertainty mark."""
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def marked(self) -> str:
        """ISO form with the project's leading ``?`` when uncertain (what the template format reads)."""
        return ("?" if self.uncertain else "") + self.iso()

    @classmethod
    def from_date(cls, value: dt.date, uncertain: bool = False) -> PartialDate:
        return cls(value.year, value.month, value.day, uncertain)

    @classmethod
    def from_stored(cls, earliest: dt.date, precision: str, uncertain: bool) -> PartialDate:
        """Rebuild from the database's (earliest day, precision, uncertain) columns."""
        if precision == Precision.DAY:
            return cls(earliest.year, earliest.month, earliest.day, uncertain)
        if precision == Precision.MONTH:
            return cls(earliest.year, earliest.month, None, uncertain)
        return cls(earliest.year, None, None, uncertain)


class IdentifierKind(StrEnum):
    """Kinds of identifier a person can hold. Matching uses them in the order of ``MATCH_ORDER``."""

    NHS_NUMBER = "nhs_number"
    UPN = "upn"
    FORMER_UPN = "former_upn"
    LA_CHILD_ID = "la_child_id"
    POLICE_NOMINAL_ID = "police_nominal_id"
    SOURCE_PERSON_ID = "source_person_id"  # an agency system's own person ID (scoped by source system)


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier as a source gave it. ``scope`` names the issuing system for local IDs."""

    kind: IdentifierKind
    value: str
    scope: str = ""  # e.g. police force or social care system, for IDs only unique within it


@dataclass(slots=True)
class PersonRef:
    """A person as a source described them: the event's subject or someone involved in it.

    ``role`` is their part in the event or their relationship to the child (mother, father,
    step-father, mother's partner, sibling, social worker, suspect, victim, ...), lower case.
    """

    name: str | None = None
    surname: str | None = None
    forenames: str | None = None
    dob: PartialDate | None = None
    sex: str | None = None
    postcode: str | None = None
    role: str | None = None
    identifiers: list[Identifier] = field(default_factory=list)

    def display_name(self) -> str | None:
        if self.forenames or self.surname:
            return " ".join(part for part in (self.forenames, self.surname) if part)
        return self.name


class ReferenceRole(StrEnum):
    """Whether a record is the one a reference names, or another record quoting it."""

    OWN = "own"  # the record's own reference (a police occurrence's occurrence reference)
    QUOTED = "quoted"  # a reference the record quotes (a school's Operation Encompass row)


@dataclass(frozen=True, slots=True)
class Reference:
    """A case, incident or crime reference a record carries or quotes, as the source wrote it.

    ``kind`` says what it refers to (``police_occurrence``, ``crime``, ``marac``, ``case``); ``source``
    where on the record it was found (a column name, or ``text`` for one read from free text). Records
    are joined on ``token`` (``chronology.references.reference_token``), never on the written shape.
    """

    kind: str
    value: str
    role: ReferenceRole = ReferenceRole.QUOTED
    source: str = ""

    @property
    def token(self) -> str:
        from chronology.references import reference_token

        return reference_token(self.value)


@dataclass(slots=True)
class Provenance:
    """Where an event came from, precisely enough for a person to find the original record."""

    source_system: str  # e.g. "template:Probation", "cin-census", "police"
    file: str
    row: int | None = None  # 1-based data row number (header is row 1 in a CSV, so data starts at 2)
    path: str | None = None  # XML path or sheet!cell reference when there is no row
    source_record_id: str | None = None
    sheet: str | None = None
    # When one source record gives several events (a police occurrence linked to two children), what
    # tells them apart (e.g. the child's nominal ID); part of the natural key, not of the record ID.
    record_part: str | None = None


@dataclass(slots=True)
class CanonicalEvent:
    """One thing that happened to or around a child, as one agency recorded it."""

    subject: PersonRef
    agency: str
    source: str
    event_type: str
    summary: str
    provenance: Provenance
    date: PartialDate | None = None  # None: an undated event, kept rather than dropped
    date_text: str | None = None  # what the source wrote, kept for undated and uncertain dates
    time: dt.time | None = None
    end: PartialDate | None = None
    end_time: dt.time | None = None
    categories: list[str] = field(default_factory=list)  # verbatim codes or labels
    # Risk themes. None: the store infers them from category words (config/vocabulary.toml). A list, even
    # an empty one: the importer's code lists decided (e.g. police "Assault" is physical abuse only when the
    # child was the victim), and keyword inference must not override that.
    themes: list[str] | None = None
    impact_on_child: str | None = None
    action_outcome: str | None = None
    analysis: str | None = None
    significant: bool = False
    child_voice: str | None = None
    child_seen_alone: bool | None = None
    persons: list[PersonRef] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    seq: int | None = None  # orders events on the same day, when the source says
    # What the link graph and the patterns read, filled by each importer from its own format, so the
    # analysis never reads a source's column names or raw payloads:
    references: list[Reference] = field(default_factory=list)  # references it carries and quotes
    # For a contact or referral: the top-level agency that made it (Police, Health, Education, ...)
    referring_agency: str | None = None
    # The encounter or episode of care the record belongs to (a FHIR Encounter's own reference for the
    # Encounter itself, the Encounter it points to for a Condition or Observation)
    encounter: str | None = None
    # The vocabulary keys (chronology.labels.label_key) the source's type and category labels were
    # matched to in config/ ("domestic abuse", "operation encompass"); categories stay verbatim
    labels: list[str] = field(default_factory=list)

    def natural_key(self) -> str:
        """Key that makes a re-import of the same record add nothing.

        Source system + source record ID where the source gives one; otherwise a hash of the
        content that identifies the record (not of its provenance, so the same row in a renamed
        file is still the same record).
        """
        if self.provenance.source_record_id:
            key = f"{self.provenance.source_system}|id|{self.provenance.source_record_id}"
            return f"{key}|{self.provenance.record_part}" if self.provenance.record_part else key
        return f"{self.provenance.source_system}|sha|{self.content_hash()}"

    def content_hash(self) -> str:
        payload = {
            "subject": sorted(f"{i.kind}:{i.scope}:{i.value}" for i in self.subject.identifiers),
            "subject_name": self.subject.display_name(),
            "agency": self.agency,
            "source": self.source,
            "event_type": self.event_type,
            "summary": self.summary,
            "date": self.date.marked() if self.date else self.date_text,
            "time": self.time.isoformat() if self.time else None,
            "end": self.end.marked() if self.end else None,
            "categories": self.categories,
            "impact": self.impact_on_child,
            "action": self.action_outcome,
            "analysis": self.analysis,
            "voice": self.child_voice,
            "persons": [(p.display_name(), p.role) for p in self.persons],
            "seq": self.seq,
            "attributes": sorted(self.attributes.items()),
        }
        encoded = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()[:32]


@dataclass(slots=True)
class Relationship:
    """A person known in a child's life and how they relate to the child (from a relationships file
    or a FHIR RelatedPerson). Importers of such sources yield these alongside events."""

    child: PersonRef
    person: PersonRef
    relationship: str
    provenance: Provenance
    parental_responsibility: bool | None = None
    lives_with_child: bool | None = None
    from_date: PartialDate | None = None
    to_date: PartialDate | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class PersonRecord:
    """A record that only says who someone is (an SSDA903 Header row, a CTF pupil with no events):
    no event happened, but its identifiers, name and date of birth join the person's record."""

    person: PersonRef
    provenance: Provenance
    is_child: bool = True
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row the importer could not turn into an event, with the reason in words a data officer reads."""

    file: str
    row: int | None
    field: str | None
    reason: str
    raw: dict[str, str] | None = None
    path: str | None = None

    def location(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.path:
            where += f", {self.path}"
        if self.field:
            where += f", field '{self.field}'"
        return where


@dataclass(frozen=True, slots=True)
class ImportWarning:
    """Something imported but worth a person's attention (invalid NHS number, unknown code, ...)."""

    file: str
    row: int | None
    field: str | None
    message: str
    path: str | None = None

    def location(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.path:
            where += f", {self.path}"
        if self.field:
            where += f", field '{self.field}'"
        return where


@dataclass(frozen=True, slots=True)
class Coverage:
    """The period a source's file covers (a census year, the span of a log), so that "no police data
    before 2019" is never mistaken for "no police incidents before 2019"."""

    agency: str
    start: dt.date
    end: dt.date
    basis: str  # how it is known, e.g. "CIN census reference year 2021-22"
    # records open in the period may have started before it (a census lists open cases with their
    # referral dates): events dated before ``start`` are expected, not a contradiction of the period
    open_before: bool = False
    # the file states the period itself (a census reference date, attendance years), so it is recorded
    # whole when the file holds events in it; otherwise it is cut to the events the file holds
    stated: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something in the file that is not a record and is read only as context (a document's index,
    a search's outcome): counted apart from rejected rows so a data officer sees it was not lost."""

    file: str
    what: str
    reason: str
    path: str | None = None


class ImportFileError(Exception):
    """The whole file cannot be read (wrong encoding, missing required columns, malformed XML...).

    The message names the file and, where it can, the row and field.
    """


ImportItem = CanonicalEvent | Relationship | PersonRecord | RejectedRow | ImportWarning | Coverage | Skipped
