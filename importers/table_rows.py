"""Turning an opened table into items: what every tabular importer (template, SSDA903, the project
formats) does the same way once ``importers.tabular`` has read the file.

Recognising a format's header, refusing a file that lacks required columns, the notices about a
file as a whole (title rows, repeated headers, blank rows, a header alone) and reading a row field
by field (``RowReader``) are worded here once, so a data officer reads the same message whichever
format the file was. A support module, not a plugin: it registers nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from chronology.dates import DateParseError, parse_time
from chronology.events import ImportFileError, ImportItem, ImportWarning, RejectedRow
from importers.tabular import (
    TABULAR_SUFFIXES,
    HeaderTest,
    Table,
    TableRow,
    describe_rows,
    normalise_header,
    peek_rows,
    resolve_columns,
)

_Value = TypeVar("_Value")
_TRUE = frozenset({"y", "yes", "true", "1"})
_FALSE = frozenset({"n", "no", "false", "0"})


def parse_flag(text: str) -> bool | None:
    """Y/N, yes/no, true/false, 1/0 in any case; None when blank. Raises ValueError otherwise."""
    value = text.strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"'{text.strip()}' is not Y or N (yes/no, true/false and 1/0 are also read)")


# --- recognising a header ----------------------------------------------------------------------------


def header_fields(cells: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Field -> header key, for raw header cells (what a ``HeaderTest`` is given)."""
    return resolve_columns((normalise_header(cell) for cell in cells if cell.strip()), aliases)


def has_columns(cells: Sequence[str], aliases: Mapping[str, Sequence[str]], needed: Sequence[str]) -> bool:
    """True when a header row holds every field in ``needed`` (by its name or an alias)."""
    found = header_fields(cells, aliases)
    return all(name in found for name in needed)


def sniff_table(path: Path, test: HeaderTest, suffixes: frozenset[str] = TABULAR_SUFFIXES) -> bool:
    """``can_read`` for a tabular format: a file with one of ``suffixes`` whose first rows include a
    header ``test`` accepts."""
    if path.suffix.lower() not in suffixes or not path.is_file():
        return False
    return any(test(row) for row in peek_rows(path))


# --- what is said about the table as a whole --------------------------------------------------------


def missing_columns(
    columns: Mapping[str, str], aliases: Mapping[str, Sequence[str]], required: Sequence[str]
) -> list[str]:
    """Each required field the header lacks, with up to three of its other names."""

    def described(name: str) -> str:
        others = ", ".join(aliases[name][1:4])
        return f"{name} (or {others})" if others else name

    return [described(name) for name in required if name not in columns]


def refuse_missing(table: Table, what: str, missing: Sequence[str]) -> None:
    """Raise ``ImportFileError`` naming the missing columns (and what the header has), if any."""
    if missing:
        found = ", ".join(f"'{name}'" for name in table.header_names) or "none"
        raise ImportFileError(
            f"{table.where()} is not {what}: missing column(s) {'; '.join(missing)} "
            f"(header row {table.header_row} has {found})"
        )


def check_columns(
    table: Table,
    columns: Mapping[str, str],
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str],
    what: str,
) -> None:
    """Raise ``ImportFileError`` naming every required column the header lacks (and what it has)."""
    refuse_missing(table, what, missing_columns(columns, aliases, required))


def file_notices(table: Table) -> Iterator[ImportWarning]:
    """What the reader noticed about the file before its rows: encoding, title rows above the header."""
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


def repeated_columns(table: Table, columns: Mapping[str, str]) -> Iterator[ImportWarning]:
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


# --- rows -----------------------------------------------------------------------------------------------


class RowConverter(Protocol):
    """One row on its way to an item: after ``convert``, ``warnings`` holds what it noticed."""

    warnings: list[ImportWarning]

    def convert(self) -> ImportItem: ...


