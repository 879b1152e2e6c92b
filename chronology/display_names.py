"""Words for codes, so a person reads "DASH risk level", "Emotional abuse" and "Health" rather than
``dash_risk``, ``EMO`` and ``fhir``. One table, config/display_names.toml, read once; risk themes take
their labels from the vocabulary. A code the table does not know is still shown readably.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from chronology.settings import load_config
from chronology.vocabulary import themes

KINDS = ("fields", "values", "plan_categories", "plan_kinds", "agencies", "source_systems", "event_types", "identifiers")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@cache
def table() -> dict[str, dict[str, str]]:
    """Each kind of code -> code -> words (config/display_names.toml, and the vocabulary's themes)."""
    data = load_config("display_names")
    unknown = set(data) - set(KINDS)
    if unknown:
        raise ValueError(f"config/display_names.toml: unknown section(s) {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}")
    out = {kind: {str(k): str(v) for k, v in data.get(kind, {}).items()} for kind in KINDS}
    out["themes"] = dict(themes())
    return out


def readable(code: str) -> str:
    """A code no table names, made readable: "new_field" -> "New field", "CINreferralDate" -> "CIN referral date"."""
    text = _CAMEL.sub(" ", code.strip())
    text = re.sub(r"[_\s]+", " ", text).strip()
    words = [w if (w.isupper() and len(w) > 1) else w.lower() for w in text.split(" ")]
    sentence = " ".join(words)
    return sentence[:1].upper() + sentence[1:] if sentence else code


def display(code: object, kind: str = "fields") -> str:
    """The words for ``code`` of this kind (see ``KINDS`` and "themes"); unknown codes made readable."""
    if code is None:
        return ""
    text = str(code)
    words = table().get(kind)
    if words is None:
        raise KeyError(f"no display names for {kind!r}; known: {', '.join([*KINDS, 'themes'])}")
    if text in words:
        return words[text]
    if kind == "values":
        return text  # a value the table does not name is the source's own words
    if kind == "source_systems":
        return source_system(text)
    return readable(text)


def source_system(code: str) -> str:
    """The agency a source system speaks for: "template:Education" -> "Education", "school-log:110001" -> "Education"."""
    words = table()["source_systems"]
    if code in words:
        return words[code]
    head, _, rest = code.partition(":")
    if head == "template" and rest:
        return rest.strip()
    if head in words:
        return words[head]
    return readable(code.replace("-", " "))


def systems(codes: Iterable[str]) -> list[str]:
    """Source systems in words, each agency once, in first-seen order ("Known to: Health, Education")."""
    return list(dict.fromkeys(source_system(code) for code in codes))


def plan_label(kind: str, number: int | None = None, category: str | None = None) -> str:
    """"Child protection plan 2 (Neglect)"."""
    words = display(kind, "plan_kinds")
    if number is not None:
        words += f" {number}"
    return words + (f" ({display(category, 'plan_categories')})" if category else "")
