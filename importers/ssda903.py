"""SSDA903 (children looked after) CSV set: Header, Episodes, Missing and Reviews files.

Each file of the set is imported on its own; its kind is told by its header row. What each
kind becomes:

- **Episodes** (CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, ...): an episode
  whose reason for new episode (RNE) is S starts a period of care (``looked_after_start``); P, T,
  B and U are changes of placement (``placement_change``); L is a change of legal status only
  (``other``: the vocabulary has no legal-status type). An episode whose reason ceased (REC) is
  anything but X1 also ends the period of care: a second event, ``looked_after_end``, from the
  same record (``record_part = "ceased"``). Codes go into categories verbatim; their labels and
  themes come from ``config/codes/ssda903.toml``.
- **Missing** (CHILD, DOB, MISSING, MIS_START, MIS_END): ``missing_episode`` from start to end.
- **Reviews** (CHILD, DOB, REVIEW, REVIEW_CODE): ``looked_after_review``; when the participation
  code says the child's views reached the review (PN1, PN2, PN3, PN5, PN6), the participation is
  recorded as the child's voice.
- **Header** (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB): who the child is, not something that
  happened, so each row is a ``PersonRecord`` (LA child ID, UPN, date of birth, sex). A young
  mother's child's birth (MOTHER = 1, MC_DOB) is a real event and is also yielded (``other``).

A 903 file does not say which year's return it is: its coverage is the collection year (1 April to
31 March) most of its dates fall in, marked as listing open records that began earlier; the store
cuts it to the events the file holds and warns about dates after it (one mistyped future date, an
episode starting on 1 April, no longer make the period a year the file holds nothing of).

Record IDs are ``<CHILD>/<kind>/<date>`` (``123456/episode/2019-04-01``), so an episode open
across 31 March, which appears in two yearly returns, is one event; a second record for the
same child, kind and date in one file gets ``#2`` (so the importer keeps one short key per record
it has seen: about 10 MB for 100,000 rows). Undated records (a date that cannot be read) have no
record ID and are keyed on their content.

Telling a new period of care from a placement change needs the child's previous episode, so
episodes are handled per child in date order. A 903 extract lists each child's episodes
together; the importer buffers one child's consecutive rows at a time (sorting them by start
date) and remembers only the latest episode of each child it has seen, so memory grows with the
number of children, not of rows. If a child's rows are split across the file, each run is
sorted on its own and checked against the latest episode seen before it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from chronology.dates import DateParseError, parse_date
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
)
from chronology.identifiers import normalise_upn, upn_problem
from chronology.labels import label_key
from importers.base import Importer, ImportOptions, register
from importers.dfe_codes import code_info
from importers.table_rows import closing_notices, file_notices, rejected_row, sniff_table
from importers.tabular import (
    CSV_SUFFIXES,
    Table,
    TableRow,
    estimate_rows,
    open_table,
    peek_rows,
)

SOURCE_SYSTEM = "ssda903"
DEFAULT_AGENCY = "Children's social care"
CEASED_PART = "ceased"
PERSON_TABLES = frozenset({"SEX", "ETHNIC", "UPN_UNKNOWN"})  # say who the child is, not what happened


@dataclass(frozen=True, slots=True)
class Kind:
    """One file of the 903 set: the columns that identify it and the ones the DfE defines for it."""

    name: str  # used in record IDs: episode, missing, review, header
    title: str  # as the DfE names the file
    required: tuple[str, ...]
    standard: tuple[str, ...]


EPISODES = Kind(
    "episode",
    "Episodes",
    ("CHILD", "DECOM", "RNE"),
    ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
     "HOME_POST", "PL_POST", "URN"),
)  # fmt: skip
MISSING = Kind(
    "missing",
    "Missing",
    ("CHILD", "MISSING", "MIS_START"),
    ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
)
REVIEWS = Kind(
    "review", "Reviews", ("CHILD", "REVIEW", "REVIEW_CODE"), ("CHILD", "DOB", "REVIEW", "REVIEW_CODE")
)
HEADER = Kind(
    "header",
    "Header",
    ("CHILD", "SEX", "DOB", "ETHNIC"),
    ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
)
KINDS = (EPISODES, MISSING, REVIEWS, HEADER)  # most specific first: Header's columns are the commonest
# The other tables of the DfE SSDA903 return, by columns only they have: recognised so that a refusal
# names the table instead of calling the file "not an SSDA903 file".
UNREAD_TABLES = (
    ("OC2 (outcomes of children looked after for 12 months: health, offending, substance misuse)",
     ("SDQ_SCORE", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK", "SUBSTANCE_MISUSE")),
    ("OC3 (care leavers: in touch, activity, accommodation)", ("IN_TOUCH", "ACTIV", "ACCOM")),
    ("AD1 (adoptions)", ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR")),
    ("PlacedAdoption (children placed for adoption)", ("DATE_PLACED", "DATE_PLACED_CEASED")),
    ("PrevPerm (previous permanence)", ("PREV_PERM", "LA_PERM", "DATE_PERM")),
    ("UASC (unaccompanied asylum-seeking children)", ("DUC",)),
    ("SWEpisodes (social worker episodes)", ("SW_ID", "SW_DECOM")),
)  # fmt: skip


@lru_cache(maxsize=1024)
def _key(column: str) -> str:
    """A 903 column name as ``importers.tabular`` keys it (lower case): asked for every cell read."""
    return column.lower()


def kind_of(cells: Sequence[str]) -> Kind | None:
    """The 903 file kind whose identifying columns a header row holds, or None."""
    present = {cell.replace("\ufeff", "").strip().lower() for cell in cells}
    for kind in KINDS:
        if all(_key(column) in present for column in kind.required):
            return kind
    return None


def is_903_header(cells: Sequence[str]) -> bool:
    return kind_of(cells) is not None


def unread_table_of(cells: Sequence[str]) -> str | None:
    """The SSDA903 table this tool does not read that a header row with CHILD is, or None."""
    present = {cell.replace("\ufeff", "").strip().lower() for cell in cells}
    if "child" not in present:
        return None
    for title, columns in UNREAD_TABLES:
        if any(_key(column) in present for column in columns):
            return title
    return None


READ_TABLES = "Header, Episodes, Missing and Reviews"


def unread_table_message(file_name: str, title: str) -> str:
    return (
        f"{file_name} is the SSDA903 {title} table, which this tool does not read: of the 903 return it "
        f"reads the {READ_TABLES} tables (import those files; this one adds nothing to a chronology yet)"
    )


def _ends_care(rec: str) -> bool:
    """Every reason ceased except X1 ends the period of care; an unknown code is taken to as well."""
    info = code_info("REC", rec)
    return bool(rec) and (info is None or info.get("ends_care", True))


def collection_year_start(day: dt.date) -> dt.date:
    """1 April that starts the 903 collection year (1 April to 31 March) holding ``day``."""
    year = day.year if day.month >= 4 else day.year - 1
    return dt.date(year, 4, 1)


# --- one row ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Episode:
    """What the period-of-care check needs of a child's previous episode."""

    start: dt.date
    end: dt.date | None
    rec: str