def convert_rows(table: Table, converter: Callable[[TableRow], RowConverter]) -> Iterator[ImportItem]:
    """Each row's warnings then its item, then the closing notices (blank rows, a header alone)."""
    rows = 0
    for row in table:
        rows += 1
        reader = converter(row)
        item = reader.convert()
        yield from reader.warnings
        yield item
    yield from closing_notices(table, rows)


def rejected_row(table: Table, row: TableRow, column: str | None, reason: str) -> RejectedRow:
    """A rejected row keeping every non-empty cell as written, values past the header too."""
    raw = {table.name_of(key): value for key, value in row.cells.items() if value.strip()}
    for number, value in enumerate(row.extra, start=1):
        raw[f"(extra value {number})"] = value
    return RejectedRow(table.file_name, row.number, column, reason, raw)


class RowReader:
    """One data row read field by field: warnings name the file, the row and the column as the file
    writes it (so a data officer can find the cell), and a rejected row keeps every cell.

    A cell that cannot be used is kept in ``kept`` under its header, so nothing is lost; a format
    whose cells read differently overrides ``text`` and ``keep``.
    """

    def __init__(self, table: Table, columns: dict[str, str], row: TableRow) -> None:
        self.table = table
        self.columns = columns
        self.row = row
        self.file = table.file_name
        self.number = row.number
        self.warnings: list[ImportWarning] = (
            [ImportWarning(self.file, row.number, column, message) for column, message in row.warnings]
            if row.warnings
            else []
        )
        self.kept: dict[str, str] = {}

    def convert(self) -> ImportItem:
        """The row as one item (a format's row class says how); its warnings are yielded first."""
        raise NotImplementedError

    def header(self, name: str) -> str:
        """The column's header as written in the file (what a data officer looks for)."""
        key = self.columns.get(name)
        return self.table.name_of(key) if key else name

    def raw(self, name: str) -> str:
        """A mapped cell exactly as written ('' when the file has no such column)."""
        key = self.columns.get(name)
        return "" if key is None else self.row.cells.get(key, "")

    def text(self, name: str) -> str:
        """A mapped cell, surrounding spaces stripped."""
        return self.raw(name).strip()

    def keep(self, name: str) -> None:
        """Keep a mapped cell that could not be used as an attribute under its header: nothing is lost."""
        value = self.raw(name)
        if value.strip():
            self.kept[self.header(name)] = value

    def warn(self, name: str | None, message: str) -> None:
        self.warnings.append(
            ImportWarning(self.file, self.number, self.header(name) if name else None, message)
        )

    def reject(self, name: str | None, reason: str, *, column: str | None = None) -> RejectedRow:
        """A rejected row with every non-empty cell as written; ``column`` names the column directly."""
        return rejected_row(self.table, self.row, self.header(name) if name else column, reason)

    def broken(self) -> RejectedRow | None:
        """The rejected row when the reader found the row broken (stray quote, values past the header)."""
        if not self.row.errors:
            return None
        column, reason = self.row.errors[0]
        return self.reject(None, reason, column=column)

    def flag(self, name: str) -> bool | None:
        """A Y/N cell; anything else is kept as written with a warning (and counts as not given)."""
        text = self.text(name)
        if not text:
            return None
        try:
            return parse_flag(text)
        except ValueError as exc:
            self.warn(name, f"{exc}; the text is kept as written")
            self.keep(name)
            return None

    def time(self, name: str) -> dt.time | None:
        """An optional time of day; unreadable text is kept as an attribute with a warning."""
        return self.parsed(name, "time", parse_time)

    def parsed(self, name: str, what: str, parse: Callable[[str], _Value]) -> _Value | None:
        """An optional cell read by ``parse`` (a date or time); text it cannot read is kept as an
        attribute with a warning saying ``what`` it should have been."""
        text = self.text(name)
        if not text:
            return None
        try:
            return parse(text)
        except DateParseError as exc:
            self.warn(name, f"the {what} could not be read: {exc}; the text is kept as written")
            self.keep(name)
            return None
