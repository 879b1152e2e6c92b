"""The police occurrence CSV (project format): one row per person ("nominal") linked to an occurrence.

Police records systems export occurrence–nominal links: an occurrence with three people linked
to it is three rows, each repeating the occurrence's details. A chronology is about a child, so:

- Each **child** linked to an occurrence gets one event for it. A nominal is a child when their
  role is "child present" or "child resident", or their date of birth makes them under 18 on the
  occurrence date (a partial date of birth that might make them 18 counts as a child, with a
  warning: missing a child matters more than an extra event a person can check).
- Every **adult** nominal of the occurrence is a person on each child's event, with their role
  (victim, suspect, ...), name, date of birth, sex and identifiers (the force's nominal ID, and
  an NHS number when the force holds one, which lets the store join them to health's record of
  the mother, say). Police data gives roles, not family relationships: none are invented.
- An occurrence with **no child** linked is in no child's chronology; a warning says so for each.

Counting: one event per (occurrence, child). An adult's row is part of the events of its
occurrence, not an item of its own, and a child listed twice on one occurrence (victim and child
present) is one event with both roles. So the store's "records read" (events + rejected rows) is
not the file's row count; a closing warning gives the file's own sums: rows, occurrences, child
events, adult rows, rows on occurrences with no child.

Memory: rows of one occurrence need not be next to each other, so the whole file must be seen
before any occurrence is complete. Rather than hold a million rows in memory, the first pass
writes each row (as compact JSON) into a temporary SQLite file on disk, indexed by occurrence
reference; the second pass reads it back one occurrence at a time, in order of each occurrence's
first row. Memory stays flat whatever the file's order; the disk needs about the file's size.
The temporary file is deleted when reading ends, even if the import fails.

Occurrence details (date, type, DA flag, DASH, location, summary) are taken from the child's own
row; a blank there is filled from another row of the occurrence, and rows of one occurrence that
disagree are reported. Code lists (occurrence types and their themes, roles, DASH levels) are
data in ``config/codes/police.toml``, looked up by ``label_key`` (so "Domestic Incident", "DOMESTIC -
INCIDENT" and "Incident (domestic)" are one type; the matched entry's key is the event's label);
header aliases in ``config/project_formats.toml``.

References: the occurrence reference is the event's OWN ``police_occurrence`` reference, whole as
written (``OCC18/001016``, ``47/123456/19``: never cut at a separator; records join on its token).
A ``crime_ref`` column is an OWN ``crime`` reference (a file with a crime reference column and no
occurrence column uses it as the occurrence's reference); a ``marac_ref`` column is a ``marac``
reference, OWN on a MARAC referral and QUOTED otherwise.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

from chronology.dates import DateParseError, parse_datetime
from chronology.events import (
    CanonicalEvent,
    Coverage,
    Identifier,
    IdentifierKind,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRef,
    Reference,
    ReferenceRole,
    RejectedRow,
)
from chronology.labels import keyed, label_key
from chronology.people import name_key
from chronology.references import merge_references
from chronology.settings import load_config
from importers.base import register
from importers.project_rows import ProjectImporter, ProjectRow, reference_kind, split_references, words_key
from importers.table_rows import closing_notices, header_fields
from importers.tabular import Table, TableRow, describe_rows

FIELDS = (
    "occurrence_ref",
    "occurred_at",
    "occurrence_type",
    "domestic_abuse",
    "dash_risk",
    "dash_score",
    "children_present",
    "location",
    "summary",
    "nominal_id",
    "nominal_role",
    "surname",
    "forenames",
    "dob",
    "sex",
    "nhs_number",
    "upn",
    "encompass_school_urn",
    "force",
    "crime_ref",
    "marac_ref",
)
SNIFF_COLUMNS = ("occurrence_ref", "occurred_at", "nominal_id")
REQUIRED_COLUMNS = ("occurrence_ref", "occurred_at", "nominal_id", "nominal_role")
# The occurrence's own details: the same on every row of it (a blank is filled from another row).
OCCURRENCE_FIELDS = (
    "occurred_at",
    "occurrence_type",
    "domestic_abuse",
    "dash_risk",
    "dash_score",
    "children_present",
    "location",
    "summary",
    "crime_ref",
    "marac_ref",
)
_OCCURRENCE_FIELD_SET = frozenset(OCCURRENCE_FIELDS)
# Kept on the event under these names, verbatim (what the link graph and a reader look for).
ATTRIBUTE_FIELDS = (
    "occurrence_ref",
    "domestic_abuse",
    "dash_risk",
    "dash_score",
    "children_present",
    "location",
    "encompass_school_urn",
    "force",
    "crime_ref",
    "marac_ref",
)
AGENCY = "Police"
SOURCE_SYSTEM = "police"
DEFAULT_FORCE = "police"
DEFAULT_EVENT_TYPE = "police_occurrence"
MARAC_REFERRAL = "marac_referral"
# Reference kinds (chronology.events.Reference)
OCCURRENCE, CRIME, MARAC = "police_occurrence", "crime", "marac"
MAX_DASH_SCORE = 27
ADULT_AGE = 18


# --- code lists ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OccurrenceType:
    """What an occurrence type means for a child's chronology (config/codes/police.toml)."""

    event_type: str = DEFAULT_EVENT_TYPE
    label: str = ""  # the label_key of the config entry matched ('' when none was)
    domestic: bool = False
    themes: tuple[str, ...] = ()
    themes_if_child_victim: tuple[str, ...] = ()
    themes_if_adult_suspect: tuple[str, ...] = ()


