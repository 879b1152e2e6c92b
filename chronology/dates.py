"""Reading the dates and times that agencies write, without guessing.

Chronologies are built from spreadsheets and exports typed by many people, so one field can hold
``2016-05-22``, ``22/05/2016``, ``22-May-16``, ``05/2016`` or ``?2016``. This module turns all
accepted forms into a :class:`~chronology.events.PartialDate` that keeps exactly what the source
said: its precision (day, month or year) and a leading ``?`` that marks it uncertain. It never
invents a day, never reads a date month first (``05/06/2021`` is always 5 June 2021) and raises
:class:`DateParseError` with a sentence a data officer can act on for anything it cannot read, so
a bad date is reported instead of silently dropped or "corrected".

Accepted date forms (month names in any case, full or abbreviated, ``Sept`` too):

=====================  =========================================  =========
form                   examples                                   precision
=====================  =========================================  =========
ISO                    ``2016-05-22`` (also ``2016/05/22``)       day
day first, numeric     ``22/05/2016``, ``2/5/2016``, ``22/05/16``  day
                       ``22.05.2016``, ``22-05-2016``
day, month name, year  ``22 May 2016``, ``22-May-2016``,          day
                       ``22-May-16``, ``22nd September 2016``
month name, year       ``May 2016``, ``September 2016``           month
numeric month, year    ``05/2016``, ``2016-05``                   month
year                   ``2016``                                   year
=====================  =========================================  =========

Two-digit years (``22/05/16``) are read as 20YY unless 20YY is after the current year (or the
``today`` given), in which case they are 19YY: in 2026 ``16`` means 2016 and ``27`` means 1927. A
month and two-digit year (``May 16``) is refused because it reads equally well as 16 May.

Dates before 1850, or more than a year after today, are refused: nobody in a child's
chronology was born before then, and a chronology records what has happened, so a date far in
the future is a typing error rather than a plan.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import time
from collections.abc import Callable
from functools import lru_cache
from zoneinfo import ZoneInfo

from chronology.events import PartialDate

__all__ = [
    "EARLIEST_YEAR",
    "LONDON",
    "DateParseError",
    "from_excel",
    "london_to_utc",
    "parse_date",
    "parse_datetime",
    "parse_optional_date",
    "parse_time",
]

LONDON = ZoneInfo("Europe/London")
EARLIEST_YEAR = 1850
# Serial 0 in Excel's 1900 date system, as openpyxl and other readers render it.
_EXCEL_ZERO_DAYS = frozenset({dt.date(1899, 12, 30), dt.date(1899, 12, 31)})
_QUOTE_LIMIT = 60  # longer text is shortened in messages so a stray paragraph stays readable

_EXAMPLES = "such as 22/05/2016, 2016-05-22, 22 May 2016, May 2016, 05/2016 or 2016"

# English names pinned here rather than taken from ``calendar``, which follows the process locale.
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(_MONTH_NAMES, start=1):
    _MONTHS[_name.lower()] = _number
    _MONTHS[_name[:3].lower()] = _number
_MONTHS["sept"] = 9

_FLAGS = re.ASCII | re.IGNORECASE
_ISO = re.compile(r"(?P<y>[0-9]{4})(?P<sep>[-/])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})", _FLAGS)
_DAY_FIRST = re.compile(
    r"(?P<d>[0-9]{1,2})(?P<sep>[/.-])(?P<m>[0-9]{1,2})(?P=sep)(?P<y>[0-9]{4}|[0-9]{2})", _FLAGS
)
_DAY_MONTH_NAME = re.compile(
    r"(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?(?: ?- ?| )(?P<name>[a-z]+)\.?,?(?: ?- ?| )(?P<y>[0-9]{4}|[0-9]{2})",
    _FLAGS,
)
_MONTH_NAME_YEAR = re.compile(r"(?P<name>[a-z]+)\.?,?(?: ?- ?| )(?P<y>[0-9]{4})", _FLAGS)
_MONTH_NAME_SHORT_YEAR = re.compile(r"(?P<name>[a-z]+)\.?,?(?: ?- ?| )(?P<y>[0-9]{2})", _FLAGS)
_MONTH_YEAR = re.compile(r"(?P<m>[0-9]{1,2})[/.-](?P<y>[0-9]{4})", _FLAGS)
_YEAR_MONTH = re.compile(r"(?P<y>[0-9]{4})[-/](?P<m>[0-9]{1,2})", _FLAGS)
_YEAR = re.compile(r"(?P<y>[0-9]{4})", _FLAGS)

_TIME = re.compile(r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?", _FLAGS)
_TIME_COMPACT = re.compile(r"(?P<h>[0-9]{2})(?P<m>[0-9]{2})", _FLAGS)
# A date followed by a clock time. Only colon times are split off: a bare four-digit "time"
# would swallow the year of "22 May 2016".
_DATE_THEN_TIME = re.compile(
    r"(?P<date>.+?)(?:,? |T)(?P<time>[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)", _FLAGS
)


class DateParseError(ValueError):
    """A date or time that cannot be read, explained in a sentence that quotes what was written.

    Raised as ``DateParseError(text, reason)`` where ``reason`` continues the sentence
    (``"is not a real date: April has 30 days"``), or ``DateParseError(message)`` with a whole
    sentence. ``text`` keeps the full original so a rejected-row report can show it.
    """

    def __init__(self, text: str, reason: str | None = None) -> None:
        super().__init__(text, reason)
        self.text = text
        self.reason = reason

    def __str__(self) -> str:
        if self.reason is None:
            return self.text
        return f"{_quote(self.text)} {self.reason}"


def _quote(text: str) -> str:
    """The text in quotes for a message, shortened when it is too long to read at a glance."""
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return f"'{text}'"


class _Today:
    """``dt.date.today()`` without asking the system calendar for every date a file holds: the date
    is kept while the clock is within that local day (exact wherever midnight happens once a day,
    as it does in the UK), and read again once the clock leaves it either way."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._date = dt.date.min
        self._since = self._until = 0.0  # timestamps of the local midnights around ``_date``

    def __call__(self) -> dt.date:
        now = self._clock()
        if not self._since <= now < self._until:
            self._date = dt.date.fromtimestamp(now)
            self._since = dt.datetime.combine(self._date, dt.time()).timestamp()
            self._until = dt.datetime.combine(self._date + dt.timedelta(days=1), dt.time()).timestamp()
        return self._date


