"""The family relationships CSV (project format): the adults and siblings known in a child's life.

One row per related person: who they are (social care's person ID, name, date of birth, sex, NHS
number) and how they relate to the child (mother, father, step-father, mother's partner, sibling,
...), with parental responsibility, whether they live with the child and when that started or
ended. Each row becomes a ``Relationship``; the store joins the person to the same person named in
other records (a case note attendee ``P123:father`` is the same social care person ID; an NHS
number joins health's record of the mother).

This module also holds ``ProjectRow`` and the file-level helpers the other project-format
importers (police, school log, case notes) share, so the four formats read cells, dates, flags
and identifiers the same way and word their warnings alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import ClassVar

from chronology.dates import DateParseError, london_to_utc, parse_date, parse_datetime, parse_time
from chronology.events import (
    Identifier,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRef,
    Precision,
    Provenance,
    RejectedRow,
    Relationship,
)
from chronology.identifiers import nhs_number_problem, normalise_nhs_number, normalise_upn, upn_problem
from chronology.settings import load_config
from chronology.vocabulary import family_relationship
from importers.base import Importer, ImportOptions, register
from importers.tabular import (
    TABULAR_SUFFIXES,
    HeaderTest,
    Table,
    TableRow,
    aliases_from_config,
    describe_rows,
    estimate_rows,
    normalise_header,
    open_table,
    peek_rows,
    resolve_columns,
)
from importers.template import parse_flag

# --- shared by the project-format importers -----------------------------------------------------------


def format_aliases(section: str, fields: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Field -> header names that mean it, from ``config/project_formats.toml`` [<section>.aliases]."""
    table = load_config("project_formats").get(section, {}).get("aliases", {})
    aliases = aliases_from_config(table, fields)
    return {name: aliases[name] for name in fields}


def has_columns(cells: Sequence[str], aliases: dict[str, tuple[str, ...]], needed: Sequence[str]) -> bool:
    """True when a header row holds every field in ``needed`` (by its name or an alias)."""
    found = resolve_columns((normalise_header(cell) for cell in cells if cell.strip()), aliases)
    return all(name in found for name in needed)


def sniff(path: Path, test: HeaderTest) -> bool:
    """``can_read`` for a tabular format: a .csv/.xlsx whose first rows include a header ``test`` accepts."""
    if path.suffix.lower() not in TABULAR_SUFFIXES or not path.is_file():
        return False
    return any(test(row) for row in peek_rows(path))


def check_columns(
    table: Table,
    columns: dict[str, str],
    aliases: dict[str, tuple[str, ...]],
    required: Sequence[str],
    what: str,
) -> None:
    """Raise ``ImportFileError`` naming every required column the header lacks (and what it has)."""

    def described(name: str) -> str:
        others = ", ".join(aliases[name][1:4])
        return f"{name} (or {others})" if others else name

    missing = [described(name) for name in required if name not in columns]
    if missing:
        found = ", ".join(f"'{name}'" for name in table.header_names) or "none"
        raise ImportFileError(
            f"{table.where()} is not {what}: missing column(s) {'; '.join(missing)} "
            f"(header row {table.header_row} has {found})"
        )


def file_notices(table: Table) -> Iterator[ImportWarning]:
    """What the reader noticed about the file before its rows: encoding, title rows, repeated headers."""
    for notice in table.notices:
        yield ImportWarning(table.file_name, None, None, notice)
    if table.rows_above_header:
        yield ImportWarning(
            table.file_name,
            None,
            None,
            f"row(s) {describe_rows(table.rows_above_header)} above the header (row {table.header_row}) "
            "were taken as a title and not imported",
        )


def repeated_columns(table: Table, columns: dict[str, str]) -> Iterator[ImportWarning]:
    """A second column with a mapped field's name is kept as an attribute; say so once."""
    used = set(columns.values())
    for column in table.columns:
        base = column.key.split("__")[0]
        if column.key not in used and base in used and base != column.key:
            yield ImportWarning(
                table.file_name,
                table.header_row,
                column.name,
                f"column {column.letter} repeats the header '{table.name_of(base)}'; only the first is read, "
                "this one is kept as an extra attribute",
            )


