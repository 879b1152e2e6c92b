"""Reading CSV and XLSX tables for every tabular importer (template, police, school log, ...).

One module decides encodings, delimiters, header names and row numbers, so every tabular format
treats a file the same way and reports problems in the same words: the file, the row number a
person sees when they open the file in Excel, and the column as its header is written.

Decisions, made once here for every importer:

- **Encoding** (CSV): the whole file is checked before any row is read, so an import never yields
  some rows and then fails on a bad byte near the end. UTF-8 (a BOM is stripped) is tried first,
  then Windows-1252 (what Excel writes for "CSV" in the UK). A file starting with a UTF-16 BOM is
  read as UTF-16, and so is UTF-16 without a BOM (a zero byte in every other position), with a
  notice. A file whose first 4 KB are mostly NUL bytes is refused as not text. Bytes that are not even Windows-1252 (0x81, 0x8D, 0x8F, 0x90, 0x9D) make the file
  unreadable: ``ImportFileError`` names the file, the byte, its offset and the line. A file that is
  UTF-8 at first and Windows-1252 later is read as Windows-1252 with a notice, since accented
  letters before that point may then look garbled.
- **Delimiter** (CSV): comma, semicolon or tab, whichever splits the first rows into the most
  consistent number of columns (an Excel ``sep=;`` first line is obeyed and counts as row 1).
- **Header**: the first non-blank row, unless the importer gives a test for its own header, in
  which case the first of the first ``header_search_rows`` non-blank rows that passes it (so a
  title line above the header does not stop an import; the skipped rows are listed). Header
  names are normalised for matching: lower case, surrounding spaces stripped, inner runs of
  spaces and hyphens turned into ``_``. Each column keeps its header as written, for messages and
  attribute names. A blank header becomes ``column F``; a repeated one gets ``(column F)`` added.
- **Rows**: numbered as the person sees them: in a CSV the header is row 1 and a cell spanning
  several lines is still one row; in a workbook, the sheet's own row numbers. Fully blank rows
  are skipped and listed in ``Table.blank_rows`` for the importer to report. A row with values
  beyond the last header column, or a cell over ``MAX_CELL_CHARS`` characters (usually a stray
  quote that swallowed the rest of the file), carries the problem in ``TableRow.errors`` so the
  importer rejects that row and goes on. NUL characters are removed with a note in
  ``TableRow.warnings``.
- **Workbooks** are read with openpyxl in read-only, values-only mode (formulas are never
  evaluated, only their cached results read). Date cells stay ``datetime`` objects in
  ``TableRow.native`` and appear in ``TableRow.cells`` as ISO text (``2021-03-04``, or
  ``2021-03-04 10:30`` with a time), never in a locale's month-first form. Whole numbers appear
  without ``.0`` (so an NHS number typed as a number reads back as typed).
- **Size**: files over ``max_bytes`` are refused before reading; a workbook whose parts would
  unpack to more than ``XLSX_UNPACKED_FACTOR`` times that, or past ``config/imports.toml``'s limits
  (a part inflating more than ``max_ratio`` times), is refused before openpyxl opens it (a zip bomb
  guard, from the sizes the archive records).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Self

from openpyxl.utils import get_column_letter

from chronology.events import ImportFileError
from chronology.settings import load_config

__all__ = [
    "CSV_SUFFIXES",
    "ESCAPED_AFTER_QUOTE",
    "MAX_CELL_CHARS",
    "TABULAR_SUFFIXES",
    "XLSX_SUFFIXES",
    "Column",
    "HeaderTest",
    "Table",
    "TableRow",
    "aliases_from_config",
    "cell_text",
    "check_archive",
    "check_encoding",
    "check_file_size",
    "describe_rows",
    "estimate_rows",
    "is_legacy_excel",
    "normalise_header",
    "open_table",
    "open_workbook",
    "peek_rows",
    "read_table",
    "refuse_legacy_excel",
    "resolve_columns",
    "sheet_rows",
    "unescape_formula",
]

CSV_SUFFIXES = frozenset({".csv"})
XLSX_SUFFIXES = frozenset({".xlsx"})
TABULAR_SUFFIXES = CSV_SUFFIXES | XLSX_SUFFIXES

MAX_CELL_CHARS = 1_000_000  # one cell longer than this is a broken row, not a record
HEADER_SEARCH_ROWS = 10  # non-blank rows looked at for a header (title lines above it)
OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")  # how an Excel 97-2003 (.xls) file begins
_OPENPYXL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})  # names openpyxl opens by path
XLSX_UNPACKED_FACTOR = 8  # sheet XML is bulky: allow this many times max_bytes once unpacked
_SCAN_CHUNK = 1 << 20
_SNIFF_BYTES = 64 * 1024
_UTF16_SNIFF_BYTES = 4096
_MOSTLY_NUL = 0.1  # more NUL bytes than this share of the start (not UTF-16): not text
_SNIFF_LINES = 50
_DELIMITERS = (",", ";", "\t")
_CSV_FIELD_LIMIT = 2**31 - 1  # cell size is checked by MAX_CELL_CHARS instead, with a clear message
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What follows the ' of a cell the export escaped: a formula start, or the ' of a text that had one.
ESCAPED_AFTER_QUOTE = frozenset((*_FORMULA_STARTS, "'"))
_MAX_LISTED = 10
_XLSX_SEARCH_PHYSICAL_ROWS = 1000

HeaderTest = Callable[[Sequence[str]], bool]
"""An importer's test for its own header row: given the raw header cells, True if it is one."""


