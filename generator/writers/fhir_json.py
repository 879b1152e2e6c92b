"""Health records as HL7 FHIR R4: one ``collection`` Bundle per child, ``fhir/fhir-<NHS number>.json``.

Each bundle is what a health record system gives for ``Patient/$everything``: the child's Patient
(the NHS number under ``https://fhir.nhs.uk/Id/nhs-number`` when health recorded it), a
RelatedPerson for each parent figure (and anyone else named on a health record), the
organisations, places and practitioners the records name, and one resource per health event:

=================================  ===============================================================
world event (first label)          FHIR resource (``id`` = the world's record ID)
=================================  ===============================================================
A&E attendance                     Encounter, class EMER, type SNOMED 4525004, period with the
                                   arrival (and departure) time; with ``Injury`` also a Condition
                                   (same id) recorded in it, coded as an injury
Health visitor contact             Encounter, class HH (home visit), type "Health visitor contact"
School nurse contact               Encounter, class AMB, type "School nurse contact"
GP consultation                    Encounter, class AMB, type "GP consultation"; with ``Parental
                                   mental health`` it is the mother's own consultation: an
                                   Encounter on the mother's Patient record (linked to her
                                   RelatedPerson by NHS number and ``Patient.link``)
Midwifery                          Encounter, class AMB, type "Midwifery" (birth notification)
Immunisation                       Immunization, status completed, performed by the GP practice
Dental check                       Appointment, status fulfilled
Was not brought                    Appointment, status noshow, the clinic as its service type
anything else                      Encounter, class AMB, typed by its labels
=================================  ===============================================================

The labels are the Encounter's ``type`` texts and the record's own words its ``reasonCode`` text,
so the chronology's summary reads like the agency's entry. Who came with the child (family as
RelatedPerson, practitioners as Practitioner) are the participants.

What FHIR cannot say as the world does: an uncertain date (the date is written without the ``?``;
the record's text says "date uncertain"); the family at an immunisation (Immunization has no
place for them); an appointment's time (an ``Appointment.start`` must be an instant with a time,
so appointments are given a clinic time between 09:00 and 16:30 fixed by the record ID). A health
row written with a mistyped NHS number is a second Patient in the bundle carrying that number (a
record keyed under the wrong number), so the identity gap carries through as in other formats.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.model import ChildRecord, Family, Mention, Person, Relation, WorldEvent

HEALTH = "Health"
SUBDIR = "fhir"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
LONDON = ZoneInfo("Europe/London")
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fhir.northgate-authority.example/synthetic")

AE = "A&E attendance"
IMMUNISATION = "Immunisation"
DENTAL = "Dental check"
NOT_BROUGHT = "Was not brought"
PARENTAL_MENTAL_HEALTH = "Parental mental health"
INJURY = "Injury"
ENCOUNTER_CLASS = {
    AE: ("EMER", "emergency"),
    "Health visitor contact": ("HH", "home health"),
}
AMBULATORY = ("AMB", "ambulatory")
ED_VISIT = ("4525004", "Emergency department patient visit")
INJURY_CODE = ("417163006", "Traumatic AND/OR non-traumatic injury")
# RelatedPerson.relationship: v3 RoleCode for each world role (mother's partner has none: text only).
ROLE_CODES = {
    "mother": ("MTH", "mother"),
    "father": ("FTH", "father"),
    "step-father": ("STPFTH", "stepfather"),
    "sibling": ("SIB", "sibling"),
    "half-sibling": ("HSIB", "half-sibling"),
    "grandparent": ("GRPRN", "grandparent"),
}
PARENT_FIGURES = ("mother", "father", "step-father", "mother's partner")
SOURCE_PREFIXES = (("GP record, ", ""), ("Maternity record, ", "Maternity unit, "))
COMPACT = (",", ":")
_NOT_ID = re.compile(r"[^A-Za-z0-9.]+")


@lru_cache(maxsize=4096)
def full_url(kind: str, rid: str) -> str:
    """The resource's ``urn:uuid`` fullUrl, the same in every run (a name-based UUID)."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{rid}')}"


