"""Calendar arithmetic the stories need: months, ages, school years and school mornings."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def age_on(dob: dt.date, day: dt.date) -> int:
    """Age in completed years."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def birthday(dob: dt.date, years: int) -> dt.date:
    """The ``years``-th birthday (29 February becomes 28 February)."""
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return dob.replace(year=dob.year + years, day=28)


def reception_start(dob: dt.date) -> dt.date:
    """First day of reception: the September after the fourth birthday (school year Sep-Aug)."""
    return dt.date(dob.year + (5 if dob.month >= 9 else 4), 9, 4)


def school_leaving(dob: dt.date) -> dt.date:
    """End of Year 11."""
    return dt.date(reception_start(dob).year + 12, 7, 20)


def school_mornings_after(moment: dt.datetime) -> dt.date:
    """The school morning after an incident: before 06:00 it is the same day; weekends skipped."""
    day = moment.date() if moment.hour < 6 else moment.date() + DAY
    while day.weekday() >= 5:
        day += DAY
    return day


def weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += DAY
    return day


@dataclass(frozen=True, slots=True)
class Window:
    """The period the authority's data covers; ``end`` is also the audit's reference date."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
