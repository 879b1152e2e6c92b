"""The SSDA903 (children looked after) CSV set: ``ssda903-header.csv``, ``-episodes``, ``-missing``, ``-reviews``.

The 903 return is only about looked-after children. The world marks a period of care as a
``Plan`` of kind ``LAC`` (``start``, ``end``; ``category`` the legal status, as a 903 LS code or
in words such as "Section 20" or "Full care order"; ``main_concern`` the reason for care, which
gives the category of need the way the CIN census does). Today's world makes no such plans, so for
a generated authority the set is empty and ``native_writers()`` does not include this writer.

======================================  ===============================================================
world fact                              903 row
======================================  ===============================================================
Plan kind LAC                           Episodes: DECOM = start, RNE S, LS, CIN, PLACE U6, PLACE_PROVIDER
                                        PR1, DEC/REC (E4A, returned home) when it ended by ``end``
child with a LAC plan                   Header: CHILD, SEX (1/2), DOB, ETHNIC, UPN, MOTHER
social care event "Looked after review" Reviews: REVIEW = day, REVIEW_CODE PN0 (under 4), PN1 (the
                                        child's words recorded), PN7 (otherwise)
social care event "Missing from care"   Missing: MISSING M (``Absent from placement``: A), MIS_START,
                                        MIS_END = ``end_day``
======================================  ===============================================================

The world gives no placements, so each period of care is one episode in a foster placement of the
authority's own provision (U6, PR1); no ethnicity either, so ETHNIC is the CIN census writer's
stable per-mother code. The files span the whole window as one extract (not one return per
collection year): an episode still open at ``end`` has no DEC. Dates are ``DD/MM/YYYY``.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import IO, Any

from generator.model import ChildRecord, Family, Plan, WorldEvent
from generator.timeline import age_on
from generator.writers.cin_census_xml import SOCIAL_CARE, _need, ethnicity, recorded_upn

LAC = "LAC"
REVIEW_LABELS = frozenset({"Looked after review", "LAC review", "CLA review"})
MISSING_LABELS = {"Missing from care": "M", "Missing from placement": "M", "Absent from placement": "A"}
LEGAL_STATUS_CODES = frozenset({"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"})
LEGAL_STATUS_WORDS = (
    ("section 20", "V2"),
    ("interim care", "C1"),
    ("care order", "C2"),
    ("placement order", "E1"),
    ("police protection", "L1"),
    ("emergency protection", "L2"),
    ("remand", "J1"),
)
DEFAULT_LEGAL_STATUS = "V2"
PLACEMENT, PROVIDER, RETURNED_HOME = "U6", "PR1", "E4A"

FILES = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
        "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
    ),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
}  # fmt: skip


def file_name(kind: str) -> str:
    return f"ssda903-{kind}.csv"


def d903(day: dt.date | None) -> str:
    """A date as the 903 return writes it (DD/MM/YYYY); blank for none."""
    return day.strftime("%d/%m/%Y") if day else ""


def legal_status(category: str | None) -> str:
    """The LS code of a LAC plan's category: a code as given, else from its words (section 20 if none)."""
    text = (category or "").strip()
    if text.upper() in LEGAL_STATUS_CODES:
        return text.upper()
    words = text.lower()
    return next((code for word, code in LEGAL_STATUS_WORDS if word in words), DEFAULT_LEGAL_STATUS)


def lac_plans(record: ChildRecord) -> list[Plan]:
    return sorted((p for p in record.plans if p.kind == LAC), key=lambda p: p.start)


def review_code(record: ChildRecord, event: WorldEvent) -> str:
    """The child's participation: under 4, spoke for themselves (words recorded) or views not conveyed."""
    if age_on(record.child.dob, event.day) < 4:
        return "PN0"
    return "PN1" if event.voice else "PN7"


class Ssda903Writer:
    """Writes the four 903 files for the children the world has looked after (``Plan`` kind LAC).

    ``end`` is the extract date: a period of care ending after it is still open. Episodes of one
    child are written together in date order, as the importer expects."""

    def __init__(self, *, end: dt.date) -> None:
        self.end = end
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self._rows: dict[str, int] = {}

    def open(self, out_dir: Path) -> None:
        for kind, columns in FILES.items():
            handle = (out_dir / file_name(kind)).open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle)
            writer.writerow(columns)
            self._files[kind] = handle
            self._writers[kind] = writer
            self._rows[kind] = 0

    def _write(self, kind: str, row: list[str]) -> None:
        self._writers[kind].writerow(row)
        self._rows[kind] += 1

    def write_family(self, family: Family) -> None:
        assert self._writers, "open() first"
        for record in family.children:
            plans = [p for p in lac_plans(record) if p.start <= self.end]
            if not plans:
                continue
            self._header(record)
            for plan in plans:
                self._episode(record, plan)
            for event in record.events:
                if event.agency != SOCIAL_CARE or not event.labels or event.day > self.end:
                    continue
                kind = event.labels[0]
                dob = d903(record.child.dob)
                if kind in REVIEW_LABELS:
                    self._write(
                        "reviews", [record.la_child_id, dob, d903(event.day), review_code(record, event)]
                    )
                elif kind in MISSING_LABELS:
                    back = event.end_day if event.end_day and event.end_day <= self.end else None
                    self._write(
                        "missing",
                        [record.la_child_id, dob, MISSING_LABELS[kind], d903(event.day), d903(back)],
                    )

    def _header(self, record: ChildRecord) -> None:
        child = record.child
        self._write(
            "header",
            [
                record.la_child_id,
                {"M": "1", "F": "2"}.get(child.sex, ""),
                d903(child.dob),
                ethnicity(record),
                recorded_upn(record, self.end) or "",
                "0" if child.sex == "F" else "",
                "",
            ],
        )

    def _episode(self, record: ChildRecord, plan: Plan) -> None:
        ended = plan.end if plan.end is not None and plan.end <= self.end else None
        self._write(
            "episodes",
            [
                record.la_child_id,
                d903(plan.start),
                "S",
                legal_status(plan.category),
                _need(plan.main_concern or ""),
                PLACEMENT,
                PROVIDER,
                d903(ended),
                RETURNED_HOME if ended else "",
                "",
                "",
                "",
                "",
            ],
        )

    def close(self) -> dict[str, int]:
        written: dict[str, int] = {}
        for kind, handle in self._files.items():
            handle.close()
            written[file_name(kind)] = self._rows[kind]
        self._files.clear()
        self._writers.clear()
        return written
