"""The Ofsted Annex A workbook (``annex-a.xlsx``): the child-level lists an authority sends before an inspection.

Annex A is a snapshot: the six months up to a reference date (the generator's window ``end``),
restating social care facts the CIN census and case notes already carry. Its rows are keyed by
the Annex A importer as ``<child>/<fact>/<date>``, not by the case management system's record IDs,
so importing it alongside the census and case notes would store each fact twice. It is therefore
not one of ``native_writers()``: ask for it with
``generate_authority(out, writers=[AnnexAWriter(end=end)])`` to get an inspection workbook.

Sheets "List 1" … "List 11", headers worded as in Ofsted's template (and the sample workbook),
values with the drop-down letters real returns carry (``a) Male``, ``a) Yes``):

========  ==========================================================================================
List 1    every world ``Contact`` in the six months (date, source as ``6: Police``)
List 3    every ``Referral`` in the six months (source, NFA No, referrals in the last 12 months)
List 4    every ``Assessment`` running in the six months (start, authorisation up to ``end``, outcome)
List 5    every ``Section 47`` whose enquiry or initial conference falls in the six months, with
          that conference (the first after it) and whether a CP plan started that day
List 6    every CIN census episode open in the six months (referral date, primary need, the last
          day the child was seen — the latest ``Child seen``/``Child seen alone`` visit — closure)
List 7    every CP plan running in the six months (start, categories, last statutory visit and
          whether the child was seen alone then, latest review conference, end, previous plans)
List 8    every looked-after period (``Plan`` kind LAC) running in the six months, with its
          latest ``Looked after review``
Lists 2, 9, 10, 11  header only: the world has no early help assessments, care leavers or adoption
========  ==========================================================================================

A CIN episode with no referral recorded leaves "CIN Start Date" blank (the world gives no date
for it). openpyxl stamps the time of writing in the workbook; the writer resets those stamps so
the same seed gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from generator.model import ChildRecord, Family, WorldEvent
from generator.timeline import DAY, add_months, age_on
from generator.writers.cin_census_xml import (
    CATEGORY_OF_ABUSE,
    REFERRAL_SOURCE,
    SOCIAL_CARE,
    UNKNOWN_SOURCE,
    Episode,
    _label,
    _need,
    build_episodes,
    ethnicity,
)
from generator.writers.ssda903_csv import REVIEW_LABELS, lac_plans, legal_status

NAME = "annex-a.xlsx"
MONTHS = 6
COMMON = ("Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age")
HEADERS: dict[int, tuple[str, ...]] = {
    1: (*COMMON, "Date of Contact", "Contact Source"),
    2: (*COMMON, "Assessment start date", "Assessment completion date", "Organisation completing assessment"),
    3: (*COMMON, "Date of Referral", "Referral Source", "Referral NFA?", "Number of Referrals in Last 12 Months"),
    4: (
        *COMMON, "Continuous Assessment Start Date", "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
    ),
    5: (
        *COMMON, "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    ),
    6: (
        *COMMON, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
        "Reason for Closure", "Case Status",
    ),
    7: (
        *COMMON, "Child Protection Plan Start Date", "Initial Category of Abuse", "Latest Category of Abuse",
        "Date of the Last Statutory Visit", "Was the Child Seen Alone?", "Date of latest review conference",
        "Child Protection Plan End Date", "Number of Previous Child Protection Plans",
    ),
    8: (
        *COMMON, "Date Started to be Looked After", "Child's Category of Need", "Start date of current legal status",
        "Child's Legal Status",
        "Date of Latest Statutory Review",
        "Date of Last Social Work Visit",
        "Date of Last IRO Visit / Contact to the Child",
        "Date of Last Health Assessment",
        "Date of Last Dental Check",
        "Start Date of Most Recent Placement", "Date Ceased to be Looked After", "Reason Ceased to be Looked After",
    ),
    9: (*COMMON, "Eligibility Category", "LA in Touch", "Type of Accommodation", "Suitability of Accommodation",
        "Activity Status"),
    10: (*COMMON, "Date the Child Entered Care", "Date of Decision that Child Should be Placed for Adoption",
         "Date of Placement Order", "Date Placed for Adoption", "Date of Adoption Order"),
    11: ("Individual adopter identifier", "Gender", "Ethnicity", "Date enquiry received"),
}  # fmt: skip
CATEGORY_NAME = {code: name for name, code in CATEGORY_OF_ABUSE.items()}
NEED_NAME = {
    "N1": "Abuse or Neglect",
    "N2": "Child's disability",
    "N3": "Parental illness/disability",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
}
CLOSURE_NAME = {
    "RC7": "Closed after provision of services",
    "RC8": "Case closed after assessment, no further action",
    "RC9": "Case closed after assessment, referred to early help",
}
SEEN = frozenset({"Child seen", "Child seen alone"})
FIXED_STAMP = (1980, 1, 1, 0, 0, 0)
_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _yes(flag: bool) -> str:
    return "a) Yes" if flag else "b) No"


def _source(event: WorldEvent) -> str:
    source = _label(event, "Source:") or ""
    return f"{REFERRAL_SOURCE.get(source, UNKNOWN_SOURCE)}: {source or 'Unknown'}"


class AnnexAWriter:
    """Writes ``annex-a.xlsx`` for the six months up to ``end`` (openpyxl write-only: rows stream)."""

    def __init__(self, *, end: dt.date, months: int = MONTHS) -> None:
        self.end = end
        self.start = add_months(end, -months) + DAY
        self._path: Path | None = None
        self._book: Any = None
        self._sheets: dict[int, Any] = {}
        self._rows = 0

    def open(self, out_dir: Path) -> None:
        self._path = out_dir / NAME
        self._book = Workbook(write_only=True)
        for number, headers in HEADERS.items():
            sheet = self._book.create_sheet(f"List {number}")
            sheet.append(list(headers))
            self._sheets[number] = sheet

    def in_window(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def upto(self, day: dt.date | None) -> dt.date | None:
        """The date if the workbook, made on ``end``, can know it."""
        return day if day is not None and day <= self.end else None

    def _append(self, number: int, record: ChildRecord, values: list[Any]) -> None:
        child = record.child
        common = [
            record.la_child_id,
            {"M": "a) Male", "F": "b) Female"}.get(child.sex, "c) Not stated/recorded"),
            ethnicity(record),
            child.dob,
            age_on(child.dob, self.end),
        ]
        self._sheets[number].append(common + values)
        self._rows += 1

    def write_family(self, family: Family) -> None:
        assert self._book is not None, "open() first"
        for record in family.children:
            events = sorted(
                (e for e in record.events if e.agency == SOCIAL_CARE and e.labels and e.day <= self.end),
                key=lambda e: e.day,
            )
            if not events and not lac_plans(record):
                continue
            self._contacts_referrals(record, events)
            self._assessments(record, events)
            self._section_47s(record, events)
            episodes, _ = build_episodes(record, conferences=True)
            self._children_in_need(record, events, episodes)
            self._child_protection(record, events, episodes)
            self._looked_after(record, events)

    def _contacts_referrals(self, record: ChildRecord, events: list[WorldEvent]) -> None:
        referrals = [e.day for e in events if e.labels[0] == "Referral"]
        for event in events:
            if not self.in_window(event.day):
                continue
            if event.labels[0] == "Contact":
                self._append(1, record, [event.day, _source(event)])
            elif event.labels[0] == "Referral":
                year_before = add_months(event.day, -12)
                earlier = sum(1 for day in referrals if year_before <= day < event.day)
                self._append(3, record, [event.day, _source(event), "No", earlier])

    def _assessments(self, record: ChildRecord, events: list[WorldEvent]) -> None:
        for event in events:
            if event.labels[0] != "Assessment":
                continue
            if event.end_day is not None and event.end_day < self.start:
                continue
            authorised = self.upto(event.end_day)
            outcome = "" if authorised is None else ("No" if "no further action" in event.text else "Yes")
            self._append(4, record, [event.day, authorised, outcome])

    def _section_47s(self, record: ChildRecord, events: list[WorldEvent]) -> None:
        enquiries = [e.day for e in events if e.labels[0] == "Section 47"]
        conferences = [e.day for e in events if e.labels[0] == "Initial child protection conference"]
        plans = {e.day for e in events if e.labels[0] == "CP plan start"}
        for i, day in enumerate(enquiries):
            before = enquiries[i + 1] if i + 1 < len(enquiries) else None
            icpc = next((c for c in conferences if c >= day and (before is None or c < before)), None)
            if not (self.in_window(day) or self.in_window(icpc)):
                continue
            self._append(
                5,
                record,
                [day, "No" if icpc else "", icpc, ("Yes" if icpc in plans else "No") if icpc else ""],
            )

    def _last(
        self, events: list[WorldEvent], first: dt.date, last: dt.date | None, test: Any
    ) -> WorldEvent | None:
        until = min(last or self.end, self.end)
        return next((e for e in reversed(events) if first <= e.day <= until and test(e)), None)

    def _children_in_need(
        self, record: ChildRecord, events: list[WorldEvent], episodes: list[Episode]
    ) -> None:
        for episode in episodes:
            if episode.first_day > self.end or not episode.open_in(self.start, self.end):
                continue
            seen = self._last(events, episode.first_day, episode.closed, lambda e: SEEN & set(e.labels))
            closed = self.upto(episode.closed)
            need = _need(episode.concern)
            running_cp = any(
                p.start <= self.end and (p.end is None or p.end > self.end) for p in episode.cp_plans
            )
            status = "b) Child protection plan" if running_cp else "c) Child in need plan"
            self._append(
                6,
                record,
                [
                    episode.referral.day if episode.referral else None,
                    f"{need} - {NEED_NAME.get(need, '')}",
                    seen.day if seen else None,
                    closed,
                    f"{episode.closure_reason} - {CLOSURE_NAME.get(episode.closure_reason or '', '')}"
                    if closed
                    else None,
                    "d) Closed" if closed else status,
                ],
            )

    def _child_protection(
        self, record: ChildRecord, events: list[WorldEvent], episodes: list[Episode]
    ) -> None:
        for episode in episodes:
            for plan in episode.cp_plans:
                if plan.start > self.end or (plan.end is not None and plan.end < self.start):
                    continue
                visit = self._last(events, plan.start, plan.end, lambda e: e.labels[0] == "Statutory visit")
                reviews = [day for day in plan.reviews if day <= self.end]
                ended = self.upto(plan.end)
                self._append(
                    7,
                    record,
                    [
                        plan.start,
                        CATEGORY_NAME.get(plan.initial, plan.initial),
                        CATEGORY_NAME.get((plan.latest if ended else None) or plan.initial, plan.initial),
                        visit.day if visit else None,
                        _yes("Child seen alone" in visit.labels) if visit else None,
                        max(reviews) if reviews else None,
                        ended,
                        plan.previous,
                    ],
                )

    def _looked_after(self, record: ChildRecord, events: list[WorldEvent]) -> None:
        for plan in lac_plans(record):
            if plan.start > self.end or (plan.end is not None and plan.end < self.start):
                continue
            review = self._last(events, plan.start, plan.end, lambda e: e.labels[0] in REVIEW_LABELS)
            ended = self.upto(plan.end)
            need = _need(plan.main_concern or "")
            self._append(
                8,
                record,
                [
                    plan.start,
                    f"{need} - {NEED_NAME.get(need, '')}",
                    None,
                    legal_status(plan.category),
                    review.day if review else None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    ended,
                    "E4A" if ended else None,
                ],
            )

    def close(self) -> dict[str, int]:
        assert self._book is not None and self._path is not None, "open() first"
        self._book.save(self._path)
        self._book = None
        _fix_stamps(self._path, self.end)
        return {NAME: self._rows}


def _fix_stamps(path: Path, made: dt.date) -> None:
    """Replace the time of writing (zip entry times, document properties) so output is reproducible."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    stamp = f"{made.isoformat()}T00:00:00Z".encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _CORE_TIME.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            target.writestr(zipfile.ZipInfo(name, FIXED_STAMP), data, zipfile.ZIP_DEFLATED)
