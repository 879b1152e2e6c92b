"""The Ofsted Annex A workbook: the child-level lists an authority sends before an inspection.

Sheets "List 1" … "List 11": 1 contacts,
2 early help, 3 referrals, 4 assessments, 5 section 47 enquiries and initial child protection
conferences, 6 children in need, 7 child protection, 8 children in care, 9 care leavers,
10 adoption, 11 adopters. Headers are worded differently by each authority, so they are matched
loosely through the aliases in ``config/annex_a.toml`` and the headings of every Ofsted layout since
2015 in ``config/annex_a_layouts.toml``.

Authorities fill the workbook in: a cover or guidance sheet comes first, lookups sit at the end, title
and notes rows stand above a list's header, sheets are renamed ("L1 Contacts", "Contacts (List 1)",
"Sheet1"), and layouts before 2018 had fewer lists, numbered differently and worded otherwise. So a
list is found by its header, wherever it stands in a sheet's first ``HEADER_SCAN_ROWS`` non-blank
rows: the row that holds a list's ID column and the columns that mark it (``ListSpec.signature``) is
the header; the list whose fields it holds most is the list; the sheet's name only breaks a tie, and
names the list when its columns are too few to say (a "List 5" with no strategy discussion date).

A row is one child in one list and usually holds several dated facts: a List 7 row gives the plan
start, the last statutory visit, the latest review conference and the plan end. Each filled date
cell of a known column becomes one event (``LIST_SPECS`` says which type); every other column of
the row is kept on each of its events as an attribute, under its header as written.

Record IDs are ``<child ID>/<fact>/<date>`` (``1234567/cp_plan_start/2020-11-23``) without the
sheet: the same fact listed twice (a child entering care appears in List 8 and List 10; a List 6
CIN episode starts on the date of the List 3 referral, as the CIN census counts it; the same plan
in next year's workbook) is one event, and the store counts the repeat as a duplicate. Contacts
add the contact source, as two agencies may contact about a child on the same day.

List 9 (care leavers) has no dates at all: each row is an undated event. List 11 describes
adopters, not children: each row is a ``PersonRecord`` of the adopter. A sheet that is no list
(guidance, cover, lookups, notes, or a list whose header cannot be found) is one ``Skipped`` item
naming it, never a rejected row per line: the report keeps rejected rows for real records.

An Excel 97-2003 ``.xls`` file is refused, saying to save it as ``.xlsx``; an ``.xlsx`` workbook
saved under an ``.xls`` name is read as what it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from openpyxl.utils import get_column_letter

from chronology.dates import DateParseError, from_excel
from chronology.events import (
    CanonicalEvent,
    Coverage,
    Identifier,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRecord,
    PersonRef,
    Provenance,
    RejectedRow,
    Skipped,
)
from chronology.labels import label_key
from chronology.settings import load_config
from importers.base import Importer, ImportOptions, register
from importers.dfe_codes import code_info
from importers.referral_sources import read_source
from importers.tabular import (
    XLSX_SUFFIXES,
    RowSource,
    cell_text,
    describe_rows,
    is_legacy_excel,
    open_workbook,
    refuse_legacy_excel,
    sheet_rows,
)

SOURCE_SYSTEM = "annex-a"
DEFAULT_AGENCY = "Children's social care"
COVERAGE_LISTS = (1, 3)  # lists holding every contact / referral of the period the workbook covers
WORKBOOK_SUFFIXES = XLSX_SUFFIXES | {".xls"}  # an .xls name may hold an .xlsx workbook
HEADER_SCAN_ROWS = 20  # non-blank rows of each sheet searched for a list's header
SUBJECTS = ("child_id", "adopter_id")
NOT_A_LIST = f"not an Annex A list (no list's header in its first {HEADER_SCAN_ROWS} rows)"
NO_ID_COLUMN = f"named as a list, but no header with an ID column in its first {HEADER_SCAN_ROWS} rows"
_LIST_NAME = re.compile(r"(?:^|(?<=[^0-9a-z]))(?:list\s*|l)(\d{1,2})(?!\d)")  # "List 7", "List7", "L7"
_XLS_MENTIONS = re.compile(rb"(?i)list ?\d|child unique id|child id")
_LIST_LETTER = re.compile(r"^\s*[a-z]{1,2}\)\s*", re.IGNORECASE)  # "a) " before a drop-down value
_NEED_CODE = re.compile(r"^(N[1-8])(?![0-9A-Za-z])", re.IGNORECASE)
_CODE_PREFIX = re.compile(r"^[A-Z0-9]{1,6}\s*[-:]\s*")  # "N1 - ", "E1: " before a value's label
SOURCE_FIELDS = frozenset({"contact_source", "referral_source"})  # DfE referral source codes or words
ABUSE_FIELDS = frozenset({"initial_category", "latest_category"})  # categories of abuse of a CP plan
# Fields written as a DfE SSDA903 code, alone or before its label ("f) U6: Foster placement - not FFA").
SSDA903_FIELDS = {
    "legal_status": "LS",
    "placement_type": "PLACE",
    "placement_provider": "PLACE_PROVIDER",
    "reason_ceased": "REC",
}
_LEADING_CODE = re.compile(r"^([A-Z0-9]{1,6})(?=$|\s*[-:]|\s)", re.IGNORECASE)
_TRUE = frozenset({"y", "yes", "true", "1"})
_FALSE = frozenset({"n", "no", "false", "0"})


def loose(text: str) -> str:
    """A header or value as compared: lower case, no punctuation, no "the", no trailing "(Y/N)"."""
    text = text.replace("\ufeff", "").lower().replace("&", " and ")
    text = re.sub(r"['‘’`´\"“”]", "", text)
    words = [word for word in re.sub(r"[^0-9a-z]+", " ", text).split() if word != "the"]
    if words[-2:] == ["y", "n"]:
        words = words[:-2]
    return " ".join(words)


def strip_list_letter(value: str) -> str:
    """``a) Yes`` -> ``Yes``: drop the ordering letter Ofsted's drop-down lists put before values."""
    return _LIST_LETTER.sub("", value).strip()


