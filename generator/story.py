"""Writing one child's events: record IDs, the identifiers each agency holds, and same-day order.

Every scenario and the routine background go through ``Story.add``, so the rules about which
agency records which identifier (and how often one is mistyped) live in one place.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from generator.model import ChildRecord, Mention, Mistyped, Relation, WorldEvent
from generator.registry import Registry
from generator.timeline import Window, birthday, reception_start, school_leaving
from generator.typos import mistype_nhs_number, mistype_upn

POLICE = "Police"
HEALTH = "Health"
EDUCATION = "Education"
SOCIAL_CARE = "Children's Social Care"
PROBATION = "Probation"
HOUSING = "Housing"
SUBSTANCE = "Substance misuse service"

MISTYPE_RATE = 0.02  # share of NHS numbers and UPNs keyed wrongly
SOCIAL_CARE_UPN_RATE = 0.6  # social care holds the UPN on many rows (the CIN census returns it)
POLICE_NHS_RATE = 0.3  # police hold the NHS number only sometimes
SOCIAL_CARE_NHS_RATE = 0.7
OTHER_NHS_RATE = 0.15
MIN_DAYS_BETWEEN_INCIDENTS = 7  # separate incidents never fall close enough to look like one


@dataclass(slots=True)
class Staff:
    """The practitioners around one family (named on conference and core group records)."""

    social_worker: str
    health_visitor: str
    school_nurse: str
    police_officer: str
    dsl: str
    probation_officer: str
    surgery: str
    primary: str
    secondary: str


@dataclass(slots=True)
class Context:
    rng: random.Random
    registry: Registry
    window: Window
    staff: Staff


class ScenarioError(RuntimeError):
    """A scenario placed an event where its story cannot happen (a generator bug, not bad luck)."""


class Story:
    """Collects one child's world events."""

    def __init__(self, ctx: Context, record: ChildRecord) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.record = record
        self.staff = ctx.staff
        self._incidents: list[dt.date] = []
        self._adult = birthday(record.child.dob, 18)

    # --- who and when -------------------------------------------------------------------------

    @property
    def dob(self) -> dt.date:
        return self.record.child.dob

    def in_scope(self, day: dt.date) -> bool:
        """True when the day is in the data's window and the child is born and not yet 18."""
        return day in self.ctx.window and self.dob <= day < self._adult

    def at_school(self, day: dt.date) -> bool:
        return self.record.upn is not None and reception_start(self.dob) <= day <= school_leaving(self.dob)

    def school_name(self, day: dt.date) -> str:
        secondary = day >= dt.date(reception_start(self.dob).year + 7, 9, 1)
        return self.staff.secondary if secondary else self.staff.primary

    def rel(self, role: str) -> Relation | None:
        return self.record.relation(role)

    def mention(self, rel: Relation | None, *parts: str) -> Mention | None:
        if rel is None:
            return None
        return Mention(rel.person.name, (rel.role, *parts), rel.person.person_id)

    def family(self, *roles: str) -> list[Mention]:
        """Mentions of the relations with these roles, in the order asked."""
        found = []
        for role in roles:
            for rel in self.record.relations:
                if rel.role == role:
                    found.append(Mention(rel.person.name, (rel.role,), rel.person.person_id))
        return found

    @staticmethod
    def pro(name: str, role: str) -> Mention:
        return Mention(name, (role,))

    def note_incident(self, day: dt.date) -> None:
        """Keep separate incidents a week apart, so no two of them read as one incident."""
        for other in self._incidents:
            if abs((other - day).days) < MIN_DAYS_BETWEEN_INCIDENTS:
                raise ScenarioError(f"incidents on {other} and {day} are too close to tell apart")
        self._incidents.append(day)

    def incident_free(self, day: dt.date) -> bool:
        return all(abs((other - day).days) >= MIN_DAYS_BETWEEN_INCIDENTS for other in self._incidents)

    # --- recording ----------------------------------------------------------------------------

    def add(
        self,
        agency: str,
        day: dt.date,
        labels: tuple[str, ...],
        text: str,
        *,
        source: str,
        time: dt.time | None = None,
        end_day: dt.date | None = None,
        end_time: dt.time | None = None,
        persons: list[Mention | None] | tuple[Mention | None, ...] = (),
        impact: str = "",
        action: str = "",
        analysis: str = "",
        voice: str | None = None,
        reference: str | None = None,
        record_id: str | None = None,
        precision: str = "day",
        uncertain: bool = False,
    ) -> WorldEvent:
        """Record an event; raises ScenarioError for a day the child's story cannot contain."""
        if not self.in_scope(day):
            raise ScenarioError(f"{agency} event {labels[0]!r} on {day} is outside the child's story")
        record_id = record_id or self.ctx.registry.record_id(agency)
        event = WorldEvent(
            agency=agency,
            record_id=record_id,
            day=day,
            labels=labels,
            text=text,
            source=source,
            time=time,
            end_day=end_day,
            end_time=end_time,
            persons=tuple(p for p in persons if p is not None),
            impact=impact,
            action=action,
            analysis=analysis,
            voice=voice,
            reference=reference,
            precision=precision,
            uncertain=uncertain,
            ids=self._recorded_ids(agency, record_id),
        )
        self.record.events.append(event)
        return event

    def maybe_add(self, agency: str, day: dt.date, labels: tuple[str, ...], text: str, **kw: object) -> None:
        """Record a routine event only if the day is in the child's story (background noise)."""
        if self.in_scope(day):
            self.add(agency, day, labels, text, **kw)  # type: ignore[arg-type]

    def _recorded_ids(self, agency: str, record_id: str) -> dict[str, str]:
        rec = self.record
        nhs = rec.child.nhs_number
        roll = self.rng.random
        ids: dict[str, str] = {}
        if agency == SOCIAL_CARE:
            ids["child_id"] = rec.la_child_id
        if nhs and (
            agency == HEALTH
            or (agency == POLICE and roll() < POLICE_NHS_RATE)
            or (agency == SOCIAL_CARE and roll() < SOCIAL_CARE_NHS_RATE)
            or (agency not in (POLICE, SOCIAL_CARE, EDUCATION) and roll() < OTHER_NHS_RATE)
        ):
            ids["nhs_number"] = nhs
            if roll() < MISTYPE_RATE:
                ids["nhs_number"] = mistype_nhs_number(nhs, self.rng)
                rec.mistyped.append(Mistyped(agency, record_id, "nhs_number", ids["nhs_number"], nhs))
        if rec.upn and (agency == EDUCATION or (agency == SOCIAL_CARE and roll() < SOCIAL_CARE_UPN_RATE)):
            ids["upn"] = rec.upn
            if roll() < MISTYPE_RATE:
                ids["upn"] = mistype_upn(rec.upn, self.rng)
                rec.mistyped.append(Mistyped(agency, record_id, "upn", ids["upn"], rec.upn))
        return ids

    def finish(self) -> None:
        """Sort the child's events and number those an agency recorded on the same day (``seq``)."""
        events = self.record.events
        order = {id(event): n for n, event in enumerate(events)}
        events.sort(key=lambda e: (e.day, e.time or dt.time(0), order[id(e)]))
        counts: dict[tuple[str, dt.date], int] = {}
        for event in events:
            key = (event.agency, event.day)
            counts[key] = counts.get(key, 0) + 1
        seen: dict[tuple[str, dt.date], int] = {}
        for event in events:
            key = (event.agency, event.day)
            if counts[key] > 1:
                seen[key] = seen.get(key, 0) + 1
                event.seq = seen[key]