@cache
def _codes() -> dict[str, Any]:
    return load_config("codes/police")


@cache
def occurrence_types() -> dict[str, OccurrenceType]:
    """label_key of each configured occurrence type -> what it means."""
    types: dict[str, OccurrenceType] = {}
    for label, entry in _codes().get("occurrence_types", {}).items():
        key = label_key(label)
        types.setdefault(
            key,
            OccurrenceType(
                event_type=entry.get("event_type", DEFAULT_EVENT_TYPE),
                label=key,
                domestic=bool(entry.get("domestic", False)),
                themes=tuple(entry.get("themes", ())),
                themes_if_child_victim=tuple(entry.get("themes_if_child_victim", ())),
                themes_if_adult_suspect=tuple(entry.get("themes_if_adult_suspect", ())),
            ),
        )
    return types


@cache
def _roles(kind: str) -> frozenset[str]:
    return frozenset(label_key(role) for role in _codes().get("roles", {}).get(kind, ()))


@cache
def role_names() -> dict[str, str]:
    """label_key of each role the format defines -> the role as the format writes it."""
    return keyed({role: role for role in _codes().get("roles", {}).get("known", ())})


@cache
def _dash_levels() -> dict[str, str]:
    return keyed(_codes().get("dash_levels", {}))


def normalise_role(text: str) -> str:
    """A nominal role as compared with the code list (``Child Present``, ``PRESENT - CHILD``,
    ``child_present`` are one role): its label_key."""
    return label_key(text)


def occurrence_ref_kind(table: Table, columns: dict[str, str]) -> str:
    """``crime`` when the occurrence's reference column is a crime reference (a file with no
    occurrence column), else ``police_occurrence``."""
    header = table.name_of(columns["occurrence_ref"])
    return CRIME if reference_kind(header) == CRIME else OCCURRENCE


def is_police_header(cells: Sequence[str]) -> bool:
    """occurrence_ref + occurred_at + nominal_id: the columns only a police occurrence export has."""
    return PoliceImporter.is_header(cells)


def eighteenth_birthday(born: dt.date) -> dt.date:
    try:
        return born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born 29 February: 18 on 1 March
        return dt.date(born.year + ADULT_AGE, 3, 1)


# --- spilling rows to disk, grouped by occurrence -----------------------------------------------------


