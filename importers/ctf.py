"""The DfE Common Transfer File (CTF, XML): what a school sends on when a pupil moves school.

A CTF (``CTfile``) has a ``Header`` naming the school that made it and one
``CTFpupilData/Pupil`` per pupil. For a chronology it says:

=====================================  =========================  =============================
element                                event type                 notes
=====================================  =========================  =============================
Attendance/YearData                    attendance                 one per year; below 90% is
                                                                  persistent absence: significant,
                                                                  category "persistent absence",
                                                                  theme education
SENhistory/SEN                         special_educational_needs  provision and need codes
SchoolHistory/School EntryDate         school_move                "Joined <school>"
SchoolHistory/School LeavingDate       school_move                "Left <school>"
LookedAfter/InCare = true              other                      dated the day the file was made
=====================================  =========================  =============================

The pupil is identified by ``UPN`` (and ``FormerUPN``), names, ``DOB`` and sex. Record IDs start
with the UPN (``A123…/Attendance/2020/9992001``), so the same year or school move sent in two
files is one event. Pupil details that are not events (ethnicity, year group, looked-after flag)
are kept on every event as attributes; bigger blocks the chronology does not use (contacts,
address, free school meals, assessments, exclusions) are kept verbatim on the pupil's identity
record (a PersonRecord), so nothing in the file is silently dropped. Thresholds and code lists
are data in ``config/codes/ctf.toml``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from chronology.dates import DateParseError, parse_date
from chronology.events import (
    CanonicalEvent,
    Coverage,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRecord,
    PersonRef,
    Provenance,
)
from chronology.identifiers import normalise_upn
from chronology.labels import label_key
from chronology.settings import load_config
from importers.base import Importer, ImportOptions, register
from importers.xml_records import RecordReader, XmlFormat, format_records, is_xml_file
from importers.xml_safety import XmlNode, count_elements, sniff, xs_boolean, xs_date_text

SOURCE_SYSTEM = "ctf"
HEADER = "CTfile/Header"
PUPIL = "CTfile/CTFpupilData/Pupil"
FORMAT = XmlFormat(
    root="CTfile",
    what="a Common Transfer File (its root element must be <CTfile>)",
    patterns=(HEADER, PUPIL),
    indexed=frozenset({"Pupil"}),
)
REPEATABLE = frozenset({"Pupil", "YearData", "SEN", "School"})
EVENT_BLOCKS = frozenset({"Attendance", "SENhistory", "SchoolHistory", "LookedAfter"})
IDENTITY = frozenset({"UPN", "FormerUPN", "Surname", "Forename", "DOB", "Sex", "Gender"})
# Pupil-level blocks kept on every event (small facts about the pupil, not events in themselves).
DETAIL_BLOCKS = frozenset({"BasicDetails", "LookedAfter"})
_YEAR = re.compile(r"(\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?")


@cache
def codes() -> dict[str, Any]:
    """Code lists and the persistent-absence threshold in config/codes/ctf.toml."""
    return load_config("codes/ctf")


def code_entry(table: str, code: str) -> dict[str, str] | None:
    """A code's entry: codes match exactly, in any case (``sen support`` is not ``K``, but ``k`` is)."""
    entries = codes()[table]
    return entries.get(code) or entries.get(code.strip().upper())


def school_key(block: XmlNode) -> str:
    """What identifies a school in a record ID: its URN, else LA + establishment number."""
    if urn := block.value("URN"):
        return urn
    return f"{block.value('LEA') or ''}{block.value('Estab') or ''}"


def school_name(block: XmlNode) -> str:
    """'Riverside Primary (URN 100001)', or the LA/establishment numbers when there is no name."""
    name = block.value("SchoolName")
    numbers = []
    if urn := block.value("URN"):
        numbers.append(f"URN {urn}")
    if (lea := block.value("LEA")) or block.value("Estab"):
        numbers.append(f"LA {lea or '?'} establishment {block.value('Estab') or '?'}")
    if name:
        return f"{name} ({', '.join(numbers)})" if numbers else name
    return f"school {', '.join(numbers)}" if numbers else "a school (not named)"


