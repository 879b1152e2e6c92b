"""Names to roles and initials, for a chronology shared beyond the people who may know the child.

A conference or review panel often needs the sequence of events without the names: as Chronolator's
glossary does, every person gets a label made of their role and an initial code ("Mother (M)",
"Father 2 (F2)", "Child (C)"), and the document carries the glossary of labels, never of names.

Names are replaced wherever the record knows them: the child, every family member, every person an
agency named on an event, in every text field, whole names first and then each forename and surname
on its own (over-replacing an ordinary word that is also a name is the safe error). Identifiers (NHS
number, UPN, LA child ID, police nominal ID) and the child's date of birth are removed too. A name
the record never captured as a person, written only inside free text, cannot be found: the document
says so, and whoever shares it must still read it first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from chronology.record import ChildRecord, Entry

# Relationship words to the initials a glossary uses; anything else is a "P" (person).
INITIALS = {
    "mother": "M",
    "father": "F",
    "step-father": "SF",
    "step-mother": "SM",
    "mother's partner": "MP",
    "father's partner": "FP",
    "sibling": "S",
    "half-sibling": "HS",
    "grandparent": "GP",
}
# Tokens never treated as a name on their own, though they appear inside recorded names.
NOT_NAMES = {"mr", "mrs", "ms", "miss", "dr", "pc", "ds", "dc", "the", "and", "of", "unknown", "not", "recorded"}
NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
FAMILY_NAME = "[family name]"
NAME = "[name]"
REMOVED_ID = "[identifier removed]"
REMOVED_DOB = "[date of birth]"
LIMITATION = (
    "Names and identifiers the record holds have been replaced by the labels in the glossary. A name "
    "written only in an agency's free text, and never recorded as a person, cannot be found: read the "
    "document before sharing it."
)


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One person as the shared document knows them: a label and a role, never a name."""

    label: str
    role: str
    agencies: tuple[str, ...] = ()


@dataclass(slots=True)
class Pseudonymiser:
    """Replaces a child's known names and identifiers in any text with glossary labels."""

    glossary: list[GlossaryEntry]
    _names: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    _identifiers: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    @classmethod
    def for_record(cls, record: ChildRecord, entries: list[Entry] | None = None) -> Pseudonymiser:
        """The glossary and replacements for one child's record and the events to be shown."""
        people = _people(record, record.entries if entries is None else entries)
        glossary = [GlossaryEntry(label, role, tuple(sorted(agencies))) for label, role, _, agencies in people]
        self = cls(glossary)
        self._names = _name_patterns(people)
        self._identifiers = _identifier_patterns(record)
        return self

    def text(self, value: str | None) -> str:
        """``value`` with every known name, identifier and the date of birth replaced."""
        if not value:
            return ""
        for pattern, replacement in self._identifiers:
            value = pattern.sub(replacement, value)
        for pattern, label in self._names:
            value = pattern.sub(label, value)
        return value

    def child_label(self) -> str:
        return self.glossary[0].label


def _people(record: ChildRecord, entries: list[Entry]) -> list[tuple[str, str, list[str], set[str]]]:
    """(label, role, names, agencies) for the child, each family member and each named person."""
    people: list[tuple[str, str, list[str], set[str]]] = [
        ("Child (C)", "the child", [record.name] if record.name else [], set())
    ]
    by_name: dict[str, int] = {}
    counts: Counter[str] = Counter()

    def add(name: str | None, role: str, agency: str | None) -> None:
        key = (name or "").strip().casefold()
        if not key:
            return
        if record.name and key == record.name.strip().casefold():
            if agency:
                people[0][3].add(agency)
            return
        if key in by_name:
            if agency:
                people[by_name[key]][3].add(agency)
            return
        initial = INITIALS.get(role, "P")
        counts[initial] += 1
        by_name[key] = len(people)
        people.append(("", role or "person", [name or ""], {agency} if agency else set()))

    for member in record.family:
        add(member.name, member.relationship, None)
    for entry in entries:
        for mention in entry.persons:
            if mention.name and mention.person_id is None and mention.ambiguous:
                continue  # a role word ("mother") the record could not resolve: no name to hide
            add(mention.name, mention.relationship or mention.role or "person", entry.agency)
    numbered: Counter[str] = Counter()
    labelled = [people[0]]
    for _, role, names, agencies in people[1:]:
        initial = INITIALS.get(role, "P")
        numbered[initial] += 1
        code = initial if counts[initial] == 1 and initial != "P" else f"{initial}{numbered[initial]}"
        word = role[:1].upper() + role[1:] if initial != "P" else "Person"
        suffix = "" if code == initial else f" {numbered[initial]}"
        labelled.append((f"{word}{suffix} ({code})", role, names, agencies))
    return labelled


def _name_patterns(people: list[tuple[str, str, list[str], set[str]]]) -> list[tuple[re.Pattern[str], str]]:
    """Whole names first (longest first), then each name part: a forename one person has takes their
    label; a part several people share (a family surname) becomes "[family name]"."""
    whole: dict[str, str] = {}
    parts: dict[str, set[str]] = {}
    for label, _, names, _ in people:
        for name in names:
            cleaned = " ".join(name.split())
            if not cleaned:
                continue
            whole[cleaned.casefold()] = label
            tokens = [t for t in NAME_TOKEN.findall(cleaned) if len(t) > 1 and t.casefold() not in NOT_NAMES]
            for position, token in enumerate(tokens):
                parts.setdefault(token.casefold(), set()).add(label if position == 0 else FAMILY_NAME)
    patterns = [(_word(name), label) for name, label in sorted(whole.items(), key=lambda kv: -len(kv[0]))]
    for token, labels in sorted(parts.items(), key=lambda kv: -len(kv[0])):
        label = next(iter(labels)) if len(labels) == 1 else (FAMILY_NAME if FAMILY_NAME in labels else NAME)
        patterns.append((_word(token), label))
    return patterns


def _word(text: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(part) for part in text.split())
    return re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE | re.UNICODE)


def _identifier_patterns(record: ChildRecord) -> list[tuple[re.Pattern[str], str]]:
    """Every identifier the record holds (spaces inside it allowed), and the child's date of birth in
    the forms agencies write it."""
    patterns = []
    values = {value for listed in record.identifiers.values() for value in listed}
    values |= {value for _, value, _ in record.invalid_identifiers}
    for value in sorted(values, key=len, reverse=True):
        compact = re.sub(r"\s+", "", value)
        if len(compact) < 4:
            continue
        body = r"\s*".join(re.escape(ch) for ch in compact)
        patterns.append((re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE), REMOVED_ID))
    if record.dob is not None and record.dob.precision == "day":
        born = record.dob.earliest()
        forms = {born.isoformat(), born.strftime("%d/%m/%Y"), f"{born.day}/{born.month}/{born.year}",
                 born.strftime("%d.%m.%Y"), born.strftime("%d-%m-%Y")}
        alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
        # The date of birth first: its digits would otherwise be taken for an identifier's.
        patterns.insert(0, (re.compile(rf"(?<![\w/.-])(?:{alternatives})(?![\w/])"), REMOVED_DOB))
    return patterns