class OccurrenceSpill:
    """Rows kept in a temporary SQLite file until every row of the file is read, then given back one
    occurrence at a time (in order of each occurrence's first row). Memory stays flat on big files."""

    BATCH = 5000

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self._folder = tempfile.TemporaryDirectory(prefix="chronology-police-")
        self._db = sqlite3.connect(Path(self._folder.name) / "rows.sqlite3")
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "CREATE TABLE rows (ref TEXT NOT NULL, number INTEGER NOT NULL, data TEXT NOT NULL);"
        )
        self._pending: list[tuple[str, int, str]] = []
        self.count = 0

    def add(self, ref: str, row: TableRow) -> None:
        cells = [row.cells.get(key, "") for key in self.keys]
        data = json.dumps([cells, row.errors, row.warnings, row.extra], ensure_ascii=False)
        self._pending.append((ref, row.number, data))
        self.count += 1
        if len(self._pending) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO rows VALUES (?, ?, ?)", self._pending)
        self._pending = []

    def occurrences(self) -> Iterator[tuple[str, list[TableRow]]]:
        """(occurrence reference, its rows in file order), occurrence by occurrence."""
        self._flush()
        self._db.execute("CREATE INDEX rows_by_ref ON rows (ref, number)")
        cursor = self._db.execute(
            "SELECT r.ref, r.number, r.data FROM rows r "
            "JOIN (SELECT ref, MIN(number) AS first FROM rows GROUP BY ref) f ON f.ref = r.ref "
            "ORDER BY f.first, r.number"
        )
        for ref, group in itertools.groupby(cursor, key=lambda record: record[0]):
            yield ref, [self._row(number, data) for _, number, data in group]

    def _row(self, number: int, data: str) -> TableRow:
        cells, errors, warnings, extra = json.loads(data)
        return TableRow(
            number=number,
            cells=dict(zip(self.keys, cells, strict=True)),
            errors=[tuple(error) for error in errors],
            warnings=[tuple(warning) for warning in warnings],
            extra=extra,
        )

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- one nominal (row) -----------------------------------------------------------------------------------


class _NominalRow(ProjectRow):
    """A row whose blank occurrence details are filled from another row of the same occurrence."""

    def __init__(self, table: Table, columns: dict[str, str], row: TableRow, shared: dict[str, str]) -> None:
        super().__init__(table, columns, row)
        self.shared = shared

    def raw(self, name: str) -> str:
        own = super().raw(name)
        if name in _OCCURRENCE_FIELD_SET and not own.strip():
            return self.shared.get(name, own)
        return own

    def text(self, name: str) -> str:
        own = super().text(name)
        if not own and name in _OCCURRENCE_FIELD_SET:
            return self.raw(name).strip()
        return own


@dataclass(slots=True)
class _Nominal:
    """A person linked to an occurrence, as one row gives them."""

    reader: _NominalRow
    role: str  # normalised ('' when blank)
    person: PersonRef
    key: str  # the nominal ID, or name and date of birth when there is none
    date: PartialDate | None  # this row's occurrence date, read quietly (the child's row warns)
    is_child: bool = False


@dataclass(slots=True)
class _Counts:
    """The file's own sums, for the closing warning."""

    rows: int = 0
    rejected: int = 0
    occurrences: int = 0
    child_rows: int = 0
    events: int = 0
    repeated_child_rows: int = 0
    adult_rows: int = 0
    orphan_occurrences: int = 0
    orphan_rows: int = 0
    first: dt.date | None = None
    last: dt.date | None = None

    def span(self, date: PartialDate | None) -> None:
        if date is None:
            return
        self.first = min(self.first or date.earliest(), date.earliest())
        self.last = max(self.last or date.latest(), date.latest())


# --- the importer ------------------------------------------------------------------------------------------


