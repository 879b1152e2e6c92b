"""Who is who in a FHIR Bundle: the children, the adults, and how the adults relate to the children.

A bundle may hold several Patients: a child and their mother (midwifery and health visiting records
often do), or siblings. The chronology is about children, so each Patient is decided to be a child
or an adult:

1. With a birth date: a child when under ``adult_age`` (18) on the bundle's latest event date (the
   latest date any event in the bundle gives; the bundle's timestamp or today when there is none).
   A partial birth date (``2004``) counts from its last possible day, so someone who may still be
   17 is treated as a child: wrongly treating a child as an adult would hide their events.
2. Without one: an adult when a RelatedPerson says they are someone's parent (mother, father,
   step-parent, foster carer, guardian); a child when a RelatedPerson names them as the patient a
   parent relates to; otherwise a child, with a warning, since the bundle was sent about a child.

An adult Patient is linked to a child through a RelatedPerson whose ``patient`` is the child and who
is the same person as the adult: the adult's ``Patient.link.other`` points at the RelatedPerson, or
they share an identifier (system and value), or the same name and birth date. An adult linked to
no child has no place in a children's chronology: their events are rejected with the reason.

A RelatedPerson whose ``patient`` is an adult is only kept when it is that adult's partner and the
adult is a child's parent: the partner is then the child's "mother's partner" / "father's partner".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from chronology.dates import DateParseError
from chronology.events import Identifier, IdentifierKind, PartialDate, PersonRef
from chronology.identifiers import nhs_number_problem, normalise_nhs_number
from chronology.vocabulary import family_relationship
from importers.fhir_values import (
    Code,
    codings,
    concept_text,
    fhir_when,
    human_name,
    items,
    obj,
    postcode,
    reference_keys,
    reference_of,
    text,
)

SOURCE_SYSTEM = "fhir"
_SEX = {"male": "M", "female": "F"}


@dataclass(slots=True)
class PersonInfo:
    """A Patient or RelatedPerson of the bundle, as the importer knows it after the first pass."""

    kind: str  # "Patient" or "RelatedPerson"
    index: int  # entry index
    record_id: str | None  # "Patient/123"
    full_url: str | None
    resource: dict[str, Any]
    ref: PersonRef
    idents: set[tuple[str, str]]  # (system, value), for recognising the same person elsewhere
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    is_child: bool = True
    basis: str = ""  # how child/adult was decided, in words
    relationship: str | None = None  # RelatedPerson: to its patient
    relationship_codes: str | None = None
    target: PersonInfo | None = None  # RelatedPerson: the Patient it relates to
    same_as: PersonInfo | None = None  # RelatedPerson: the bundle's Patient who is this person
    links: list[tuple[PersonInfo, str]] = field(default_factory=list)  # adult Patient: (child, relationship)

    @property
    def label(self) -> str:
        return self.record_id or self.full_url or f"{self.kind} in Bundle.entry[{self.index}]"

    def name(self) -> str:
        return self.ref.display_name() or "(no name)"

    def key(self) -> str:
        """What tells this child apart in a natural key: valid NHS number, else the resource."""
        for ident in self.ref.identifiers:
            if ident.kind == IdentifierKind.NHS_NUMBER and nhs_number_problem(ident.value) is None:
                return f"nhs:{ident.value}"
        if self.record_id or self.full_url:
            return self.label
        dob = self.ref.dob.iso() if self.ref.dob else ""
        return f"name:{self.name()}|{dob}"


@dataclass(slots=True)
class Relation:
    """A relationship to a child that a RelatedPerson or Patient.contact gives."""

    child: PersonInfo
    relationship: str


class People:
    """Indexes the bundle's Patients and RelatedPersons and decides children, adults and links."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.nhs_systems = frozenset(config.get("nhs_number_systems", []))
        # v3 RoleCode / v2 codes by upper-case code: exact, in any case
        self.relationship_codes: dict[str, Any] = {
            code.upper(): word for code, word in config.get("relationship_codes", {}).items()
        }
        self.parents = frozenset(config.get("parent_relationships", []))
        self.contact_roles = frozenset(config.get("contact_relationships", []))
        self.patients: list[PersonInfo] = []
        self.related: list[PersonInfo] = []
        self._by_key: dict[str, PersonInfo] = {}
        self._by_ident: dict[tuple[str, str], PersonInfo] = {}
        self.unknown_codes: list[tuple[PersonInfo, str, Code]] = []

    # --- first pass ------------------------------------------------------------------------------

    def add(self, kind: str, index: int, full_url: str | None, resource: dict[str, Any]) -> PersonInfo:
        record_id = f"{kind}/{rid}" if (rid := text(resource.get("id"))) else None
        info = PersonInfo(kind, index, record_id, full_url, resource, PersonRef(), set())
        info.ref = self._person_ref(info)
        for key in self._keys(info):
            self._by_key.setdefault(key, info)
        if kind == "Patient":
            self.patients.append(info)
            for ident in info.idents:
                self._by_ident.setdefault(ident, info)
        else:
            self.related.append(info)
            info.relationship, info.relationship_codes = self._relationship(info)
        return info

    @staticmethod
    def _keys(info: PersonInfo) -> list[str]:
        keys = [info.record_id] if info.record_id else []
        if info.full_url:
            keys.extend(reference_keys(info.full_url))
        return keys

    def _person_ref(self, info: PersonInfo) -> PersonRef:
        resource = info.resource
        name = human_name(resource.get("name"))
        ref = PersonRef(
            name=name.text if not (name.surname or name.forenames) else None,
            surname=name.surname,
            forenames=name.forenames,
            dob=self._birth_date(info),
            sex=_SEX.get(text(resource.get("gender")) or ""),
            postcode=postcode(resource.get("address")),
        )
        ref.identifiers = self._identifiers(info)
        return ref

    def _birth_date(self, info: PersonInfo) -> PartialDate | None:
        raw = text(info.resource.get("birthDate"))
        if not raw:
            return None
        try:
            return fhir_when(raw).date
        except DateParseError as exc:
            info.warnings.append(("birthDate", f"the birth date could not be read: {exc}; kept in fhir_json"))
            return None

    def _identifiers(self, info: PersonInfo) -> list[Identifier]:
        """NHS numbers (kept even when invalid, with a warning) and other systems' IDs scoped by
        system, so a re-import finds the same person. An ID with no system is not used: a bare
        number could be any system's and would join different people."""
        found: list[Identifier] = []
        for number, raw in enumerate(items(info.resource.get("identifier"))):
            ident = obj(raw)
            system, value = text(ident.get("system")), text(ident.get("value"))
            where = f"identifier[{number}]"
            if not value:
                continue
            if system in self.nhs_systems:
                nhs = normalise_nhs_number(value)
                found.append(Identifier(IdentifierKind.NHS_NUMBER, nhs))
                info.idents.add(("nhs", nhs))
                if problem := nhs_number_problem(value):
                    info.warnings.append(
                        (
                            where,
                            f"NHS number '{value}' is not valid: {problem}; kept, but never used to match records",
                        )
                    )
            elif system:
                found.append(Identifier(IdentifierKind.SOURCE_PERSON_ID, value, f"{SOURCE_SYSTEM}:{system}"))
                info.idents.add((system, value))
            else:
                info.warnings.append(
                    (
                        where,
                        f"identifier '{value}' has no system, so it cannot be told apart from other systems' "
                        "numbers; kept in fhir_json but not used to identify the person",
                    )
                )
        if not found and info.full_url and info.full_url.startswith(("urn:uuid:", "http://", "https://")):
            found.append(
                Identifier(IdentifierKind.SOURCE_PERSON_ID, info.full_url, f"{SOURCE_SYSTEM}:fullUrl")
            )
        return found

    def _relationship(self, info: PersonInfo) -> tuple[str, str | None]:
        """The chronology's word for a RelatedPerson's relationship, and its codes as written."""
        concepts = items(info.resource.get("relationship"))
        written = "; ".join(code.written() for concept in concepts for code in codings(concept)) or None
        word, unknown = self.relationship_word(concepts, text(info.resource.get("gender")))
        self.unknown_codes.extend((info, "relationship", code) for code in unknown)
        return word, written

    def relationship_word(self, concepts: list[Any], gender: str | None) -> tuple[str, list[Code]]:
        """The relationship a list of CodeableConcepts gives, and the codes not in the code list.

        A family code wins; then a family word in the text ("Mother" beside the code N, next of
        kin); then a contact-role code (next of kin, emergency contact); then the text itself."""
        mapped: list[str] = []
        unknown: list[Code] = []
        for concept in concepts:
            for code in codings(concept):
                word = self.relationship_codes.get((code.code or "").upper())
                if isinstance(word, dict):
                    word = word.get(gender or "other") or word.get("other")
                if isinstance(word, str) and word:
                    mapped.append(word)
                elif code.code:
                    unknown.append(code)
        strong = [word for word in mapped if word not in self.contact_roles]
        if strong:
            return strong[0], unknown
        labels = [concept_text(c) for c in concepts] + [c.display for c in unknown]
        for label in labels:
            if label and (family := family_relationship(label)):
                return family, unknown
        if mapped:
            return mapped[0], unknown
        label = next((label for label in labels if label), None)
        return (label.lower() if label and not unknown else "other"), unknown

    # --- after the first pass ----------------------------------------------------------------------

    def resolve(self, reference: Any) -> PersonInfo | None:
        """The Patient or RelatedPerson a Reference names: by its reference (fullUrl, ``Type/id``,
        absolute URL) or, for a logical reference, by its identifier."""
        ref = reference_of(reference)
        if ref:
            for key in reference_keys(ref):
                if key in self._by_key:
                    return self._by_key[key]
            return self._conditional(ref)
        ident = obj(obj(reference).get("identifier"))
        return self._by_identifier(text(ident.get("system")), text(ident.get("value")))

    def _conditional(self, ref: str) -> PersonInfo | None:
        """A transaction's conditional reference (FHIR R4 http.html#trules), as a server resolves it:
        ``Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9993395633`` names the bundle's
        Patient with that identifier."""
        kind, mark, query = ref.partition("?")
        if not mark or kind.rsplit("/", 1)[-1] != "Patient":
            return None
        for name, raw in parse_qsl(query):
            if name == "identifier" and raw:
                system, bar, value = raw.rpartition("|")
                return self._by_identifier(system if bar else None, value)
        return None

    def _by_identifier(self, system: str | None, value: str | None) -> PersonInfo | None:
        if value and system in self.nhs_systems:
            return self._by_ident.get(("nhs", normalise_nhs_number(value)))
        return self._by_ident.get((system or "", value or "")) if value else None

    def finish(self, reference_date: dt.date, adult_age: int) -> None:
        """Decide children and adults, then link adults (and parents' partners) to children."""
        for related in self.related:
            target = self.resolve(related.resource.get("patient"))
            related.target = target if target and target.kind == "Patient" else None
            related.same_as = self._same_person(related)
        undecided = [p for p in self.patients if not self._decide_by_age(p, reference_date, adult_age)]
        for patient in undecided:
            self._decide_by_relations(patient)
        for related in self.related:
            self._link_parent(related)
        for related in self.related:
            self._link_partner(related)

    def _decide_by_age(self, patient: PersonInfo, reference_date: dt.date, adult_age: int) -> bool:
        dob = patient.ref.dob
        if dob is None:
            return False
        youngest = dob.latest()
        try:
            coming_of_age = youngest.replace(year=youngest.year + adult_age)
        except ValueError:  # born 29 February
            coming_of_age = dt.date(youngest.year + adult_age, 3, 1)
        patient.is_child = reference_date < coming_of_age
        state = "under" if patient.is_child else "at least"
        patient.basis = f"{state} {adult_age} on {reference_date.isoformat()} (born {dob.iso()})"
        return True

    def _decide_by_relations(self, patient: PersonInfo) -> None:
        if any(r.same_as is patient and r.relationship in self.parents for r in self.related):
            patient.is_child, patient.basis = False, "no birth date; a RelatedPerson names them as a parent"
            return
        if any(r.target is patient and r.relationship in self.parents for r in self.related):
            patient.is_child, patient.basis = True, "no birth date; a parent is recorded for them"
            return
        patient.is_child, patient.basis = True, "no birth date and no parent recorded; taken to be a child"
        patient.warnings.append(
            (
                "birthDate",
                f"{patient.name()} has no birth date and no RelatedPerson says whether they are a child or a "
                "parent; they are taken to be a child",
            )
        )

    def _same_person(self, related: PersonInfo) -> PersonInfo | None:
        """The bundle's Patient record of the person a RelatedPerson describes, if any."""
        for patient in self.patients:
            if patient is related.target:
                continue
            for link in items(patient.resource.get("link")):
                if self.resolve(obj(link).get("other")) is related:
                    return patient
        for ident in related.idents:
            patient = self._by_ident.get(ident)
            if patient is not None and patient is not related.target:
                return patient
        name, dob = (related.ref.display_name() or "").lower(), related.ref.dob
        if name and dob:
            for patient in self.patients:
                same = (patient.ref.display_name() or "").lower() == name and patient.ref.dob == dob
                if same and patient is not related.target:
                    return patient
        return None

    def _link_parent(self, related: PersonInfo) -> None:
        adult, child = related.same_as, related.target
        if adult is not None and child is not None and child.is_child and not adult.is_child:
            adult.links.append((child, related.relationship or "other"))

    def _link_partner(self, related: PersonInfo) -> None:
        """A partner of a child's parent is that child's "mother's partner" / "father's partner"."""
        parent = related.target
        if related.relationship != "partner" or parent is None or parent.is_child:
            return
        for child, relationship in list(parent.links):
            if relationship in self.parents:
                word = partner_word(relationship)
                if related.same_as is not None and not related.same_as.is_child:
                    related.same_as.links.append((child, word))

    # --- second pass ---------------------------------------------------------------------------------

    def relations_of(self, related: PersonInfo) -> list[Relation]:
        """The children a RelatedPerson is related to, and how (empty when it relates to an adult)."""
        target = related.target
        if target is None:
            return []
        if target.is_child:
            return [Relation(target, related.relationship or "other")]
        if related.relationship != "partner":
            return []
        return [
            Relation(child, partner_word(relationship))
            for child, relationship in target.links
            if relationship in self.parents
        ]

    def person_ref(self, related: PersonInfo, child: PersonInfo, role: str | None) -> PersonRef:
        """A RelatedPerson as a person in the child's life: its own identifiers, plus those of the
        bundle's Patient record of the same person, so both join one person in the store. With no
        identifier at all it gets one local to the child, so two children's "Jane Smith"s stay apart."""
        ref = related.ref
        identifiers = list(ref.identifiers)
        if related.same_as is not None:
            identifiers += [i for i in related.same_as.ref.identifiers if i not in identifiers]
        if not identifiers:
            local = f"{child.key()}/{related.label}"
            identifiers = [
                Identifier(IdentifierKind.SOURCE_PERSON_ID, local, f"{SOURCE_SYSTEM}:related-person")
            ]
        return PersonRef(
            name=ref.name,
            surname=ref.surname,
            forenames=ref.forenames,
            dob=ref.dob,
            sex=ref.sex,
            postcode=ref.postcode,
            role=role,
            identifiers=identifiers,
        )

    def children_of(self, adult: PersonInfo) -> Iterator[tuple[PersonInfo, str]]:
        """Each child an adult Patient is linked to, once, with the first relationship recorded."""
        seen: set[int] = set()
        for child, relationship in adult.links:
            if id(child) not in seen:
                seen.add(id(child))
                yield child, relationship

    def relationship_to(self, adult: PersonInfo, child: PersonInfo) -> str | None:
        return next((word for linked, word in adult.links if linked is child), None)

    def contact_relationship(self, contact: dict[str, Any]) -> str:
        """A Patient.contact's relationship, read like a RelatedPerson's."""
        word, _unknown = self.relationship_word(
            items(contact.get("relationship")), text(contact.get("gender"))
        )
        return word


def partner_word(parent_relationship: str) -> str:
    if parent_relationship in ("mother", "father"):
        return f"{parent_relationship}'s partner"
    return f"partner of the child's {parent_relationship}"