@dataclass(slots=True)
class _Row:
    """One data row of any kind: its cells, and the warnings and themes gathered while reading it."""

    reader: _Reader
    row: TableRow
    warnings: list[ImportWarning] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # label keys of the codes matched, for its events
    themes: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.reader.table.file_name

    def text(self, column: str) -> str:
        return self.row.cells.get(_key(column), "").strip()

    def warn(self, column: str | None, message: str) -> None:
        self.warnings.append(ImportWarning(self.file, self.row.number, column, message))

    def reject(self, column: str | None, reason: str) -> RejectedRow:
        return rejected_row(self.reader.table, self.row, column, reason)

    def date(
        self, column: str, what: str, *, required: bool = False
    ) -> tuple[PartialDate | None, str | None]:
        """(date, text as written when it could not be read). Blank is (None, None), with a warning
        when ``required``; unreadable text warns and is returned for ``date_text``."""
        text = self.text(column)
        if not text:
            if required:
                self.warn(column, f"the {what} ({column}) is blank; the record is kept as an undated event")
            return None, None
        try:
            return parse_date(text), None
        except DateParseError as exc:
            self.warn(column, f"the {what} ({column}) could not be read: {exc}; the text is kept as written")
            return None, text

    def code(self, table: str, column: str | None = None) -> tuple[str, dict[str, Any] | None]:
        """A coded cell and its code list entry; an unknown code warns and is kept as written."""
        column = column or table
        code = self.text(column)
        if not code:
            return "", None
        info = code_info(table, code)
        if info is None:
            info = code_info(table, code.upper())
            if info is not None:
                self.warn(
                    column, f"code '{code}' in {column} should be upper case ('{code.upper()}'); read as that"
                )
        if info is None:
            self.warn(
                column, f"unknown code '{code}' in {column}: not in the DfE SSDA903 list; kept as written"
            )
            return code, None
        for theme in info.get("themes", ()):
            if theme not in self.themes:
                self.themes.append(theme)
        if table not in PERSON_TABLES and (key := label_key(str(info.get("label", "")))) not in self.labels:
            self.labels.append(key)
        return code, info

    def attributes(self, used: Iterable[str]) -> dict[str, str]:
        """Every non-empty cell not mapped to the subject or the event's dates, under its header."""
        skip = {_key(column) for column in used}
        name_of = self.reader.table.name_of
        return {
            name_of(key): value for key, value in self.row.cells.items() if key not in skip and value.strip()
        }


