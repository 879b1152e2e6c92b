"""A hypothesis strategy for the ways agencies write one code list value: "Domestic incident",
"DOMESTIC - INCIDENTS", "incident (domestic)", "Incident_Domestic".

The project-format importers look every code up by ``chronology.labels.label_key``, so each variant
must import exactly as the value the spec lists. A plain module shared by the importer tests.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from chronology.labels import STOPWORDS

_TOKEN = re.compile(r"[A-Za-z0-9'&]+")
_SEPARATORS = (" ", "  ", " - ", "_", "-", "/", ", ", " : ")
_VOWELS = frozenset("aeiou")


def plural(word: str) -> str:
    """The word's English plural where it plainly has one; a stopword, a word that might already be
    plural, a number or a short code is left alone (``label_key`` leaves those alone too)."""
    if len(word) < 3 or not word.isalpha() or word.lower() in STOPWORDS or word.lower().endswith(("s", "x", "sh", "ch", "z")):
        return word
    if word.lower().endswith("y") and word[-2].lower() not in _VOWELS:
        return word[:-1] + ("IES" if word.isupper() else "ies")
    return word + ("S" if word.isupper() else "s")


def _cased(text: str, how: str) -> str:
    return {"upper": text.upper(), "lower": text.lower(), "title": text.title()}.get(how, text)


@st.composite
def written_like(draw: st.DrawFn, label: str) -> str:
    """``label`` as some system might write it: case, separators, plurals and word order varied."""
    words = _TOKEN.findall(label)
    words = [plural(w) if draw(st.booleans()) else w for w in words]
    order = draw(st.permutations(range(len(words))))
    words = [words[i] for i in order]
    if len(words) > 1 and draw(st.booleans()):  # "Incident (domestic)"
        text = f"{' '.join(words[:-1])} ({words[-1]})"
    else:
        text = draw(st.sampled_from(_SEPARATORS)).join(words)
    padding = draw(st.sampled_from(("", " ", "  ")))
    return padding + _cased(text, draw(st.sampled_from(("upper", "lower", "title", "asis")))) + padding
