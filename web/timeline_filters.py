"""The timeline's filters: read from the URL (so a view can be shared) and applied to the chronology.

One ``TimelineFilter`` decides which events the timeline, the table and the CSV export show, so the
three always agree. Significance is the practitioners' latest judgement where one was made (their
annotations), else what the agency recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from chronology.analysis.facts import top_agency
from chronology.annotations import Note, judged_significance
from chronology.record import Entry, EntryQuery, FamilyMember
from web.query_params import reject_unknown

DATE_FIELDS = {"from": "Date from", "to": "Date to"}
PARTS = ("day", "month", "year")
# What a chronology address may hold: each date as ``from=2020-01-31`` (the links the service makes) or as
# the GOV.UK date pattern's three fields (``from-day=31&from-month=1&from-year=2020``, what the form sends).
PARAMS = ("agency", "theme", "significance", "person", *DATE_FIELDS, *(f"{d}-{p}" for d in DATE_FIELDS for p in PARTS))
SIGNIFICANCE_CHOICES = {"": "Any", "significant": "Significant only", "not_significant": "Not significant"}


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    agencies: tuple[str, ...] = ()  # top agencies (Police, Health, Education, ...)
    themes: tuple[str, ...] = ()
    significance: str = ""
    person: str = ""  # a family member's key (``person_key``)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    errors: tuple[str, ...] = field(default=(), compare=False)
    date_errors: Mapping[str, str] = field(default_factory=dict, compare=False)  # "from" -> its message
    entered: Mapping[str, tuple[str, str, str]] = field(default_factory=dict, compare=False)  # as typed

    @classmethod
    def from_args(cls, args: MultiDict[str, str], also: tuple[str, ...] = ()) -> TimelineFilter:
        """The filters in the address; a parameter outside ``PARAMS`` (and ``also``) is refused (400)."""
        reject_unknown(args, (*PARAMS, *also))
        errors: list[str] = []
        date_errors: dict[str, str] = {}
        days = {name: read_date(args, name, date_errors) for name in DATE_FIELDS}
        significance = args.get("significance", "")
        if significance not in SIGNIFICANCE_CHOICES:
            errors.append("Significance must be one of the choices")
            significance = ""
        return cls(
            agencies=_distinct(args.getlist("agency")),
            themes=_distinct(args.getlist("theme")),
            significance=significance,
            person=args.get("person", "").strip(),
            date_from=days["from"],
            date_to=days["to"],
            errors=(*errors, *date_errors.values()),
            date_errors=date_errors,
            entered={name: entered_parts(args, name, days[name]) for name in DATE_FIELDS},
        )

    def query(self) -> dict[str, list[str] | str]:
        """The filters as URL query arguments (for links that keep the view: table, CSV, timeline)."""
        values: dict[str, list[str] | str] = {}
        if self.agencies:
            values["agency"] = list(self.agencies)
        if self.themes:
            values["theme"] = list(self.themes)
        for key, value in (("significance", self.significance), ("person", self.person)):
            if value:
                values[key] = value
        if self.date_from:
            values["from"] = self.date_from.isoformat()
        if self.date_to:
            values["to"] = self.date_to.isoformat()
        return values

    @property
    def active(self) -> bool:
        return bool(self.query())

    def describe(self) -> str:
        """The filters in words, for the access log and the printed table."""
        parts = []
        if self.agencies:
            parts.append("agency " + ", ".join(self.agencies))
        if self.themes:
            parts.append("theme " + ", ".join(self.themes))
        if self.significance:
            parts.append(SIGNIFICANCE_CHOICES[self.significance].lower())
        if self.person:
            parts.append(f"person {self.person}")
        if self.date_from or self.date_to:
            parts.append(f"dates {self.date_from or '…'} to {self.date_to or '…'}")
        return "; ".join(parts) or "no filters"

    @property
    def exact_in_sql(self) -> bool:
        """Whether SQL alone applies these filters (themes, significance and people need Python)."""
        return not (self.themes or self.significance or self.person)

    def entry_query(self, stored_agencies: Sequence[str]) -> EntryQuery:
        """The part of the filter SQL applies exactly: agencies (as stored names) and dates."""
        agencies = None
        if self.agencies:
            agencies = tuple(a for a in stored_agencies if top_agency(a) in self.agencies)
        return EntryQuery(agencies=agencies, date_from=self.date_from, date_to=self.date_to)

    def select(
        self, entries: Sequence[Entry], notes: Mapping[int, Sequence[Note]], family: Sequence[FamilyMember]
    ) -> list[Entry]:
        person = _member(self.person, family)
        return [entry for entry in entries if self._keeps(entry, notes.get(entry.id, ()), person)]

    def _keeps(self, entry: Entry, notes: Sequence[Note], person: FamilyMember | None) -> bool:
        if self.agencies and top_agency(entry.agency) not in self.agencies:
            return False
        if self.themes and not set(self.themes) & set(entry.themes):
            return False
        if self.significance and (self.significance == "significant") != is_significant(entry, notes):
            return False
        if self.person and (person is None or not mentions(entry, person)):
            return False
        if self.date_from or self.date_to:
            if entry.date is None:
                return False
            if self.date_from and entry.date.latest() < self.date_from:
                return False
            if self.date_to and entry.date.earliest() > self.date_to:
                return False
        return True


def is_significant(entry: Entry, notes: Sequence[Note]) -> bool:
    judged = judged_significance(notes)
    return entry.significant if judged is None else judged


def person_key(member: FamilyMember) -> str:
    """A stable key for a family member in a URL: their lowest person id."""
    return str(min(member.person_ids))


def _member(key: str, family: Sequence[FamilyMember]) -> FamilyMember | None:
    return next((m for m in family if person_key(m) == key), None)


def mentions(entry: Entry, member: FamilyMember) -> bool:
    """Whether the event names this person: by their person record, or by the name the family knows."""
    name = member.name.casefold()
    for mention in entry.persons:
        if mention.person_id is not None and mention.person_id in member.person_ids:
            return True
        if mention.name and mention.name.casefold() == name:
            return True
        if mention.person_id is None and mention.display.casefold().startswith(f"{name} ("):
            return True
    return False


def _distinct(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


def read_date(args: MultiDict[str, str], name: str, errors: dict[str, str], label: str | None = None) -> dt.date | None:
    """One date, from its three GOV.UK fields or its ``name=YYYY-MM-DD`` form; messages as GOV.UK words them."""
    label = label or DATE_FIELDS[name]
    parts = [args.get(f"{name}-{part}", "").strip() for part in PARTS]
    whole = args.get(name, "").strip()
    from_parts: dt.date | None = None
    if any(parts):
        missing = [part for part, value in zip(PARTS, parts, strict=True) if not value]
        if missing:
            errors[name] = f"{label} must include a {' and '.join(missing)}"
            return None
        if not all(value.isdigit() for value in parts) or len(parts[2]) != 4:
            errors[name] = f"{label} must be a real date"
            return None
        try:
            from_parts = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            errors[name] = f"{label} must be a real date"
            return None
    if not whole:
        return from_parts
    try:
        day = dt.date.fromisoformat(whole)
    except ValueError:
        errors[name] = f"{label} must be a real date"
        return None
    if from_parts is not None and from_parts != day:
        errors[name] = f"{label} is given twice, as {day.isoformat()} and {from_parts.isoformat()}: give it once"
        return None
    return day


def entered_parts(args: MultiDict[str, str], name: str, day: dt.date | None) -> tuple[str, str, str]:
    """What the date's three fields show: the date read, else what was typed (to correct it)."""
    if day is not None:
        return str(day.day), str(day.month), str(day.year)
    day_, month, year = (args.get(f"{name}-{part}", "").strip()[:8] for part in PARTS)
    return day_, month, year