_today = _Today()


def _two_digit_year(yy: int, today: dt.date) -> int:
    """20YY unless that year is still to come, then 19YY (documented in the module docstring)."""
    year = 2000 + yy
    return year if year <= today.year else year - 100


def _latest_allowed(today: dt.date) -> dt.date:
    """One year after today (28 February when today is 29 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _long_date(value: dt.date) -> str:
    return f"{value.day} {_MONTH_NAMES[value.month - 1]} {value.year}"


def _build(
    text: str,
    year: int,
    month: int | None,
    day: int | None,
    uncertain: bool,
    today: dt.date,
    *,
    day_first_numeric: bool = False,
) -> PartialDate:
    """Check each part is real and in range, then make the PartialDate; raise with the reason."""
    if month is not None and not 1 <= month <= 12:
        reason = f"is not a real date: there is no month {month}"
        if day_first_numeric and month > 12 and day is not None and 1 <= day <= 12 and month <= 31:
            reason += (
                "; dates are read day first (DD/MM/YYYY) and a US-style month-first date is "
                "never guessed, so check the source and write it day first"
            )
        raise DateParseError(text, reason)
    if year < EARLIEST_YEAR:
        raise DateParseError(
            text,
            f"is too early: the year {year} is before {EARLIEST_YEAR}, so it cannot belong in a "
            "child's chronology (is the year mistyped?)",
        )
    if day is not None and month is not None:
        if day == 0:
            raise DateParseError(text, "is not a real date: there is no day 0")
        length = calendar.monthrange(year, month)[1]
        if day > length:
            name = _MONTH_NAMES[month - 1]
            if month == 2 and day == 29:
                reason = f"is not a real date: {year} is not a leap year, so February has 28 days"
            else:
                reason = f"is not a real date: {name} has {length} days"
            raise DateParseError(text, reason)
    result = PartialDate(year, month, day, uncertain)
    limit = _latest_allowed(today)
    if result.earliest() > limit:
        raise DateParseError(
            text,
            f"is in the future (after {_long_date(limit)}, a year from today): a chronology "
            "records what has happened, so a future date is a data error (is the year mistyped?)",
        )
    return result


def _month_number(text: str, name: str) -> int:
    number = _MONTHS.get(name.lower())
    if number is None:
        raise DateParseError(text, f"is not a date: '{name}' is not a month name")
    return number


def _split_uncertain(text: str) -> tuple[str, bool]:
    """Remove a leading '?' (and any spaces after it); report whether it was there."""
    if text.startswith("?"):
        return text[1:].lstrip(), True
    return text, False


def parse_date(text: str, *, today: dt.date | None = None) -> PartialDate:
    """Read one date in any accepted form, keeping its precision and a leading '?' as uncertain.

    Raises DateParseError, quoting the text, for blank text, text that is not a date, impossible
    dates (31/04, 29/02 outside a leap year, month 13, day 0) and years out of range.
    ``today`` fixes "now" for two-digit years and the future-date check (tests, re-runs).
    """
    if not isinstance(text, str):
        raise DateParseError(f"{text!r} is not a date: expected text, got {type(text).__name__}")
    # 'today' is part of the key: two-digit years and the future-date grace depend on it
    return _parse_cached(text, today or _today())


@lru_cache(maxsize=8192)
def _parse_cached(text: str, today: dt.date) -> PartialDate:
    """A file repeats its dates thousands of times; the answer (a frozen PartialDate) is shared.
    A text that raises is not cached, so its message is made afresh each time."""
    # Collapse every run of whitespace, including the non-breaking spaces that exports carry.
    original = " ".join(text.split())
    if not original:
        raise DateParseError("No date given: the field is blank")
    body, uncertain = _split_uncertain(original)
    if not body:
        raise DateParseError(original, "has no date after the '?' that marks it uncertain")

    if match := _ISO.fullmatch(body):
        return _build(original, int(match["y"]), int(match["m"]), int(match["d"]), uncertain, today)
    if match := _DAY_FIRST.fullmatch(body):
        year = int(match["y"])
        if len(match["y"]) == 2:
            year = _two_digit_year(year, today)
        day, month = int(match["d"]), int(match["m"])
        return _build(original, year, month, day, uncertain, today, day_first_numeric=True)
    if match := _DAY_MONTH_NAME.fullmatch(body):
        year = int(match["y"])
        if len(match["y"]) == 2:
            year = _two_digit_year(year, today)
        month = _month_number(original, match["name"])
        return _build(original, year, month, int(match["d"]), uncertain, today)
    if match := _MONTH_NAME_YEAR.fullmatch(body):
        month = _month_number(original, match["name"])
        return _build(original, int(match["y"]), month, None, uncertain, today)
    if (match := _MONTH_NAME_SHORT_YEAR.fullmatch(body)) and match["name"].lower() in _MONTHS:
        raise DateParseError(
            original,
            "is ambiguous: a month with a two-digit number could be a day or a year; write the "
            "year in full (e.g. 'May 2016') or give the whole date (e.g. '16 May 2016')",
        )
    if match := _MONTH_YEAR.fullmatch(body):
        return _build(original, int(match["y"]), int(match["m"]), None, uncertain, today)
    if match := _YEAR_MONTH.fullmatch(body):
        return _build(original, int(match["y"]), int(match["m"]), None, uncertain, today)
    if match := _YEAR.fullmatch(body):
        return _build(original, int(match["y"]), None, None, uncertain, today)
    if _DATE_THEN_TIME.fullmatch(body):
        raise DateParseError(original, "has a time after the date, but this field takes a date only")
    raise DateParseError(original, f"is not a date in a form this tool reads ({_EXAMPLES})")


def parse_optional_date(text: str | None, *, today: dt.date | None = None) -> PartialDate | None:
    """Like parse_date, but an absent or blank field means "no date" rather than an error."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return parse_date(text, today=today)