def academic_year(text: str) -> int | None:
    """The year an academic year starts: '2020', '2020/21', '2020-2021' -> 2020."""
    match = _YEAR.fullmatch(text.strip())
    if not match:
        return None
    start = int(match.group(1))
    if match.group(2):
        second = int(match.group(2))
        if second % 100 != (start + 1) % 100:
            return None
    return start if 1950 <= start <= 2100 else None


def shown_percent(percent: float) -> str:
    """One decimal place, rounded down, so a figure shown as 90.0 is never really below 90."""
    return f"{math.floor(percent * 10) / 10:.1f}"


def whole_number(text: str | None) -> int | None:
    if text is None:
        return None
    value = text.strip()
    return int(value) if value.isascii() and value.isdigit() else None


@dataclass(slots=True)
class Transfer:
    """What the Header says: which school made the file, and when."""

    agency: str = "Education"
    source: str = "Common Transfer File"
    made: PartialDate | None = None
    made_text: str = ""


@dataclass(slots=True)
class _File:
    name: str
    transfer: Transfer = field(default_factory=Transfer)
    years: set[int] = field(default_factory=set)


def read_header(node: XmlNode, options: ImportOptions) -> Transfer:
    transfer = Transfer()
    school = node.child("SourceSchool")
    name = school.value("SchoolName") if school is not None else None
    if name:
        transfer.agency = f"Education: {name}"
    elif options.agency and options.agency.strip():
        transfer.agency = options.agency.strip()
    parts = ["Common Transfer File"]
    if school is not None:
        parts.append(f"from {school_name(school)}")
    dest = node.child("DestSchool")
    if dest is not None and (dest.value("LEA") or dest.value("Estab") or dest.value("URN")):
        parts.append(f"to {school_name(dest)}")
    made_text = node.value("DateTime") or ""
    made_day = xs_date_text(made_text)
    if made_day:
        try:
            transfer.made = parse_date(made_day)
            parts.append(f"made {transfer.made.iso()}")
        except DateParseError:
            transfer.made = None
    transfer.made_text = made_text
    transfer.source = " ".join(parts)
    return transfer


def _last_first(node: XmlNode, path: str) -> Iterator[tuple[XmlNode, str]]:
    """The node and all its descendants with their paths, depth first, each node's children
    taken last one first (the order the pupil's stray text has always been reported in)."""
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        yield node, path
        stack.extend(node.with_paths(path, REPEATABLE))


