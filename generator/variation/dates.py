"""Dates written in the other forms the import spec accepts, one form per file and column kind.

Only full dates are rewritten (partial ``MM/YYYY`` dates keep their form, a leading ``?`` stays).
Two-digit years (``DD/MM/YY``) are used only for event dates in this century: a date of birth in
1975 written ``75`` would ask the importer to guess a century, which the spec does not define.
"""

from __future__ import annotations

import datetime as dt
import re

from generator.variation.choice import pick

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
STYLES = ("iso", "uk", "uk-short-year", "dotted", "month-name")
BIRTH_STYLES = ("iso", "uk", "dotted", "month-name")
DATETIME_STYLES = ("iso", "iso-seconds", "uk")  # the police format's two forms (seconds optional)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_UK = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_DATETIME = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})(?: (?P<time>\d{2}:\d{2}))?")


def read(text: str) -> dt.date | None:
    """A full date the generator wrote (ISO or DD/MM/YYYY), else None."""
    if match := _ISO.fullmatch(text):
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _UK.fullmatch(text):
        return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return None


def write(day: dt.date, style: str) -> str:
    if style == "iso":
        return day.isoformat()
    if style == "uk":
        return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    if style == "uk-short-year":
        if 2000 <= day.year < 2070:
            return f"{day.day:02d}/{day.month:02d}/{day.year % 100:02d}"
        return write(day, "uk")
    if style == "dotted":
        return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
    if style == "month-name":
        return f"{day.day:02d}-{MONTHS[day.month - 1]}-{day.year:04d}"
    raise ValueError(f"unknown date style {style!r}")


def restyle(value: str, style: str) -> str:
    """``value`` in ``style`` when it is a full date (keeping a leading ``?``), else unchanged."""
    mark = "?" if value.startswith("?") else ""
    day = read(value[len(mark) :])
    return value if day is None else mark + write(day, style)


def restyle_datetime(value: str, style: str) -> str:
    """A police ``occurred_at`` (``YYYY-MM-DD[ HH:MM]``) in one of the two forms the format allows."""
    mark = "?" if value.startswith("?") else ""
    match = _DATETIME.fullmatch(value[len(mark) :])
    if match is None:
        return value
    day = dt.date.fromisoformat(match.group("date"))
    clock = match.group("time")
    if style == "uk":
        text = write(day, "uk") + (f" {clock}" if clock else "")
    else:
        text = day.isoformat() + (f" {clock}" + (":00" if style == "iso-seconds" else "") if clock else "")
    return mark + text


def style_for(seed: int, where: str, kind: str) -> str:
    """The form the file ``where`` writes one kind of date in (event, birth or datetime)."""
    options = {"event": STYLES, "birth": BIRTH_STYLES, "datetime": DATETIME_STYLES}[kind]
    return pick(options, seed, "date style", where, kind)
