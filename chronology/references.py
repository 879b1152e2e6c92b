"""References as tokens: one police occurrence however a force, a school or a social worker writes it.

Forces number occurrences in many shapes (``OCC18/001016``, ``47/123456/19``, ``TVP-2019-0012345``,
``CC2023/98765``) and other agencies copy them by hand, with other case, spaces or separators. Two
records are joined on ``reference_token``: the reference's letters and digits, upper case, every
space and mark folded away. Nothing here knows any force's format.

``references_in_text`` finds references written into free text after a cue word ("ref",
"occurrence", "crime no."; ``config/references.toml``). The importer's own columns are the first
source of references; text is the fallback every importer shares (``chronology.ingest``).
"""

from __future__ import annotations

import re
from functools import cache

from chronology.events import Reference, ReferenceRole
from chronology.settings import load_config

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_DIGIT = re.compile(r"\d")  # every reference the text pattern finds holds one (its ``part``)


def reference_token(value: str) -> str:
    """The reference as compared: letters and digits only, upper case (``occ18/001016`` -> ``OCC18001016``)."""
    return _NOT_ALNUM.sub("", value).upper()


@cache
def _settings() -> dict:
    return load_config("references")


@cache
def _text_pattern() -> re.Pattern[str]:
    conf = _settings()
    cues = sorted(conf["cues"], key=len, reverse=True)
    cue = "|".join(r"\s+".join(re.escape(word) for word in c.split()) for c in cues)
    filler = "|".join(re.escape(w) for w in sorted(conf["fillers"]["words"], key=len, reverse=True))
    # A reference: an optional short letter prefix, then parts that each hold a digit, joined by / - .
    # or by a space before a group of two or more digits ("47 000123 19", "occ18 001016").
    part = r"[A-Za-z0-9]*\d[A-Za-z0-9]*"
    joint = r"(?:[/\-.]|\s(?=\d{2}))"
    shape = rf"(?:[A-Za-z]{{1,6}}[\s/\-.]?)?{part}(?:{joint}{part})*"
    return re.compile(
        rf"(?<![A-Za-z0-9])(?P<cue>{cue})\b\.?(?:\s*(?:{filler})\b\.?)*\s*[:#]?\s*(?P<ref>{shape})(?![A-Za-z0-9])",
        re.IGNORECASE,
    )


def _cue_kind(cue: str) -> str:
    kinds = {" ".join(key.split()): kind for key, kind in _settings()["cues"].items()}
    return kinds.get(" ".join(cue.lower().split()), "police_occurrence")


def references_in_text(text: str | None, source: str = "text") -> list[Reference]:
    """References quoted in free text after a cue word, each once, in the order written."""
    if not text or _DIGIT.search(text) is None:  # most free text quotes no reference
        return []
    minimum = int(_settings()["min_characters"])
    found: list[Reference] = []
    seen: set[str] = set()
    for match in _text_pattern().finditer(text):
        value = match.group("ref").strip()
        token = reference_token(value)
        if len(token) < minimum or token in seen:
            continue
        seen.add(token)
        found.append(Reference(_cue_kind(match.group("cue")), value, ReferenceRole.QUOTED, source))
    return found


def merge_references(given: list[Reference], more: list[Reference]) -> list[Reference]:
    """``given`` then each of ``more`` whose token and role it does not already hold."""
    held = {(ref.token, ref.role) for ref in given}
    out = list(given)
    for ref in more:
        if (ref.token, ref.role) not in held:
            held.add((ref.token, ref.role))
            out.append(ref)
    return out
