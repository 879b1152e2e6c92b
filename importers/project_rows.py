"""What the project-format importers (relationships, case notes, school log, police) share.

The four formats are CSV/XLSX files this project defines, so they read cells, dates, flags and
identifiers the same way and word their warnings alike: ``ProjectRow`` reads one row,
``ProjectImporter`` is the sniff / check columns / convert each row loop around it (both built
on ``importers.table_rows``, which the template and SSDA903 importers use too). The referring
agency of a contact or referral and the references in reference-like columns are read here too,
for the case notes and the template alike. A support module, not a plugin: it registers nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache, lru_cache
from operator import itemgetter
from pathlib import Path
from typing import ClassVar

from chronology.dates import DateParseError, london_to_utc, parse_date, parse_datetime
from chronology.events import (
    Identifier,
    IdentifierKind,
    ImportItem,
    PartialDate,
    PersonRef,
    Precision,
    Provenance,
    Reference,
    ReferenceRole,
)
from chronology.identifiers import nhs_number_problem, normalise_nhs_number, normalise_upn, upn_problem
from chronology.labels import label_key, singular
from chronology.settings import load_config
from importers.base import Importer, ImportOptions
from importers.table_rows import (
    RowReader,
    check_columns,
    convert_rows,
    file_notices,
    has_columns,
    repeated_columns,
    sniff_table,
)
from importers.tabular import Table, aliases_from_config, estimate_rows, open_table, resolve_columns


@cache
def format_aliases(section: str, fields: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Field -> header names that mean it, from ``config/project_formats.toml`` [<section>.aliases]."""
    table = load_config("project_formats").get(section, {}).get("aliases", {})
    aliases = aliases_from_config(table, fields)
    return {name: aliases[name] for name in fields}


def words_key(text: str) -> str:
    """Text compared as written (not a code list lookup: those use ``label_key``): lower case, runs
    of spaces collapsed."""
    return " ".join(text.lower().split())


# --- who made a contact or referral ----------------------------------------------------------------------

_AGENCY_WORD = re.compile(r"[a-z0-9&]+")
_SOURCE_CATEGORY = re.compile(r"^\s*source\s*[:\-]\s*(?P<who>.+?)\s*$", re.IGNORECASE)
_FROM_HEADING = re.compile(r"\bfrom\s+(?:the\s+)?(?P<who>[^:]+?)\s*$", re.IGNORECASE)
_HEADING_WORDS = 6  # "Contact from Oak Lane Primary School: ..." is a heading; a sentence is not


def _agency_words(text: str) -> tuple[str, ...]:
    """Words as agency names are compared: lower case, apostrophes joined, singular, '&' kept."""
    lowered = text.lower().replace("'", "").replace("\u2019", "").replace(" & ", "&")
    return tuple(singular(word) for word in _AGENCY_WORD.findall(lowered))


@cache
def _agency_phrases() -> tuple[tuple[tuple[str, ...], str], ...]:
    """(words, canonical agency), longest phrase first (config/project_formats.toml)."""
    table = load_config("project_formats").get("referring_agencies", {})
    phrases = {_agency_words(word): agency for agency, words in table.items() for word in words}
    return tuple(sorted(phrases.items(), key=lambda item: -len(item[0])))


