"""The family relationships CSV (project format): the adults and siblings known in a child's life.

One row per related person: who they are (social care's person ID, name, date of birth, sex, NHS
number) and how they relate to the child (mother, father, step-father, mother's partner, sibling,
...), with parental responsibility, whether they live with the child and when that started or
ended. Each row becomes a ``Relationship``; the store joins the person to the same person named in
other records (a case note attendee ``P123:father`` is the same social care person ID; an NHS
number joins health's record of the mother).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import ClassVar

from chronology.events import Identifier, IdentifierKind, ImportItem, PersonRef, Relationship
from chronology.labels import keyed, label_key
from chronology.settings import load_config
from chronology.vocabulary import family_roles
from importers.base import register
from importers.project_rows import ProjectImporter, ProjectRow, words_key

FIELDS = (
    "child_id",
    "person_id",
    "surname",
    "forenames",
    "dob",
    "sex",
    "nhs_number",
    "relationship",
    "parental_responsibility",
    "lives_with_child",
    "from_date",
    "to_date",
)
REQUIRED_COLUMNS = ("child_id", "person_id", "relationship")
SOURCE_SYSTEM = "social-care"
RELATIONSHIPS = (
    "mother",
    "father",
    "step-father",
    "step-mother",
    "mother's partner",
    "father's partner",
    "sibling",
    "half-sibling",
    "grandparent",
    "aunt",
    "uncle",
    "foster carer",
    "other",
)
SIBLINGS = frozenset({"sibling", "half-sibling"})


@cache
def _words() -> dict[str, str]:
    """label_key of every relationship word -> the format's word: the format's own words, then
    config/vocabulary.toml [family_roles], then config/project_formats.toml [relationships]."""
    table = load_config("project_formats").get("relationships", {}).get("relationship_words", {})
    words = keyed({word: word for word in RELATIONSHIPS})
    for key, value in [*keyed(family_roles()).items(), *keyed(table).items()]:
        words.setdefault(key, value)
    return words


def is_relationships_header(cells: Sequence[str]) -> bool:
    """child_id + person_id + relationship: no other format has person_id and relationship together."""
    return RelationshipsImporter.is_header(cells)


def normalise_relationship(text: str) -> str | None:
    """The format's relationship word for what was written ("Mum" -> mother, "Partner of mother" ->
    mother's partner), or None if unknown. "mother, victim": the relationship is the first part."""
    words = _words()
    return words.get(label_key(text)) or words.get(label_key(text.split(",", 1)[0]))


class _RelationshipRow(ProjectRow):
    """Turns one row into a ``Relationship`` (or a rejected row)."""

    def convert(self) -> ImportItem:
        if broken := self.broken():
            return broken
        child_id = self.text("child_id")
        if not child_id:
            return self.reject(
                "child_id", "no child: the LA child ID is blank, so the person cannot be linked"
            )
        person_id = self.text("person_id")
        relationship = self.relationship()
        person = self.person(self.person_identifiers(person_id, relationship))
        if not person.identifiers and not person.name:
            return self.reject(
                "person_id", "no person identified: the person ID, surname and forenames are all blank"
            )
        if not person_id:
            self.warn(
                "person_id",
                "the person ID is blank, so this person can only be recognised in other records by name",
            )
        from_date = self.date("from_date", "from date")
        to_date = self.date("to_date", "to date")
        if from_date and to_date and to_date.latest() < from_date.earliest():
            self.warn(
                "to_date", f"the to date {to_date.marked()} is before the from date {from_date.marked()}"
            )
        return Relationship(
            child=PersonRef(identifiers=[Identifier(IdentifierKind.LA_CHILD_ID, child_id)]),
            person=person,
            relationship=relationship,
            provenance=self.provenance(SOURCE_SYSTEM, f"{child_id}/{person_id}" if person_id else None),
            parental_responsibility=self.flag("parental_responsibility"),
            lives_with_child=self.flag("lives_with_child"),
            from_date=from_date,
            to_date=to_date,
            attributes=self.unmapped(),
        )

    def relationship(self) -> str:
        """The normalised relationship; an unknown word is kept as written with a warning."""
        text = self.text("relationship")
        if not text:
            self.warn("relationship", "the relationship is blank; recorded as 'other'")
            return "other"
        known = normalise_relationship(text)
        if known is None:
            listed = ", ".join(RELATIONSHIPS)
            self.warn(
                "relationship",
                f"unknown relationship '{text}' (the format lists {listed}); kept as written",
            )
            return text
        if known != words_key(text):
            self.keep("relationship")  # what the file said, beside the normalised word
        return known

    def person_identifiers(self, person_id: str, relationship: str) -> list[Identifier]:
        identifiers: list[Identifier] = []
        if person_id:
            identifiers.append(Identifier(IdentifierKind.SOURCE_PERSON_ID, person_id, SOURCE_SYSTEM))
            if relationship in SIBLINGS:  # a sibling's person ID is their own LA child ID
                identifiers.append(Identifier(IdentifierKind.LA_CHILD_ID, person_id))
        if nhs := self.nhs_number():
            identifiers.append(nhs)
        return identifiers


@register
class RelationshipsImporter(ProjectImporter):
    """Reads the project's family relationships CSV/XLSX."""

    name: ClassVar[str] = "relationships"
    description: ClassVar[str] = (
        "Family relationships CSV or XLSX (project format): one row per adult or sibling in a child's life"
    )
    section, fields, what = "relationships", FIELDS, "a family relationships file"
    sniff_columns = required_columns = REQUIRED_COLUMNS
    row_class = _RelationshipRow