class _Pupil(RecordReader):
    """Turns one ``Pupil`` element into events, warnings and the pupil's identity record."""

    def __init__(self, file: _File, node: XmlNode, path: str) -> None:
        super().__init__(file.name, node, path)
        self.file = file
        self.upn = ""

    def convert(self) -> list[ImportItem]:
        self.stray_text()
        self.subject = self.make_subject()
        self.attributes = self.pupil_attributes()
        for child, child_path in self.node.with_paths(self.path, REPEATABLE):
            if child.name == "Attendance":
                for year, year_path in child.with_paths(child_path, REPEATABLE):
                    if year.name == "YearData":
                        self.attendance(year, year_path)
            elif child.name == "SchoolHistory":
                for school, school_path in child.with_paths(child_path, REPEATABLE):
                    if school.name == "School":
                        self.school_move(school, school_path)
            elif child.name == "LookedAfter":
                self.looked_after(child, child_path)
        for history, history_path in self.sen_histories():
            for sen, sen_path in history.with_paths(history_path, REPEATABLE):
                if sen.name == "SEN":
                    self.sen(sen, sen_path, history)
        self.items.append(self.person_record())
        return self.items

    # -- the pupil --

    def stray_text(self) -> None:
        self.report_stray_text(_last_first(self.node, self.path))

    def make_subject(self) -> PersonRef:
        details = self.node.child("BasicDetails")

        def value_of(name: str) -> str | None:
            return self.node.value(name) or (details.value(name) if details is not None else None)

        identifiers = self.upn_identifiers(value_of, self.path)
        self.upn = normalise_upn(self.node.value("UPN") or "")
        if not self.upn:
            self.warn(
                f"{self.path}/UPN",
                "UPN",
                "the pupil has no UPN, so their records can only be matched by name and date of "
                "birth, and a changed copy of this file may add them again",
            )
        return PersonRef(
            forenames=self.node.value("Forename") or None,
            surname=self.node.value("Surname") or None,
            dob=self.dob(),
            sex=self.sex(),
            identifiers=identifiers,
        )

    def dob(self) -> PartialDate | None:
        text = self.node.value("DOB")
        if not text:
            return None
        try:
            return parse_date(xs_date_text(text) or text)
        except DateParseError as exc:
            self.warn(
                f"{self.path}/DOB", "DOB", f"the date of birth could not be read: {exc}; kept as written"
            )
            return None

    def sex(self) -> str | None:
        for name in ("Sex", "Gender"):
            value = self.node.value(name)
            if not value:
                continue
            entry = codes()["sex"].get(value.upper())
            if entry is None:
                self.warn(
                    f"{self.path}/{name}", name, f"'{value}' in {name} is not M, F or U; kept as written"
                )
                return None
            return entry.get("sex")
        return None

    def pupil_attributes(self) -> dict[str, str]:
        """Small facts about the pupil kept on every event (ethnicity, year group, in care, ...)."""
        attributes: dict[str, str] = {}
        for child in self.node.children:
            if child.name in IDENTITY - {"Sex", "Gender"}:  # on the person record itself
                continue
            if child.is_leaf and child.text.strip():
                attributes[child.name] = child.text.strip()
            elif child.name in DETAIL_BLOCKS:
                details = child.flatten(f"{child.name}/")
                attributes.update({key: value for key, value in details.items() if "/SENhistory/" not in key})
        if self.subject.dob is None and self.node.value("DOB"):
            attributes["DOB"] = self.node.value("DOB") or ""
        return attributes

    def person_record(self) -> PersonRecord:
        """The pupil's identity with every block no event was made from, kept verbatim."""
        kept = dict(self.attributes)
        for child in self.node.children:
            if not child.is_leaf and child.name not in EVENT_BLOCKS | DETAIL_BLOCKS:
                kept.update(child.flatten(f"{child.name}/"))
        provenance = Provenance(SOURCE_SYSTEM, self.file.name, path=self.path)
        return PersonRecord(self.subject, provenance, attributes=kept)

    # -- events --

    def event(
        self,
        *,
        event_type: str,
        summary: str,
        path: str,
        record_id: str,
        date: PartialDate | None,
        date_text: str | None,
        attributes: dict[str, str],
        end: PartialDate | None = None,
        categories: list[str] | None = None,
        themes: list[str] | None = None,
        significant: bool = False,
        labels: list[str] | None = None,
    ) -> None:
        self.items.append(
            CanonicalEvent(
                subject=self.subject,
                agency=self.file.transfer.agency,
                source=self.file.transfer.source,
                event_type=event_type,
                summary=summary,
                provenance=Provenance(
                    SOURCE_SYSTEM,
                    self.file.name,
                    path=path,
                    source_record_id=f"{self.upn}/{record_id}" if self.upn else None,
                ),
                date=date,
                date_text=None if date else (date_text or None),
                end=end,
                categories=list(dict.fromkeys(c for c in categories or [] if c)),
                themes=list(dict.fromkeys(t for t in themes or [] if t)),
                significant=significant,
                attributes={**self.attributes, **attributes},
                labels=list(dict.fromkeys(label for label in labels or [] if label)),
            )
        )
        self.events += 1

    def read_date(self, block: XmlNode, name: str, base: str, what: str) -> tuple[PartialDate | None, str]:
        """(date, text as written); a date that cannot be read is warned about with its path."""
        text = block.value(name) or ""
        if not text:
            return None, ""
        try:
            return parse_date(xs_date_text(text) or text), text
        except DateParseError as exc:
            self.warn(
                f"{base}/{name}",
                name,
                f"the {what} could not be read: {exc}; the event is kept as an undated event",
            )
            return None, text

    def attendance(self, block: XmlNode, path: str) -> None:
        """One year's attendance: the percentage of possible sessions attended."""
        attributes = block.flatten()
        year_text = block.value("Year") or ""
        year = academic_year(year_text) if year_text else None
        label = f"{year}/{(year + 1) % 100:02d}" if year is not None else (year_text or "year not given")
        date, start_text = self.read_date(block, "AttendanceStartDate", path, "attendance start date")
        if year is not None:
            self.file.years.add(year)
            date = date or PartialDate(year, 9)
        elif year_text:
            self.warn(
                f"{path}/Year",
                "Year",
                f"'{year_text}' is not an academic year (e.g. 2020 or 2020/21); the attendance is kept as an undated event",
            )
        else:
            self.warn(
                f"{path}/Year",
                "Year",
                "the attendance year is missing; the attendance is kept as an undated event",
            )
        year_part = str(year) if year is not None else (year_text or f"(no year, {path.rsplit('/', 1)[-1]})")
        counts = self.sessions(block, path)
        summary, percent = self.attendance_summary(label, block, counts)
        threshold = float(codes()["attendance"]["persistent_absence_below"])
        persistent = percent is not None and percent < threshold
        if percent is not None:
            attributes["attendance_percent"] = shown_percent(percent)
        self.event(
            event_type="attendance",
            summary=summary + (f"; persistent absence (below {threshold:g}%)" if persistent else ""),
            path=path,
            record_id=f"Attendance/{year_part}/{school_key(block)}".rstrip("/"),
            date=date,
            date_text=year_text or start_text,
            end=PartialDate(year + 1, 7) if year is not None else None,
            attributes=attributes,
            categories=[codes()["attendance"]["category"]] if persistent else [],
            themes=[codes()["attendance"]["theme"]] if persistent else [],
            significant=persistent,
            labels=[label_key(codes()["attendance"]["category"])] if persistent else [],
        )

    def sessions(self, block: XmlNode, path: str) -> dict[str, int | None]:
        """The four session counts as numbers (None when missing or not a number), checked."""
        counts: dict[str, int | None] = {}
        for name in ("SessionsPossible", "SessionsAttended", "SessionsAuthorised", "SessionsUnauthorised"):
            text = block.value(name)
            counts[name] = whole_number(text)
            if text and counts[name] is None:
                self.warn(
                    f"{path}/{name}", name, f"'{text}' is not a whole number of sessions; kept as written"
                )
        possible = counts["SessionsPossible"]
        authorised, unauthorised = counts["SessionsAuthorised"], counts["SessionsUnauthorised"]
        attended = counts["SessionsAttended"]
        if attended is None and possible is not None and authorised is not None and unauthorised is not None:
            worked_out = possible - authorised - unauthorised
            counts["SessionsAttended"] = attended = worked_out if worked_out >= 0 else None
        elif (
            possible is not None
            and attended is not None
            and authorised is not None
            and unauthorised is not None
            and attended + authorised + unauthorised != possible
        ):
            self.warn(
                path,
                "SessionsPossible",
                f"sessions attended ({attended}), authorised ({authorised}) and unauthorised "
                f"({unauthorised}) absences do not add up to the sessions possible ({possible}); the "
                "percentage uses attended ÷ possible",
            )
        if possible == 0:
            self.warn(
                f"{path}/SessionsPossible",
                "SessionsPossible",
                "there were no possible sessions, so no attendance percentage can be given",
            )
        elif possible is not None and attended is not None and attended > possible:
            self.warn(
                path,
                "SessionsAttended",
                f"more sessions attended ({attended}) than possible ({possible}); check the figures",
            )
        return counts

    def attendance_summary(
        self, label: str, block: XmlNode, counts: dict[str, int | None]
    ) -> tuple[str, float | None]:
        where = (
            school_name(block)
            if (block.value("SchoolName") or block.value("Estab") or block.value("URN"))
            else None
        )
        head = f"Attendance {label}" + (f" at {where}" if where else "")
        possible, attended = counts["SessionsPossible"], counts["SessionsAttended"]
        if not possible or attended is None or attended > possible:
            return (
                f"{head}: attendance percentage not available (sessions possible {possible if possible is not None else 'not given'})",
                None,
            )
        percent = 100 * attended / possible
        absences = []
        if counts["SessionsAuthorised"] is not None:
            absences.append(f"{counts['SessionsAuthorised']} authorised")
        if counts["SessionsUnauthorised"] is not None:
            absences.append(f"{counts['SessionsUnauthorised']} unauthorised")
        detail = f"{attended} of {possible} sessions attended"
        if absences:
            detail += f"; {' and '.join(absences)} absences"
        return f"{head}: {shown_percent(percent)}% ({detail})", percent

    def sen_histories(self) -> Iterator[tuple[XmlNode, str]]:
        """SENhistory sits under the pupil (CTF 18 on) or, in some exports, under BasicDetails."""
        for child, child_path in self.node.with_paths(self.path, REPEATABLE):
            if child.name == "SENhistory":
                yield child, child_path
            elif child.name == "BasicDetails":
                for inner, inner_path in child.with_paths(child_path, REPEATABLE):
                    if inner.name == "SENhistory":
                        yield inner, inner_path

    def sen(self, block: XmlNode, path: str, history: XmlNode) -> None:
        attributes = block.flatten()
        provision = block.value("SENprovision") or ""
        categories = [provision] if provision else []
        themes: list[str] = []
        labels: list[str] = []
        words = []
        if provision:
            entry = code_entry("sen_provision", provision)
            labels += [label_key(entry["label"])] if entry else []
            if entry is None:
                self.warn(
                    f"{path}/SENprovision",
                    "SENprovision",
                    f"unknown code '{provision}' in SENprovision; kept as written",
                )
            words.append(f"{entry['label']} ({provision})" if entry else f"provision '{provision}'")
        needs = block.child("SENneeds") or (history.child("SENneeds") if history.count("SEN") == 1 else None)
        if needs is not None and needs is not block.child("SENneeds"):
            attributes.update(needs.flatten("SENneeds/"))
        need_words = []
        for need, need_path in needs.with_paths(f"{path}/SENneeds") if needs is not None else []:
            kind = need.value("SENtype") or (need.text.strip() if need.is_leaf else "")
            if not kind:
                continue
            categories.append(kind)
            entry = code_entry("sen_type", kind)
            labels += [label_key(entry["label"])] if entry else []
            if entry is None:
                self.warn(
                    f"{need_path}/SENtype", "SENtype", f"unknown code '{kind}' in SENtype; kept as written"
                )
            elif entry.get("theme"):
                themes.append(entry["theme"])
            rank = need.value("SENtypeRank")
            need_words.append(
                f"{entry['label'] if entry else kind} ({kind}{', rank ' + rank if rank else ''})"
            )
        summary = "Special educational needs: " + (", ".join(words) or "provision not given")
        if need_words:
            summary += f"; needs: {', '.join(need_words)}"
        date, text = self.read_date(block, "StartDate", path, "SEN start date")
        if not text:
            self.warn(
                f"{path}/StartDate",
                "StartDate",
                "the SEN record has no start date; it is kept as an undated event",
            )
        self.event(
            event_type="special_educational_needs",
            summary=summary,
            path=path,
            record_id=f"SEN/{date.iso() if date else text or 'undated'}/{provision}",
            date=date,
            date_text=text,
            attributes=attributes,
            categories=categories,
            themes=themes,
            labels=labels,
        )

    def school_move(self, block: XmlNode, path: str) -> None:
        attributes = block.flatten()
        name = school_name(block)
        key = school_key(block) or "unknown-school"
        made = 0
        for element, verb in (("EntryDate", "Joined"), ("LeavingDate", "Left")):
            if block.child(element) is None or not block.value(element):
                continue
            date, text = self.read_date(block, element, path, f"{element} of {name}")
            summary = f"{verb} {name}"
            if verb == "Left" and (reason := block.value("LeavingReason")):
                summary += f"; reason: {reason}"
            self.event(
                event_type="school_move",
                summary=summary,
                path=f"{path}/{element}",
                record_id=f"SchoolHistory/{key}/{element}/{date.iso() if date else text}",
                date=date,
                date_text=text,
                attributes=attributes,
            )
            made += 1
        if made == 0:
            self.reject(
                path,
                "EntryDate",
                f"the school history entry for {name} has no entry or leaving date, so no event "
                "could be made from it",
                attributes,
            )

    def looked_after(self, block: XmlNode, path: str) -> None:
        text = block.value("InCare")
        if not text:
            return
        flag = xs_boolean(text)
        if flag is None:
            self.warn(f"{path}/InCare", "InCare", f"'{text}' is not true or false; kept as written")
            return
        if not flag:
            return
        authority = block.value("CareAuthority")
        made = self.file.transfer.made
        summary = "School records the pupil as looked after" + (
            f" by local authority {authority}" if authority else ""
        )
        summary += (
            f" when this transfer file was made ({made.iso()})"
            if made
            else " (the transfer file's date is not given)"
        )
        if made is None:
            self.warn(
                f"{path}/InCare",
                "InCare",
                "the pupil is recorded as looked after, but the file's Header gives no date, so the event is undated",
            )
        self.event(
            event_type="other",
            summary=summary,
            path=f"{path}/InCare",
            record_id=f"LookedAfter/{made.iso() if made else self.file.transfer.made_text or 'undated'}",
            date=made,
            date_text=self.file.transfer.made_text or "date not given",
            attributes=block.flatten("LookedAfter/"),
            categories=["looked after"],
        )