def _holds(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


def agency_named(text: str) -> str | None:
    """The canonical agency the text names ("Thames Valley Police" -> Police, "GP" -> Health), else
    the text as written (another agency, e.g. "Probation"); None when blank."""
    written = " ".join(text.split())
    if not written:
        return None
    words = _agency_words(written)
    return next((agency for phrase, agency in _agency_phrases() if _holds(words, phrase)), written)


def source_category(categories: Sequence[str]) -> str | None:
    """Who a "Source: X" category names (the generator's and many agencies' way of writing it)."""
    for category in categories:
        if match := _SOURCE_CATEGORY.match(category):
            return match["who"]
    return None


def heading_source(summary: str) -> str | None:
    """Who a summary heading says the record came from ("Contact from Police: ..." -> Police)."""
    if ":" not in summary:
        return None
    match = _FROM_HEADING.search(summary.split(":", 1)[0])
    if match is None or len(match["who"].split()) > _HEADING_WORDS:
        return None
    return match["who"]


def referring_agency(column: str, categories: Sequence[str], summary: str) -> str | None:
    """The agency that made a contact or referral: a referral-source column first, then a "Source:"
    category, then the summary heading (what the analysis reads instead of any of them)."""
    for said in (column, source_category(categories), heading_source(summary)):
        if said and (agency := agency_named(said)):
            return agency
    return None


# --- references in extra columns --------------------------------------------------------------------------


# A category "police_ref:<ref>": the school log writes one, and a template row may carry it.
POLICE_REF_PREFIX = "police_ref:"


@cache
def _reference_columns() -> dict[str, str]:
    """label_key of a header -> the kind of reference its column holds (config/project_formats.toml)."""
    table = load_config("project_formats").get("reference_columns", {})
    return {label_key(header): kind for kind, headers in table.items() for header in headers}


def reference_kind(header: str) -> str | None:
    """The kind of reference a column of that header holds, or None when it is not a reference column."""
    return _reference_columns().get(label_key(header))


def split_references(value: str) -> list[str]:
    """A cell's references: one, or several separated by ';' (each kept whole, never cut at '/')."""
    return [part.strip() for part in value.split(";") if part.strip()]


def column_references(
    cells: Mapping[str, str], role: ReferenceRole = ReferenceRole.QUOTED
) -> list[Reference]:
    """References in the reference-like columns of ``cells`` (header as written -> value)."""
    found: list[Reference] = []
    for header, value in cells.items():
        kind = reference_kind(header)
        if kind is not None:
            found.extend(Reference(kind, ref, role, header) for ref in split_references(value))
    return found


@lru_cache(maxsize=4096)
def checked_nhs_number(text: str) -> tuple[str, str | None]:
    """(the number without separators, why it is not valid or None): a child's number is on many
    rows of a file, so each distinct text is checked once."""
    return normalise_nhs_number(text), nhs_number_problem(text)


@lru_cache(maxsize=4096)
def checked_upn(text: str) -> tuple[str, str | None]:
    """(the UPN normalised, why it is not valid or None), worked out once per distinct text."""
    return normalise_upn(text), upn_problem(text)


class _FieldCells:
    """The mapped cells of a row fetched in one C-level call, for the field mapping every row of a
    file shares (so a row's texts are worked out at once, not one method call per cell)."""

    __slots__ = ("columns", "keys", "names", "values")

    def __init__(self, columns: Mapping[str, str]) -> None:
        self.columns = columns
        self.names = tuple(columns)
        self.keys = keys = tuple(columns.values())
        self.values: Callable[[Mapping[str, str]], tuple[str, ...]] = (
            itemgetter(*keys) if len(keys) > 1 else lambda cells: tuple(cells[key] for key in keys)
        )

    def texts(self, cells: Mapping[str, str]) -> dict[str, str]:
        """Field -> its cell with surrounding spaces stripped."""
        try:
            values = self.values(cells)
        except KeyError:  # a row made without every column of its table
            values = tuple(cells.get(key, "") for key in self.keys)
        return dict(zip(self.names, map(str.strip, values), strict=True))


_last_fields: _FieldCells | None = None  # the mapping of the file being read (rows come file by file)


def _field_cells(columns: Mapping[str, str]) -> _FieldCells:
    global _last_fields
    fields = _last_fields
    if fields is None or fields.columns is not columns:  # it holds its mapping, so no id is reused
        fields = _last_fields = _FieldCells(columns)
    return fields


class ProjectRow(RowReader):
    """One data row of a project-format table: cells by field, typed values and identifiers read
    the same way in every project format."""

    _texts: dict[str, str] | None = None

    def text(self, name: str) -> str:
        """A mapped cell, surrounding spaces stripped (every field's at once, on the first read)."""
        texts = self._texts
        if texts is None:
            texts = self._texts = _field_cells(self.columns).texts(self.row.cells)
        return texts.get(name, "")

    def cells(self, names: Sequence[str]) -> dict[str, str]:
        """The named fields' non-empty cells as written, under the field names (kept on the item)."""
        return {name: value for name in names if (value := self.raw(name)).strip()}

    def unmapped(self, besides: Sequence[str] = ()) -> dict[str, str]:
        """Every non-empty column no field reads, under its header as written, verbatim; then the
        mapped cells that could not be used. ``besides`` names fields the item already keeps
        under their own names, so a cell of theirs is not kept twice under its header."""
        cells = self.row.cells
        result = {
            header: value
            for key, header in self.table.unmapped_columns(self.columns)
            if (value := cells.get(key, "")).strip()
        }
        for name, value in self.kept.items():
            result.setdefault(name, value)
        if not result or not besides:
            return result
        skip = {self.header(name) for name in besides}
        return {name: value for name, value in result.items() if name not in skip}

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

    def date(self, name: str, what: str) -> PartialDate | None:
        """An optional date (partial allowed); unreadable text is kept as an attribute with a warning."""
        return self.parsed(name, what, parse_date)

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
        normalised, problem = checked_nhs_number(text)
        if problem:
            self.warn(
                name, f"NHS number '{text}' is not valid: {problem}; kept, but never used to match records"
            )
        return Identifier(IdentifierKind.NHS_NUMBER, normalised or text)

    def upn(self, name: str = "upn") -> Identifier | None:
        """The UPN as given, with a warning when it fails its check letter (kept, never matched on)."""
        text = self.text(name)
        if not text:
            return None
        normalised, problem = checked_upn(text)
        if problem:
            self.warn(name, f"UPN '{text}' is not valid: {problem}; kept, but never used to match records")
        return Identifier(IdentifierKind.UPN, normalised or text)

    def person(
        self, identifiers: list[Identifier], role: str | None = None, *, prefix: str = ""
    ) -> PersonRef:
        """The row's person from its surname, forenames, dob and sex columns (where the format has them).

        ``prefix`` names a format's columns for the person when they are not plain ``surname`` ...
        (case notes name the child ``child_surname``, ``child_forenames``, ``child_dob``).
        """
        surname = self.text(f"{prefix}surname") or None
        forenames = self.text(f"{prefix}forenames") or None
        name = " ".join(part for part in (forenames, surname) if part) or None
        return PersonRef(
            name=name,
            surname=surname,
            forenames=forenames,
            dob=self.date(f"{prefix}dob", "date of birth"),
            sex=self.text(f"{prefix}sex") or None,
            role=role,
            identifiers=identifiers,
        )


class ProjectImporter(Importer):
    """The read loop every project format shares: find the header, check the columns, say what was
    noticed about the file, then turn each row into an item with ``row_class``.

    A format sets its config ``section`` and ``fields``, the columns that recognise its header
    (``sniff_columns``) and must be present (``required_columns``), ``what`` the file is called in
    a missing-columns error, and ``row_class``. ``items`` is the per-row loop, for a format that
    groups rows (police) or adds to what the rows give (school log) to override.
    """

    section: ClassVar[str]  # [<section>.aliases] in config/project_formats.toml
    fields: ClassVar[tuple[str, ...]]
    sniff_columns: ClassVar[tuple[str, ...]]
    required_columns: ClassVar[tuple[str, ...]]
    what: ClassVar[str]  # completes "<file> is not …"
    row_class: ClassVar[type[ProjectRow]] = ProjectRow

    @classmethod
    def aliases(cls) -> dict[str, tuple[str, ...]]:
        return format_aliases(cls.section, cls.fields)

    @classmethod
    def is_header(cls, cells: Sequence[str]) -> bool:
        """True when a header row holds every column that tells this format from the others."""
        return has_columns(cells, cls.aliases(), cls.sniff_columns)

    @classmethod
    def resolve(cls, keys: Sequence[str]) -> dict[str, str]:
        """Field -> the table key that supplies it (a format with a fallback column overrides this)."""
        return resolve_columns(keys, cls.aliases())

    @classmethod
    def can_read(cls, path: Path) -> bool:
        return sniff_table(path, cls.is_header)

    def estimate_rows(self, path: Path) -> int | None:
        return estimate_rows(path)

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        with open_table(path, max_bytes=options.max_bytes, is_header=self.is_header) as table:
            aliases = self.aliases()
            columns = self.resolve(table.keys)
            check_columns(table, columns, aliases, self.required_columns, self.what)
            yield from file_notices(table)
            yield from repeated_columns(table, columns)
            yield from self.items(table, columns)

    def items(self, table: Table, columns: dict[str, str]) -> Iterator[ImportItem]:
        """Each row's warnings then its item, then the closing notices."""
        return convert_rows(table, lambda row: self.row_class(table, columns, row))
