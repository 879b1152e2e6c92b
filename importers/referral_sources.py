"""Who made a contact or referral, from the DfE referral source code list, for every importer meeting it.

The CIN census writes a code (``6``); Annex A writes it with the drop-down letter and label
(``q) 6: Police``) or, in some authorities' workbooks, only words (``Police``, ``Schools``). Both read
``config/codes/cin_census.toml``: ``[referral_source]`` by code (exact, any case) and, for words,
``[referral_source_words]`` and every code's own label through ``label_key``. A support module, so
one plugin never imports another's internals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from chronology.labels import label_key
from chronology.settings import load_config

# "q) 6: Police", "6 - Police", "3D Health services": the drop-down letter, then a code, then words.
_LIST_LETTER = re.compile(r"^\s*[a-z]{1,2}\)\s*", re.IGNORECASE)
_CODE_FIRST = re.compile(r"^(?P<code>\d{1,2}[A-Za-z]?)(?:\s*[:\-–.)]\s*|\s+|$)(?P<words>.*)$")


@dataclass(frozen=True, slots=True)
class ReferralSource:
    """A matched referral source: its DfE code (None for words that name only a group), the top-level
    referring agency (None when the source does not say one, e.g. code 10 unknown) and its label key."""

    code: str | None
    agency: str | None
    label: str
    entry: dict[str, Any]


@cache
def _codes() -> dict[str, dict[str, Any]]:
    table = load_config("codes/cin_census").get("referral_source", {})
    return {code.upper(): dict(entry) for code, entry in table.items()}


@cache
def _words() -> dict[str, tuple[str | None, dict[str, Any]]]:
    """label key -> (code or None, entry): the words table first, then each code's own label."""
    conf = load_config("codes/cin_census")
    found: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for words, target in conf.get("referral_source_words", {}).items():
        code = str(target.get("code", "")).upper() or None
        found.setdefault(label_key(words), (code, _codes()[code] if code else dict(target)))
    for code, entry in _codes().items():
        found.setdefault(label_key(entry["label"]), (code, entry))
    return found


def _matched(code: str | None, entry: dict[str, Any]) -> ReferralSource:
    return ReferralSource(code, entry.get("referring_agency") or None, label_key(entry["label"]), entry)


def by_code(value: str) -> ReferralSource | None:
    """The code's entry (``6``, ``3d``), or None when the DfE list lacks it."""
    entry = _codes().get(value.strip().upper())
    return _matched(value.strip().upper(), entry) if entry is not None else None


def by_words(value: str) -> ReferralSource | None:
    """The entry a label names (``POLICE``, ``Schools``, ``Health services``), through ``label_key``."""
    key = label_key(value)
    found = _words().get(key) if key else None
    return _matched(*found) if found is not None else None


def read_source(value: str) -> ReferralSource | None:
    """A source as any importer writes it: a code, a code with its label, or words alone."""
    text = _LIST_LETTER.sub("", value).strip()
    match = _CODE_FIRST.match(text)
    if match and (found := by_code(match["code"])) is not None:
        return found
    return by_words(text)
