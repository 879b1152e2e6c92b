"""The "data held" period of one file, checked against the dates of the events it holds.

A file declares a period (a census year, a collection year, the span of a log), or the person importing
it gives one with ``--covers``. The chronology then says that silence outside that period means no data,
so the period must be true: events outside it, a period running into the future, or a period with none
of the file's events in it are warned about, naming the file and the dates, and the period recorded is
the declared one cut to what the file holds (declared ∩ observed, never past today; a period the file
states outright, such as a census year, is kept whole once the file is seen to hold events in it), or
the person's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

SHOWN_DATES = 3  # dates quoted in a warning before "..."


@dataclass(frozen=True, slots=True)
class Declared:
    """The period a file says it covers, and how that is known."""

    start: dt.date
    end: dt.date
    basis: str
    # records still open in the period may have started before it (a CIN census lists open cases with
    # their referral dates, a 903 return its open episodes): events before the start are not a contradiction
    open_before: bool = False
    # the file states the period (a census year): recorded whole, not cut to the events in it, since a
    # return holding one referral still says nothing else happened that year
    stated: bool = False
    given_by_user: bool = False


@dataclass(slots=True)
class Checked:
    """The period to record (None: none can truly be said) and the warnings to give."""

    period: tuple[dt.date, dt.date] | None
    warnings: list[str] = field(default_factory=list)


def _dates(days: list[dt.date]) -> str:
    shown = ", ".join(day.isoformat() for day in days[:SHOWN_DATES])
    return shown + (f" ... {days[-1].isoformat()}" if len(days) > SHOWN_DATES else "")


def _span(start: dt.date, end: dt.date) -> str:
    return f"{start.isoformat()} to {end.isoformat()}"


def _count(days: Counter[dt.date], keep) -> tuple[int, list[dt.date]]:  # type: ignore[no-untyped-def]
    chosen = sorted(day for day in days if keep(day))
    return sum(days[day] for day in chosen), chosen


def check_coverage(file_name: str, declared: Declared, days: Counter[dt.date], today: dt.date) -> Checked:
    """``days``: how many of the file's dated events fall on each day (those of the declared agency)."""
    start, end = declared.start, declared.end
    said = "the period given with --covers" if declared.given_by_user else "the period the file declares"
    said = f"{said} ({_span(start, end)}; {declared.basis})"
    warnings: list[str] = []
    if start > today:
        warnings.append(
            f"{file_name}: {said} lies wholly in the future (today is {today.isoformat()}): no data can be "
            "held for days still to come"
            + ("" if declared.given_by_user else "; no data-held period is recorded for the file")
        )
        return Checked((start, end) if declared.given_by_user else None, warnings)
    if end > today:
        warnings.append(
            f"{file_name}: {said} runs past today ({today.isoformat()}): no data can be held for days still "
            f"to come, so it is recorded as ending today"
        )
        end = today
    future_n, future = _count(days, lambda day: day > today)
    if future_n:
        warnings.append(
            f"{file_name}: {future_n} event(s) dated after today ({today.isoformat()}): {_dates(future)}; "
            "they are kept, but do not stretch the period the file's data is held for"
        )
    held = Counter({day: n for day, n in days.items() if day <= today})
    inside_n, inside = _count(held, lambda day: start <= day <= end)
    after_n, after = _count(held, lambda day: day > end)
    before_n, before = _count(held, lambda day: day < start)
    spread = _span(min(held), max(held)) if held else ""
    if held and not inside_n:
        warnings.append(
            f"{file_name}: none of its {sum(held.values())} dated event(s) falls in {said}: they run from {spread}"
            + (
                ""
                if declared.given_by_user
                else "; no data-held period is recorded, since the file holds nothing for the period it declares"
            )
        )
        return Checked((start, end) if declared.given_by_user else None, warnings)
    if after_n:
        warnings.append(
            f"{file_name}: {after_n} event(s) dated after {said}: {_dates(after)}; the period is shorter "
            f"than the spread of the file's events ({spread})"
        )
    if before_n and not declared.open_before:
        warnings.append(
            f"{file_name}: {before_n} event(s) dated before {said}: {_dates(before)}; the period is shorter "
            f"than the spread of the file's events ({spread})"
        )
    if declared.given_by_user or declared.stated or not inside_n:
        return Checked((start, end), warnings)
    # an open record that began before the period is data held at its start
    first = start if declared.open_before and before_n else max(start, inside[0])
    return Checked((first, min(end, inside[-1])), warnings)