# --- small helpers every tabular importer uses ---------------------------------------------------


def normalise_header(text: str) -> str:
    """Header as matched: lower case, surrounding spaces stripped, inner spaces/hyphens -> ``_``.

    Matching on this form lets "Date of Event", "date-of-event" and "date_of_event" be one column.
    """
    return re.sub(r"[\s\-]+", "_", text.replace("\ufeff", "").strip().lower())


def unescape_formula(text: str) -> str:
    """Undo the export's formula escaping: drop one leading ``'`` before ``= + - @`` tab, CR or ``'``.

    The chronology export prefixes such cells with ``'`` so a spreadsheet does not run them (and
    prefixes a text that itself starts with ``'`` before one of those), so taking exactly one away
    makes export -> import an exact round trip (``exporters/csv_safety.py`` is the other half).
    """
    if len(text) >= 2 and text[0] == "'" and text[1] in ESCAPED_AFTER_QUOTE:
        return text[1:]
    return text


def cell_text(value: object) -> str:
    """A cell value as text, the way a person reads it, never a locale-dependent date form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        if value.second == 0 and value.microsecond == 0:
            return value.strftime("%Y-%m-%d %H:%M")
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        if value.second == 0 and value.microsecond == 0:
            return value.strftime("%H:%M")
        return value.isoformat(timespec="seconds")
    return str(value)


def aliases_from_config(
    table: Mapping[str, Iterable[str]], fields: Iterable[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Field -> normalised header names that mean it (its own name first, then config aliases).

    ``fields`` lists fields that match at least their own name even when the config omits them.
    """
    result: dict[str, tuple[str, ...]] = {}
    for name in [*fields, *table]:
        names = [normalise_header(name), *(normalise_header(alias) for alias in table.get(name, ()))]
        result[name] = tuple(dict.fromkeys(names))
    return result