class _Occurrence:
    """Turns the rows of one occurrence into one event per linked child."""

    def __init__(self, table: Table, columns: dict[str, str], ref: str, rows: list[TableRow]) -> None:
        self.table = table
        self.columns = columns
        self.ref = ref
        self.rows = rows
        self.shared = self._shared()
        self.items: list[ImportItem] = []
        self.nominals: list[_Nominal] = []

    def _shared(self) -> dict[str, str]:
        """Each occurrence detail's first non-blank value among the rows."""
        shared: dict[str, str] = {}
        for name in OCCURRENCE_FIELDS:
            key = self.columns.get(name)
            value = next((row.get(key) for row in self.rows if row.get(key).strip()), None)
            if value is not None:
                shared[name] = value
        return shared

    def convert(self, counts: _Counts) -> list[ImportItem]:
        for row in self.rows:
            nominal = self._nominal(row)
            if nominal is not None:
                self.nominals.append(nominal)
        occurrence_date = next((n.date for n in self.nominals if n.date), None)
        for nominal in self.nominals:
            nominal.is_child = self._is_child(nominal, occurrence_date)
            counts.span(nominal.date)
        self._check_agreement()
        children: dict[str, list[_Nominal]] = {}
        for nominal in self.nominals:
            if nominal.is_child:  # a child with no ID or name is rejected on its own row
                children.setdefault(nominal.key or f"(row {nominal.reader.number})", []).append(nominal)
        adults = [n for n in self.nominals if not n.is_child]
        if not children and self.nominals:  # (rows all rejected: nothing to say)
            self._no_child(counts)
        for group in children.values():
            item = self._event(
                group, adults, [n for n in self.nominals if n.is_child and n.key != group[0].key]
            )
            for nominal in group:
                self.items.extend(nominal.reader.warnings)
            self.items.append(item)
            if isinstance(item, CanonicalEvent):
                counts.child_rows += len(group)
                counts.repeated_child_rows += len(group) - 1
                counts.events += 1
        if children:
            counts.adult_rows += len(adults)
        for adult in adults:
            self.items.extend(adult.reader.warnings)
        return self.items

    # -- the people --

    def _nominal(self, row: TableRow) -> _Nominal | None:
        reader = _NominalRow(self.table, self.columns, row, self.shared)
        if broken := reader.broken():
            self.items.extend(reader.warnings)
            self.items.append(broken)
            return None
        role_text = reader.text("nominal_role")
        role = normalise_role(role_text)
        if role and role not in _roles("known"):
            reader.warn(
                "nominal_role",
                f"unknown nominal role '{role_text}' (the format lists "
                f"{', '.join(sorted(role_names().values()))}); kept as written",
            )
        person = reader.person(self._identifiers(reader), role_names().get(role) or role_text.lower() or None)
        nominal_id = reader.text("nominal_id")
        if nominal_id:
            key = nominal_id
        elif person.name or person.dob:
            key = f"{name_key(person.name) or ''}|{person.dob.iso() if person.dob else ''}"
            reader.warn(
                "nominal_id",
                "the nominal ID is blank, so this person is known on this occurrence only by name and "
                "date of birth",
            )
        else:
            key = ""
        return _Nominal(reader, role, person, key, self._quiet_date(reader))

    @staticmethod
    def _identifiers(reader: _NominalRow) -> list[Identifier]:
        identifiers: list[Identifier] = []
        if nominal_id := reader.text("nominal_id"):
            force = reader.text("force") or DEFAULT_FORCE
            identifiers.append(Identifier(IdentifierKind.POLICE_NOMINAL_ID, nominal_id, force))
        if nhs := reader.nhs_number():
            identifiers.append(nhs)
        if upn := reader.upn():
            identifiers.append(upn)
        return identifiers

    @staticmethod
    def _quiet_date(reader: _NominalRow) -> PartialDate | None:
        try:
            return parse_datetime(reader.text("occurred_at"))[0]
        except DateParseError:
            return None

    def _is_child(self, nominal: _Nominal, occurrence_date: PartialDate | None) -> bool:
        """A child role, or under 18 on the occurrence date (possibly under 18 counts, with a warning)."""
        dob = nominal.person.dob
        when = nominal.date or occurrence_date
        by_role = nominal.role in _roles("child")
        if dob is None or when is None:
            return by_role
        if dob.earliest() > when.latest():
            nominal.reader.warn(
                "dob", f"the date of birth {dob.marked()} is after the occurrence ({when.marked()})"
            )
            return True
        if eighteenth_birthday(dob.earliest()) > when.latest():
            return True
        if eighteenth_birthday(dob.latest()) <= when.earliest():
            if by_role:
                nominal.reader.warn(
                    "dob",
                    f"the role is '{nominal.reader.text('nominal_role')}' but the date of birth "
                    f"{dob.marked()} makes them 18 or over on {when.marked()}; treated as a child, as "
                    "the role says",
                )
            return by_role
        nominal.reader.warn(
            "dob",
            f"the date of birth {dob.marked()} is not precise enough to tell whether they were under 18 "
            f"on {when.marked()}; treated as a child (check the record)",
        )
        return True

    # -- occurrence-level checks --

    def _check_agreement(self) -> None:
        """Rows of one occurrence that give it different details: say so once (each child's event
        uses its own row's)."""
        if len(self.rows) < 2:
            return
        for name in OCCURRENCE_FIELDS:
            key = self.columns.get(name)
            if key is None:
                continue
            values: dict[str, tuple[str, list[int]]] = {}
            for row in self.rows:
                value = row.get(key).strip()
                if value:
                    values.setdefault(_agreement_key(name, value), (value, []))[1].append(row.number)
            if len(values) > 1:
                shown = "; ".join(f"'{value}' (row {describe_rows(rows)})" for value, rows in values.values())
                self.items.append(
                    ImportWarning(
                        self.table.file_name,
                        self.rows[0].number,
                        self.table.name_of(key),
                        f"the rows of occurrence {self.ref} disagree on {self.table.name_of(key)}: {shown}; "
                        "each child's event uses the child's own row",
                    )
                )

    def _no_child(self, counts: _Counts) -> None:
        counts.orphan_occurrences += 1
        counts.orphan_rows += len(self.nominals)
        numbers = [n.reader.number for n in self.nominals]
        if not numbers:
            return
        present = ""
        if self.shared.get("children_present", "").strip().lower() in ("y", "yes"):
            present = ", although children_present says Y"
        self.items.append(
            ImportWarning(
                self.table.file_name,
                numbers[0],
                None,
                f"occurrence {self.ref} has no child linked (row(s) {describe_rows(numbers)}{present}): "
                "not in any child's chronology",
            )
        )

    # -- the event --

    def _event(self, group: list[_Nominal], adults: list[_Nominal], others: list[_Nominal]) -> ImportItem:
        child = group[0]
        reader = child.reader
        if not child.key:
            return reader.reject(
                "nominal_id",
                "no child identified: the nominal ID, surname, forenames and date of birth are blank",
            )
        roles = list(dict.fromkeys(n.role for n in group if n.role))
        date, date_text, time = reader.when("occurred_at", None)
        occurrence_type = reader.text("occurrence_type")
        kind = self._occurrence_type(reader, occurrence_type)
        domestic_flag = bool(reader.flag("domestic_abuse"))
        dash = self._dash_level(reader)
        self._check_dash_score(reader)
        child_victim = bool(_roles("victim") & set(roles))
        adult_suspect = any(a.role in _roles("suspect") for a in adults)
        domestic = domestic_flag or kind.domestic
        themes = [*kind.themes]
        if domestic:
            themes.append("domestic_abuse")
        if child_victim:
            themes.extend(kind.themes_if_child_victim)
        if adult_suspect:
            themes.extend(kind.themes_if_adult_suspect)
        categories = [occurrence_type] if occurrence_type else []
        if domestic_flag:
            categories.append("DA")
        if dash:
            categories.append(f"DASH {dash}")
        subject = child.person
        subject.role = None
        return CanonicalEvent(
            subject=subject,
            agency=AGENCY,
            source=f"Police occurrence {self.ref}",
            event_type=kind.event_type,
            summary=reader.text("summary")
            or f"{occurrence_type or 'Police occurrence'} (no summary recorded)",
            provenance=reader.provenance(SOURCE_SYSTEM, self.ref, child.key),
            date=date,
            date_text=date_text,
            time=time,
            categories=categories,
            themes=list(dict.fromkeys(themes)),
            significant=(domestic and dash == "high") or child_victim,
            persons=[adult.person for adult in adults],
            attributes=self._attributes(group, adults + others),
            references=self._references(reader, kind.event_type),
            labels=[kind.label] if kind.label else [],
        )

    def _references(self, reader: _NominalRow, event_type: str) -> list[Reference]:
        """The occurrence's own reference, whole as written, and its crime and MARAC references.

        A crime reference is the same police record's other number: its own. A MARAC reference is the
        MARAC's: the record's own when it is the MARAC referral, else one it quotes."""
        refs = [
            Reference(
                occurrence_ref_kind(self.table, self.columns), self.ref, ReferenceRole.OWN, "occurrence_ref"
            )
        ]
        crime = [
            Reference(CRIME, v, ReferenceRole.OWN, "crime_ref")
            for v in split_references(reader.text("crime_ref"))
        ]
        marac_role = ReferenceRole.OWN if event_type == MARAC_REFERRAL else ReferenceRole.QUOTED
        marac = [
            Reference(MARAC, v, marac_role, "marac_ref") for v in split_references(reader.text("marac_ref"))
        ]
        return merge_references(refs, crime + marac)

    def _occurrence_type(self, reader: _NominalRow, text: str) -> OccurrenceType:
        if not text:
            return OccurrenceType()
        kind = occurrence_types().get(label_key(text))
        if kind is None:
            reader.warn(
                "occurrence_type",
                f"unknown occurrence type '{text}'; kept in the categories as written and recorded as a "
                "police occurrence",
            )
            return OccurrenceType()
        return kind

    @staticmethod
    def _dash_level(reader: _NominalRow) -> str | None:
        text = reader.text("dash_risk")
        if not text:
            return None
        level = _dash_levels().get(label_key(text))
        if level is None:
            reader.warn(
                "dash_risk", f"unknown DASH risk level '{text}' (expected standard, medium or high); kept"
            )
            return text
        return level

    @staticmethod
    def _check_dash_score(reader: _NominalRow) -> None:
        text = reader.text("dash_score")
        if text and not (text.isdigit() and 0 <= int(text) <= MAX_DASH_SCORE):
            reader.warn(
                "dash_score", f"DASH score '{text}' is not a whole number from 0 to {MAX_DASH_SCORE}; kept"
            )

    def _attributes(self, group: list[_Nominal], others: list[_Nominal]) -> dict[str, str]:
        """The occurrence's details, the child's role and every unmapped cell of every row: nothing is lost."""
        reader = group[0].reader
        attributes = reader.cells(ATTRIBUTE_FIELDS)
        roles = [n.reader.text("nominal_role") for n in group if n.reader.text("nominal_role")]
        if roles:
            attributes["nominal_role"] = "; ".join(dict.fromkeys(roles))
        for nominal in group:
            for name, value in nominal.reader.unmapped(besides=ATTRIBUTE_FIELDS).items():
                attributes.setdefault(name, value)
        own = reader.unmapped()
        for nominal in others:
            label = f"nominal {nominal.key or '(no ID)'}, row {nominal.reader.number}"
            for name, value in nominal.reader.unmapped(besides=ATTRIBUTE_FIELDS).items():
                if own.get(name) != value:
                    attributes[f"{name} ({label})"] = value
        children = [n for n in others if n.is_child and n.key]
        if children:
            attributes["other_children_linked"] = "; ".join(
                dict.fromkeys(f"{n.key} ({n.reader.text('nominal_role') or 'no role'})" for n in children)
            )
        return attributes


