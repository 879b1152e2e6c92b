"""The DfE Children in Need census return (XML): one ``cin-census-<YYYY>.xml`` per census year.

A census year runs 1 April to 31 March and is named by the year it ends in (``cin-census-2022.xml``
is the 2021-22 return, ``<Year>2022</Year>``, reference date 2022-03-31). Returns up to 2023-24 give
the child's ``GenderCurrent`` (1/2); from 2024-25 ``Sex`` (M/F). Structure and codes follow
``../shared/samples/social-care/cin-census-2022-one-child.xml`` and ``CIN_schema_2024.xsd``.

The world's social care events are grouped into episodes of need, each a ``CINdetails`` block:

==========================================  ==================================================
world event (first label)                   census element
==========================================  ==================================================
Referral (``Source: X``, concern)           CINreferralDate, ReferralSource (Police = 6 ...),
                                            PrimaryNeedCode, ReferralNFA false
Assessment (day, end_day)                   Assessments: AssessmentActualStartDate,
                                            AssessmentAuthorisationDate, AssessmentFactors from
                                            the concern (domestic abuse 3A/3B, parental mental
                                            health 4B, substance misuse 1B/2B, neglect 16A ...;
                                            21 when closed to universal services)
Section 47                                  Section47: S47ActualStartDate, InitialCPCtarget
Initial child protection conference         Section47/DateOfInitialCPC (``conferences=True``)
CP plan start / CP plan end                 ChildProtectionPlans: CPPstartDate, CPPendDate,
                                            Initial/LatestCategoryOfAbuse (NEG PHY EMO SAB MUL),
                                            NumberOfPreviousCPP (0 for a first plan)
Review child protection conference          ChildProtectionPlans/Reviews/CPPreviewDate
CIN plan start / CIN plan end               CINPlanDates
Case closed (``Reason: X``)                 CINclosureDate, ReasonForClosure (RC7, RC8 ...)
==========================================  ==================================================

A referral opens an episode; the events after it belong to the latest open episode; a closure
closes the oldest open episode with no plan still running (a new referral can arrive before the
previous case is formally closed). Contacts, visits, strategy discussions and core groups are
not census data: they are in the case notes (``generator/writers/social_care_csv.py``).

Each year's return holds every episode open during that year, with the block dates the DfE asks
for: assessments, plans and section 47 enquiries running in the year (with dates up to the
reference date only), reviews held in the year. An episode open across 31 March appears again,
with the same dates, in the next return; the importer keys each event by
``<LAchildID>/<element>/<date>``, so it is one event however many returns carry it.

The world gives no ethnicity or disability: ethnicity is drawn once per mother (so siblings
agree) from a fixed hash, and ``Disabilities`` says ``NONE``.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar
from xml.sax.saxutils import escape

from generator.model import ChildRecord, Family, WorldEvent
from generator.timeline import DAY, age_on, birthday

SOCIAL_CARE = "Children's Social Care"
LEA = "999"  # the fictional authority's three-digit code (its UPNs carry it too)
SEX_FROM = 2025  # the first return (2024-25) with <Sex> instead of <GenderCurrent>

# The social care events the census carries. Conferences are in it too when ``conferences``.
REFERRAL = "Referral"
ASSESSMENT = "Assessment"
SECTION_47 = "Section 47"
CP_START = "CP plan start"
CP_END = "CP plan end"
CIN_START = "CIN plan start"
CIN_END = "CIN plan end"
CLOSED = "Case closed"
ICPC = "Initial child protection conference"
RCPC = "Review child protection conference"
PROCESS_EVENTS = frozenset({REFERRAL, ASSESSMENT, SECTION_47, CP_START, CP_END, CIN_START, CIN_END, CLOSED})
CONFERENCE_EVENTS = frozenset({ICPC, RCPC})

REFERRAL_SOURCE = {
    "Family member": "1A",
    "Neighbour": "1B",
    "Self": "1C",
    "Schools": "2A",
    "School": "2A",
    "Education": "2B",
    "GP": "3A",
    "Health visitor": "3B",
    "School nurse": "3C",
    "Health": "3D",
    "A&E": "3E",
    "Housing": "4",
    "Adult social care": "5A",
    "Early help": "5D",
    "Police": "6",
    "Probation": "7",
    "Anonymous": "9",
}
UNKNOWN_SOURCE = "10"
CATEGORY_OF_ABUSE = {
    "Neglect": "NEG",
    "Physical abuse": "PHY",
    "Emotional abuse": "EMO",
    "Sexual abuse": "SAB",
    "Multiple": "MUL",
}
REASON_FOR_CLOSURE = {
    "No further action after assessment": "RC8",
    "Child in need plan completed": "RC7",
    "Child protection plan ended; no further social care involvement": "RC7",
}
# Words in the referral, assessment and plan texts -> assessment factor codes (in this order).
FACTOR_WORDS = (
    ("alcohol", ("1B",)),
    ("substance misuse", ("1B", "2B")),
    ("drug", ("2B",)),
    ("domestic", ("3A", "3B")),
    ("mental health", ("4B",)),
    ("neglect", ("16A",)),
    ("unkempt", ("16A",)),
    ("hygiene", ("16A",)),
    ("emotional abuse", ("17A",)),
    ("physical abuse", ("18C",)),
    ("injur", ("18C",)),
    ("sexual abuse", ("19C",)),
)
NO_FACTORS = "21"
OTHER_FACTOR = "20"
# Primary need: abuse or neglect (N1) unless the concern is a parent's illness or family stress.
NEED_WORDS = (
    ("abuse", "N1"),
    ("neglect", "N1"),
    ("injur", "N1"),
    ("mental health", "N3"),
    ("substance", "N5"),
)
DEFAULT_NEED = "N4"
# Ethnicity codes with rough weights (the world has none; see the module docstring).
ETHNICITIES = (
    ("WBRI", 74),
    ("WOTH", 5),
    ("WIRI", 1),
    ("MWBC", 3),
    ("MWAS", 2),
    ("MOTH", 2),
    ("APKN", 3),
    ("AIND", 2),
    ("ABAN", 1),
    ("BAFR", 2),
    ("BCRB", 1),
    ("CHNE", 1),
    ("OOTH", 1),
    ("NOBT", 2),
)
INDENT = "    "
T = TypeVar("T")


def census_year(day: dt.date) -> int:
    """The census year a day falls in, named by the year it ends in (2021-04-01 -> 2022)."""
    return day.year + 1 if day.month >= 4 else day.year


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """(1 April, 31 March) of the census year ending in ``year``."""
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def file_name(year: int) -> str:
    return f"cin-census-{year}.xml"


def _label(event: WorldEvent, prefix: str) -> str | None:
    """The text after ``prefix`` in the first label that starts with it (``Source: Police`` -> Police)."""
    return next((label[len(prefix) :].strip() for label in event.labels if label.startswith(prefix)), None)


def _mixed(n: int, weights: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in weights)
    n %= total
    for code, weight in weights:
        if n < weight:
            return code
        n -= weight
    return weights[-1][0]


@dataclass(slots=True)
class _Assessment:
    start: dt.date
    end: dt.date | None
    factors: tuple[str, ...]


@dataclass(slots=True)
class _Section47:
    start: dt.date
    conference: dt.date | None = None


@dataclass(slots=True)
class _CpPlan:
    start: dt.date
    initial: str
    previous: int
    end: dt.date | None = None
    latest: str | None = None
    reviews: list[dt.date] = field(default_factory=list)


@dataclass(slots=True)
class _CinPlan:
    start: dt.date
    end: dt.date | None = None


@dataclass(slots=True)
class Episode:
    """One episode of need: a referral and what followed until the case closed."""

    referral: WorldEvent | None
    first_day: dt.date
    concern: str = ""
    assessments: list[_Assessment] = field(default_factory=list)
    section_47s: list[_Section47] = field(default_factory=list)
    cp_plans: list[_CpPlan] = field(default_factory=list)
    cin_plans: list[_CinPlan] = field(default_factory=list)
    conference: dt.date | None = None  # an initial conference with no section 47 before it
    closed: dt.date | None = None
    closure_reason: str | None = None

    def plan_running(self) -> bool:
        return any(p.end is None for p in self.cp_plans) or any(p.end is None for p in self.cin_plans)

    def open_in(self, start: dt.date, end: dt.date) -> bool:
        return self.first_day <= end and (self.closed is None or self.closed >= start)


def _factors(texts: list[str], outcome: str) -> tuple[str, ...]:
    """Assessment factors from the concern words; 21 (none) for a case closed to universal services."""
    if "universal services" in outcome:
        return (NO_FACTORS,)
    words = " ".join(texts).lower()
    found: list[str] = []
    for word, codes in FACTOR_WORDS:
        if word in words:
            found += [code for code in codes if code not in found]
    return tuple(found) or (OTHER_FACTOR,)


def _need(concern: str) -> str:
    words = concern.lower()
    return next((code for word, code in NEED_WORDS if word in words), DEFAULT_NEED)


def build_episodes(record: ChildRecord, *, conferences: bool) -> tuple[list[Episode], list[WorldEvent]]:
    """The child's episodes of need, and the census events that fit no episode's structure."""
    episodes: list[Episode] = []
    open_episodes: list[Episode] = []
    unplaced: list[WorldEvent] = []
    plans_so_far = 0

    def current(event: WorldEvent) -> Episode:
        if open_episodes:
            return open_episodes[-1]
        orphan = Episode(None, event.day)  # a process event with no referral recorded before it
        episodes.append(orphan)
        open_episodes.append(orphan)
        return orphan

    for event in record.events:
        if event.agency != SOCIAL_CARE or not event.labels:
            continue
        kind = event.labels[0]
        if kind == REFERRAL:
            concern = " ".join((*event.labels[2:], event.text))
            episode = Episode(event, event.day, concern)
            episodes.append(episode)
            open_episodes.append(episode)
        elif kind == ASSESSMENT:
            episode = current(event)
            outcome = event.text.split("outcome:", 1)[-1]
            factors = _factors([episode.concern, outcome], outcome)
            episode.assessments.append(_Assessment(event.day, event.end_day, factors))
        elif kind == SECTION_47:
            current(event).section_47s.append(_Section47(event.day))
        elif kind == ICPC:
            if conferences and not _place_conference(current(event), event.day):
                unplaced.append(event)
        elif kind == CP_START:
            category = CATEGORY_OF_ABUSE.get(event.labels[1] if len(event.labels) > 1 else "", "MUL")
            current(event).cp_plans.append(_CpPlan(event.day, category, plans_so_far))
            plans_so_far += 1
        elif kind == RCPC:
            if conferences:
                plan = _running_cp(open_episodes) or next(reversed(current(event).cp_plans), None)
                if plan is None:
                    unplaced.append(event)
                else:
                    plan.reviews.append(event.day)
        elif kind == CP_END:
            plan = _running_cp(open_episodes)
            if plan is None:
                unplaced.append(event)
            else:
                plan.end = event.day
                plan.latest = CATEGORY_OF_ABUSE.get(event.labels[1] if len(event.labels) > 1 else "")
        elif kind == CIN_START:
            current(event).cin_plans.append(_CinPlan(event.day))
        elif kind == CIN_END:
            cin = next(
                (c for e in reversed(open_episodes) for c in reversed(e.cin_plans) if c.end is None), None
            )
            if cin is None:
                unplaced.append(event)
            else:
                cin.end = event.day
        elif kind == CLOSED:
            if not open_episodes:
                current(event)
            episode = next((e for e in open_episodes if not e.plan_running()), open_episodes[0])
            episode.closed = event.day
            reason = _label(event, "Reason:") or ""
            episode.closure_reason = REASON_FOR_CLOSURE.get(
                reason, "RC9" if "early help" in reason else "RC7"
            )
            open_episodes.remove(episode)
    return episodes, unplaced


def _running_cp(open_episodes: list[Episode]) -> _CpPlan | None:
    """The child protection plan still running, in the latest open episode that has one."""
    return next((p for e in reversed(open_episodes) for p in reversed(e.cp_plans) if p.end is None), None)


def _place_conference(episode: Episode, day: dt.date) -> bool:
    """Put an initial conference on the section 47 enquiry before it (else on the episode)."""
    enquiry = _last(episode.section_47s, lambda s: s.start <= day and s.conference is None)
    if enquiry is not None:
        enquiry.conference = day
        return True
    if episode.conference is None:
        episode.conference = day
        return True
    return False


def _last(items: list[T], test: Callable[[T], bool]) -> T | None:
    """The latest item that passes the test."""
    return next((item for item in reversed(items) if test(item)), None)


def _working_days_after(day: dt.date, days: int) -> dt.date:
    while days:
        day += DAY
        if day.weekday() < 5:
            days -= 1
    return day


class _Xml:
    """Indented XML lines for one Child element."""

    def __init__(self, depth: int) -> None:
        self.lines: list[str] = []
        self.depth = depth

    def leaf(self, name: str, value: object) -> None:
        if value is None or value == "":
            return
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        self.lines.append(f"{INDENT * self.depth}<{name}>{escape(text)}</{name}>")

    def open(self, name: str) -> None:
        self.lines.append(f"{INDENT * self.depth}<{name}>")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.lines.append(f"{INDENT * self.depth}</{name}>")


class CinCensusWriter:
    """Writes one CIN census return per census year, appending each child to every year it is in.

    ``end`` is the last day of the data (the generator's window end): episodes still open then
    are carried up to that census year and no further. Without it, a child's last event bounds
    their open episodes. ``conferences`` puts the initial and review conference dates in the
    census as the DfE return has them; the same conferences are in the case notes with who
    attended, so a store importing both has each conference twice (False leaves them out here).
    """

    def __init__(self, *, end: dt.date | None = None, conferences: bool = True) -> None:
        self.end = end
        self.conferences = conferences
        self._dir: Path | None = None
        self._files: dict[int, IO[str]] = {}
        self._counts: dict[int, int] = {}
        self.unplaced: list[tuple[str, str]] = []  # (record_id, kind) of events no block could hold

    def open(self, out_dir: Path) -> None:
        self._dir = out_dir

    def _file(self, year: int) -> IO[str]:
        handle = self._files.get(year)
        if handle is None:
            assert self._dir is not None, "open() first"
            handle = (self._dir / file_name(year)).open("w", encoding="utf-8", newline="\n")
            handle.write(_header(year))
            self._files[year] = handle
            self._counts[year] = 0
        return handle

    def write_family(self, family: Family) -> None:
        for record in family.children:
            episodes, unplaced = build_episodes(record, conferences=self.conferences)
            self.unplaced += [(e.record_id, e.labels[0]) for e in unplaced]
            if not episodes:
                continue
            last = self._last_day(record)
            years = sorted(
                {
                    year
                    for episode in episodes
                    for year in range(census_year(episode.first_day), census_year(last) + 1)
                    if episode.open_in(*year_bounds(year))
                }
            )
            for year in years:
                lines = child_lines(record, episodes, year, conferences=self.conferences)
                if lines:
                    self._file(year).write("\n".join(lines) + "\n")
                    self._counts[year] += 1

    def _last_day(self, record: ChildRecord) -> dt.date:
        """The last day the child's open episodes run to: the data's end, before the 18th birthday."""
        last = self.end or max((e.day for e in record.events), default=record.child.dob)
        return min(last, birthday(record.child.dob, 18) - DAY)

    def close(self) -> dict[str, int]:
        written: dict[str, int] = {}
        for year, handle in self._files.items():
            handle.write(f"{INDENT}</Children>\n</Message>\n")
            handle.close()
            written[file_name(year)] = self._counts[year]
        self._files.clear()
        return dict(sorted(written.items()))


def _header(year: int) -> str:
    end = year_bounds(year)[1]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<Message>\n"
        f"{INDENT}<Header>\n"
        f"{INDENT * 2}<CollectionDetails>\n"
        f"{INDENT * 3}<Collection>CIN</Collection>\n"
        f"{INDENT * 3}<Year>{year}</Year>\n"
        f"{INDENT * 3}<ReferenceDate>{end.isoformat()}</ReferenceDate>\n"
        f"{INDENT * 2}</CollectionDetails>\n"
        f"{INDENT * 2}<Source>\n"
        f"{INDENT * 3}<SourceLevel>L</SourceLevel>\n"
        f"{INDENT * 3}<LEA>{LEA}</LEA>\n"
        f"{INDENT * 3}<SoftwareCode>Local Authority</SoftwareCode>\n"
        f"{INDENT * 3}<Release>ver 3.1.21</Release>\n"
        f"{INDENT * 3}<SerialNo>001</SerialNo>\n"
        f"{INDENT * 3}<DateTime>{year}-05-15T09:00:00</DateTime>\n"
        f"{INDENT * 2}</Source>\n"
        f"{INDENT}</Header>\n"
        f"{INDENT}<Children>\n"
    )


def ethnicity(record: ChildRecord) -> str:
    """A stable ethnicity code, the same for the mother's children (the world does not give one)."""
    mother = record.relation("mother")
    key = mother.person.person_id if mother else record.la_child_id
    return _mixed(zlib.crc32(key.encode()), ETHNICITIES)


def recorded_upn(record: ChildRecord, until: dt.date) -> str | None:
    """The UPN on social care's latest record up to ``until`` that holds one (typing errors and all)."""
    found = None
    for event in record.events:
        if event.agency == SOCIAL_CARE and event.day <= until and event.ids.get("upn"):
            found = event.ids["upn"]
    return found


def child_lines(record: ChildRecord, episodes: list[Episode], year: int, *, conferences: bool) -> list[str]:
    """The ``Child`` element of one year's return, as lines (empty when no episode is open in it)."""
    start, end = year_bounds(year)
    shown = [e for e in episodes if e.open_in(start, end)]
    if not shown:
        return []
    child = record.child
    xml = _Xml(2)
    xml.open("Child")
    xml.open("ChildIdentifiers")
    xml.leaf("LAchildID", record.la_child_id)
    upn = recorded_upn(record, end)
    xml.leaf("UPN", upn)
    if upn is None and record.upn is None and age_on(child.dob, end) < 6:
        xml.leaf("UPNunknown", "UN1")  # under 6 and not yet at school
    xml.leaf("PersonBirthDate", child.dob)
    if year >= SEX_FROM:
        xml.leaf("Sex", {"M": "M", "F": "F"}.get(child.sex, "U"))
    else:
        xml.leaf("GenderCurrent", {"M": "1", "F": "2"}.get(child.sex, "0"))
    xml.close("ChildIdentifiers")
    xml.open("ChildCharacteristics")
    xml.leaf("Ethnicity", ethnicity(record))
    xml.open("Disabilities")
    xml.leaf("Disability", "NONE")
    xml.close("Disabilities")
    xml.close("ChildCharacteristics")
    for episode in shown:
        _episode(xml, episode, start, end)
    xml.close("Child")
    return xml.lines


def _within(day: dt.date | None, end: dt.date) -> dt.date | None:
    """The date if the return may give it (on or before its reference date)."""
    return day if day is not None and day <= end else None


def _running(first: dt.date, last: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return first <= end and (last is None or last >= start)


def _episode(xml: _Xml, episode: Episode, start: dt.date, end: dt.date) -> None:
    xml.open("CINdetails")
    referral = episode.referral
    if referral is not None:
        xml.leaf("CINreferralDate", referral.day)
        xml.leaf("ReferralSource", REFERRAL_SOURCE.get(_label(referral, "Source:") or "", UNKNOWN_SOURCE))
        xml.leaf("PrimaryNeedCode", _need(episode.concern))
    closed = _within(episode.closed, end)
    if closed is not None:
        xml.leaf("CINclosureDate", closed)
        xml.leaf("ReasonForClosure", episode.closure_reason)
    if episode.conference is not None and start <= episode.conference <= end:
        xml.leaf("DateOfInitialCPC", episode.conference)
    for assessment in episode.assessments:
        if not _running(assessment.start, assessment.end, start, end):
            continue
        xml.open("Assessments")
        xml.leaf("AssessmentActualStartDate", assessment.start)
        authorised = _within(assessment.end, end)
        xml.leaf("AssessmentAuthorisationDate", authorised)
        if authorised is not None:
            xml.open("FactorsIdentifiedAtAssessment")
            for code in assessment.factors:
                xml.leaf("AssessmentFactors", code)
            xml.close("FactorsIdentifiedAtAssessment")
        xml.close("Assessments")
    for cin in episode.cin_plans:
        if _running(cin.start, cin.end, start, end):
            xml.open("CINPlanDates")
            xml.leaf("CINPlanStartDate", cin.start)
            xml.leaf("CINPlanEndDate", _within(cin.end, end))
            xml.close("CINPlanDates")
    for enquiry in episode.section_47s:
        if not _running(enquiry.start, enquiry.conference or enquiry.start, start, end):
            continue
        xml.open("Section47")
        xml.leaf("S47ActualStartDate", enquiry.start)
        xml.leaf("InitialCPCtarget", _working_days_after(enquiry.start, 15))
        xml.leaf("DateOfInitialCPC", _within(enquiry.conference, end))
        xml.leaf("ICPCnotRequired", "false")
        xml.close("Section47")
    xml.leaf("ReferralNFA", "false")
    for plan in episode.cp_plans:
        if not _running(plan.start, plan.end, start, end):
            continue
        xml.open("ChildProtectionPlans")
        xml.leaf("CPPstartDate", plan.start)
        ended = _within(plan.end, end)
        xml.leaf("CPPendDate", ended)
        xml.leaf("InitialCategoryOfAbuse", plan.initial)
        xml.leaf("LatestCategoryOfAbuse", (plan.latest if ended else None) or plan.initial)
        xml.leaf("NumberOfPreviousCPP", plan.previous)
        reviews = [day for day in plan.reviews if start <= day <= end]
        if reviews:
            xml.open("Reviews")
            for day in reviews:
                xml.leaf("CPPreviewDate", day)
            xml.close("Reviews")
        xml.close("ChildProtectionPlans")
    xml.close("CINdetails")
