"""Code list values worded as other systems word them: case, marks, plurals and word order.

The spec lists occurrence types, school categories and case-note event types by example ("Domestic
incident", "MARAC referral", "statutory visit"); systems export the same value as "DOMESTIC -
INCIDENT", "Incident (domestic)", "Domestic Incidents" or "Referral to MARAC". Each variant keeps
the value's words (only case, marks, a plural ending, word order and small linking words change),
so a reader, and an importer that folds those, still sees the same value. Qualifiers that carry
data ("DASH: high (16)", "Source: Police") are never reworded.
"""

from __future__ import annotations

from generator.variation.choice import pick

# Nouns with no plural an export would write ("Mental healths"): left singular.
UNCOUNTABLE = frozenset(
    {
        "abuse",
        "attendance",
        "behaviour",
        "damage",
        "education",
        "exploitation",
        "harm",
        "health",
        "neglect",
        "welfare",
        "encompass",
        "self-harm",
        "misuse",
        "drugs",
        "alone",
        "seen",
    }
)
# Values a system commonly writes in another word order, with their linking word.
REORDERED = {
    "marac referral": ("Referral to MARAC", "MARAC Referrals", "Referrals to MARAC"),
    "concern for welfare": ("Welfare concern", "WELFARE CONCERNS", "Concern (welfare)"),
}


def _is_acronym(word: str) -> bool:
    return len(word) > 1 and word.isupper() and word.isalpha()


def _lower(word: str) -> str:
    return word if _is_acronym(word) else word.lower()


def _title(word: str) -> str:
    return word if _is_acronym(word) else word[:1].upper() + word[1:].lower()


def plural(word: str) -> str:
    """English plural of a code list noun (``injury`` -> ``injuries``, ``discussion`` -> ``discussions``)."""
    lower = word.lower()
    participle = lower.endswith(("ed", "ing"))  # "Case closed", "Housing": no plural form
    if participle or lower in UNCOUNTABLE or lower.endswith(("s", "'")) or not lower[-1:].isalpha():
        return word
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return word[:-1] + ("IES" if word.isupper() else "ies")
    if lower.endswith(("sh", "ch", "x")):
        return word + ("ES" if word.isupper() else "es")
    return word + ("S" if word.isupper() else "s")


def variants(label: str) -> list[str]:
    """Ways a system may write ``label``; the label itself first."""
    words = label.split()
    if not words:
        return [label]
    out = [
        label,
        label.upper(),
        " ".join(_lower(w) for w in words),
        " ".join(_title(w) for w in words),
    ]
    out.append(" ".join(_title(w) for w in (*words[:-1], plural(words[-1]))))
    if len(words) == 2:  # "DOMESTIC - INCIDENT", "Incident (domestic)": how two-word values get written
        out.append(" - ".join(w.upper() for w in words))
        out.append(f"{_title(words[1])} ({_lower(words[0])})")
    out.extend(REORDERED.get(label.lower(), ()))
    return list(dict.fromkeys(out))


def is_wordable(part: str) -> bool:
    """A label part that is a value's words, not data (no ``:`` and no digits)."""
    return ":" not in part and not any(ch.isdigit() for ch in part) and bool(part.strip())


def reword(label: str, seed: int, where: str) -> str:
    """How the file ``where`` writes ``label`` (one wording per value per file, as one system does)."""
    if not is_wordable(label):
        return label
    return pick(variants(label.strip()), seed, "label", where, label)


def reword_list(value: str, seed: int, where: str, separator: str = "; ") -> str:
    """A ``;``-separated label list with each value reworded."""
    if not value:
        return value
    return separator.join(reword(part.strip(), seed, where) for part in value.split(";"))
