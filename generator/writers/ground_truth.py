"""``ground-truth.json``: what the generated data is known to contain, for testing importers and audits.

Sections are streamed to part files while families are written and joined at the end, so the
ground truth of 20,000 children never sits in memory at once. Every list item is one line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import IO, Any

from generator.model import ChildRecord, Family, Plan
from generator.oracle import CODES, Evaluation, fact_from_event
from generator.timeline import age_on

SECTIONS = (
    "children",
    "negative_controls",
    "cross_agency_incidents",
    "decoys",
    "invalid_identifiers",
    "cohort_bucks_2019",
    "cohort_south_glos_2025",
)
NAME = "ground-truth.json"
SCHEMA_VERSION = 1

CONVENTIONS = {
    "category": "';'-separated; the first item is the event type, e.g. 'CP plan start; Emotional abuse', "
    "'Referral; Source: Police; Domestic abuse', 'Police occurrence; Domestic crime; Domestic abuse; "
    "DASH: high (16)', 'MARAC referral; DASH: high (16)', 'Was not brought; Audiology', "
    "'Statutory visit; Child seen alone', 'Safeguarding concern; Physical injury'",
    "child_voice": "the child_voice column holds the child's words; "
    "category 'Child seen alone' records the child seen alone",
    "persons": "'Full Name (relationship[, part in the event])' separated by '; ', "
    "e.g. 'Kelly Hart (mother, victim); Dean Shaw (mother's partner, suspect)'",
    "police_reference": "police record_id is '<occurrence reference>/<n>'; Operation Encompass rows quote "
    "'(ref <occurrence reference>)' in the event text",
    "incident_spacing": "separate incidents for one child are at least 7 days apart; reports of one "
    "incident fall within a day of the police occurrence (Operation Encompass: next school morning)",
    "background_children": "children not listed under 'children' trigger no pattern",
}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def child_ids(record: ChildRecord) -> dict[str, Any]:
    child = record.child
    return {
        "la_child_id": record.la_child_id,
        "nhs_number": child.nhs_number,
        "upn": record.upn,
        "name": child.name,
        "dob": child.dob.isoformat(),
        "sex": child.sex,
    }


def _plan(plan: Plan) -> dict[str, Any]:
    return {
        "kind": plan.kind,
        "start": _iso(plan.start),
        "end": _iso(plan.end),
        "category": plan.category,
        "main_concern": plan.main_concern,
    }


class GroundTruthWriter:
    """Records planted children, shared incidents, decoys, invalid identifiers and the seed cohorts."""

    def __init__(self, *, seed: int, children: int, start: dt.date, end: dt.date) -> None:
        self.header = {
            "schema_version": SCHEMA_VERSION,
            "seed": seed,
            "children_total": children,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "as_of": end.isoformat(),
            "pattern_codes": list(CODES),
            "conventions": CONVENTIONS,
        }
        self.as_of = end
        self._dir: Path | None = None
        self._parts: dict[str, IO[str]] = {}
        self._counts = dict.fromkeys(SECTIONS, 0)

    def _part(self, section: str) -> Path:
        assert self._dir is not None
        return self._dir / f".{NAME}.{section}.part"

    def open(self, out_dir: Path) -> None:
        self._dir = out_dir
        self._parts = {s: self._part(s).open("w", encoding="utf-8") for s in SECTIONS}

    def _put(self, section: str, item: dict[str, Any]) -> None:
        self._parts[section].write(json.dumps(item, ensure_ascii=False) + "\n")
        self._counts[section] += 1

    def write_family(self, family: Family) -> None:
        for record in family.children:
            ids = {"la_child_id": record.la_child_id}
            for m in record.mistyped:
                self._put(
                    "invalid_identifiers",
                    {
                        **ids,
                        "agency": m.agency,
                        "record_id": m.record_id,
                        "field": m.field,
                        "written": m.written,
                        "correct": m.correct,
                    },
                )
            for inc in record.shared_incidents:
                self._put(
                    "cross_agency_incidents",
                    {
                        **ids,
                        "police_reference": inc.reference,
                        "date": inc.day.isoformat(),
                        "time": inc.time.strftime("%H:%M"),
                        "kind": inc.kind,
                        "reports": [
                            {"agency": r.agency, "record_id": r.record_id, "what": r.what}
                            for r in inc.reports
                        ],
                    },
                )
            for d in record.decoys:
                self._put(
                    "decoys",
                    {
                        **ids,
                        "agency": d.agency,
                        "record_id": d.record_id,
                        "date": d.day.isoformat(),
                        "near_police_reference": d.near_reference,
                        "why": d.why,
                    },
                )
            if record.scenario is not None:
                self._planted(record)

    def _planted(self, record: ChildRecord) -> None:
        facts = [fact_from_event(e) for e in record.events]
        evaluation = Evaluation(facts, self.as_of)
        entry = {
            **child_ids(record),
            "scenario": record.scenario,
            "planted": list(record.planted),
            "patterns": record.patterns or {},
            "must_not": [{"code": code, "why": why} for code, why in record.must_not],
            "plans": [_plan(p) for p in record.plans],
            "fathers": [
                {"name": r.person.name, "role": r.role, "lives_with_child": r.lives_with_child}
                for r in record.fathers()
            ],
            "key_dates": {
                "incidents": [c.day.isoformat() for c in evaluation.clusters],
                "da_incidents": [c.day.isoformat() for c in evaluation.da],
                "referrals": [f.day.isoformat() for f in facts if f.kind == "Referral"],
                "marac_referrals": [f.day.isoformat() for f in facts if f.kind == "MARAC referral"],
                "missed_appointments": [f.day.isoformat() for f in facts if f.kind == "Was not brought"],
            },
        }
        self._put("children", entry)
        for code, why in record.must_not:
            self._put(
                "negative_controls",
                {
                    "la_child_id": record.la_child_id,
                    "must_not": code,
                    "why": why,
                    "scenario": record.scenario,
                },
            )
        self._cohorts(record)

    def _cohorts(self, record: ChildRecord) -> None:
        cp = [p for p in record.plans if p.kind == "CP"]
        dob = record.child.dob
        for number, plan in enumerate(cp, start=1):
            length = ((plan.end or self.as_of) - plan.start).days
            age = age_on(dob, plan.start)
            if age <= 5 and 365 < length < 730 and (plan.main_concern or "").startswith("domestic abuse"):
                self._put(
                    "cohort_bucks_2019",
                    {
                        "la_child_id": record.la_child_id,
                        "plan_number": number,
                        "plan_start": plan.start.isoformat(),
                        "plan_end": _iso(plan.end),
                        "age_at_start": age,
                        "plan_days": length,
                        "category": plan.category,
                        "main_concern": plan.main_concern,
                    },
                )
        if len(cp) >= 2:
            self._put(
                "cohort_south_glos_2025",
                {
                    "la_child_id": record.la_child_id,
                    "plan_count": len(cp),
                    "age_at_end": age_on(dob, self.as_of),
                    "plans": [_plan(p) for p in cp],
                },
            )

    def close(self) -> dict[str, int]:
        assert self._dir is not None
        for handle in self._parts.values():
            handle.close()
        with (self._dir / NAME).open("w", encoding="utf-8") as out:
            head = json.dumps(self.header, indent=2, ensure_ascii=False)
            out.write(head[:-2] + ",\n")
            cohort_rules = {
                "cohort_bucks_2019": "aged 5 and under at a CP plan's start; plan lasting more than 1 and less "
                "than 2 years (open plans to as_of); main concern domestic abuse",
                "cohort_south_glos_2025": "children with 2 or more CP plans (repeat plans, up to 5)",
            }
            for n, section in enumerate(SECTIONS):
                out.write(f'  "{section}": [')
                with self._part(section).open(encoding="utf-8") as part:
                    for i, line in enumerate(part):
                        out.write(("\n    " if i == 0 else ",\n    ") + line.rstrip("\n"))
                out.write("\n  ]" if self._counts[section] else "]")
                if section in cohort_rules:
                    out.write(f',\n  "{section}_rule": {json.dumps(cohort_rules[section])}')
                out.write(",\n" if n < len(SECTIONS) - 1 else "\n}\n")
                self._part(section).unlink()
        return {NAME: self._counts["children"]}