def closing_notices(table: Table, rows: int) -> Iterator[ImportWarning]:
    """Blank rows skipped, or a header with no data (an agency with nothing to send is not an error)."""
    if table.blank_rows:
        yield ImportWarning(
            table.file_name,
            None,
            None,
            f"skipped {len(table.blank_rows)} blank row(s): row(s) {describe_rows(table.blank_rows)}",
        )
    if rows == 0:
        yield ImportWarning(
            table.file_name, None, None, f"{table.where()} has a header but no data rows: nothing imported"
        )


def words_key(text: str) -> str:
    """Text as looked up in a code list: lower case, runs of spaces collapsed."""
    return " ".join(text.lower().split())


class ProjectRow:
    """One data row of a project-format table: cells by field, with warnings that name the file,
    the row and the column as the file writes it, so a data officer can find the cell."""

    def __init__(self, table: Table, columns: dict[str, str], row: TableRow) -> None:
        self.table = table
        self.columns = columns
        self.row = row
        self.file = table.file_name
        self.number = row.number
        self.warnings: list[ImportWarning] = [
            ImportWarning(self.file, row.number, column, message) for column, message in row.warnings
        ]
        self.kept: dict[str, str] = {}

    # -- access --

    def header(self, name: str) -> str:
        """The column's header as written in the file (what a data officer looks for)."""
        key = self.columns.get(name)
        return self.table.name_of(key) if key else name

    def text(self, name: str) -> str:
        """A mapped cell, surrounding spaces stripped ('' when the file has no such column)."""
        return self.row.get(self.columns.get(name)).strip()

    def raw(self, name: str) -> str:
        """A mapped cell exactly as written."""
        return self.row.get(self.columns.get(name))

    def warn(self, name: str | None, message: str) -> None:
        self.warnings.append(
            ImportWarning(self.file, self.number, self.header(name) if name else None, message)
        )

    def keep(self, name: str) -> None:
        """Keep a mapped cell that could not be used as an attribute under its header: nothing is lost."""
        value = self.raw(name)
        if value.strip():
            self.kept[self.header(name)] = value

    def reject(self, name: str | None, reason: str, *, column: str | None = None) -> RejectedRow:
        """A rejected row with every non-empty cell as written; ``column`` names the column directly."""
        raw = {self.table.name_of(key): value for key, value in self.row.cells.items() if value.strip()}
        for number, value in enumerate(self.row.extra, start=1):
            raw[f"(extra value {number})"] = value
        return RejectedRow(self.file, self.number, self.header(name) if name else column, reason, raw)

    def broken(self) -> RejectedRow | None:
        """The rejected row when the reader found the row broken (stray quote, values past the header)."""
        if not self.row.errors:
            return None
        column, reason = self.row.errors[0]
        return self.reject(None, reason, column=column)

    def unmapped(self) -> dict[str, str]:
        """Every non-empty column no field reads, under its header as written, verbatim; then the
        mapped cells that could not be used."""
        used = set(self.columns.values())
        result = {
            self.table.name_of(key): value
            for key, value in self.row.cells.items()
            if key not in used and value.strip()
        }
        for name, value in self.kept.items():
            result.setdefault(name, value)
        return result

    def provenance(self, source_system: str, record_id: str | None, part: str | None = None) -> Provenance:
        return Provenance(
            source_system=source_system,
            file=self.file,
            row=self.number,
            source_record_id=record_id or None,
            sheet=self.table.sheet,
            record_part=part,
        )

    # -- typed values --

    def flag(self, name: str) -> bool | None:
        """A Y/N cell; anything else is kept as written with a warning (and counts as not given)."""
        try:
            return parse_flag(self.text(name))
        except ValueError as exc:
            self.warn(name, f"{exc}; the text is kept as written")
            self.keep(name)
            return None

    def date(self, name: str, what: str) -> PartialDate | None:
        """An optional date (partial allowed); unreadable text is kept as an attribute with a warning."""
        text = self.text(name)
        if not text:
            return None
        try:
            return parse_date(text)
        except DateParseError as exc:
            self.warn(name, f"the {what} could not be read: {exc}; the text is kept as written")
            self.keep(name)
            return None

    def when(
        self, date_name: str, time_name: str | None
    ) -> tuple[PartialDate | None, str | None, dt.time | None]:
        """(date, text as written when undated or uncertain, time) for an event.

        The date cell may carry a time (``2021-03-04 17:30``, a workbook date-time); a separate time
        column wins over it. A blank or unreadable date gives an undated event with a warning.
        """
        text = self.text(date_name)
        date: PartialDate | None = None
        time: dt.time | None = None
        if not text:
            self.warn(date_name, "the date is blank; the event is kept as an undated event")
        else:
            try:
                date, time = parse_datetime(text)
            except DateParseError as exc:
                self.warn(date_name, f"the date could not be read: {exc}; kept as an undated event")
        if time_name is not None and self.text(time_name):
            time = self.time(time_name) or time
        if date is not None and time is not None and date.precision is Precision.DAY:
            self.check_local_time(date_name, date, time)
        date_text = text if text and (date is None or date.uncertain) else None
        return date, date_text, time

    def time(self, name: str) -> dt.time | None:
        text = self.text(name)
        if not text:
            return None
        try:
            return parse_time(text)
        except DateParseError as exc:
            self.warn(name, f"the time could not be read: {exc}; the text is kept as written")
            self.keep(name)
            return None

    def check_local_time(self, name: str, date: PartialDate, time: dt.time) -> None:
        """UK local time: a time in the hour the clocks skip never happened, so say so (kept as written)."""
        try:
            london_to_utc(date.earliest(), time)
        except DateParseError as exc:
            self.warn(name, f"{exc}; the time is kept as written")

    # -- identifiers --

    def nhs_number(self, name: str = "nhs_number") -> Identifier | None:
        """The NHS number as given, with a warning when it fails its check (kept, never matched on)."""
        text = self.text(name)
        if not text:
            return None
        if problem := nhs_number_problem(text):
            self.warn(
                name, f"NHS number '{text}' is not valid: {problem}; kept, but never used to match records"
            )
        return Identifier(IdentifierKind.NHS_NUMBER, normalise_nhs_number(text) or text)

    def upn(self, name: str = "upn") -> Identifier | None:
        """The UPN as given, with a warning when it fails its check letter (kept, never matched on)."""
        text = self.text(name)
        if not text:
            return None
        if problem := upn_problem(text):
            self.warn(name, f"UPN '{text}' is not valid: {problem}; kept, but never used to match records")
        return Identifier(IdentifierKind.UPN, normalise_upn(text) or text)

    def person(self, identifiers: list[Identifier], role: str | None = None) -> PersonRef:
        """The row's person from its surname, forenames, dob and sex columns (where the format has them)."""
        surname = self.text("surname") or None
        forenames = self.text("forenames") or None
        name = " ".join(part for part in (forenames, surname) if part) or None
        return PersonRef(
            name=name,
            surname=surname,
            forenames=forenames,
            dob=self.date("dob", "date of birth"),
            sex=self.text("sex") or None,
            role=role,
            identifiers=identifiers,
        )