def file_name(record: ChildRecord) -> str:
    return f"fhir-{record.child.nhs_number or record.la_child_id}.json"


def _slug(prefix: str, name: str) -> str:
    return (prefix + _NOT_ID.sub("-", name).strip("-"))[:64]


def _name(person: Person) -> list[dict[str, Any]]:
    return [{"use": "official", "family": person.surname, "given": person.forenames.split()}]


def _gender(sex: str) -> str:
    return {"F": "female", "M": "male"}.get(sex, "unknown")


def _stamp(day: dt.date, time: dt.time | None) -> str:
    """A FHIR dateTime: the date alone, or with the UK local time and its offset."""
    if time is None:
        return day.isoformat()
    moment = dt.datetime.combine(day, time, LONDON)
    return moment.isoformat(timespec="seconds")


def _date(event: WorldEvent) -> str:
    """The event's date as the agency recorded it (``2019-03`` when only the month is known)."""
    if event.precision == "month":
        return f"{event.day.year:04d}-{event.day.month:02d}"
    return _stamp(event.day, event.time)


def _clinic_time(record_id: str) -> dt.time:
    """A fixed clinic slot for an appointment (09:00-16:30), since the world gives no time."""
    slot = zlib.crc32(record_id.encode()) % 16
    return dt.time(9 + slot // 2, 30 * (slot % 2))


def _organisation(source: str) -> str:
    for prefix, replacement in SOURCE_PREFIXES:
        if source.startswith(prefix):
            return replacement + source[len(prefix) :]
    return source


def _text(value: str) -> dict[str, str]:
    return {"text": value}


def _coded(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        concept["text"] = text
    return concept


class _Bundle:
    """One child's bundle: people and places first, then the records, each resource once."""

    def __init__(self, record: ChildRecord) -> None:
        self.record = record
        self.people: dict[str, dict[str, Any]] = {}  # "Type/id" -> resource
        self.places: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.relations = {rel.person.person_id: rel for rel in record.relations}
        self.patient = self._child_patient()

    # --- references -------------------------------------------------------------------------------

    @staticmethod
    def ref(resource: dict[str, Any], display: str | None = None) -> dict[str, str]:
        reference = {"reference": full_url(resource["resourceType"], resource["id"])}
        if display:
            reference["display"] = display
        return reference

    def _add(self, table: dict[str, dict[str, Any]], resource: dict[str, Any]) -> dict[str, Any]:
        return table.setdefault(f"{resource['resourceType']}/{resource['id']}", resource)

    # --- people -----------------------------------------------------------------------------------

    def _recorded_nhs(self) -> str | None:
        """The child's NHS number if any health record holds it as it is (not mistyped)."""
        nhs = self.record.child.nhs_number
        written = {e.ids.get("nhs_number") for e in self.record.events if e.agency == HEALTH}
        return nhs if nhs and nhs in written else None

    def _patient(self, person: Person, rid: str, nhs: str | None) -> dict[str, Any]:
        resource: dict[str, Any] = {"resourceType": "Patient", "id": rid}
        if nhs:
            resource["identifier"] = [{"system": NHS_SYSTEM, "value": nhs}]
        resource.update(name=_name(person), gender=_gender(person.sex), birthDate=person.dob.isoformat())
        return resource

    def _child_patient(self) -> dict[str, Any]:
        child = self.record.child
        return self._add(self.people, self._patient(child, child.person_id, self._recorded_nhs()))

    def patient_for(self, event: WorldEvent) -> dict[str, Any]:
        """The child's Patient, or a second one under the NHS number as mistyped on this record."""
        written = event.ids.get("nhs_number")
        if not written or written == self.record.child.nhs_number:
            return self.patient
        child = self.record.child
        return self._add(self.people, self._patient(child, f"{child.person_id}-{written}", written))

    def related(self, relation: Relation) -> dict[str, Any]:
        person = relation.person
        rid = f"{self.record.child.person_id}-{person.person_id}"
        found = self.people.get(f"RelatedPerson/{rid}")
        if found is not None:
            return found
        code = ROLE_CODES.get(relation.role)
        concept = (
            _coded(ROLE_CODE, code[0], code[1], relation.role) if code else _text(relation.role.capitalize())
        )
        resource: dict[str, Any] = {"resourceType": "RelatedPerson", "id": rid}
        if relation.role == "mother" and person.nhs_number:
            resource["identifier"] = [{"system": NHS_SYSTEM, "value": person.nhs_number}]
        resource.update(
            patient=self.ref(self.patient),
            relationship=[concept],
            name=_name(person),
            gender=_gender(person.sex),
            birthDate=person.dob.isoformat(),
        )
        if relation.since:
            resource["period"] = {"start": relation.since.isoformat()}
        return self._add(self.people, resource)

    def adult_patient(self, relation: Relation) -> dict[str, Any]:
        """A parent's own Patient record, linked to their RelatedPerson (same NHS number too)."""
        person = relation.person
        related = self.related(relation)
        resource = self._patient(
            person, person.person_id, person.nhs_number if "identifier" in related else None
        )
        resource["link"] = [{"other": self.ref(related), "type": "seealso"}]
        return self._add(self.people, resource)

    def parents(self) -> None:
        for relation in self.record.relations:
            if relation.role in PARENT_FIGURES:
                self.related(relation)

    def participants(self, mentions: tuple[Mention, ...]) -> list[dict[str, Any]]:
        found = []
        for mention in mentions:
            relation = self.relations.get(mention.person_id or "")
            if relation is not None:
                found.append(
                    {
                        "type": [_text(", ".join(mention.roles))],
                        "individual": self.ref(self.related(relation), mention.name),
                    }
                )
            elif not mention.person_id:
                role = ", ".join(mention.roles)
                practitioner = self._add(
                    self.places,
                    {
                        "resourceType": "Practitioner",
                        "id": _slug("PR-", mention.name),
                        "name": [_text(mention.name)],
                    },
                )
                found.append({"type": [_text(role)], "individual": self.ref(practitioner, mention.name)})
        return found

    # --- places -----------------------------------------------------------------------------------

    def organisation(self, source: str) -> dict[str, Any]:
        name = _organisation(source)
        return self._add(
            self.places, {"resourceType": "Organization", "id": _slug("ORG-", name), "name": name}
        )

    def location(self, source: str) -> dict[str, Any]:
        name = _organisation(source)
        return self._add(self.places, {"resourceType": "Location", "id": _slug("LOC-", name), "name": name})

    # --- records ----------------------------------------------------------------------------------

    def add_event(self, event: WorldEvent) -> None:
        kind = event.labels[0] if event.labels else "Health contact"
        if kind == IMMUNISATION:
            self.events.append(self.immunisation(event))
        elif kind in (DENTAL, NOT_BROUGHT):
            self.events.append(self.appointment(event, kind))
        else:
            encounter = self.encounter(event, kind)
            self.events.append(encounter)
            if kind == AE and INJURY in event.labels:
                condition = self.injury(event, encounter)
                encounter["diagnosis"] = [{"condition": self.ref(condition), "rank": 1}]
                self.events.append(condition)

    def encounter(self, event: WorldEvent, kind: str) -> dict[str, Any]:
        code, display = ENCOUNTER_CLASS.get(kind, AMBULATORY)
        first = _coded(SNOMED, *ED_VISIT, kind) if kind == AE else _text(kind)
        mother = self.record.relation("mother")
        own = PARENTAL_MENTAL_HEALTH in event.labels and mother is not None
        # the mother's own consultation is on her record; everything else on the child's
        subject = self.adult_patient(mother) if own and mother is not None else self.patient_for(event)
        period = {"start": _date(event)}
        if event.end_day is not None:
            period["end"] = _stamp(event.end_day, event.end_time)
        resource: dict[str, Any] = {
            "resourceType": "Encounter",
            "id": event.record_id,
            "status": "finished",
            "class": {"system": ACT_CODE, "code": code, "display": display},
            "type": [first, *(_text(label) for label in event.labels[1:])],
            "subject": self.ref(subject),
            "participant": [] if own else self.participants(event.persons),
            "period": period,
            "reasonCode": [_text(event.text)],
            "serviceProvider": self.ref(self.organisation(event.source)),
        }
        if not resource["participant"]:
            del resource["participant"]
        if event.action:
            resource["hospitalization"] = {"dischargeDisposition": _text(event.action)}
        return resource

    def injury(self, event: WorldEvent, encounter: dict[str, Any]) -> dict[str, Any]:
        return {
            "resourceType": "Condition",
            "id": event.record_id,
            "verificationStatus": _coded(CONDITION_VERIFICATION, "confirmed", "Confirmed"),
            "category": [_coded(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")],
            "code": _coded(SNOMED, *INJURY_CODE, event.text),
            "subject": encounter["subject"],
            "encounter": self.ref(encounter),
            "onsetDateTime": _date(event),
            "recordedDate": event.day.isoformat(),
        }

    def immunisation(self, event: WorldEvent) -> dict[str, Any]:
        return {
            "resourceType": "Immunization",
            "id": event.record_id,
            "status": "completed",
            "vaccineCode": _text(event.text),
            "patient": self.ref(self.patient_for(event)),
            "occurrenceDateTime": _date(event),
            "performer": [{"actor": self.ref(self.organisation(event.source))}],
        }

    def appointment(self, event: WorldEvent, kind: str) -> dict[str, Any]:
        service = event.labels[1] if kind == NOT_BROUGHT and len(event.labels) > 1 else kind
        start = _stamp(event.day, event.time or _clinic_time(event.record_id))
        participants = [
            {"actor": self.ref(self.patient_for(event)), "status": "accepted"},
            {"actor": self.ref(self.location(event.source)), "status": "accepted"},
            *({"actor": p["individual"], "status": "accepted"} for p in self.participants(event.persons)),
        ]
        resource: dict[str, Any] = {
            "resourceType": "Appointment",
            "id": event.record_id,
            "status": "noshow" if kind == NOT_BROUGHT else "fulfilled",
            "serviceType": [_text(service)],
            "description": event.text,
            "start": start,
            "participant": participants,
        }
        if event.action:
            resource["comment"] = event.action
        return resource

    def entries(self) -> list[dict[str, Any]]:
        resources = [*self.people.values(), *self.places.values(), *self.events]
        return [{"fullUrl": full_url(r["resourceType"], r["id"]), "resource": r} for r in resources]


def bundle_entries(record: ChildRecord) -> list[dict[str, Any]]:
    """The entries of a child's bundle (empty when health holds no record of the child)."""
    events = [event for event in record.events if event.agency == HEALTH]
    if not events:
        return []
    bundle = _Bundle(record)
    bundle.parents()
    for event in events:
        bundle.add_event(event)
    return bundle.entries()


class FhirWriter:
    """Writes one FHIR R4 collection Bundle per child with health records, in ``fhir/``."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._written: dict[str, int] = {}

    def open(self, out_dir: Path) -> None:
        self._dir = out_dir / SUBDIR
        self._dir.mkdir(parents=True, exist_ok=True)

    def write_family(self, family: Family) -> None:
        assert self._dir is not None, "open() first"
        for record in family.children:
            entries = bundle_entries(record)
            if not entries:
                continue
            name = file_name(record)
            lines = ",\n".join(json.dumps(entry, ensure_ascii=False, separators=COMPACT) for entry in entries)
            head = {"resourceType": "Bundle", "id": record.child.person_id, "type": "collection"}
            text = json.dumps(head, separators=COMPACT)[:-1] + ',"entry":[\n' + lines + "\n]}\n"
            (self._dir / name).write_text(text, encoding="utf-8")  # one entry a line: readable diffs
            self._written[f"{SUBDIR}/{name}"] = len(entries)

    def close(self) -> dict[str, int]:
        written = dict(sorted(self._written.items()))
        self._written.clear()
        return written