def _time_from_parts(text: str, hour: int, minute: int, second: int = 0, micro: int = 0) -> dt.time:
    if hour > 23:
        raise DateParseError(text, f"is not a real time: there is no hour {hour} (hours run 00 to 23)")
    if minute > 59:
        raise DateParseError(text, f"is not a real time: minutes run 00 to 59, not {minute}")
    if second > 59:
        raise DateParseError(text, f"is not a real time: seconds run 00 to 59, not {second}")
    return dt.time(hour, minute, second, micro)


def parse_time(text: str) -> dt.time:
    """Read a clock time: HH:MM, H:MM, HH:MM:SS (optionally with a fraction) or four digits HHMM."""
    if not isinstance(text, str):
        raise DateParseError(f"{text!r} is not a time: expected text, got {type(text).__name__}")
    return _parse_time_cached(text)


@lru_cache(maxsize=4096)
def _parse_time_cached(text: str) -> dt.time:
    """``parse_time`` once per text: a file repeats its times (the answer is immutable; a text that
    raises is not cached)."""
    body = " ".join(text.split())
    if not body:
        raise DateParseError("No time given: the field is blank")
    if match := _TIME.fullmatch(body):
        fraction = (match["f"] or "").ljust(6, "0")
        return _time_from_parts(body, int(match["h"]), int(match["m"]), int(match["s"] or 0), int(fraction))
    if match := _TIME_COMPACT.fullmatch(body):
        return _time_from_parts(body, int(match["h"]), int(match["m"]))
    raise DateParseError(body, "is not a time: expected a form such as 17:30, 17:30:00 or 1730")


