"""Reading FHIR's data types (dateTime, CodeableConcept, Reference, HumanName...) defensively.

Bundles come from many generators and some bend the rules: a ``coding`` that is an object instead
of a list, a ``subject`` given as a bare string, a number where text belongs. Every accessor here
accepts whatever JSON it is handed and returns an empty value for the wrong shape, so one odd
resource never stops an import: the importer reports what it could not read instead.

Text taken from a bundle is cleaned of the two things a database cannot store (NUL characters and
lone UTF-16 surrogates) and otherwise kept exactly as written; markup and formulas are never
interpreted here (the CSV export escapes formulas).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from chronology.dates import LONDON, DateParseError, parse_date
from chronology.events import PartialDate

SUMMARY_PART_LIMIT = 300  # longer display texts are shortened in summaries (kept whole in attributes)
_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")
_FHIR_DATETIME = re.compile(
    r"(?P<date>[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?)"
    r"(?:[T ](?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:?[0-9]{2})?)?",
    re.ASCII,
)


# --- plain JSON shapes -------------------------------------------------------------------------


def obj(value: Any) -> dict[str, Any]:
    """The value when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """A FHIR list: the list itself, a single object as a one-item list, anything else empty."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def text(value: Any) -> str | None:
    """A JSON string (or number, as some generators write codes) as clean text; None otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        cleaned = clean(value).strip()
        return cleaned or None
    if isinstance(value, int | float):
        return number(value)
    return None


def clean(value: str) -> str:
    """Replace NUL and lone surrogates (which no database stores) with U+FFFD; keep all else."""
    return _UNSAFE.sub("\ufffd", value) if _UNSAFE.search(value) else value


def number(value: float) -> str:
    """A JSON number as a person writes it: 120 not 120.0, 40.894 as is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def short(value: str | None, limit: int = SUMMARY_PART_LIMIT) -> str | None:
    """Text shortened for a summary line (the attribute keeps it whole)."""
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def compact_json(value: Any) -> str:
    """Compact JSON text, safe to store (NULs are escaped by json; surrogates replaced)."""
    return clean(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))


def path_text(resource: dict[str, Any], *path: str) -> str | None:
    """Text at a path of object keys (``path_text(r, "period", "start")``)."""
    value: Any = resource
    for key in path:
        value = obj(value).get(key)
    return text(value)


# --- codes -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Code:
    """One coding: system, code and display as the source wrote them."""

    system: str | None
    code: str | None
    display: str | None

    def written(self) -> str:
        """``system|code|display`` with empty parts left empty (the attribute form)."""
        return "|".join(part or "" for part in (self.system, self.code, self.display))


def codings(concept: Any) -> list[Code]:
    """The codings of a CodeableConcept, a bare Coding (R4 ``Encounter.class``), or a list of them."""
    found: list[Code] = []
    for item in items(concept):
        item = obj(item)
        if "coding" in item:
            found.extend(_coding(coding) for coding in items(item.get("coding")))
        elif "code" in item or "system" in item or "display" in item:
            found.append(_coding(item))
    return [code for code in found if code.code or code.display]


def _coding(value: Any) -> Code:
    coding = obj(value)
    return Code(text(coding.get("system")), text(coding.get("code")), text(coding.get("display")))


def concept_text(concept: Any) -> str | None:
    """What a person would read for a concept: its text, else the first display, else the code."""
    for item in items(concept):
        if label := text(obj(item).get("text")):
            return label
    found = codings(concept)
    for code in found:
        if code.display:
            return code.display
    return found[0].code if found else None


def concept_texts(concepts: Iterable[Any]) -> list[str]:
    """Readable labels of several concepts, duplicates dropped, in order."""
    labels = [concept_text(concept) for concept in concepts]
    return list(dict.fromkeys(label for label in labels if label))


def all_words(concepts: Iterable[Any]) -> list[str]:
    """Every text and display of the concepts (for phrase matching)."""
    words: list[str] = []
    for concept in concepts:
        for item in items(concept):
            if label := text(obj(item).get("text")):
                words.append(label)
        words.extend(code.display for code in codings(concept) if code.display)
    return words


def code_values(concepts: Iterable[Any]) -> list[str]:
    """The code values of the concepts, verbatim and de-duplicated (an event's categories)."""
    values = [code.code for concept in concepts for code in codings(concept) if code.code]
    return list(dict.fromkeys(values))


def written_codes(concepts: Iterable[Any]) -> str | None:
    """All codings as ``system|code|display``, ``; ``-separated (the ``code`` attribute)."""
    parts = [code.written() for concept in concepts for code in codings(concept)]
    return "; ".join(dict.fromkeys(parts)) or None


# --- references --------------------------------------------------------------------------------


def reference_of(value: Any) -> str | None:
    """The reference string of a Reference (a bare string is accepted too)."""
    if isinstance(value, str):
        return text(value)
    return text(obj(value).get("reference"))


def reference_keys(reference: str) -> list[str]:
    """Keys a reference may be found under: itself, and ``Type/id`` for a (possibly absolute or
    versioned) RESTful URL, so ``https://x.nhs.uk/fhir/Patient/1/_history/2`` finds ``Patient/1``."""
    keys = [reference]
    parts = reference.split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-1]:
        keys.append(f"{parts[-2]}/{parts[-1]}")
    return list(dict.fromkeys(keys))