# --- the family relationships CSV -----------------------------------------------------------------------

FIELDS = (
    "child_id",
    "person_id",
    "surname",
    "forenames",
    "dob",
    "sex",
    "nhs_number",
    "relationship",
    "parental_responsibility",
    "lives_with_child",
    "from_date",
    "to_date",
)
REQUIRED_COLUMNS = ("child_id", "person_id", "relationship")
SOURCE_SYSTEM = "social-care"
RELATIONSHIPS = (
    "mother",
    "father",
    "step-father",
    "step-mother",
    "mother's partner",
    "father's partner",
    "sibling",
    "half-sibling",
    "grandparent",
    "aunt",
    "uncle",
    "foster carer",
    "other",
)
SIBLINGS = frozenset({"sibling", "half-sibling"})


@cache
def _aliases() -> dict[str, tuple[str, ...]]:
    return format_aliases("relationships", FIELDS)


@cache
def _words() -> dict[str, str]:
    table = load_config("project_formats").get("relationships", {}).get("relationship_words", {})
    return {words_key(key): value for key, value in table.items()}


def is_relationships_header(cells: Sequence[str]) -> bool:
    """child_id + person_id + relationship: no other format has person_id and relationship together."""
    return has_columns(cells, _aliases(), REQUIRED_COLUMNS)


