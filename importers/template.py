"""The multi-agency chronology template (CSV or XLSX), and the project's own chronology CSV export.

Agencies without a national format (probation, housing, adult social care, Women's Aid, ...) send
their chronology on the template, one row per event. The chronology export uses the same
columns under other names (``date``, ``summary``, ``source_record``, ...), so an exported
chronology imports back to the same events. Header aliases and the category -> event type map
are data in ``config/template.toml``.

Nothing is lost: a row whose start date cannot be read becomes an undated event with a warning,
a row that cannot become an event is a rejected row with its reason, and every column the
template does not define is kept on the event under its header as written. Cell text is only
ever stored as text: formulas, markup and control characters are never interpreted.

A file with a header but no data rows imports nothing and says so in a warning rather than an
error: an agency with nothing to report has not sent a broken file. An empty file is an error.
Reading (encodings, delimiters, workbook dates, row numbers) is ``importers.tabular``'s job.

What the analysis reads is filled here from the template's own conventions: category and event
type words are looked up by ``label_key`` (the matched entries' keys are the event's labels; a row
none of whose categories is listed is an agency record, with a warning); a ``police_ref:<ref>``
category and any reference-like extra column (``config/project_formats.toml``
[reference_columns]) are QUOTED references; a contact or referral gets its referring agency from a
``referral_source`` column, a ``Source: X`` category or a "Contact from X: ..." heading.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache, lru_cache
from operator import itemgetter
from pathlib import Path
from typing import ClassVar

from chronology.dates import DateParseError, from_excel, parse_date
from chronology.events import (
    CanonicalEvent,
    Identifier,
    IdentifierKind,
    ImportItem,
    PartialDate,
    PersonRef,
    Provenance,
    Reference,
    ReferenceRole,
)
from chronology.labels import keyed, label_key
from chronology.references import merge_references
from chronology.settings import load_config
from chronology.vocabulary import is_event_type
from importers.base import Importer, ImportOptions, register
from importers.project_rows import (
    POLICE_REF_PREFIX,
    checked_nhs_number,
    checked_upn,
    column_references,
    referring_agency,
    split_references,
)
from importers.table_rows import (
    RowReader,
    convert_rows,
    file_notices,
    header_fields,
    missing_columns,
    refuse_missing,
    repeated_columns,
    sniff_table,
)
from importers.tabular import (
    ESCAPED_AFTER_QUOTE,
    Table,
    TableRow,
    aliases_from_config,
    estimate_rows,
    open_table,
    resolve_columns,
    unescape_formula,
)

FIELDS = (
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
    "event_type",
    "significant",
    "child_voice",
    "date_uncertain",
    "date_precision",
    "referral_source",
)
REQUIRED_COLUMNS = ("start_date", "source", "event")
SUBJECT_COLUMNS = ("child_id", "nhs_number", "upn", "child_name")
# read (to check the date, to name who referred), then kept as written
KEPT_AS_ATTRIBUTES = frozenset({"date_precision", "referral_source"})
DEFAULT_EVENT_TYPE = "agency_record"
# Events that report a concern to the authority: the ones with a referring agency.
REPORTING_TYPES = frozenset({"contact", "referral"})
_PERSON = re.compile(r"^(?P<name>.*?)\s*\((?P<role>[^()]*)\)\s*$", re.DOTALL)


@cache
def _aliases() -> dict[str, tuple[str, ...]]:
    config = load_config("template")
    aliases = aliases_from_config(config.get("aliases", {}), FIELDS)
    return {name: aliases[name] for name in FIELDS}  # fields only, in the template's order


@cache
def _category_types() -> dict[str, str]:
    """label_key of each configured category -> event type (the first of two that key alike)."""
    return keyed(load_config("template").get("category_event_types", {}))


def is_template_header(cells: Sequence[str]) -> bool:
    """True when a row holds the template's required columns (or aliases) and a child column.

    ``agency`` is not needed (it can be given at import); ``source`` is what tells a template
    apart from a school log or case-notes file, which have dates and descriptions too.
    """
    found = header_fields(cells, _aliases())
    return all(name in found for name in REQUIRED_COLUMNS) and any(name in found for name in SUBJECT_COLUMNS)


# The chronology export notes a role word it could not tie to one person ("Dad (father) — ambiguous:
# Mark Jones (father) or Paul Green (father)"); on re-import the note is dropped, what was said is kept.
_EXPORT_NOTE = re.compile(r"\s+—\s+(?:ambiguous:.*|not identified)$")


def parse_persons(text: str) -> list[PersonRef]:
    """``Mark Jones (father); Jane Smith (health visitor)`` -> people with lower-case roles.

    Empty parts and stray spaces are ignored; a comma inside a name is part of the name; the last
    bracket is the role (``Mark (Mo) Jones (father)``); unbalanced brackets mean no role.
    """
    return [PersonRef(name=name, role=role) for name, role in _person_parts(text)]


@lru_cache(maxsize=4096)
def _person_parts(text: str) -> tuple[tuple[str | None, str | None], ...]:
    """(name, role) of each person ``parse_persons`` reads: a file names the same people on many
    rows, and a PersonRef can be changed by whoever holds it, so the parts are shared, not the people."""
    people: list[tuple[str | None, str | None]] = []
    for part in text.split(";"):
        part = _EXPORT_NOTE.sub("", " ".join(part.split()))
        if not part:
            continue
        match = _PERSON.match(part)
        if match:
            name = match["name"].strip() or None
            role = " ".join(match["role"].lower().split()) or None
            people.append((name, role))
        else:
            people.append((part, None))
    return tuple(people)


def _once(labels: list[str]) -> list[str]:
    return list(dict.fromkeys(labels))


def _event_type_name(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def used_keys(columns: dict[str, str]) -> frozenset[str]:
    """Column keys the row reads as fields; any other non-empty cell is kept as an attribute."""
    return frozenset(key for name, key in columns.items() if name not in KEPT_AS_ATTRIBUTES)


class _Layout:
    """What every row of one file reads the same way, worked out once per file rather than per
    cell: which column each field reads, and the columns kept as attributes with their headers."""

    __slots__ = ("_blank", "_keys", "_names", "_values", "columns", "extra_columns")

    def __init__(self, table: Table, columns: dict[str, str]) -> None:
        self.columns = columns
        present = [(name, key) for name, key in columns.items() if name in FIELDS]
        self._names = tuple(name for name, _ in present)
        self._keys = keys = tuple(key for _, key in present)
        # the mapped cells of a row as one tuple, fetched in C (a 1-tuple when only one is mapped)
        self._values: Callable[[dict[str, str]], tuple[str, ...]] = (
            itemgetter(*keys) if len(keys) > 1 else lambda cells: tuple(cells[key] for key in keys)
        )
        self._blank = dict.fromkeys(FIELDS, "")  # a field the file has no column for reads as ''
        used = used_keys(columns)
        self.extra_columns = tuple((key, table.name_of(key)) for key in table.keys if key not in used)

    def texts(self, cells: dict[str, str]) -> dict[str, str]:
        """Every field's text: export escaping undone (``unescape_formula``: exact round trip),
        otherwise stripped; '' for a field the file has no column for."""
        texts = self._blank.copy()
        try:
            values = self._values(cells)
        except KeyError:  # a row made without every column of its table
            values = tuple(cells.get(key, "") for key in self._keys)
        texts.update(zip(self._names, map(str.strip, values), strict=True))
        # A cell starts with ' only if the joined row holds NUL' (the reader removes NULs from cells).
        if "\x00'" in "\x00" + "\x00".join(values):
            for name, value in zip(self._names, values, strict=True):
                if value[:1] == "'" and value[1:2] in ESCAPED_AFTER_QUOTE:
                    texts[name] = value[1:]
        return texts


@lru_cache(maxsize=4096)
def _split_categories(text: str) -> tuple[str, ...]:
    """The ';'-separated categories of a cell, stripped, blanks dropped."""
    return tuple(part.strip() for part in text.split(";") if part.strip())


@lru_cache(maxsize=4096)
def _classify(given: str, category: str) -> tuple[str, tuple[str, ...], str | None]:
    """(event type, labels, the field to warn about or None) for a row's event_type and category
    text: the row's own event_type if known, else the category's mapped type, else agency_record.
    Pure in its two texts (and the cached config), which repeat on row after row of a file."""
    mapping = _category_types()
    labels = _once([key for part in _split_categories(category) if (key := label_key(part)) in mapping])
    if given:
        key = label_key(given)
        own = [key] if key in mapping else []
        code = _event_type_name(given)
        if is_event_type(code):
            return code, tuple(_once(own + labels)), None
        if own:
            return mapping[key], tuple(_once(own + labels)), None
        return "other", tuple(labels), "event_type"
    for candidate in [category, *_split_categories(category)]:
        key = label_key(candidate)
        if key in mapping:
            return mapping[key], tuple(_once([key, *labels])), None
    return DEFAULT_EVENT_TYPE, (), "category" if category else None


class _Row(RowReader):
    """Turns one table row into an event (or a rejected row), gathering its warnings."""

    def __init__(self, table: Table, layout: _Layout, row: TableRow, options: ImportOptions) -> None:
        super().__init__(table, layout.columns, row)
        self.options = options
        self.layout = layout
        self._texts = layout.texts(row.cells)  # each field's text, worked out once per row

    # -- access --

    def text(self, name: str) -> str:
        """Mapped cell: export escaping undone; stripped unless it was escaped (exact round trip)."""
        return self._texts.get(name, "")

    def native(self, name: str) -> object | None:
        native = self.row.native
        if not native:  # a CSV row: every cell is text
            return None
        key = self.columns.get(name)
        return native.get(key) if key else None

    def keep(self, name: str) -> None:
        """Keep a mapped cell that could not be used, export escaping undone: nothing is lost."""
        key = self.columns.get(name)
        if key and self.row.get(key).strip():
            self.kept[self.table.name_of(key)] = unescape_formula(self.row.get(key))

    # -- conversion --

    def convert(self) -> ImportItem:
        if broken := self.broken():
            return broken
        texts = self._texts
        agency = texts["agency"] or (self.options.agency or "").strip()
        if not agency:
            return self.reject("agency", "no agency: the cell is blank and none was given at import")
        missing = [name for name in ("event", "source") if not texts[name]]
        if missing:
            names = " and ".join(f"'{self.header(name)}'" for name in missing)
            return self.reject(missing[0], f"required value missing: {names} is blank")
        subject = self.subject()
        if subject is None:
            names = ", ".join(self.header(name) for name in SUBJECT_COLUMNS if name in self.columns)
            return self.reject(
                next((name for name in SUBJECT_COLUMNS if name in self.columns), None),
                f"no child identified: give at least one of {names}",
            )
        date, date_text, time_from_date = self.start_date()
        record_id = texts["record_id"] or None
        event_type, labels = self.event_type()
        event = CanonicalEvent(
            subject=subject,
            agency=agency,
            source=texts["source"],
            event_type=event_type,
            summary=texts["event"],
            provenance=Provenance(
                source_system=f"template:{agency}",
                file=self.file,
                row=self.row.number,
                source_record_id=record_id,
                sheet=self.table.sheet,
            ),
            date=date,
            date_text=date_text,
            time=self.time("start_time") or time_from_date,
            end=self.end_date(date),
            end_time=self.time("end_time"),
            categories=self.categories(),
            impact_on_child=texts["impact_on_child"] or None,
            action_outcome=texts["action_outcome"] or None,
            analysis=texts["analysis"] or None,
            significant=bool(self.flag("significant")),
            child_voice=texts["child_voice"] or None,
            persons=parse_persons(texts["persons"]),
            seq=self.seq(),
            labels=labels,
        )
        self.check_precision(date)
        cells = self.row.cells
        kept = self.kept
        for key, header in self.layout.extra_columns:
            value = cells.get(key, "")
            if value and value.strip():
                kept.setdefault(header, unescape_formula(value))
        event.attributes = kept
        event.references = self.references(event.categories)
        if event_type in REPORTING_TYPES:
            event.referring_agency = referring_agency(
                texts["referral_source"], event.categories, event.summary
            )
        return event

    def references(self, categories: list[str]) -> list[Reference]:
        """References the row quotes: a ``police_ref:<ref>`` category, then any reference-like extra
        column (config/project_formats.toml [reference_columns]), each whole as written."""
        quoted = [
            Reference("police_occurrence", ref, ReferenceRole.QUOTED, "category")
            for category in categories
            if category.lower().startswith(POLICE_REF_PREFIX)
            for ref in split_references(category[len(POLICE_REF_PREFIX) :])
        ]
        return merge_references(quoted, column_references(self.kept))

    def subject(self) -> PersonRef | None:
        identifiers: list[Identifier] = []
        if child_id := self._texts["child_id"]:
            identifiers.append(Identifier(IdentifierKind.LA_CHILD_ID, child_id))
        if nhs := self._texts["nhs_number"]:
            normalised, problem = checked_nhs_number(nhs)
            identifiers.append(Identifier(IdentifierKind.NHS_NUMBER, normalised))
            if problem:
                self.warn(
                    "nhs_number",
                    f"NHS number '{nhs}' is not valid: {problem}; kept, but never used to match records",
                )
        if upn := self._texts["upn"]:
            normalised, problem = checked_upn(upn)
            identifiers.append(Identifier(IdentifierKind.UPN, normalised))
            if problem:
                self.warn(
                    "upn", f"UPN '{upn}' is not valid: {problem}; kept, but never used to match records"
                )
        name = self._texts["child_name"] or None
        dob = self.date_field("child_dob", "date of birth")
        if not identifiers and not name:
            return None
        if not identifiers and dob is None:
            self.warn(
                "child_name",
                "the child is identified by name only (no identifier or date of birth), so this event "
                "can only be matched to a child by a person",
            )
        return PersonRef(name=name, dob=dob, identifiers=identifiers)

    def date_field(self, name: str, what: str) -> PartialDate | None:
        """An optional date; unreadable text is kept as an attribute with a warning."""
        text = self._texts[name]
        value = self.native(name)
        if not text and value is None:
            return None
        try:
            if isinstance(value, dt.date):
                return from_excel(value)
            return parse_date(text)
        except DateParseError as exc:
            self.warn(name, f"the {what} could not be read: {exc}; the text is kept as written")
            self.keep(name)
            return None

    def start_date(self) -> tuple[PartialDate | None, str | None, dt.time | None]:
        """(date, text as written when undated or uncertain, a time carried in a date cell)."""
        value = self.native("start_date")
        text = self._texts["start_date"]
        date: PartialDate | None = None
        time_from_date: dt.time | None = None
        if isinstance(value, dt.datetime) and value.time() != dt.time(0):
            time_from_date = value.time()
        if not text and value is None:
            self.warn("start_date", "the start date is blank; the event is kept as an undated event")
        else:
            try:
                date = from_excel(value) if isinstance(value, dt.date) else parse_date(text)
            except DateParseError as exc:
                self.warn("start_date", f"the start date could not be read: {exc}; kept as an undated event")
        uncertain = self.flag("date_uncertain")
        if date is not None and uncertain and not date.uncertain:
            date = dataclasses.replace(date, uncertain=True)
        date_text = text if text and (date is None or date.uncertain) else None
        return date, date_text, time_from_date

    def end_date(self, start: PartialDate | None) -> PartialDate | None:
        end = self.date_field("end_date", "end date")
        if end is not None and start is not None and end.latest() < start.earliest():
            self.warn("end_date", f"the end date {end.marked()} is before the start date {start.marked()}")
        return end

    def time(self, name: str) -> dt.time | None:
        """A workbook time or date-time cell as it is; otherwise the text, read as a time."""
        if not self._texts[name] and not self.row.native:  # the usual blank CSV cell
            return None
        value = self.native(name)
        if isinstance(value, dt.datetime):
            return value.time()
        if isinstance(value, dt.time):
            return value
        return super().time(name)

    def seq(self) -> int | None:
        text = self._texts["seq"]
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            self.warn("seq", f"'{text}' is not a whole number, so it cannot order events; kept as written")
            self.keep("seq")
            return None

    def categories(self) -> list[str]:
        """The ';'-separated categories (a new list each call: the event keeps one as its own)."""
        return list(_split_categories(self._texts["category"]))

    def event_type(self) -> tuple[str, list[str]]:
        """(event type, labels): the row's own event_type if known, else the category's mapped type,
        else agency_record with a warning. Labels are the label_keys of every category (and event
        type wording) config/template.toml lists, looked up by ``label_key``."""
        given = self._texts["event_type"]
        category = self._texts["category"]
        event_type, labels, warn = _classify(given, category)
        if warn == "event_type":
            self.warn("event_type", f"'{given}' is not a known event type; the event is recorded as 'other'")
            self.keep("event_type")
        elif warn == "category":
            self.warn(
                "category",
                f"no category of '{category}' is in config/template.toml [category_event_types]; "
                f"recorded as {DEFAULT_EVENT_TYPE}",
            )
        return event_type, list(labels)

    def check_precision(self, date: PartialDate | None) -> None:
        """An export's date_precision must agree with the date's own form; warn when not."""
        given = self._texts["date_precision"].lower()
        if not given:
            return
        actual = date.precision.value if date else "unknown"
        if given != actual:
            self.warn(
                "date_precision",
                f"date_precision says '{given}' but the date gives {actual} precision; the date is used",
            )


@register
class TemplateImporter(Importer):
    """Reads the multi-agency chronology template and the project's chronology CSV export."""

    name: ClassVar[str] = "template"
    description: ClassVar[str] = (
        "Multi-agency chronology template (CSV or XLSX, one row per event), and this tool's own "
        "chronology CSV export"
    )

    @classmethod
    def can_read(cls, path: Path) -> bool:
        """A .csv/.xlsx whose first rows include a header with the template's columns."""
        return sniff_table(path, is_template_header)

    def estimate_rows(self, path: Path) -> int | None:
        return estimate_rows(path)

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        with open_table(path, max_bytes=options.max_bytes, is_header=is_template_header) as table:
            columns = resolve_columns(table.keys, _aliases())
            self._check_columns(table, columns, options)
            yield from file_notices(table)
            yield from repeated_columns(table, columns)
            layout = _Layout(table, columns)
            yield from convert_rows(table, lambda row: _Row(table, layout, row, options))

    @staticmethod
    def _check_columns(table: Table, columns: dict[str, str], options: ImportOptions) -> None:
        """The template's required columns; the agency may be given at import instead of in a column."""
        missing = missing_columns(columns, _aliases(), REQUIRED_COLUMNS)
        if "agency" not in columns and not (options.agency or "").strip():
            missing.insert(0, "agency (or give the agency when importing)")
        if not any(name in columns for name in SUBJECT_COLUMNS):
            missing.append("one of " + ", ".join(SUBJECT_COLUMNS))
        refuse_missing(table, "a chronology template", missing)
