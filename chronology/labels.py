"""One key for a label however an agency words it: "Domestic Incident", "DOMESTIC - INCIDENT" and
"Incident (domestic)" are the same occurrence type.

Agencies' systems write the same code list value in different case, with punctuation, in the plural
or with the words in another order. Every code list lookup in the importers and every word list the
rules use goes through ``label_key`` on both sides, so config/ lists a value once, in the spec's own
words, and still matches what a force or a school system writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TypeVar

# Words that never change what a label means ("Concern for welfare" is "Welfare concern").
STOPWORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"})
_WORD = re.compile(r"[a-z0-9]+")
# Initials joined by "&" are one word ("A&E", "A & E" -> "ae"), not two letters and an "and".
_INITIALS = re.compile(r"\b([a-z])\s*&\s*([a-z])\b")
# Words whose final "s" is not a plural.
_NOT_PLURAL = frozenset(
    {"always", "analysis", "basis", "bus", "crisis", "diagnosis", "gas", "its", "this", "was"}
)

T = TypeVar("T")


def singular(word: str) -> str:
    """A word without a plural ending (``injuries`` -> ``injury``, ``drugs`` -> ``drug``)."""
    if len(word) <= 3 or word in _NOT_PLURAL or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=16384)
def label_key(text: str) -> str:
    """The label as a code list is looked up: its words, lower case, singular, in sorted order.

    Apostrophes join (``child's`` -> ``childs``); a plural written ``(s)`` goes (``victim(s)``); every
    other mark separates words; stopwords go.
    A label made only of stopwords or marks keys as its lower-cased words, so it is never empty
    unless the text is.
    """
    lowered = text.lower().replace("(s)", "").replace("'", "").replace("\u2019", "")
    lowered = _INITIALS.sub(r"\1\2", lowered)
    words = _WORD.findall(lowered)
    kept = [singular(w) for w in words if w not in STOPWORDS] or words
    return " ".join(sorted(kept))


def keyed(table: Mapping[str, T]) -> dict[str, T]:
    """A code list by ``label_key`` of its labels (the first label wins when two key alike)."""
    out: dict[str, T] = {}
    for label, value in table.items():
        out.setdefault(label_key(label), value)
    return out


def key_set(labels: Iterable[str]) -> frozenset[str]:
    return frozenset(label_key(label) for label in labels)