def parse_yes_no(value: str) -> bool | None:
    """Yes/No in the forms Annex A uses (``a) Yes``, ``Y``, ``No``); None when blank or neither."""
    word = strip_list_letter(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return None


# --- what each list holds -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """One date column of a list and the event it becomes."""

    column: str  # field name in config/annex_a.toml [aliases]
    event_type: str
    fact: str  # names the fact in record IDs; the same fact in two lists is one event
    summary: str
    end: str | None = None  # field holding the end of the period that starts here
    categories: tuple[str, ...] = ()  # fields whose values are the event's categories
    outcome: tuple[str, ...] = ()  # fields that say what came of it (-> action_outcome)
    seen_alone: str | None = None
    key_extra: tuple[str, ...] = ()  # fields added to the record ID
    fold_into: str | None = None  # on the same date as this fact, add to it instead of a new event


@dataclass(frozen=True, slots=True)
class ListSpec:
    number: int
    title: str
    facts: tuple[Fact, ...]
    signature: tuple[str, ...]  # fields that identify the list when the sheet is not named "List N"
    others: tuple[str, ...] = ()  # further fields read (categories, flags)
    undated: Fact | None = None  # the event each row becomes when the list has no dates (List 9)
    subject: str = "child_id"
    need_codes: tuple[str, ...] = ()  # fields holding a CIN need code N1-N8

    @property
    def fields(self) -> tuple[str, ...]:
        names: list[str] = [self.subject, "gender", "dob"]
        for fact in (*self.facts, *([self.undated] if self.undated else [])):
            names += [fact.column, *([fact.end] if fact.end else []), *fact.categories, *fact.outcome]
            names += [*([fact.seen_alone] if fact.seen_alone else []), *fact.key_extra]
        names += self.others
        return tuple(dict.fromkeys(names))


LIST_SPECS: dict[int, ListSpec] = {
    spec.number: spec
    for spec in (
        ListSpec(
            1,
            "contacts",
            (
                Fact(
                    "contact_date",
                    "contact",
                    "contact",
                    "Contact received by children's social care",
                    categories=("contact_source",),
                    key_extra=("contact_source",),
                ),
            ),
            signature=("contact_date",),
        ),
        ListSpec(
            2,
            "early help",
            (
                Fact(
                    "eh_start",
                    "assessment",
                    "early_help_assessment",
                    "Early help assessment",
                    end="eh_completed",
                    outcome=("eh_organisation",),
                ),
            ),
            signature=("eh_start", "eh_organisation"),
        ),
        ListSpec(
            3,
            "referrals",
            (
                Fact(
                    "referral_date",
                    "referral",
                    "referral",
                    "Referral to children's social care",
                    categories=("referral_source",),
                    outcome=("referral_nfa",),
                ),
            ),
            signature=("referral_date",),
        ),
        ListSpec(
            4,
            "assessments",
            (
                Fact(
                    "assessment_start",
                    "assessment",
                    "assessment",
                    "Assessment by children's social care",
                    end="assessment_authorised",
                    outcome=("assessment_outcome",),
                ),
            ),
            signature=("assessment_start", "assessment_authorised"),
        ),
        ListSpec(
            5,
            "section 47 enquiries and ICPCs",
            (
                Fact(
                    "s47_start",
                    "section_47",
                    "section_47",
                    "Section 47 enquiry started (strategy discussion)",
                    outcome=("icpc_unnecessary",),
                ),
                Fact(
                    "icpc_date",
                    "initial_cp_conference",
                    "initial_cp_conference",
                    "Initial child protection conference",
                    outcome=("icpc_plan",),
                ),
            ),
            signature=("s47_start",),
        ),
        ListSpec(
            6,
            "children in need",
            (
                Fact(
                    "cin_start",
                    "referral",
                    "referral",
                    "Child in need episode started (referral)",
                    categories=("primary_need",),
                ),
                Fact("last_seen", "case_note", "child_seen", "Child seen by a social worker (latest)"),
                Fact(
                    "cin_closure",
                    "case_closure",
                    "case_closure",
                    "Child in need episode closed",
                    categories=("closure_reason",),
                ),
            ),
            signature=("cin_start",),
            need_codes=("primary_need",),
        ),
        ListSpec(
            7,
            "child protection",
            (
                Fact(
                    "cpp_start",
                    "cp_plan_start",
                    "cp_plan_start",
                    "Child protection plan started",
                    end="cpp_end",
                    categories=("initial_category",),
                ),
                Fact(
                    "last_statutory_visit",
                    "statutory_visit",
                    "statutory_visit",
                    "Statutory visit (latest)",
                    seen_alone="seen_alone",
                ),
                Fact(
                    "latest_review_conference",
                    "review_cp_conference",
                    "review_cp_conference",
                    "Child protection review conference (latest)",
                    categories=("latest_category",),
                ),
                Fact(
                    "cpp_end",
                    "cp_plan_end",
                    "cp_plan_end",
                    "Child protection plan ended",
                    categories=("latest_category",),
                ),
            ),
            signature=("cpp_start",),
        ),
        ListSpec(
            8,
            "children in care",
            (
                Fact(
                    "lac_start",
                    "looked_after_start",
                    "looked_after_start",
                    "Started to be looked after",
                    end="lac_end",
                    categories=("category_of_need",),
                ),
                Fact(
                    "legal_status_start",
                    "legal_status_change",
                    "legal_status",
                    "Current legal status began",
                    categories=("legal_status",),
                ),
                Fact(
                    "latest_lac_review",
                    "looked_after_review",
                    "looked_after_review",
                    "Looked-after child statutory review (latest)",
                ),
                Fact("last_sw_visit", "statutory_visit", "statutory_visit", "Social work visit (latest)"),
                Fact(
                    "last_iro_contact",
                    "case_note",
                    "iro_contact",
                    "Independent reviewing officer's visit or contact (latest)",
                ),
                Fact(
                    "last_health_assessment",
                    "health_contact",
                    "health_assessment",
                    "Looked-after child health assessment (latest)",
                ),
                Fact("last_dental_check", "health_contact", "dental_check", "Dental check (latest)"),
                Fact(
                    "lac_end",
                    "looked_after_end",
                    "looked_after_end",
                    "Ceased to be looked after",
                    categories=("reason_ceased",),
                ),
                Fact(
                    "placement_start",
                    "placement_change",
                    "placement_start",
                    "Most recent placement started",
                    categories=("placement_type", "placement_provider"),
                    fold_into="lac_start",
                ),
            ),
            signature=("lac_start",),
            need_codes=("category_of_need",),
        ),
        ListSpec(
            9,
            "care leavers",
            (),
            signature=("eligibility", "in_touch"),
            undated=Fact(
                "eligibility",
                "care_leaver",
                "care_leaver",
                "Care leaver",
                categories=("eligibility", "in_touch", "accommodation", "accommodation_suitable", "activity"),
            ),
        ),
        ListSpec(
            10,
            "adoption",
            (
                Fact(
                    "entered_care",
                    "looked_after_start",
                    "looked_after_start",
                    "Started to be looked after (entered care)",
                ),
                Fact(
                    "adoption_decision",
                    "adoption_decision",
                    "adoption_decision",
                    "Decision that the child should be placed for adoption",
                ),
                Fact("placement_order", "adoption_decision", "placement_order", "Placement order granted"),
                Fact(
                    "matched",
                    "adoption_decision",
                    "adoption_match",
                    "Child matched with prospective adopters",
                ),
                Fact("placed_for_adoption", "placement_change", "placed_for_adoption", "Placed for adoption"),
                Fact(
                    "adoption_order",
                    "looked_after_end",
                    "looked_after_end",
                    "Adoption order granted (ceased to be looked after)",
                ),
                Fact(
                    "adoption_reversed",
                    "adoption_decision",
                    "adoption_decision_reversed",
                    "Decision that the child should no longer be placed for adoption",
                    categories=("adoption_reversed_reason",),
                ),
                Fact(
                    "ffa_placement",
                    "placement_change",
                    "ffa_placement",
                    "Placed with foster carers for adoption (FFA) or in a concurrent planning placement",
                ),
            ),
            signature=("adoption_decision",),
        ),
        ListSpec(11, "adopters", (), signature=("adopter_id",), subject="adopter_id"),
    )
}


@cache
def _config() -> dict[str, Any]:
    return load_config("annex_a")


@cache
def _layouts() -> dict[str, dict[str, Any]]:
    """Ofsted's layouts since 2015 (``config/annex_a_layouts.toml``): version -> "listN" -> columns."""
    return load_config("annex_a_layouts").get("layouts", {})


@cache
def layout_headings() -> dict[str, tuple[str, ...]]:
    """Field -> the headings Ofsted's layouts since 2015 give it, so every version's workbook reads."""
    found: dict[str, list[str]] = {}
    for lists in _layouts().values():
        for spec in lists.values():
            for field_name, heading in spec.get("columns", ()):
                if field_name:
                    found.setdefault(field_name, []).append(heading)
    return {name: tuple(headings) for name, headings in found.items()}


@cache
def _aliases(field_name: str) -> tuple[str, ...]:
    names = [
        field_name.replace("_", " "),
        *_config().get("aliases", {}).get(field_name, ()),
        *layout_headings().get(field_name, ()),
    ]
    return tuple(dict.fromkeys(loose(name) for name in names))


@cache
def _category_themes() -> dict[str, tuple[str, ...]]:
    """Category label key (``chronology.labels.label_key``) -> themes."""
    return {label_key(key): tuple(value) for key, value in _config().get("category_themes", {}).items()}


@cache
def _abuse_codes() -> dict[str, dict[str, str]]:
    """The CIN census categories of abuse (NEG, PHY, ...) by code, for a workbook that writes the code."""
    return load_config("codes/cin_census").get("category_of_abuse", {})


@cache
def _closure_codes() -> dict[str, dict[str, str]]:
    """The CIN census reasons for closure (RC1-RC9) by code."""
    return load_config("codes/cin_census").get("reason_for_closure", {})


def category_key(value: str) -> str:
    """A category value's label key, without the drop-down letter and any leading code ("N1 - ")."""
    return label_key(_CODE_PREFIX.sub("", strip_list_letter(value)))


def resolve(headers: Sequence[str], fields: Sequence[str]) -> dict[str, int]:
    """Field -> index of the column that holds it; each column serves one field, the first it fits."""
    forms = [loose(header) for header in headers]
    taken: set[int] = set()
    found: dict[str, int] = {}
    for name in fields:
        for alias in _aliases(name):
            index = next((i for i, form in enumerate(forms) if form == alias and i not in taken), None)
            if index is not None:
                found[name] = index
                taken.add(index)
                break
    return found


def name_hint(sheet_name: str) -> int | None:
    """The list a sheet's name points to ("List 7", "L1 Contacts", "Contacts (List 1)", "Referrals")."""
    name = loose(sheet_name)
    match = _LIST_NAME.search(name)
    if match and int(match[1]) in LIST_SPECS:
        return int(match[1])
    words = _config().get("sheet_words", {})
    for number, spec in LIST_SPECS.items():
        names = [spec.title, *words.get(str(number), ())]
        if any(re.search(rf"\b{re.escape(loose(word))}\b", name) for word in names):
            return number
    return None


def list_by_columns(headers: Sequence[str], hint: int | None = None) -> ListSpec | None:
    """The list whose ID and marking columns the headers hold; the most fields wins, then the hint."""
    best: tuple[int, bool, int] | None = None
    chosen: ListSpec | None = None
    for number, spec in LIST_SPECS.items():
        found = resolve(headers, spec.fields)
        if spec.subject not in found or not all(name in found for name in spec.signature):
            continue
        rank = (len(found), number == hint, -number)
        if best is None or rank > best:
            best, chosen = rank, spec
    return chosen


def list_number(sheet_name: str, headers: Sequence[str]) -> int | None:
    """The list a sheet is: by its columns (its name breaking ties), else by its name alone."""
    hint = name_hint(sheet_name)
    spec = list_by_columns(headers, hint)
    return spec.number if spec is not None else hint


def themes_of(value: str) -> list[str]:
    """Risk themes of a category value: a need code's from the 903 code list, else by label."""
    text = strip_list_letter(value)
    need = _NEED_CODE.match(text)
    if need:
        info = code_info("CIN", need[1].upper())
        return list(info.get("themes", ())) if info else []
    return list(_category_themes().get(category_key(text), ()))


# --- the workbook ---------------------------------------------------------------------------------------


def _rows(path: Path, sheet: Any) -> RowSource:
    """(row number, values) as the sheet numbers them; a damaged sheet part is an ImportFileError."""
    sheet.reset_dimensions()  # some writers record a wrong size: read every row present
    return sheet_rows(path, sheet)


def _is_blank(values: Sequence[object]) -> bool:
    return not any(cell_text(value).strip() for value in values)


@dataclass(slots=True)
class _Sheet:
    """One sheet being read: its name, header and the list it is."""

    name: str
    header_row: int
    headers: list[str]
    spec: ListSpec | None
    columns: dict[str, int] = field(default_factory=dict)

    def header_of(self, index: int) -> str:
        """The header as written (what attributes are named), or the column letter when it has none."""
        if index < len(self.headers) and self.headers[index]:
            return self.headers[index]
        return f"column {get_column_letter(index + 1)}"

    def cell(self, index: int, row: int) -> str:
        return f"{self.name}!{get_column_letter(index + 1)}{row}"

    @property
    def label(self) -> str:
        return (
            f"Ofsted Annex A, {self.name} ({self.spec.title})"
            if self.spec
            else f"Ofsted Annex A, {self.name}"
        )


@dataclass(frozen=True, slots=True)
class _Header:
    """Where a sheet's header is and which list it makes the sheet (None: no list's columns)."""

    row: int
    texts: list[str]
    spec: ListSpec | None


def _texts(values: Sequence[object]) -> list[str]:
    texts = [cell_text(value).strip() for value in values]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def _has_subject(texts: Sequence[str], spec: ListSpec | None) -> bool:
    return bool(resolve(texts, (spec.subject,) if spec else SUBJECTS))


def _locate(head: Sequence[tuple[int, Sequence[object]]], hint: int | None) -> _Header | None:
    """The header among a sheet's first rows: the first that marks a list by its columns, else the
    first with an ID column (the list its name says, if any); None when no row has an ID column."""
    named = LIST_SPECS.get(hint) if hint else None
    fallback: _Header | None = None
    for number, values in head:
        texts = _texts(values)
        spec = list_by_columns(texts, hint)
        if spec is not None:
            return _Header(number, texts, spec)
        if fallback is None and _has_subject(texts, None):
            fallback = _Header(number, texts, named if _has_subject(texts, named) else None)
    return fallback


def _head(rows: RowSource) -> list[tuple[int, Sequence[object]]]:
    """The sheet's rows up to its ``HEADER_SCAN_ROWS``-th non-blank one (blank rows kept, for counts)."""
    head: list[tuple[int, Sequence[object]]] = []
    filled = 0
    for number, values in rows:
        head.append((number, values))
        filled += not _is_blank(values)
        if filled >= HEADER_SCAN_ROWS:
            break
    return head


def _after(head: Sequence[tuple[int, Sequence[object]]], row: int, rest: RowSource) -> RowSource:
    """The rows below the header: those of the scanned head first, then the rest of the sheet."""
    yield from (item for item in head if item[0] > row)
    yield from rest


# --- rows -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """One data row of a list sheet and what has been said about it."""

    sheet: _Sheet
    number: int
    values: Sequence[object]
    file: str
    warnings: list[ImportWarning] = field(default_factory=list)

    def value(self, name: str | None) -> object | None:
        index = self.sheet.columns.get(name) if name else None
        return self.values[index] if index is not None and index < len(self.values) else None

    def text(self, name: str | None) -> str:
        return cell_text(self.value(name)).strip()

    def header(self, name: str) -> str:
        index = self.sheet.columns.get(name)
        return self.sheet.header_of(index) if index is not None else name

    def warn(self, name: str | None, message: str) -> None:
        index = self.sheet.columns.get(name) if name else None
        path = self.sheet.cell(index, self.number) if index is not None else self.sheet.name
        field_name = self.header(name) if name else None
        self.warnings.append(ImportWarning(self.file, self.number, field_name, message, path))

    def raw(self) -> dict[str, str]:
        return {
            self.sheet.header_of(index): cell_text(value)
            for index, value in enumerate(self.values)
            if cell_text(value).strip()
        }

    def reject(self, name: str | None, reason: str) -> RejectedRow:
        return RejectedRow(
            self.file, self.number, self.header(name) if name else None, reason, self.raw(), self.sheet.name
        )

    def date(self, name: str, what: str) -> tuple[PartialDate | None, str | None]:
        """(date, text as written if unreadable); a blank cell is (None, None)."""
        value = self.value(name)
        text = cell_text(value).strip()
        if value is None or not text:
            return None, None
        try:
            return from_excel(value.strip() if isinstance(value, str) else value), None
        except DateParseError as exc:
            self.warn(name, f"the {what} could not be read: {exc}; the text is kept as written")
            return None, text

    def attributes(self, used: Sequence[str | None]) -> dict[str, str]:
        """Every non-empty cell except the subject's and the given fields', under its header."""
        skip = {self.sheet.columns[name] for name in used if name and name in self.sheet.columns}
        return {
            self.sheet.header_of(index): cell_text(value)
            for index, value in enumerate(self.values)
            if index not in skip and cell_text(value).strip()
        }


class _Reader:
    """Reads every sheet of one workbook; remembers the dates that give its coverage."""

    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.file = path.name
        self.agency = (options.agency or "").strip() or DEFAULT_AGENCY
        self.period_start: dt.date | None = None
        self.latest: dt.date | None = None

    def run(self, workbook: Any) -> Iterator[ImportItem]:
        records = 0
        for sheet in workbook.worksheets:
            for item in self.sheet_items(sheet):
                records += isinstance(item, CanonicalEvent | PersonRecord | RejectedRow)
                yield item
        if records == 0:
            yield ImportWarning(
                self.file, None, None, "no sheet of the workbook held any Annex A rows: nothing imported"
            )
        yield from self.coverage()

    def coverage(self) -> Iterator[Coverage]:
        if self.period_start is None or self.latest is None:
            return
        yield Coverage(
            self.agency,
            min(self.period_start, self.latest),
            self.latest,
            "Ofsted Annex A: from the earliest contact or referral listed (Lists 1 and 3 hold every one in "
            "the period) to the latest date in the workbook",
            open_before=True,  # the other lists hold open cases, plans and placements begun earlier
        )

    def seen(self, spec: ListSpec, day: PartialDate | None) -> None:
        if day is None:
            return
        self.latest = max(self.latest or day.latest(), day.latest())
        if spec.number in COVERAGE_LISTS:
            self.period_start = min(self.period_start or day.earliest(), day.earliest())

    # -- sheets --

    def sheet_items(self, worksheet: Any) -> Iterator[ImportItem]:
        rows = _rows(self.path, worksheet)
        name = str(worksheet.title)
        hint = name_hint(name)
        head = _head(rows)
        found = _locate(head, hint)
        if found is None or found.spec is None:
            yield from self.skip(name, head, rows, NO_ID_COLUMN if found is None and hint else NOT_A_LIST)
            return
        sheet = _Sheet(name, found.row, found.texts, found.spec)
        sheet.columns = resolve(found.texts, found.spec.fields)
        yield from self.sheet_notices(sheet)
        yield from self.list_rows(sheet, _after(head, found.row, rows))

    def skip(
        self, name: str, head: Sequence[tuple[int, Sequence[object]]], rest: RowSource, reason: str
    ) -> Iterator[Skipped]:
        """A sheet that is no list: one entry naming it and how many lines it has; nothing when empty."""
        filled = sum(not _is_blank(values) for _, values in head)
        filled += sum(not _is_blank(values) for _, values in rest)
        if filled:
            yield Skipped(self.file, f"sheet '{name}' ({filled} non-blank row(s))", reason, name)

    def sheet_notices(self, sheet: _Sheet) -> Iterator[ImportWarning]:
        spec = sheet.spec
        assert spec is not None
        missing = [
            _config()["aliases"].get(fact.column, [fact.column])[0]
            for fact in spec.facts
            if fact.column not in sheet.columns
        ]
        if missing:
            yield ImportWarning(
                self.file,
                sheet.header_row,
                None,
                f"sheet '{sheet.name}' (List {spec.number}, {spec.title}) has no column for "
                f"{'; '.join(repr(name) for name in missing)}: those events cannot be read from it",
                sheet.name,
            )
        if spec.undated is not None:
            yield ImportWarning(
                self.file,
                sheet.header_row,
                None,
                f"sheet '{sheet.name}' (List {spec.number}, {spec.title}) gives no dates: each row is kept "
                "as an undated event",
                sheet.name,
            )

    def list_rows(self, sheet: _Sheet, rows: RowSource) -> Iterator[ImportItem]:
        blank: list[int] = []
        last = sheet.header_row
        for number, values in rows:
            if _is_blank(values):
                blank.append(number)
                continue
            last = number
            row = _Row(sheet, number, values, self.file)
            items = list(self.row_items(row))
            yield from row.warnings
            yield from items
        inner = [
            number for number in blank if number < last
        ]  # blank rows after the last are just the sheet's end
        if inner:
            yield ImportWarning(
                self.file,
                None,
                None,
                f"sheet '{sheet.name}': skipped {len(inner)} blank row(s): row(s) {describe_rows(inner)}",
                sheet.name,
            )
        if last == sheet.header_row:
            yield ImportWarning(
                self.file, None, None, f"sheet '{sheet.name}' has a header but no rows", sheet.name
            )

    # -- rows --

    def row_items(self, row: _Row) -> Iterator[ImportItem]:
        spec = row.sheet.spec
        assert spec is not None
        subject_id = row.text(spec.subject)
        if not subject_id:
            what = "adopter" if spec.subject == "adopter_id" else "child"
            yield row.reject(spec.subject, f"the {what}'s ID is blank: the row belongs to no one")
            return
        if spec.subject == "adopter_id":
            yield self.adopter(row, subject_id)
            return
        subject = self.child(row, subject_id)
        for name in spec.need_codes:
            self.check_need_code(row, name)
        if spec.undated is not None:
            yield self.event(row, subject, subject_id, spec.undated, None, None)
            return
        yield from self.dated_events(row, subject, subject_id, spec)

    def dated_events(
        self, row: _Row, subject: PersonRef, child: str, spec: ListSpec
    ) -> Iterator[CanonicalEvent]:
        dates: dict[str, tuple[PartialDate | None, str | None]] = {
            fact.column: row.date(fact.column, f"'{row.header(fact.column)}'") for fact in spec.facts
        }
        events: dict[str, CanonicalEvent] = {}
        for fact in spec.facts:
            day, text = dates[fact.column]
            if day is None and text is None:
                continue
            self.seen(spec, day)
            target = events.get(fact.fold_into) if fact.fold_into else None
            if target is not None and day is not None and target.date == day:
                self.fold(row, target, fact)
                continue
            events[fact.column] = self.event(row, subject, child, fact, day, text)
        if not events:
            primary = spec.facts[0]
            row.warn(
                primary.column if primary.column in row.sheet.columns else None,
                f"the row gives none of the list's dates; it is kept as an undated {primary.event_type} event",
            )
            events[primary.column] = self.event(row, subject, child, primary, None, None)
        yield from events.values()

    def child(self, row: _Row, child: str) -> PersonRef:
        dob, _ = row.date("dob", "date of birth")
        return PersonRef(
            dob=dob, sex=_sex(row.text("gender")), identifiers=[Identifier(IdentifierKind.LA_CHILD_ID, child)]
        )

    def adopter(self, row: _Row, adopter: str) -> PersonRecord:
        identifier = Identifier(IdentifierKind.SOURCE_PERSON_ID, adopter, SOURCE_SYSTEM)
        return PersonRecord(
            person=PersonRef(sex=_sex(row.text("gender")), role="adopter", identifiers=[identifier]),
            provenance=Provenance(
                source_system=SOURCE_SYSTEM,
                file=self.file,
                row=row.number,
                source_record_id=f"adopter/{adopter}",
                sheet=row.sheet.name,
            ),
            is_child=False,
            attributes=row.attributes(["adopter_id", "gender"]),
        )

    def check_need_code(self, row: _Row, name: str) -> None:
        value = row.text(name)
        if value and not _NEED_CODE.match(strip_list_letter(value)):
            row.warn(name, f"'{value}' is not a DfE category of need (N1 to N8); kept as written")

    def event(
        self,
        row: _Row,
        subject: PersonRef,
        child: str,
        fact: Fact,
        day: PartialDate | None,
        text: str | None,
    ) -> CanonicalEvent:
        end = self.end_date(row, fact, day)
        labels, referring = self.vocabulary(row, fact)
        categories = [row.text(name) for name in fact.categories if row.text(name)]
        themes = list(dict.fromkeys(theme for value in categories for theme in themes_of(value)))
        outcome = "; ".join(
            f"{row.header(name)}: {row.text(name)}" for name in fact.outcome if row.text(name)
        )
        summary = fact.summary + (f": {'; '.join(categories)}" if categories else "")
        sheet = row.sheet
        return CanonicalEvent(
            subject=subject,
            agency=self.agency,
            source=sheet.label,
            event_type=fact.event_type,
            summary=summary,
            provenance=Provenance(
                source_system=SOURCE_SYSTEM,
                file=self.file,
                row=row.number,
                source_record_id=self.record_id(row, child, fact, day),
                sheet=sheet.name,
            ),
            date=day,
            date_text=text,
            end=end,
            categories=categories,
            themes=themes,
            action_outcome=outcome or None,
            child_seen_alone=self.seen_alone(row, fact),
            attributes=row.attributes(["child_id", "dob", "gender", *self.date_columns(row, fact)]),
            labels=labels,
            referring_agency=referring,
        )

    def vocabulary(self, row: _Row, fact: Fact) -> tuple[list[str], str | None]:
        """(label keys of the category values the code lists matched, the referring agency); a source
        or category of abuse that no list holds is warned about, naming the cell and the value."""
        labels: list[str] = []
        referring: str | None = None
        for name in fact.categories:
            value = row.text(name)
            if not value:
                continue
            if name in SOURCE_FIELDS:
                found = read_source(value)
                if found is None:
                    row.warn(
                        name,
                        f"'{value}' is not a DfE referral source code or label; kept as written, "
                        "with no referring agency",
                    )
                    continue
                labels.append(found.label)
                referring = referring or found.agency
            elif (key := self.category_label(row, name, value)) is not None:
                labels.append(key)
        return list(dict.fromkeys(labels)), referring

    @staticmethod
    def coded_label(row: _Row, name: str, value: str) -> str | None:
        """The label key of a value that leads with a DfE code (SSDA903 lists; the CIN census closure
        reasons); a code the list lacks is warned about."""
        code = _LEADING_CODE.match(strip_list_letter(value))
        table = SSDA903_FIELDS.get(name)
        if table is not None:
            info = code_info(table, code[1].upper()) if code else None
        else:
            info = _closure_codes().get(code[1].upper()) if code else None
        if info is None:
            listed = f"the SSDA903 {table} list" if table else "the CIN census reasons for closure"
            row.warn(name, f"'{value}' does not start with a code in {listed}; kept as written")
            return None
        return label_key(str(info["label"]))

    @staticmethod
    def category_label(row: _Row, name: str, value: str) -> str | None:
        """A need code's or a category of abuse's label key; None for values no list here holds."""
        if name in SSDA903_FIELDS or name == "closure_reason":
            return _Reader.coded_label(row, name, value)
        need = _NEED_CODE.match(strip_list_letter(value))
        if need:
            info = code_info("CIN", need[1].upper())
            return label_key(info["label"]) if info else None
        code = _abuse_codes().get(strip_list_letter(value).upper())
        if code is not None:
            return label_key(code["label"])
        key = category_key(value)
        if key in _category_themes():
            return key
        if name in ABUSE_FIELDS:
            row.warn(
                name, f"'{value}' is not a category of abuse this tool knows; kept as written, with no theme"
            )
        return None

    @staticmethod
    def date_columns(row: _Row, fact: Fact) -> list[str | None]:
        """The columns an event holds as its dates (not repeated as attributes); none for List 9."""
        spec = row.sheet.spec
        return [] if spec is not None and fact is spec.undated else [fact.column, fact.end]

    def end_date(self, row: _Row, fact: Fact, start: PartialDate | None) -> PartialDate | None:
        if fact.end is None:
            return None
        end, _ = row.date(fact.end, f"'{row.header(fact.end)}'")
        if end is not None and start is not None and end.latest() < start.earliest():
            row.warn(fact.end, f"the end date {end.iso()} is before the start date {start.iso()}")
        return end

    def seen_alone(self, row: _Row, fact: Fact) -> bool | None:
        if fact.seen_alone is None:
            return None
        value = row.text(fact.seen_alone)
        answer = parse_yes_no(value)
        if value and answer is None:
            row.warn(
                fact.seen_alone, f"'{value}' is not Yes or No; whether the child was seen alone is unknown"
            )
        return answer

    def fold(self, row: _Row, target: CanonicalEvent, fact: Fact) -> None:
        """A fact on the same day as another (the first placement began when care began): add to it."""
        for name in fact.categories:
            value = row.text(name)
            if value and value not in target.categories:
                target.categories.append(value)
                target.themes.extend(theme for theme in themes_of(value) if theme not in target.themes)
        labels, _ = self.vocabulary(row, fact)
        target.labels.extend(label for label in labels if label not in target.labels)
        extra = [row.text(name) for name in fact.categories if row.text(name)]
        if extra:
            target.summary += f"; placement: {'; '.join(extra)}"

    @staticmethod
    def record_id(row: _Row, child: str, fact: Fact, day: PartialDate | None) -> str | None:
        """``<child>/<fact>/<date>`` (plus key fields); None for an undated event (keyed on content)."""
        if day is None:
            return None
        parts = [child, fact.fact, day.iso(), *(row.text(name) for name in fact.key_extra if row.text(name))]
        return "/".join(parts)


def _sex(value: str) -> str | None:
    word = strip_list_letter(value).lower()
    if word in ("male", "m", "boy"):
        return "M"
    if word in ("female", "f", "girl"):
        return "F"
    return None


# --- the plugin ---------------------------------------------------------------------------------------


def _mentions_lists(path: Path) -> bool:
    """An .xls file's bytes name a list or a child ID (its text is 8-bit or UTF-16: NULs dropped)."""
    with path.open("rb") as handle:
        data = handle.read(16 << 20)
    return bool(_XLS_MENTIONS.search(data.replace(b"\x00", b"")))


def _claims_sheet(path: Path, sheet: Any) -> bool:
    """A sheet whose header is a list's (by its columns, or an ID column in a sheet named as a list)."""
    found = _locate(_head(_rows(path, sheet)), name_hint(str(sheet.title)))
    return found is not None and found.spec is not None


@register
class AnnexAImporter(Importer):
    """Reads the Ofsted Annex A workbook (child-level lists for an inspection of children's services)."""

    name: ClassVar[str] = "annex-a"
    description: ClassVar[str] = "Ofsted Annex A workbook (.xlsx, lists found by their headers)"

    @classmethod
    def can_read(cls, path: Path) -> bool:
        """A workbook with a sheet whose header is an Annex A list's; an .xls (Excel 97-2003) one that
        names the lists, so that reading it can say to save it as .xlsx."""
        if path.suffix.lower() not in WORKBOOK_SUFFIXES or not path.is_file():
            return False
        if is_legacy_excel(path):
            return path.suffix.lower() == ".xls" and _mentions_lists(path)
        with path.open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":
                return False
        try:
            workbook = open_workbook(path, max_bytes=1 << 40)
        except ImportFileError:
            return False
        try:
            return any(_claims_sheet(path, sheet) for sheet in workbook.worksheets)
        except ImportFileError:
            return False
        finally:
            workbook.close()

    @classmethod
    def refusal(cls, path: Path) -> str | None:
        """An Excel 97-2003 workbook that names no Annex A list in a way the sniff can read: still say
        that .xls is not read and to save it as .xlsx, rather than "not recognised"."""
        if path.is_file() and is_legacy_excel(path):
            try:
                refuse_legacy_excel(path)
            except ImportFileError as exc:
                return str(exc)
        return None

    def estimate_rows(self, path: Path) -> int | None:
        try:
            workbook = open_workbook(path, max_bytes=1 << 40)
        except ImportFileError:
            return None
        try:
            return sum(max(0, (sheet.max_row or 1) - 1) for sheet in workbook.worksheets)
        finally:
            workbook.close()

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        refuse_legacy_excel(path)
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            kind = f"a {path.suffix.lower()} file" if path.suffix else "a file with no extension"
            raise ImportFileError(
                f"{path.name} is {kind}, not an Excel workbook: Annex A is read only from an .xlsx workbook "
                "(all its lists in one file); open the return in Excel and save it as an Excel Workbook (.xlsx)"
            )
        workbook = open_workbook(path, options.max_bytes)
        try:
            yield from _Reader(path, options).run(workbook)
        finally:
            workbook.close()