@register
class CtfImporter(Importer):
    """Reads a DfE Common Transfer File (XML)."""

    name: ClassVar[str] = "ctf"
    description: ClassVar[str] = (
        "DfE Common Transfer File (XML, CTfile/CTFpupilData/Pupil): attendance, SEN, school history"
    )

    @classmethod
    def can_read(cls, path: Path) -> bool:
        """An .xml file whose root element is <CTfile>."""
        return is_xml_file(path) and sniff(path, limit=4096).root == "CTfile"

    def estimate_rows(self, path: Path) -> int | None:
        return count_elements(path, "Pupil")

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        file = _File(path.name)
        if options.agency and options.agency.strip():
            file.transfer.agency = options.agency.strip()
        pupils = 0
        for item in format_records(path, options.max_bytes, FORMAT):
            if isinstance(item, ImportWarning):
                yield item
            elif item.pattern == HEADER:
                file.transfer = read_header(item.node, options)
            elif item.pattern == PUPIL:
                pupils += 1
                yield from _Pupil(file, item.node, item.path).convert()
            else:
                yield ImportWarning(
                    file.name,
                    None,
                    item.node.name,
                    f"<{item.node.name}> (line {item.node.line}) is not part of a Common Transfer File's pupil data and was not imported",
                    item.path,
                )
        if pupils == 0:
            yield ImportWarning(
                file.name,
                None,
                "Pupil",
                "the file has no CTFpupilData/Pupil elements: nothing imported",
                "CTfile/CTFpupilData",
            )
        if file.years:
            first, last = min(file.years), max(file.years)
            yield Coverage(
                file.transfer.agency,
                dt.date(first, 9, 1),
                dt.date(last + 1, 8, 31),
                f"CTF attendance for academic years {first}/{(first + 1) % 100:02d} to {last}/{(last + 1) % 100:02d}",
                stated=True,
            )