def normalise_relationship(text: str) -> str | None:
    """The format's relationship word for what was written ("Mum" -> mother), or None if unknown."""
    key = words_key(text)
    if key in RELATIONSHIPS:
        return key
    return family_relationship(key) or _words().get(key)


class _RelationshipRow(ProjectRow):
    """Turns one row into a ``Relationship`` (or a rejected row)."""

    def convert(self) -> ImportItem:
        if broken := self.broken():
            return broken
        child_id = self.text("child_id")
        if not child_id:
            return self.reject(
                "child_id", "no child: the LA child ID is blank, so the person cannot be linked"
            )
        person_id = self.text("person_id")
        relationship = self.relationship()
        person = self.person(self.person_identifiers(person_id, relationship))
        if not person.identifiers and not person.name:
            return self.reject(
                "person_id", "no person identified: the person ID, surname and forenames are all blank"
            )
        if not person_id:
            self.warn(
                "person_id",
                "the person ID is blank, so this person can only be recognised in other records by name",
            )
        from_date = self.date("from_date", "from date")
        to_date = self.date("to_date", "to date")
        if from_date and to_date and to_date.latest() < from_date.earliest():
            self.warn(
                "to_date", f"the to date {to_date.marked()} is before the from date {from_date.marked()}"
            )
        return Relationship(
            child=PersonRef(identifiers=[Identifier(IdentifierKind.LA_CHILD_ID, child_id)]),
            person=person,
            relationship=relationship,
            provenance=self.provenance(SOURCE_SYSTEM, f"{child_id}/{person_id}" if person_id else None),
            parental_responsibility=self.flag("parental_responsibility"),
            lives_with_child=self.flag("lives_with_child"),
            from_date=from_date,
            to_date=to_date,
            attributes=self.unmapped(),
        )

    def relationship(self) -> str:
        """The normalised relationship; an unknown word is kept as written with a warning."""
        text = self.text("relationship")
        if not text:
            self.warn("relationship", "the relationship is blank; recorded as 'other'")
            return "other"
        known = normalise_relationship(text)
        if known is None:
            listed = ", ".join(RELATIONSHIPS)
            self.warn(
                "relationship",
                f"unknown relationship '{text}' (the format lists {listed}); kept as written",
            )
            return text
        if known != words_key(text):
            self.keep("relationship")  # what the file said, beside the normalised word
        return known

    def person_identifiers(self, person_id: str, relationship: str) -> list[Identifier]:
        identifiers: list[Identifier] = []
        if person_id:
            identifiers.append(Identifier(IdentifierKind.SOURCE_PERSON_ID, person_id, SOURCE_SYSTEM))
            if relationship in SIBLINGS:  # a sibling's person ID is their own LA child ID
                identifiers.append(Identifier(IdentifierKind.LA_CHILD_ID, person_id))
        if nhs := self.nhs_number():
            identifiers.append(nhs)
        return identifiers


@register
class RelationshipsImporter(Importer):
    """Reads the project's family relationships CSV/XLSX."""

    name: ClassVar[str] = "relationships"
    description: ClassVar[str] = (
        "Family relationships CSV or XLSX (project format): one row per adult or sibling in a child's life"
    )

    @classmethod
    def can_read(cls, path: Path) -> bool:
        return sniff(path, is_relationships_header)

    def estimate_rows(self, path: Path) -> int | None:
        return estimate_rows(path)

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        with open_table(path, max_bytes=options.max_bytes, is_header=is_relationships_header) as table:
            aliases = _aliases()
            columns = resolve_columns(table.keys, aliases)
            check_columns(table, columns, aliases, REQUIRED_COLUMNS, "a family relationships file")
            yield from file_notices(table)
            yield from repeated_columns(table, columns)
            rows = 0
            for row in table:
                rows += 1
                converter = _RelationshipRow(table, columns, row)
                item = converter.convert()
                yield from converter.warnings
                yield item
            yield from closing_notices(table, rows)