def _labelled(code: str, info: dict[str, Any] | None) -> str:
    if not code:
        return ""
    return f"{code} {info['label']}" if info else code


# --- the reader ---------------------------------------------------------------------------------------


class _Reader:
    """Reads one open 903 table of a known kind; holds what spans rows (per-child state, dates seen)."""

    def __init__(self, table: Table, kind: Kind, options: ImportOptions) -> None:
        self.table = table
        self.kind = kind
        self.agency = (options.agency or "").strip() or DEFAULT_AGENCY
        self.latest_episode: dict[str, _Episode] = {}
        self.record_ids: dict[str, int] = {}
        self.years: Counter[int] = Counter()  # dates read (not after today) per collection year
        self.today = dt.date.today()
        self.rows = 0

    # -- whole file --

    def run(self) -> Iterator[ImportItem]:
        yield from self.opening_notices()
        if self.kind is EPISODES:
            yield from self.episodes()
        else:
            handler = {MISSING: self.missing, REVIEWS: self.review, HEADER: self.header}[self.kind]
            for row in self.table:
                self.rows += 1
                yield from self.checked(row, handler)
        yield from self.end_notices()

    def opening_notices(self) -> Iterator[ImportWarning]:
        """The file's own notices, and the standard columns of its kind that it lacks."""
        name = self.table.file_name
        yield from file_notices(self.table)
        present = set(self.table.keys)
        missing = [column for column in self.kind.standard if _key(column) not in present]
        if missing:
            yield ImportWarning(
                name,
                self.table.header_row,
                None,
                f"this SSDA903 {self.kind.title} file has no column(s) {', '.join(missing)}; "
                "what they would have said is unknown for every row",
            )

    def end_notices(self) -> Iterator[ImportItem]:
        """Blank rows, a header alone, then the collection year the file covers."""
        yield from closing_notices(self.table, self.rows)
        year = self.collection_year()
        if year is not None:
            start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
            yield Coverage(
                self.agency,
                start,
                end,
                f"SSDA903 {self.kind.title} file: collection year {year}-{(year + 1) % 100:02d} (the year most "
                "of its dates fall in); earlier records appear only for episodes still open in that year",
                open_before=True,
            )

    def collection_year(self) -> int | None:
        """The 903 collection year (from 1 April) most of the file's dates fall in, the later on a tie.

        A 903 file does not say which year's return it is; its latest date is no guide, since one
        mistyped date (inside the future-date grace) or an episode starting on 1 April would make it
        a year the file holds almost nothing of. Dates after today do not count."""
        years = self.years
        if not years:
            return None
        return max(years, key=lambda year: (years[year], year))

    def checked(self, row: TableRow, handler: Callable[[_Row], Iterable[ImportItem]]) -> Iterator[ImportItem]:
        """Reject a broken or childless row; otherwise convert it. Warnings come before the items."""
        context = _Row(self, row)
        for column, message in row.warnings:
            context.warn(column, message)
        items: list[ImportItem]
        if row.errors:
            column, reason = row.errors[0]
            items = [context.reject(column, reason)]
        elif not context.text("CHILD"):
            items = [
                context.reject("CHILD", "CHILD (the child's LA ID) is blank: the row belongs to no child")
            ]
        else:
            items = list(handler(context))
        yield from context.warnings
        yield from items

    # -- bookkeeping --

    def seen(self, *days: PartialDate | None) -> None:
        for day in days:
            if day is not None and day.earliest() <= self.today:
                self.years[collection_year_start(day.earliest()).year] += 1

    def record_id(self, child: str, kind: str, day: PartialDate | None) -> str | None:
        """``<CHILD>/<kind>/<date>``, ``#2`` on for a repeat within the file; None when undated."""
        if day is None:
            return None
        base = f"{child}/{kind}/{day.iso()}"
        count = self.record_ids.get(base, 0) + 1
        self.record_ids[base] = count
        return base if count == 1 else f"{base}#{count}"

    def event(self, context: _Row, **fields: Any) -> CanonicalEvent:
        """An event with this file's agency, source and provenance filled in."""
        record_id = fields.pop("record_id")
        part = fields.pop("record_part", None)
        return CanonicalEvent(
            agency=self.agency,
            source=f"SSDA903 {self.kind.title}",
            labels=list(context.labels),
            provenance=Provenance(
                source_system=SOURCE_SYSTEM,
                file=self.table.file_name,
                row=context.row.number,
                source_record_id=record_id,
                record_part=part,
            ),
            **fields,
        )

    @staticmethod
    def subject(context: _Row, dob: PartialDate | None = None, postcode: str | None = None) -> PersonRef:
        identifier = Identifier(IdentifierKind.LA_CHILD_ID, context.text("CHILD"))
        return PersonRef(dob=dob, postcode=postcode or None, identifiers=[identifier])

    # -- Episodes --

    def episodes(self) -> Iterator[ImportItem]:
        """Buffer each child's consecutive rows, then handle them in date order."""
        run: list[TableRow] = []
        for row in self.table:
            self.rows += 1
            child = row.get("child").strip()
            if run and child != run[0].get("child").strip():
                yield from self.episode_run(run)
                run = []
            run.append(row)
        if run:
            yield from self.episode_run(run)

    def episode_run(self, rows: list[TableRow]) -> Iterator[ImportItem]:
        for row in sorted(rows, key=_episode_order):
            yield from self.checked(row, self.episode)

    def episode(self, context: _Row) -> Iterator[ImportItem]:
        child = context.text("CHILD")
        start, start_text = context.date("DECOM", "episode start date", required=True)
        end, _ = context.date("DEC", "episode end date")
        self.seen(start, end)
        rne, rne_info = context.code("RNE")
        event_type = self.episode_type(context, child, rne, rne_info, start)
        ls, ls_info = context.code("LS")
        cin, cin_info = context.code("CIN")
        place, place_info = context.code("PLACE")
        provider, provider_info = context.code("PLACE_PROVIDER")
        change, change_info = context.code("REASON_PLACE_CHANGE")
        rec, rec_info = context.code("REC")
        if end is not None and start is not None and end.latest() < start.earliest():
            context.warn("DEC", f"the episode ends ({end.iso()}) before it starts ({start.iso()})")
        parts = [
            _episode_headline(event_type, rne, rne_info),
            _part("legal status", ls, ls_info),
            _part("placement", place, place_info),
            _part("provider", provider, provider_info),
            _part("category of need", cin, cin_info),
        ]
        if change:
            parts.append(f"placement ended: {_labelled(change, change_info)}")
        categories = [code for code in (rne, ls, cin, place, provider, change) if code]
        home = context.text("HOME_POST")
        record_id = self.record_id(child, EPISODES.name, start)
        yield self.event(
            context,
            record_id=record_id,
            subject=self.subject(context, postcode=home),
            event_type=event_type,
            summary="; ".join(part for part in parts if part),
            date=start,
            date_text=start_text,
            end=end,
            categories=categories,
            themes=list(context.themes),
            attributes=context.attributes(("CHILD", "DECOM")),
        )
        if rec and _ends_care(rec):
            yield self.episode_end(context, record_id, rec, rec_info)
        elif not rec and context.text("DEC"):
            context.warn(
                "REC", "the episode has an end date (DEC) but no reason (REC): whether care ended is unknown"
            )
        self.remember(child, start, end, rec)

    def episode_type(
        self, context: _Row, child: str, rne: str, info: dict[str, Any] | None, start: PartialDate | None
    ) -> str:
        """The event type RNE gives, corrected when the previous episode already ended care."""
        if not rne:
            context.warn(
                "RNE", "the reason for new episode (RNE) is blank; the episode is recorded as 'other'"
            )
        event_type = str(info["event"]) if info else "other"
        previous = self.latest_episode.get(child)
        if previous is None or start is None:
            return event_type
        begins = start.earliest()
        if previous.end is None or previous.end > begins:
            ended = previous.end.isoformat() if previous.end else "not ended"
            context.warn(
                "DECOM",
                f"this episode starts ({begins.isoformat()}) before the child's previous episode "
                f"({previous.start.isoformat()}, {ended}) ends: episodes overlap",
            )
            return event_type
        if _ends_care(previous.rec) and event_type != "looked_after_start":
            context.warn(
                "RNE",
                f"RNE is '{rne}' but the previous episode ended the period of care on "
                f"{previous.end.isoformat()} (REC '{previous.rec}'); recorded as the start of a new period of care",
            )
            return "looked_after_start"
        if event_type == "looked_after_start" and previous.rec and not _ends_care(previous.rec):
            context.warn(
                "RNE",
                f"RNE is 'S' (started to be looked after) but the previous episode ended with REC "
                f"'{previous.rec}' on {previous.end.isoformat()}, which means care went on",
            )
        return event_type

    def episode_end(
        self, context: _Row, record_id: str | None, rec: str, info: dict[str, Any] | None
    ) -> CanonicalEvent:
        """``looked_after_end``: the same record's second event (record part ``ceased``); undated,
        with a warning, when DEC is blank or unreadable."""
        end, end_text = context.date("DEC", "date the episode ceased", required=True)
        return self.event(
            context,
            record_id=record_id,
            record_part=CEASED_PART,
            subject=self.subject(context),
            event_type="looked_after_end",
            summary=f"Ceased to be looked after: {_labelled(rec, info)}",
            date=end,
            date_text=end_text,
            categories=[rec],
            significant=bool(info and info.get("significant")),
            attributes=context.attributes(("CHILD", "DEC")),
        )

    def remember(self, child: str, start: PartialDate | None, end: PartialDate | None, rec: str) -> None:
        if start is None:
            return
        previous = self.latest_episode.get(child)
        if previous is None or start.earliest() >= previous.start:
            self.latest_episode[child] = _Episode(start.earliest(), end.latest() if end else None, rec)

    # -- Missing --

    def missing(self, context: _Row) -> Iterator[ImportItem]:
        child = context.text("CHILD")
        dob, _ = context.date("DOB", "date of birth")
        start, start_text = context.date("MIS_START", "date the episode started", required=True)
        end, _ = context.date("MIS_END", "date the episode ended")
        self.seen(start, end)
        code, info = context.code("MISSING")
        if "missing" not in context.themes:
            context.themes.append("missing")
        if end is not None and start is not None and end.latest() < start.earliest():
            context.warn("MIS_END", f"the episode ends ({end.iso()}) before it starts ({start.iso()})")
        what = info["label"] if info else (f"Missing episode (type '{code}')" if code else "Missing episode")
        summary = what if end else f"{what}; no end date recorded"
        yield self.event(
            context,
            record_id=self.record_id(child, MISSING.name, start),
            subject=self.subject(context, dob),
            event_type="missing_episode",
            summary=summary,
            date=start,
            date_text=start_text,
            end=end,
            categories=[code] if code else [],
            themes=list(context.themes),
            attributes=context.attributes(("CHILD", "DOB", "MIS_START", "MIS_END")),
        )

    # -- Reviews --

    def review(self, context: _Row) -> Iterator[ImportItem]:
        child = context.text("CHILD")
        dob, _ = context.date("DOB", "date of birth")
        day, day_text = context.date("REVIEW", "review date", required=True)
        self.seen(day)
        code, info = context.code("REVIEW_CODE")
        participation = _labelled(code, info) if code else "participation not recorded"
        voice = (
            f"Child's participation in the review: {info['label']} (SSDA903 {code})"
            if info and info.get("views")
            else None
        )
        yield self.event(
            context,
            record_id=self.record_id(child, REVIEWS.name, day),
            subject=self.subject(context, dob),
            event_type="looked_after_review",
            summary=f"Looked-after child review; child's participation: {participation}",
            date=day,
            date_text=day_text,
            categories=[code] if code else [],
            child_voice=voice,
            attributes=context.attributes(("CHILD", "DOB", "REVIEW")),
        )

    # -- Header --

    def header(self, context: _Row) -> Iterator[ImportItem]:
        child = context.text("CHILD")
        dob, _ = context.date("DOB", "date of birth")
        _, sex_info = context.code("SEX")
        context.code("ETHNIC")
        identifiers = [Identifier(IdentifierKind.LA_CHILD_ID, child)]
        used = ["CHILD", "DOB", "SEX"]
        upn = context.text("UPN")
        if upn and code_info("UPN_UNKNOWN", upn.upper()) is None:
            identifiers.append(Identifier(IdentifierKind.UPN, normalise_upn(upn)))
            used.append("UPN")
            if problem := upn_problem(upn):
                context.warn(
                    "UPN", f"UPN '{upn}' is not valid: {problem}; kept, but never used to match records"
                )
        person = PersonRef(dob=dob, sex=sex_info["sex"] if sex_info else None, identifiers=identifiers)
        yield PersonRecord(
            person=person,
            provenance=Provenance(
                source_system=SOURCE_SYSTEM,
                file=self.table.file_name,
                row=context.row.number,
                source_record_id=f"{child}/{HEADER.name}",
            ),
            attributes=context.attributes(used),
        )
        yield from self.own_child(context, child, dob)

    def own_child(self, context: _Row, child: str, dob: PartialDate | None) -> Iterator[ImportItem]:
        """MOTHER = 1 with MC_DOB: the young person's own child was born (a real chronology event)."""
        mother = context.text("MOTHER")
        if mother not in ("", "0", "1"):
            context.warn(
                "MOTHER", f"MOTHER is '{mother}', not 1 (is a mother) or 0 (is not); kept as written"
            )
        born, born_text = context.date("MC_DOB", "date of birth of the young person's child")
        if born is None and born_text is None:
            if mother == "1":
                context.warn("MC_DOB", "MOTHER is 1 but the date of birth of her child (MC_DOB) is blank")
            return
        if mother != "1":
            context.warn("MOTHER", f"MC_DOB is given but MOTHER is '{mother or 'blank'}', not 1")
        if born is not None and dob is not None and born.latest() < dob.earliest():
            context.warn(
                "MC_DOB",
                f"the young person's child is recorded as born ({born.iso()}) before the young person "
                f"({dob.iso()}, DOB): one of the dates is wrong; both are kept as written",
            )
        yield self.event(
            context,
            record_id=self.record_id(child, "own-child-born", born),
            subject=self.subject(context, dob),
            event_type="other",
            summary="The young person's own child was born (SSDA903 MOTHER/MC_DOB)",
            date=born,
            date_text=born_text,
            attributes=context.attributes(("CHILD", "MC_DOB")),
        )