def references(resource: dict[str, Any], *paths: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """(path text, Reference) for each path; a path may pass through lists (``participant``)."""
    for path in paths:
        yield from _walk(resource, path, path[0])


def _walk(value: Any, path: tuple[str, ...], label: str) -> Iterator[tuple[str, Any]]:
    head, rest = path[0], path[1:]
    for item in items(value) if not isinstance(value, dict) else [value]:
        child = obj(item).get(head)
        if not rest:
            for ref in child if isinstance(child, list) else [child]:
                if ref is not None:
                    yield label, ref
        else:
            for inner in child if isinstance(child, list) else [child]:
                yield from _walk(inner, rest, label + "." + rest[0])


# --- names, identifiers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    surname: str | None
    forenames: str | None
    text: str | None

    def display(self) -> str | None:
        if self.forenames or self.surname:
            return " ".join(part for part in (self.forenames, self.surname) if part)
        return self.text


def human_name(value: Any) -> Name:
    """The name to use from a HumanName list: the official or usual one, else the first."""
    names = [obj(name) for name in items(value)]
    chosen = next((n for n in names if n.get("use") == "official"), None)
    chosen = chosen or next((n for n in names if n.get("use") == "usual"), None)
    chosen = chosen or (names[0] if names else {})
    given = [part for part in (text(g) for g in items_or_strings(chosen.get("given"))) if part]
    return Name(text(chosen.get("family")), " ".join(given) or None, text(chosen.get("text")))


def items_or_strings(value: Any) -> list[Any]:
    """A list of strings (``given``, ``line``), accepting a bare string."""
    if isinstance(value, list):
        return value
    return [value] if value is not None else []


def postcode(addresses: Any) -> str | None:
    """The home (else first) address's postcode."""
    found = [obj(a) for a in items(addresses)]
    home = next((a for a in found if a.get("use") == "home"), found[0] if found else {})
    return text(home.get("postalCode"))


# --- dates ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class When:
    """A FHIR date or dateTime read to the precision given, as a UK local date and time."""

    date: PartialDate
    time: dt.time | None


def fhir_when(value: str) -> When:
    """Read a FHIR date/dateTime/instant: ``2019``, ``2019-03``, ``2019-03-04``,
    ``2019-03-04T23:30:00Z`` (times with a zone are turned into Europe/London local time, so the
    date may move to the next day; a time without a zone is taken as UK local). Raises
    DateParseError with the reason."""
    raw = " ".join(value.split())
    match = _FHIR_DATETIME.fullmatch(raw)
    if match is None:  # a date form people write (22/05/2016) still reads; otherwise it says why
        return When(parse_date(raw), None)
    if match["h"] is None:
        return When(parse_date(match["date"]), None)
    if len(match["date"]) != 10:
        raise DateParseError(raw, "has a time but not a full date")
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise DateParseError(raw, "is not a real time of day")
    day = parse_date(match["date"])
    local = dt.datetime(day.year, day.month or 1, day.day or 1, hour, minute, second)
    if match["tz"]:
        local = local.replace(tzinfo=_zone(match["tz"])).astimezone(LONDON).replace(tzinfo=None)
    return When(parse_date(local.date().isoformat()), local.time())


def _zone(text_: str) -> dt.tzinfo:
    if text_ == "Z":
        return dt.UTC
    sign = -1 if text_[0] == "-" else 1
    digits = text_[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        raise DateParseError(text_, "is not a real time zone offset")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def first_text(resource: dict[str, Any], candidates: Iterable[tuple[str, ...]]) -> tuple[str, str] | None:
    """The first (field path, text) present among candidate paths, e.g. ``onsetDateTime`` then
    ``onsetPeriod.start`` then ``recordedDate``."""
    for path in candidates:
        value = path_text(resource, *path)
        if value:
            return ".".join(path), value
    return None