def parse_datetime(text: str, *, today: dt.date | None = None) -> tuple[PartialDate, dt.time | None]:
    """Read a date with an optional clock time after it (police and system exports).

    Accepts any date form parse_date does, followed by a space, comma-space or ISO ``T`` and a
    colon time: ``2021-03-04 17:30``, ``04/03/2021 17:30``, ``2021-03-04T17:30:00``. A date
    alone gives a time of None. Errors quote the whole text.
    """
    if not isinstance(text, str):
        raise DateParseError(f"{text!r} is not a date: expected text, got {type(text).__name__}")
    return _parse_datetime_cached(text, today or _today())


@lru_cache(maxsize=8192)
def _parse_datetime_cached(text: str, today: dt.date) -> tuple[PartialDate, dt.time | None]:
    """``parse_datetime`` once per (text, today), like ``parse_date``: the rows of one police
    occurrence, and the occurrence's events, read the same date and time."""
    body = " ".join(text.split())
    match = _DATE_THEN_TIME.fullmatch(body)
    if match is None:
        return parse_date(body, today=today), None
    try:
        date = parse_date(match["date"], today=today)
        time = parse_time(match["time"])
    except DateParseError as err:
        raise DateParseError(body, err.reason or str(err)) from err
    return date, time


def london_to_utc(day: dt.date, time: dt.time) -> dt.datetime:
    """Turn a UK local date and time into an aware UTC datetime, so events sort across agencies.

    A time in the hour skipped when the clocks go forward never happened, so it is reported. A
    time in the hour repeated when they go back is taken as the first (BST) occurrence: sources
    do not say which was meant and the earlier one keeps the record's order stable.
    """
    if time.tzinfo is not None:  # before the cache: a time zone without an offset compares as naive
        raise ValueError("london_to_utc expects a local (naive) time, not one with a time zone")
    return _london_to_utc(day, time)


@lru_cache(maxsize=8192)
def _london_to_utc(day: dt.date, time: dt.time) -> dt.datetime:
    """``london_to_utc``, once per (day, time): a file's events share days and times. The answer is
    immutable; a time that raises is not cached, so its message is made afresh each time."""
    naive = dt.datetime.combine(day, time)
    local = naive.replace(tzinfo=LONDON, fold=0)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(LONDON).replace(tzinfo=None) != naive:
        raise DateParseError(
            f"{day.isoformat()} {time.isoformat(timespec='minutes')}",
            "does not exist in UK local time: it falls in the hour skipped when the clocks went "
            "forward that night",
        )
    return utc


def from_excel(value: object, *, today: dt.date | None = None) -> PartialDate | None:
    """Read a spreadsheet cell as openpyxl returns it: a date or datetime, text, or empty.

    A date cell is known to the day (any time of day in it is dropped). Text goes through
    parse_date. A whole number is read as text (so 2016 is a year); other numbers are refused
    rather than treated as Excel day serials, which would be a guess. Date cells get the same
    range checks as text; Excel's day zero (30 or 31 December 1899, what a blank or time-only
    date cell holds) is refused.
    """
    if value is None:
        return None
    today = today or _today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        text = value.isoformat()
        if value in _EXCEL_ZERO_DAYS:
            raise DateParseError(
                text,
                "is Excel's day zero, which a spreadsheet shows for an empty or time-only date "
                "cell, not a real date",
            )
        return _build(text, value.year, value.month, value.day, False, today)
    if isinstance(value, str):
        return parse_optional_date(value, today=today)
    if isinstance(value, bool):
        raise DateParseError(f"{value} is not a date: the cell holds TRUE/FALSE")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return parse_date(str(value), today=today)
    raise DateParseError(
        f"{value!r} is not a date: the cell holds a {type(value).__name__}; if it is meant to be "
        "a date, format the column as a date or type the date as text (e.g. 22/05/2016)"
    )