def resolve_columns(keys: Iterable[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Field -> the table key that supplies it. Each column serves at most one field.

    Fields are settled in the order given, each taking the first of its names present, so a
    field's own name beats another field's alias for the same column.
    """
    present = list(dict.fromkeys(keys))
    taken: set[str] = set()
    result: dict[str, str] = {}
    for own in aliases:  # own names first: 'date' as a field beats 'date' as an alias
        if own in present:
            result[own] = own
            taken.add(own)
    for name, names in aliases.items():
        if name in result:
            continue
        for candidate in names:
            if candidate in present and candidate not in taken:
                result[name] = candidate
                taken.add(candidate)
                break
    return result


def describe_rows(numbers: Sequence[int]) -> str:
    """Row numbers for a message: the first ten, then how many more."""
    shown = ", ".join(str(n) for n in numbers[:_MAX_LISTED])
    if len(numbers) > _MAX_LISTED:
        shown += f" and {len(numbers) - _MAX_LISTED} more"
    return shown


def _preview(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- table model --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One header cell: where it is, how it is matched, and how it is named to a person."""

    index: int  # 0-based position in the row
    key: str  # normalised header, unique within the table
    name: str  # header as written (made unique), for messages and attribute names
    letter: str  # spreadsheet column letter, A, B, ...


@dataclass(slots=True)
class TableRow:
    """One non-blank data row: cell text by column key, plus what the importer must know about it."""

    number: int  # the row number a person sees (header is row 1 in a plain CSV)
    cells: dict[str, str]  # every column's text ('' when empty), NULs removed
    native: dict[str, object] = field(default_factory=dict)  # workbook values that are not text
    errors: list[tuple[str | None, str]] = field(default_factory=list)  # (column name, why) -> reject
    warnings: list[tuple[str | None, str]] = field(default_factory=list)  # (column name, note)
    extra: list[str] = field(default_factory=list)  # non-empty values beyond the header

    def get(self, key: str | None) -> str:
        """Text of a column by key ('' when the table has no such column)."""
        if key is None:
            return ""
        return self.cells.get(key, "")


RowSource = Generator[tuple[int, Sequence[object]], None, None]


class Table:
    """An open CSV file or worksheet: its columns, then its data rows when iterated (once).

    Use as a context manager so a workbook's file is closed. ``blank_rows`` fills while iterating.
    """

    def __init__(
        self,
        path: Path,
        fmt: str,
        header_row: int,
        header_cells: Sequence[object],
        rows: RowSource,
        *,
        sheet: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        notices: Sequence[str] = (),
        rows_above_header: Sequence[int] = (),
        closer: Callable[[], None] | None = None,
    ) -> None:
        self.path = path
        self._file_name = path.name  # named in every row's messages
        self.format = fmt
        self.sheet = sheet
        self.encoding = encoding
        self.delimiter = delimiter
        self.header_row = header_row
        self.notices: list[str] = list(notices)
        self.rows_above_header: list[int] = list(rows_above_header)
        self.blank_rows: list[int] = []
        self.columns: list[Column] = _make_columns(header_cells)
        self._rows = rows
        self._closer = closer
        self._by_key = {column.key: column for column in self.columns}
        self._keys = tuple(column.key for column in self.columns)
        self._unmapped: tuple[Mapping[str, str], tuple[tuple[str, str], ...]] | None = None
        self._all_text = fmt == "csv"  # csv.reader gives only str: rows take the fast path in _make_row

    @property
    def file_name(self) -> str:
        return self._file_name

    @property
    def keys(self) -> list[str]:
        return [column.key for column in self.columns]

    @property
    def header_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def name_of(self, key: str) -> str:
        """The header as written for a column key (for messages and attributes)."""
        return self._by_key[key].name

    def unmapped_columns(self, columns: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """(key, header as written) of each column no field in ``columns`` reads, in table order:
        what a row keeps as attributes. Worked out once for the mapping every row of a file shares."""
        if self._unmapped is None or self._unmapped[0] is not columns:
            used = set(columns.values())
            found = tuple((column.key, column.name) for column in self.columns if column.key not in used)
            self._unmapped = (columns, found)
        return self._unmapped[1]

    def where(self) -> str:
        """File (and sheet) for messages."""
        return f"{self.file_name}, sheet '{self.sheet}'" if self.sheet else self.file_name

    def __iter__(self) -> Iterator[TableRow]:
        for number, values in self._rows:
            row = self._make_row(number, values)
            if row is None:
                self.blank_rows.append(number)
            else:
                yield row

    def _make_row(self, number: int, values: Sequence[object]) -> TableRow | None:
        if self._all_text and len(values) <= len(self._keys):
            # The common CSV row, checked as a whole: no NUL, no cell too long, nothing past the header.
            joined = "".join(values)  # a CSV row's values are all str
            if "\x00" not in joined and len(joined) <= MAX_CELL_CHARS:
                if not joined.strip():
                    return None
                cells = dict(zip(self._keys, values, strict=False))
                for key in self._keys[len(values) :]:
                    cells[key] = ""
                return TableRow(number=number, cells=cells)
        texts = [cell_text(value) for value in values]
        if not any(text.strip() for text in texts):
            return None
        row = TableRow(number=number, cells={})
        width = len(self.columns)
        for index, text in enumerate(texts):
            column = self.columns[index] if index < width else None
            label = column.name if column else f"column {get_column_letter(index + 1)}"
            if "\x00" in text:
                text = text.replace("\x00", "")
                row.warnings.append((label, "NUL characters removed from the text"))
            if len(text) > MAX_CELL_CHARS:
                row.errors.append(
                    (
                        label,
                        f"the cell is {len(text):,} characters long, more than the {MAX_CELL_CHARS:,} "
                        'allowed; in a CSV this is usually an unmatched double quote (") that runs '
                        "on into the rows below",
                    )
                )
                text = _preview(text, 200)
            if column is None:
                if text.strip():
                    row.extra.append(text)
                continue
            row.cells[column.key] = text
            value = values[index]
            if value is not None and not isinstance(value, str):
                row.native[column.key] = value
        for column in self.columns[len(texts) :]:
            row.cells[column.key] = ""
        if row.extra:
            shown = ", ".join(repr(_preview(text)) for text in row.extra[:3])
            row.errors.append(
                (
                    None,
                    f"the row has {len(row.extra)} value(s) beyond the last of the {width} header "
                    f"columns ({shown}); in a CSV this is usually an unquoted comma or semicolon "
                    "inside a cell",
                )
            )
        return row

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
            self._closer = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _make_columns(header_cells: Sequence[object]) -> list[Column]:
    texts = [cell_text(value).replace("\x00", "").strip() for value in header_cells]
    while texts and not texts[-1]:
        texts.pop()
    columns: list[Column] = []
    keys: set[str] = set()
    names: set[str] = set()
    for index, text in enumerate(texts):
        letter = get_column_letter(index + 1)
        key = normalise_header(text) if text else f"column_{letter.lower()}"
        name = text or f"column {letter}"
        if key in keys:
            key = f"{key}__{letter.lower()}"
        if name in names:
            name = f"{name} (column {letter})"
        keys.add(key)
        names.add(name)
        columns.append(Column(index=index, key=key, name=name, letter=letter))
    return columns


# --- opening --------------------------------------------------------------------------------------


def open_table(
    path: Path,
    *,
    max_bytes: int,
    is_header: HeaderTest | None = None,
    header_search_rows: int = HEADER_SEARCH_ROWS,
) -> Table:
    """Open a CSV or XLSX file and read its header; raise ``ImportFileError`` if it cannot be read.

    With ``is_header``, the first of the first ``header_search_rows`` non-blank rows that passes it
    is the header (for a workbook: on the first sheet that has one); without, or when none
    passes, the first non-blank row is, so a missing-columns message can list what was found.
    """
    suffix = path.suffix.lower()
    if suffix not in TABULAR_SUFFIXES:
        raise ImportFileError(f"{path.name} is not a CSV or XLSX file")
    if check_file_size(path, max_bytes) == 0:
        raise ImportFileError(f"{path.name} is empty")
    if suffix in CSV_SUFFIXES:
        return _open_csv(path, is_header, header_search_rows)
    return _open_xlsx(path, max_bytes, is_header, header_search_rows)


def read_table(path: Path, *, max_bytes: int, is_header: HeaderTest | None = None) -> Iterator[TableRow]:
    """Data rows of a CSV or XLSX file (see ``open_table``); the file is closed at the end."""
    with open_table(path, max_bytes=max_bytes, is_header=is_header) as table:
        yield from table


def check_file_size(path: Path, max_bytes: int) -> int:
    """The file's size; ImportFileError when it cannot be read or is over ``max_bytes`` (checked
    before any reading, so an oversized file costs nothing)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be opened: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise ImportFileError(
            f"{path.name} is {_megabytes(size)}, more than the {_megabytes(max_bytes)} allowed for one "
            "file; split it into smaller files or raise the limit"
        )
    return size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def _find_header(
    rows: RowSource, is_header: HeaderTest | None, search: int
) -> tuple[int, Sequence[object], list[tuple[int, Sequence[object]]], list[int]] | None:
    """Header row number and cells, rows after it already read, non-blank rows above it.

    None when the source has no non-blank row at all.
    """
    seen: list[tuple[int, Sequence[object]]] = []
    non_blank = 0
    chosen: int | None = None
    for number, values in rows:
        seen.append((number, values))
        texts = [cell_text(value).replace("\x00", "") for value in values]
        if not any(text.strip() for text in texts):
            continue
        non_blank += 1
        if is_header is None or is_header(texts):
            chosen = len(seen) - 1
            break
        if non_blank >= search:
            break
    if chosen is None:
        filled = [i for i, (_, values) in enumerate(seen) if any(cell_text(v).strip() for v in values)]
        if not filled:
            return None
        chosen = filled[0]  # no row passed the test: the first non-blank row, for the error message
    number, header = seen[chosen]
    above = [n for n, values in seen[:chosen] if any(cell_text(v).strip() for v in values)]
    return number, header, seen[chosen + 1 :], above


def _chain(buffered: list[tuple[int, Sequence[object]]], rest: RowSource) -> RowSource:
    yield from buffered
    yield from rest


# --- CSV --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Encoding:
    codec: str
    skip: int  # BOM bytes to skip before decoding
    notice: str | None = None


def _scan(path: Path, codec: str, skip: int) -> tuple[int, int, int, bool] | None:
    """Decode the whole file in chunks; None if it all decodes, else (offset, byte, line, non-ASCII seen).

    Only checks: rows are read later, so nothing is yielded from a file that fails halfway.
    """
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = skip
    newlines = 0
    non_ascii = False
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            chunk = handle.read(_SCAN_CHUNK)
            pending = decoder.getstate()[0]  # bytes held back from the last chunk (a split character)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                position = offset - len(pending) + exc.start
                before = data[: exc.start]
                line = newlines + before.count(b"\n") + 1
                byte = data[exc.start] if exc.start < len(data) else -1  # -1: file ends mid-character
                return position, byte, line, non_ascii or not before.isascii()
            if not chunk:
                return None
            non_ascii = non_ascii or not chunk.isascii()
            newlines += chunk.count(b"\n")
            offset += len(chunk)


def bomless_utf16(path: Path) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 text written without a BOM, else None.

    Such a file is valid UTF-8 (NUL is a character), so without this it would be read as text
    with a NUL between every letter. Text that is mostly ASCII has a zero byte in every other
    position: at odd offsets for little-endian, even for big-endian.
    """
    with path.open("rb") as handle:
        head = handle.read(_UTF16_SNIFF_BYTES)
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0 : pairs * 2 : 2], head[1 : pairs * 2 : 2]
    zeros_even, zeros_odd = even.count(0), odd.count(0)
    if zeros_odd >= pairs * 0.4 and zeros_even <= pairs * 0.05:
        return "utf-16-le"
    if zeros_even >= pairs * 0.4 and zeros_odd <= pairs * 0.05:
        return "utf-16-be"
    return None


def _detect_encoding(path: Path) -> _Encoding:
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        failure = _scan(path, "utf-16", 0)
        if failure is None:
            return _Encoding("utf-16", 0)
        offset, _, line, _ = failure
        raise ImportFileError(
            f"{path.name} starts as UTF-16 text but is not valid UTF-16 at byte offset {offset} "
            f"(line {line}); save it again as 'CSV UTF-8' and import it again"
        )
    bomless = bomless_utf16(path)
    if bomless is not None:
        failure = _scan(path, bomless, 0)
        if failure is None:
            order = "little" if bomless.endswith("le") else "big"
            return _Encoding(
                bomless,
                0,
                f"{path.name} is UTF-16 text ({order}-endian) without the byte-order mark that says so; "
                "it was read as UTF-16",
            )
        offset, _, line, _ = failure
        raise ImportFileError(
            f"{path.name} looks like UTF-16 text without a byte-order mark, but is not valid UTF-16 at byte "
            f"offset {offset} (line {line}); save it again as 'CSV UTF-8' and import it again"
        )
    with path.open("rb") as handle:
        sample = handle.read(_UTF16_SNIFF_BYTES)
    if sample.count(0) > len(sample) * _MOSTLY_NUL:
        raise ImportFileError(
            f"{path.name} is not CSV text: {sample.count(0):,} of its first {len(sample):,} bytes are NUL "
            "(zero) bytes, as in a binary file or a spreadsheet saved under a .csv name; save it as "
            "'CSV UTF-8' and import it again"
        )
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    utf8_failure = _scan(path, "utf-8", bom)
    if utf8_failure is None:
        return _Encoding("utf-8", bom)
    cp_failure = _scan(path, "cp1252", bom)
    if cp_failure is not None:
        offset, byte, line, _ = cp_failure
        raise ImportFileError(
            f"{path.name} cannot be read as text: byte 0x{byte:02X} at byte offset {offset} (line {line}) "
            "is neither UTF-8 nor Windows-1252; save the file as 'CSV UTF-8' and import it again"
        )
    notice = None
    _, _, line, non_ascii = utf8_failure
    if bom or non_ascii:
        notice = (
            f"{path.name} is partly UTF-8 and partly Windows-1252 (the first byte that is not UTF-8 "
            f"is on line {line}); it was read as Windows-1252, so accented letters and symbols "
            "written as UTF-8 may look garbled (e.g. 'Ã©' for 'é'); check them"
        )
    return _Encoding("cp1252", bom, notice)


def check_encoding(path: Path) -> None:
    """ImportFileError when the CSV cannot be read as text in any encoding this module reads."""
    _detect_encoding(path)


def _open_text(path: Path, encoding: _Encoding) -> io.TextIOWrapper:
    raw: BinaryIO = path.open("rb")
    raw.seek(encoding.skip)
    return io.TextIOWrapper(raw, encoding=encoding.codec, errors="strict", newline="")


def _sniff_delimiter(sample: str) -> tuple[str, bool]:
    """The delimiter that splits the sample's rows most consistently; True if ``sep=`` line gave it."""
    first_line = sample.split("\n", 1)[0].strip().strip('"')
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        return first_line[4], True
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and len(sample) >= _SNIFF_BYTES:
        lines = lines[:-1]  # the sample cut the last line short
    text = "".join(lines[:_SNIFF_LINES])
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts = Counter(
            len(cells)
            for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            if len(cells) > 1 and any(cell.strip() for cell in cells)
        )
        if not counts:
            continue
        width, frequency = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (frequency, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best, False


def _csv_rows(path: Path, encoding: _Encoding, delimiter: str, skip_sep_line: bool) -> RowSource:
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    number = 0
    with _open_text(path, encoding) as handle:
        if skip_sep_line:
            handle.readline()
            number = 1
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for cells in reader:
                number += 1
                yield number, cells
        except (csv.Error, UnicodeDecodeError) as exc:  # checked up front; only if the file changed
            raise ImportFileError(f"{path.name}, row {number + 1}: cannot be read: {exc}") from exc


def _open_csv(path: Path, is_header: HeaderTest | None, search: int) -> Table:
    encoding = _detect_encoding(path)
    with _open_text(path, encoding) as handle:
        sample = handle.read(_SNIFF_BYTES)
    delimiter, sep_line = _sniff_delimiter(sample)
    rows = _csv_rows(path, encoding, delimiter, sep_line)
    try:
        found = _find_header(rows, is_header, search)
    except BaseException:
        rows.close()
        raise
    if found is None:
        rows.close()
        raise ImportFileError(f"{path.name} is empty: it has no header row and no data")
    number, header, buffered, above = found
    return Table(
        path,
        "csv",
        number,
        header,
        _chain(buffered, rows),
        encoding=encoding.codec,
        delimiter=delimiter,
        notices=[encoding.notice] if encoding.notice else [],
        rows_above_header=above,
        closer=rows.close,
    )


# --- XLSX ---------------------------------------------------------------------------------------------


def open_workbook(path: Path, max_bytes: int) -> Any:
    """The workbook in read-only, values-only mode; ImportFileError for anything that is not one.

    Every workbook importer opens through here, so the size limit and the zip bomb guard (parts
    that would unpack to more than ``XLSX_UNPACKED_FACTOR`` times ``max_bytes``) are the same.
    """
    check_file_size(path, max_bytes)
    refuse_legacy_excel(path)
    check_archive(path, max_bytes)
    from openpyxl import load_workbook

    # openpyxl goes by the file name: an .xlsx saved under another name (".xls") is read from its bytes
    source = path if path.suffix.lower() in _OPENPYXL_SUFFIXES else io.BytesIO(path.read_bytes())
    try:
        return load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files; all mean "unreadable"
        raise ImportFileError(f"{path.name} could not be opened as an Excel workbook: {exc}") from exc


def check_archive(path: Path, max_bytes: int) -> None:
    """Refuse a workbook whose parts would inflate too far, before anything is inflated.

    The sizes come from the archive's directory; they can be trusted as an upper bound, because
    Python's zipfile (which openpyxl reads through) stops a part at its recorded size and fails it
    on the CRC check if it holds more. Limits are in ``config/imports.toml`` ``[xlsx]``.
    """
    limits = load_config("imports")["xlsx"]
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(
            f"{path.name} is not a valid .xlsx workbook (it cannot be opened as one: {exc}); "
            "if it is an old .xls file, save it as .xlsx or CSV"
        ) from exc
    ratio_from = limits["ratio_from_mb"] * 1024 * 1024
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > ratio_from and ratio > limits["max_ratio"]:
            raise ImportFileError(
                f"{path.name} is refused as a likely zip bomb: its part {part.filename} would inflate "
                f"{ratio:,.0f} times (from {_megabytes(part.compress_size)} to {_megabytes(part.file_size)}), "
                f"more than the {limits['max_ratio']} times a real workbook needs; nothing was unpacked"
            )
    unpacked = sum(part.file_size for part in parts)
    allowed = min(max_bytes * XLSX_UNPACKED_FACTOR, limits["max_unpacked_mb"] * 1024 * 1024)
    if unpacked > allowed:
        raise ImportFileError(
            f"{path.name} would unpack to {_megabytes(unpacked)}, more than the "
            f"{_megabytes(allowed)} allowed; split it into smaller files"
        )


def is_legacy_excel(path: Path) -> bool:
    """True for an Excel 97-2003 workbook (an OLE2 compound file), whatever its name ends with."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(OLE2_SIGNATURE)) == OLE2_SIGNATURE
    except OSError:
        return False


def refuse_legacy_excel(path: Path) -> None:
    """An .xls (Excel 97-2003) workbook is refused with what to do, not "not a zip file"."""
    if is_legacy_excel(path):
        raise ImportFileError(
            f"{path.name} is an Excel 97-2003 workbook (.xls), an old binary format this tool does not "
            "read: open it in Excel and save it as an Excel Workbook (.xlsx), then import the .xlsx file"
        )


def sheet_rows(path: Path, sheet: Any, start: int = 1, limit: int | None = None) -> RowSource:
    """(row number, values) for a worksheet, numbered as the sheet numbers them."""
    number = start - 1
    try:
        for number, values in enumerate(sheet.iter_rows(min_row=start, values_only=True), start=start):
            if limit is not None and number >= start + limit:
                return
            yield number, values
    except Exception as exc:  # a damaged sheet part: name where it broke
        raise ImportFileError(
            f"{path.name}, sheet '{sheet.title}': cannot be read after row {number}: {exc}"
        ) from exc


def _open_xlsx(path: Path, max_bytes: int, is_header: HeaderTest | None, search: int) -> Table:
    workbook = open_workbook(path, max_bytes)
    try:
        sheets = list(workbook.worksheets)
        for sheet in sheets:
            sheet.reset_dimensions()  # some writers record a wrong size; read every row present
        chosen: tuple[Any, int, Sequence[object], list[int]] | None = None
        fallback: tuple[Any, int, Sequence[object], list[int]] | None = None
        for sheet in sheets:
            rows = sheet_rows(path, sheet, limit=_XLSX_SEARCH_PHYSICAL_ROWS)
            found = _find_header(rows, is_header, search)
            rows.close()
            if found is None:
                continue
            number, header, _, above = found
            if is_header is None or is_header([cell_text(value) for value in header]):
                chosen = (sheet, number, header, above)
                break
            if fallback is None:  # no header of ours here: keep its first row for the error message
                fallback = (sheet, number, header, above)
        chosen = chosen or fallback
        if chosen is None:
            raise ImportFileError(f"{path.name} is empty: no sheet has any cells")
        sheet, number, header, above = chosen
        data_rows = sheet_rows(path, sheet, start=number + 1)
    except BaseException:
        workbook.close()
        raise

    def close() -> None:
        data_rows.close()
        workbook.close()

    return Table(
        path,
        "xlsx",
        number,
        header,
        data_rows,
        sheet=sheet.title,
        rows_above_header=above,
        closer=close,
    )


# --- cheap looks for can_read and progress bars ------------------------------------------------------


def peek_rows(path: Path, limit: int = HEADER_SEARCH_ROWS) -> list[list[str]]:
    """The first ``limit`` non-blank rows as text (every sheet's, for a workbook), read cheaply.

    For ``can_read``: reads at most 64 KB of a CSV, decoding leniently; never raises for bad
    content, only returns fewer rows. OSError (unreadable file) is left to the caller.
    """
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        with path.open("rb") as handle:
            data = handle.read(_SNIFF_BYTES)
        bomless = bomless_utf16(path)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            sample = data.decode("utf-16", errors="replace")
        elif bomless is not None:
            sample = data.decode(bomless, errors="replace")
        else:
            try:
                sample = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                if exc.start >= len(data) - 3:  # a character cut by the 64 KB sample
                    sample = data[: exc.start].decode("utf-8-sig")
                else:
                    sample = data.decode("cp1252", errors="replace")
        delimiter, sep_line = _sniff_delimiter(sample)
        if sep_line:
            sample = sample.split("\n", 1)[1] if "\n" in sample else ""
        rows: list[list[str]] = []
        try:
            for cells in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
                if any(cell.strip() for cell in cells):
                    rows.append(cells)
                    if len(rows) >= limit:
                        break
        except csv.Error:
            pass
        return rows
    if suffix in XLSX_SUFFIXES:
        with path.open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":
                return []
        try:
            workbook = open_workbook(path, max_bytes=1 << 40)
        except ImportFileError:
            return []
        try:
            found: list[list[str]] = []
            for sheet in workbook.worksheets:
                sheet.reset_dimensions()
                count = 0
                for _, values in sheet_rows(path, sheet, limit=_XLSX_SEARCH_PHYSICAL_ROWS):
                    texts = [cell_text(value) for value in values]
                    if any(text.strip() for text in texts):
                        found.append(texts)
                        count += 1
                        if count >= limit:
                            break
            return found
        except ImportFileError:
            return found
        finally:
            workbook.close()
    return []


def estimate_rows(path: Path) -> int | None:
    """Rough number of data rows: CSV size / mean length of the first 100 lines; XLSX largest max_row - 1."""
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            size = path.stat().st_size
            with path.open("rb") as handle:
                data = handle.read(_SNIFF_BYTES)
            lines = data.splitlines(keepends=True)[:100]
            if not lines:
                return 0
            if len(data) == size and len(lines) < 100:
                return max(0, len(lines) - 1)
            mean = sum(len(line) for line in lines) / len(lines)
            return max(0, round(size / mean) - 1)
        if suffix in XLSX_SUFFIXES:
            workbook = open_workbook(path, max_bytes=1 << 40)
            try:  # the recorded sizes only; the largest sheet is the one likely to be read
                sizes = [sheet.max_row for sheet in workbook.worksheets if sheet.max_row]
            finally:
                workbook.close()
            return max(sizes) - 1 if sizes else None
    except (OSError, ImportFileError):
        return None
    return None
