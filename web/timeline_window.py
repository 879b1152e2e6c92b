"""The part of the timeline the browser is looking at: the events in a window of time, or counts.

A child with thousands of events cannot be drawn (or sent) item by item at a ten-year view, and
nobody reads 5,000 boxes anyway. So a window holding more than ``ITEM_LIMIT`` events is sent as
counts per lane per period (year, month, week or day, whichever gives a readable number of
periods); the browser asks again as the user zooms, and any window of ``ITEM_LIMIT`` events or
fewer (any month, for the 5,000-event child) comes back item by item: every event stays reachable.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from chronology.record import Placement

ITEM_LIMIT = 2_000
# (longest window in days, period): the first that fits picks the counts' period
PERIODS = ((21, "day"), (180, "week"), (365 * 6, "month"))


@dataclass(frozen=True, slots=True)
class Window:
    """A span of days, both ends included; ``None`` for an end means "as far as the events go"."""

    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> Window:
        """``start`` and ``end`` as ISO dates (a datetime's time is ignored); bad values are no bound."""
        return cls(_day(args.get("start", "")), _day(args.get("end", "")))

    @property
    def asked(self) -> bool:
        return self.start is not None or self.end is not None

    def holds(self, placed: Placement) -> bool:
        """Whether the dated event (a point, or a range from its first to its last day) touches the window."""
        return (self.start is None or placed.last >= self.start) and (self.end is None or placed.first <= self.end)  # type: ignore[operator]

    def describe(self) -> str:
        return f"window {self.start or '…'} to {self.end or '…'}"


def extent(placed: Sequence[Placement]) -> tuple[dt.date, dt.date] | None:
    """The first and last day of these dated events, for the timeline's initial view."""
    if not placed:
        return None
    return min(p.first for p in placed), max(p.last for p in placed)  # type: ignore[type-var]


def period_for(first: dt.date, last: dt.date) -> str:
    days = (last - first).days + 1
    return next((period for longest, period in PERIODS if days <= longest), "year")


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "day":
        return day
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return dt.date(day.year, 1, 1)


def period_end(start: dt.date, period: str) -> dt.date:
    """The first day after the period that begins on ``start``."""
    if period == "day":
        return start + dt.timedelta(days=1)
    if period == "week":
        return start + dt.timedelta(days=7)
    if period == "month":
        return dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return dt.date(start.year + 1, 1, 1)


def counts(placed: Sequence[Placement], period: str) -> list[dict[str, object]]:
    """How many events each lane (service) has in each period, by the day each event starts."""
    tally = Counter((p.agency, period_start(p.first, period)) for p in placed)  # type: ignore[arg-type]
    return [
        {
            "id": f"count:{agency}:{start.isoformat()}",
            "group": f"service:{agency}",
            "start": start.isoformat(),
            "end": period_end(start, period).isoformat(),
            "count": count,
        }
        for (agency, start), count in sorted(tally.items())
    ]


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