def _episode_order(row: TableRow) -> tuple[int, dt.date, int]:
    """Dated episodes by start date then row; undated ones after them, in file order."""
    try:
        start = parse_date(row.get("decom").strip())
    except DateParseError:
        return (1, dt.date.min, row.number)
    return (0, start.earliest(), row.number)


def _episode_headline(event_type: str, rne: str, info: dict[str, Any] | None) -> str:
    if event_type == "looked_after_start":
        headline = "Started to be looked after"
        if rne and rne != "S":
            headline += f" (RNE {_labelled(rne, info)})"
        return headline
    if event_type == "placement_change":
        return f"Change of placement: {_labelled(rne, info)}"
    if info and info.get("legal_status"):
        return "Change of legal status while looked after"
    return f"New looked-after episode (reason for new episode: {rne or 'not given'})"


def _part(what: str, code: str, info: dict[str, Any] | None) -> str:
    return f"{what} {_labelled(code, info)}" if code else ""


# --- the plugin ---------------------------------------------------------------------------------------


@register
class SSDA903Importer(Importer):
    """Reads the DfE SSDA903 looked-after children CSV files: Header, Episodes, Missing, Reviews."""

    name: ClassVar[str] = "ssda903"
    description: ClassVar[str] = (
        "DfE SSDA903 children looked after return (CSV set): Header, Episodes, Missing and Reviews files"
    )

    @classmethod
    def can_read(cls, path: Path) -> bool:
        """A .csv whose header row holds the identifying columns of one of the four 903 files."""
        return sniff_table(path, is_903_header, CSV_SUFFIXES)

    def estimate_rows(self, path: Path) -> int | None:
        return estimate_rows(path)

    @classmethod
    def refusal(cls, path: Path) -> str | None:
        """A CSV that is one of the 903 tables not read (OC2, OC3, AD1, ...): which one, and which are."""
        if path.suffix.lower() not in CSV_SUFFIXES or not path.is_file():
            return None
        for row in peek_rows(path):
            if title := unread_table_of(row):
                return unread_table_message(path.name, title)
        return None

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        if path.suffix.lower() not in CSV_SUFFIXES:
            raise ImportFileError(f"{path.name} is not a CSV file: the SSDA903 files are read as CSV")
        with open_table(path, max_bytes=options.max_bytes, is_header=is_903_header) as table:
            kind = kind_of(table.header_names)
            if kind is None:
                raise ImportFileError(_not_903_message(table))
            yield from _Reader(table, kind, options).run()


def _not_903_message(table: Table) -> str:
    if title := unread_table_of(table.header_names):
        return unread_table_message(table.file_name, title)
    found = ", ".join(f"'{name}'" for name in table.header_names) or "no columns"
    needs = "; ".join(f"{kind.title}: {', '.join(kind.required)}" for kind in KINDS)
    return (
        f"{table.file_name} is not an SSDA903 file: header row {table.header_row} has {found}, but each "
        f"903 file needs these columns ({needs})"
    )
