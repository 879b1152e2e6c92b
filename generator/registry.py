"""Identifiers that must be unique across the whole authority: NHS numbers, UPNs, LA child IDs,
person IDs, record IDs and children's name + date of birth.

Random synthetic NHS numbers collide (a few hundred times in 100,000 people), and two children
with the same number would be one child to every importer, so every number is checked against
those already issued. The sets hold short strings only, never events, so memory stays small.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from chronology.identifiers import make_nhs_number, make_upn

# Record ID prefixes per agency: unique within an agency's file, recognisable to a reader.
RECORD_PREFIX = {
    "Police": "PRF-",  # police records that are not occurrences (MARAC referrals)
    "Health": "HLT-",
    "Education": "EDU-",
    "Children's Social Care": "CSC-",
    "Probation": "PRB-",
    "Housing": "HSG-",
    "Substance misuse service": "SMS-",
}


class Registry:
    """Issues unique identifiers in a fixed order, so a seed always gives the same ones."""

    def __init__(self) -> None:
        self._nhs: set[str] = set()
        self._upn: set[str] = set()
        self._child_keys: set[tuple[str, dt.date]] = set()
        self._counters: defaultdict[str, int] = defaultdict(int)

    def nhs_number(self, rng: random.Random) -> str:
        while (number := make_nhs_number(rng)) in self._nhs:
            pass
        self._nhs.add(number)
        return number

    def upn(self, rng: random.Random, year: int) -> str:
        while (upn := make_upn(rng, la_code="999", year=year % 100)) in self._upn:
            pass
        self._upn.add(upn)
        return upn

    def claim_child_name(self, name: str, dob: dt.date) -> bool:
        """Reserve a child's name + date of birth; False when another child already has both."""
        key = (name, dob)
        if key in self._child_keys:
            return False
        self._child_keys.add(key)
        return True

    def _next(self, counter: str) -> int:
        self._counters[counter] += 1
        return self._counters[counter]

    def la_child_id(self) -> str:
        return f"LA{self._next('child'):07d}"

    def person_id(self) -> str:
        return f"P{self._next('person'):07d}"

    def record_id(self, agency: str) -> str:
        return f"{RECORD_PREFIX.get(agency, 'REC-')}{self._next(agency):07d}"

    def police_reference(self, day: dt.date) -> str:
        """A police occurrence reference, e.g. ``OR-19-004512`` (two-digit year, serial)."""
        return f"OR-{day:%y}-{self._next('occurrence'):06d}"
