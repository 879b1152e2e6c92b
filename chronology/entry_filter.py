"""Which of a child's chronology entries a view shows: by agency, risk theme, significance, person and dates.

One filter for every view of a chronology (the API, the timeline, the table and its CSV), read from
URL query arguments so a filtered view can be shared as a link. A partial date ("March 2021") is
shown when any day it could be falls in the range; an undated entry only when no range is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chronology.analysis.facts import top_agency
from chronology.record import Entry


class FilterError(ValueError):
    """A filter argument that cannot be read (e.g. a date not written YYYY-MM-DD)."""


@dataclass(frozen=True, slots=True)
class EntryFilter:
    agencies: frozenset[str] = frozenset()  # an agency as recorded, or its top-level agency ("Education")
    themes: frozenset[str] = frozenset()  # any of these risk themes
    significant: bool | None = None
    person: str | None = None  # a person id, or part of a name
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> EntryFilter:
        """From query arguments: ``agency`` and ``theme`` repeatable, ``significant`` yes/no,
        ``person``, ``from`` and ``to`` as YYYY-MM-DD."""
        significant = (args.get("significant") or "").strip().lower()
        if significant not in ("", "yes", "no", "true", "false", "1", "0"):
            raise FilterError("significant must be yes or no")
        result = cls(
            agencies=frozenset(a.strip() for a in lists.get("agency", ()) if a.strip()),
            themes=frozenset(t.strip() for t in lists.get("theme", ()) if t.strip()),
            significant=None if not significant else significant in ("yes", "true", "1"),
            person=(args.get("person") or "").strip() or None,
            date_from=_date("from", args.get("from")),
            date_to=_date("to", args.get("to")),
        )
        if result.date_from and result.date_to and result.date_from > result.date_to:
            raise FilterError("from must not be after to")
        return result

    def as_args(self) -> dict[str, list[str] | str]:
        """The filter as query arguments again (for links to the next page or the same view)."""
        args: dict[str, list[str] | str] = {}
        if self.agencies:
            args["agency"] = sorted(self.agencies)
        if self.themes:
            args["theme"] = sorted(self.themes)
        if self.significant is not None:
            args["significant"] = "yes" if self.significant else "no"
        if self.person:
            args["person"] = self.person
        if self.date_from:
            args["from"] = self.date_from.isoformat()
        if self.date_to:
            args["to"] = self.date_to.isoformat()
        return args

    def keeps(self, entry: Entry) -> bool:
        if (
            self.agencies
            and entry.agency not in self.agencies
            and top_agency(entry.agency) not in self.agencies
        ):
            return False
        if self.themes and not self.themes & set(entry.themes):
            return False
        if self.significant is not None and bool(entry.significant) != self.significant:
            return False
        if self.person and not any(_names(self.person, m.person_id, m.name) for m in entry.persons):
            return False
        if self.date_from or self.date_to:
            if entry.date is None:
                return False
            if self.date_from and entry.date.latest() < self.date_from:
                return False
            if self.date_to and entry.date.earliest() > self.date_to:
                return False
        return True

    def apply(self, entries: Iterable[Entry]) -> list[Entry]:
        return [entry for entry in entries if self.keeps(entry)]


def _names(wanted: str, person_id: int | None, name: str | None) -> bool:
    if wanted.isdigit():
        return person_id is not None and str(person_id) == wanted
    return bool(name) and wanted.casefold() in (name or "").casefold()


def _date(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise FilterError(f"{name} must be a date written YYYY-MM-DD, not {value!r}") from None