@register
class PoliceImporter(ProjectImporter):
    """Reads the project's police occurrence CSV/XLSX (occurrence–nominal links)."""

    name: ClassVar[str] = "police"
    description: ClassVar[str] = (
        "Police occurrence CSV or XLSX (project format): one row per person linked to an occurrence; "
        "one event per occurrence for each child linked to it"
    )
    section, fields, what = "police", FIELDS, "a police occurrence file"
    sniff_columns, required_columns = SNIFF_COLUMNS, REQUIRED_COLUMNS

    @classmethod
    def is_header(cls, cells: Sequence[str]) -> bool:
        """The police columns, a crime reference column standing in for a missing occurrence column."""
        found = header_fields(cells, cls.aliases())
        return _with_crime_fallback(found).keys() >= set(SNIFF_COLUMNS)

    @classmethod
    def resolve(cls, keys: Sequence[str]) -> dict[str, str]:
        return _with_crime_fallback(super().resolve(keys))

    def items(self, table: Table, columns: dict[str, str]) -> Iterator[ImportItem]:
        """Rows spilled to disk by occurrence reference, then one event per child of each occurrence."""
        counts = _Counts()
        with OccurrenceSpill(table.keys) as spill:
            for row in table:
                counts.rows += 1
                ref = row.get(columns["occurrence_ref"]).strip()
                if ref:
                    spill.add(ref, row)
                    continue
                counts.rejected += 1
                reader = ProjectRow(table, columns, row)
                yield from reader.warnings
                yield reader.broken() or reader.reject(
                    "occurrence_ref", "no occurrence reference: the row cannot be tied to an occurrence"
                )
            for ref, rows in spill.occurrences():
                counts.occurrences += 1
                items = _Occurrence(table, columns, ref, rows).convert(counts)
                counts.rejected += sum(isinstance(item, RejectedRow) for item in items)
                yield from items
        yield from closing_notices(table, counts.rows)
        if counts.rows:
            yield self._summary(table, counts)
        if counts.first and counts.last:
            yield Coverage(
                AGENCY, counts.first, counts.last, f"span of the occurrence dates in {table.file_name}"
            )

    @staticmethod
    def _summary(table: Table, counts: _Counts) -> ImportWarning:
        """How the file's rows add up, since an adult's row is not an item of its own."""
        parts = [
            f"{counts.rows} data row(s) for {counts.occurrences} occurrence(s)",
            f"{counts.events} child event(s) from {counts.child_rows} child row(s)"
            + (
                f" ({counts.repeated_child_rows} repeating a child already on the occurrence)"
                if counts.repeated_child_rows
                else ""
            ),
            f"{counts.adult_rows} adult row(s) named as people on those events",
        ]
        if counts.orphan_occurrences:
            parts.append(
                f"{counts.orphan_rows} row(s) on {counts.orphan_occurrences} occurrence(s) with no child linked"
            )
        if counts.rejected:
            parts.append(f"{counts.rejected} row(s) rejected")
        return ImportWarning(table.file_name, None, None, "; ".join(parts) + ". " + _COUNTS_NOTE)


# Occurrence details read from a code list: rows agree when they key alike ("Domestic incident" and
# "INCIDENT - DOMESTIC"); other details must agree word for word.
_CODED_FIELDS = frozenset({"occurrence_type", "dash_risk"})


def _agreement_key(name: str, value: str) -> str:
    return label_key(value) if name in _CODED_FIELDS else words_key(value)


def _with_crime_fallback(columns: dict[str, str]) -> dict[str, str]:
    """A file with a crime reference column and no occurrence column: the crime reference is the
    occurrence's reference (one column, so one field reads it)."""
    if "occurrence_ref" in columns or "crime_ref" not in columns:
        return columns
    resolved = dict(columns)
    resolved["occurrence_ref"] = resolved.pop("crime_ref")
    return resolved


_COUNTS_NOTE = (
    "The import's records-read count is events plus rejected rows: an adult's row is part of its "
    "occurrence's events, not a record of its own."
)
