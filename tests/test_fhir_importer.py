"""The FHIR R4 Bundle importer.

Synthetic NHS-style bundles are built here by the tests (a child, their mother as a Patient and as a
RelatedPerson, a father and step-father, an A&E attendance at night with an injury, missed
appointments, a safeguarding flag, a health visiting episode) in every bundle type and reference
style. The public Synthea samples are read from /work/shared/samples/health; what they should give
is counted from the JSON with plain ``json.load`` in the test, never copied from the importer.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importers
from chronology.events import (
    CanonicalEvent,
    Coverage,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRecord,
    Precision,
    RejectedRow,
    Relationship,
    Skipped,
)
from chronology.identifiers import nhs_number_problem
from chronology.ingest import FileInfo, import_items
from importers import fhir_stream
from importers.base import ImportOptions
from importers.fhir import FhirImporter
from importers.fhir_events import MAPPERS
from tests.conftest import SAMPLES

HEALTH = SAMPLES / "health"
SYNTHEA = sorted(HEALTH.glob("synthea-*.json"))
LONDON = ZoneInfo("Europe/London")
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
BASE = "https://fhir.example-trust.nhs.uk/R4"
CHILD_NHS = "9993395633"  # synthetic (999 range), valid check digit
MOTHER_NHS = "9999939082"
BAD_NHS = "1234567890"  # check value 10: never issued
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"


# --- helpers -------------------------------------------------------------------------------------------


def read(path: Path, **options: Any) -> list[ImportItem]:
    return list(FhirImporter().read(path, ImportOptions(**options)))


def of(items: list[ImportItem], kind: type) -> list:
    return [item for item in items if isinstance(item, kind)]


def events_by_resource(items: list[ImportItem]) -> dict[str, list[CanonicalEvent]]:
    found: dict[str, list[CanonicalEvent]] = {}
    for event in of(items, CanonicalEvent):
        found.setdefault(event.attributes.get("resource_id", ""), []).append(event)
    return found


def write(tmp_path: Path, bundle: Any, name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def codeable(
    code: str | None = None, display: str | None = None, system: str = SNOMED, text: str | None = None
) -> dict:
    concept: dict[str, Any] = {}
    if code or display:
        concept["coding"] = [
            {k: v for k, v in (("system", system), ("code", code), ("display", display)) if v}
        ]
    if text:
        concept["text"] = text
    return concept


class Builder:
    """A bundle in one reference style: ``uuid`` (fullUrl urn:uuid, references to it), ``relative``
    (absolute fullUrls, ``Patient/<id>`` references) or ``absolute`` (absolute URLs both sides)."""

    def __init__(self, style: str = "uuid") -> None:
        self.style = style
        self.entries: list[dict[str, Any]] = []

    def full_url(self, kind: str, rid: str) -> str:
        if self.style == "uuid":
            return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{kind}/{rid}')}"
        return f"{BASE}/{kind}/{rid}"

    def ref(self, kind: str, rid: str, display: str | None = None) -> dict[str, str]:
        target = {
            "uuid": self.full_url(kind, rid),
            "relative": f"{kind}/{rid}",
            "absolute": f"{BASE}/{kind}/{rid}",
        }
        reference = {"reference": target[self.style]}
        return reference | ({"display": display} if display else {})

    def resource(self, rid: str) -> dict[str, Any]:
        return next(e["resource"] for e in self.entries if e["resource"]["id"] == rid)

    def add(self, resource: dict[str, Any], **extra: Any) -> None:
        entry = {"fullUrl": self.full_url(resource["resourceType"], resource["id"]), "resource": resource}
        self.entries.append(entry | extra)

    def bundle(self, kind: str) -> dict[str, Any]:
        entries = copy.deepcopy(self.entries)
        if kind in ("transaction", "batch"):
            for entry in entries:
                entry["request"] = {"method": "POST", "url": entry["resource"]["resourceType"]}
        if kind == "searchset":
            for entry in entries:
                is_patient = entry["resource"]["resourceType"] == "Patient"
                entry["search"] = {"mode": "include" if is_patient else "match"}
        head: list[dict[str, Any]] = []
        if kind == "message":
            head = [
                {
                    "fullUrl": "urn:uuid:0b8a5a44-2f4e-4b4e-9d6a-1c1c1c1c1c1c",
                    "resource": {
                        "resourceType": "MessageHeader",
                        "id": "msg-1",
                        "eventCoding": {
                            "system": "https://fhir.nhs.uk/CodeSystem/message-event",
                            "code": "safeguarding",
                        },
                        "sender": self.ref("Organization", "org-hospital"),
                        "source": {"name": "Synthetic PAS", "endpoint": "https://example.invalid"},
                        "focus": [self.ref("Patient", "child-1")],
                    },
                }
            ]
        if kind == "document":
            head = [
                {
                    "fullUrl": "urn:uuid:2c0d0d0d-0000-4000-8000-000000000001",
                    "resource": {
                        "resourceType": "Composition",
                        "id": "doc-1",
                        "status": "final",
                        "type": codeable("371531000", "Report of clinical encounter"),
                        "subject": self.ref("Patient", "child-1"),
                        "date": "2021-12-01",
                        "author": [self.ref("Organization", "org-hospital")],
                        "custodian": self.ref("Organization", "org-hospital"),
                        "title": "Safeguarding summary",
                    },
                }
            ]
        bundle: dict[str, Any] = {"resourceType": "Bundle", "id": f"bundle-{kind}", "type": kind}
        if kind in ("message", "document"):
            bundle["timestamp"] = "2021-12-01T10:00:00Z"
        if kind == "searchset":
            entries.append(
                {
                    "resource": {
                        "resourceType": "OperationOutcome",
                        "id": "oo-1",
                        "issue": [{"severity": "information", "code": "informational"}],
                    },
                    "search": {"mode": "outcome"},
                }
            )
        bundle["entry"] = head + entries
        return bundle


def family(style: str = "uuid") -> Builder:
    """A child (valid NHS number), the mother as Patient and RelatedPerson, a father (invalid NHS
    number) and a step-father, with the child's and the mother's health records."""
    b = Builder(style)
    child, mother = ("Patient", "child-1"), ("Patient", "mother-1")
    b.add(
        {
            "resourceType": "Patient",
            "id": "child-1",
            "identifier": [{"system": NHS_SYSTEM, "value": CHILD_NHS}],
            "name": [{"use": "official", "family": "Example", "given": ["Poppy", "May"]}],
            "gender": "female",
            "birthDate": "2019-05-01",
            "address": [{"use": "home", "postalCode": "ZZ99 3AA"}],
        }
    )
    b.add(
        {
            "resourceType": "Patient",
            "id": "mother-1",
            "identifier": [{"system": NHS_SYSTEM, "value": MOTHER_NHS}],
            "name": [{"family": "Example", "given": ["Jane"]}],
            "gender": "female",
            "birthDate": "1992-02-10",
        }
    )
    b.add(
        {
            "resourceType": "RelatedPerson",
            "id": "rp-mother",
            "patient": b.ref(*child),
            "relationship": [codeable("MTH", "mother", ROLE)],
            "identifier": [{"system": NHS_SYSTEM, "value": MOTHER_NHS}],
            "name": [{"family": "Example", "given": ["Jane"]}],
            "gender": "female",
            "birthDate": "1992-02-10",
        }
    )
    b.add(
        {
            "resourceType": "RelatedPerson",
            "id": "rp-father",
            "patient": b.ref(*child),
            "relationship": [codeable("FTH", "father", ROLE)],
            "identifier": [{"system": NHS_SYSTEM, "value": BAD_NHS}],
            "name": [{"family": "Sample", "given": ["Mark"]}],
            "gender": "male",
            "period": {"start": "2019-05-01"},
        }
    )
    b.add(
        {
            "resourceType": "RelatedPerson",
            "id": "rp-stepfather",
            "patient": b.ref(*child),
            "relationship": [codeable("STPFTH", "stepfather", ROLE)],
            "name": [{"family": "Other", "given": ["Paul"]}],
            "gender": "male",
            "period": {"start": "2020-09"},
        }
    )
    b.add({"resourceType": "Organization", "id": "org-hospital", "name": "Northtown General Hospital"})
    b.add({"resourceType": "Organization", "id": "org-hv", "name": "Northtown 0-19 Health Visiting Team"})
    b.add({"resourceType": "Location", "id": "loc-clinic", "name": "Fracture clinic, Northtown"})
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-ae",
            "status": "finished",
            "class": {"system": ACT, "code": "EMER", "display": "emergency"},
            "type": [codeable("4525004", "Emergency department patient visit")],
            "subject": b.ref(*child),
            "participant": [{"individual": b.ref("RelatedPerson", "rp-mother")}],
            "period": {"start": "2021-07-03T23:30:00Z", "end": "2021-07-04T02:10:00Z"},
            "serviceProvider": b.ref("Organization", "org-hospital"),
        }
    )
    b.add(
        {
            "resourceType": "Condition",
            "id": "cond-injury",
            "clinicalStatus": codeable(
                "active", system="http://terminology.hl7.org/CodeSystem/condition-clinical"
            ),
            "code": codeable("65966004", "Fracture of forearm", text="Fracture of left forearm"),
            "subject": b.ref(*child),
            "encounter": b.ref("Encounter", "enc-ae"),
            "onsetDateTime": "2021-07-03T22:00:00Z",
        }
    )
    b.add(
        {
            "resourceType": "Condition",
            "id": "cond-nai",
            "verificationStatus": codeable(
                "provisional", system="http://terminology.hl7.org/CodeSystem/condition-ver-status"
            ),
            "code": codeable("T74.1", "Physical abuse", system="http://hl7.org/fhir/sid/icd-10"),
            "subject": b.ref(*child),
            "recordedDate": "2021-07-05",
        }
    )
    for rid, start in (("appt-1", "2021-09-01T09:30:00+01:00"), ("appt-2", "2021-11-15T14:00:00Z")):
        b.add(
            {
                "resourceType": "Appointment",
                "id": rid,
                "status": "noshow",
                "serviceType": [codeable(text="Paediatric fracture clinic")],
                "start": start,
                "participant": [
                    {"actor": b.ref(*child), "status": "accepted"},
                    {"actor": b.ref("RelatedPerson", "rp-mother"), "status": "accepted"},
                    {
                        "actor": b.ref("Location", "loc-clinic", "Fracture clinic, Northtown"),
                        "status": "accepted",
                    },
                ],
            }
        )
    b.add(
        {
            "resourceType": "Appointment",
            "id": "appt-booked",
            "status": "booked",
            "start": "2022-01-10T10:00:00Z",
            "participant": [{"actor": b.ref(*child), "status": "accepted"}],
        }
    )
    b.add(
        {
            "resourceType": "Appointment",
            "id": "appt-seen",
            "status": "fulfilled",
            "serviceType": [codeable(text="Health visitor review")],
            "start": "2021-08-01T10:00:00+01:00",
            "participant": [{"actor": b.ref(*child), "status": "accepted"}],
        }
    )
    b.add(
        {
            "resourceType": "Flag",
            "id": "flag-cpp",
            "status": "active",
            "category": [codeable(text="Safeguarding")],
            "code": codeable("342191000000101", "Subject to child protection plan"),
            "subject": b.ref(*child),
            "period": {"start": "2021-08-10"},
            "author": b.ref("Organization", "org-hospital"),
        }
    )
    b.add(
        {
            "resourceType": "EpisodeOfCare",
            "id": "eoc-hv",
            "status": "finished",
            "type": [codeable(text="Health visiting")],
            "patient": b.ref(*child),
            "managingOrganization": b.ref("Organization", "org-hv"),
            "period": {"start": "2019-05-10", "end": "2021-05-01"},
        }
    )
    b.add(
        {
            "resourceType": "Observation",
            "id": "obs-weight",
            "status": "final",
            "code": codeable("27113001", "Body weight"),
            "subject": b.ref(*child),
            "effectiveDateTime": "2021-07-04",
            "valueQuantity": {"value": 12.5, "unit": "kg"},
        }
    )
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-mother",
            "status": "finished",
            "class": {"system": ACT, "code": "EMER"},
            "reasonCode": [codeable(text="Facial injury; domestic abuse disclosed")],
            "subject": b.ref(*mother),
            "period": {"start": "2021-06-20T21:00:00+01:00"},
            "serviceProvider": b.ref("Organization", "org-hospital"),
        }
    )
    b.add({"resourceType": "Claim", "id": "claim-1", "status": "active", "patient": b.ref(*child)})
    return b


BUNDLE_KINDS = ("collection", "transaction", "batch", "searchset", "message", "document")
EXPECTED_EVENTS = {
    "Encounter/enc-ae",
    "Condition/cond-injury",
    "Condition/cond-nai",
    "Appointment/appt-1",
    "Appointment/appt-2",
    "Appointment/appt-seen",
    "Flag/flag-cpp",
    "EpisodeOfCare/eoc-hv",
    "Observation/obs-weight",
    "Encounter/enc-mother",
}


# --- NHS-style bundles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BUNDLE_KINDS)
@pytest.mark.parametrize("style", ["uuid", "relative", "absolute"])
def test_every_bundle_type_and_reference_style_gives_the_same_chronology(
    tmp_path: Path, kind: str, style: str
) -> None:
    items = read(write(tmp_path, family(style).bundle(kind)))
    events = events_by_resource(items)
    assert set(events) == EXPECTED_EVENTS
    assert all(len(found) == 1 for found in events.values())
    assert all(e.subject.identifiers[0].value == CHILD_NHS for found in events.values() for e in found)
    assert len(of(items, PersonRecord)) == 2
    assert sorted(r.relationship for r in of(items, Relationship)) == ["father", "mother", "step-father"]
    assert not of(items, RejectedRow)
    messages = [w.message for w in of(items, ImportWarning)]
    assert not any("Claim" in m for m in messages)  # a Claim is skipped with its reason, not a warning
    assert any("not an event: 1 Appointment resource(s) with status booked" in m for m in messages)
    context = ("MessageHeader", "Composition", "OperationOutcome")
    skipped = [t for item in of(items, Skipped) if (t := item.reason.split(":")[0]) in context]
    (claim,) = [s for s in of(items, Skipped) if s.what == "Claim/claim-1"]
    assert claim.reason.startswith("Claim: a billing claim")
    assert claim.path.startswith(f"Bundle({kind}).entry[") and claim.path.endswith(".resource(Claim/claim-1)")
    if kind == "message":
        assert skipped == ["MessageHeader"]
    if kind == "document":
        assert skipped == ["Composition"]
    weight = events["Observation/obs-weight"][0]  # names no organisation: the bundle's sender, if known
    expected_source = "Northtown General Hospital" if kind in ("message", "document") else "FHIR Observation"
    assert weight.source == expected_source
    ae = events["Encounter/enc-ae"][0]
    expected_id = "Encounter/enc-ae" if style == "uuid" else f"{BASE}/Encounter/enc-ae"
    assert ae.provenance.source_record_id == expected_id
    if kind == "searchset":
        assert skipped == ["OperationOutcome"]
        assert events["Encounter/enc-ae"][0].attributes["search_mode"] == "match"


def test_ae_attendance_at_night_is_dated_in_uk_local_time_with_its_injury(tmp_path: Path) -> None:
    items = read(write(tmp_path, family().bundle("collection")))
    ae = events_by_resource(items)["Encounter/enc-ae"][0]
    assert ae.event_type == "ae_attendance"
    # 23:30 UTC on 3 July is 00:30 BST on 4 July
    assert (ae.date, ae.time) == (PartialDate(2021, 7, 4), dt.time(0, 30))
    assert (ae.end, ae.end_time) == (PartialDate(2021, 7, 4), dt.time(3, 10))
    assert ae.significant
    assert ae.source == "Northtown General Hospital"
    assert ae.agency == "Health"
    assert "Fracture of left forearm" in ae.summary
    assert ae.attributes["injury"] == "yes"
    assert ae.themes == []  # an injury is not physical abuse unless recorded as such
    assert ae.categories == ["EMER", "4525004"]
    assert [(p.display_name(), p.role) for p in ae.persons] == [("Jane Example", "mother")]
    assert ae.provenance.path == "Bundle(collection).entry[8].resource(Encounter/enc-ae)"
    assert ae.provenance.source_system == "fhir"
    assert json.loads(ae.attributes["fhir_json"])["id"] == "enc-ae"


def test_conditions_get_a_theme_only_when_recorded_as_abuse(tmp_path: Path) -> None:
    events = events_by_resource(read(write(tmp_path, family().bundle("collection"))))
    injury, abuse = events["Condition/cond-injury"][0], events["Condition/cond-nai"][0]
    assert (injury.event_type, injury.themes, injury.significant) == ("health_condition", [], False)
    assert injury.categories == ["65966004"]
    assert (abuse.themes, abuse.significant) == (["physical_abuse"], True)
    assert abuse.date == PartialDate(2021, 7, 5)
    assert abuse.attributes["date_from"] == "recordedDate"
    assert "verification provisional" in abuse.summary


def test_missed_appointments_are_not_brought_with_the_health_neglect_theme(tmp_path: Path) -> None:
    items = read(write(tmp_path, family().bundle("collection")))
    missed = [e for e in of(items, CanonicalEvent) if e.event_type == "appointment_not_brought"]
    assert len(missed) == 2
    assert all(e.themes == ["health_neglect"] and not e.significant for e in missed)
    assert all("noshow" in e.categories for e in missed)
    assert missed[0].summary.startswith("Was not brought to appointment: Paediatric fracture clinic")
    assert missed[0].source == "Fracture clinic, Northtown"
    assert [(p.display_name(), p.role) for p in missed[0].persons] == [("Jane Example", "mother")]
    seen = events_by_resource(items)["Appointment/appt-seen"][0]
    assert (seen.event_type, seen.significant, seen.attributes["contact_with"]) == (
        "appointment_attended",
        False,
        "health visitor",
    )


def test_flag_episode_and_observation(tmp_path: Path) -> None:
    events = events_by_resource(read(write(tmp_path, family().bundle("collection"))))
    flag = events["Flag/flag-cpp"][0]
    assert (flag.event_type, flag.significant, flag.date) == (
        "safeguarding_flag",
        True,
        PartialDate(2021, 8, 10),
    )
    assert "Subject to child protection plan" in flag.summary
    episode = events["EpisodeOfCare/eoc-hv"][0]
    assert episode.event_type == "episode_of_care"
    assert (episode.date, episode.end) == (PartialDate(2019, 5, 10), PartialDate(2021, 5, 1))
    assert episode.attributes["contact_with"] == "health visitor"
    assert episode.source == "Northtown 0-19 Health Visiting Team"
    weight = events["Observation/obs-weight"][0]
    assert (weight.event_type, weight.summary) == ("health_observation", "Observation: Body weight: 12.5 kg")


def test_the_mothers_own_record_appears_on_the_childs_chronology(tmp_path: Path) -> None:
    items = read(write(tmp_path, family().bundle("collection")))
    event = events_by_resource(items)["Encounter/enc-mother"][0]
    assert event.subject.identifiers[0].value == CHILD_NHS
    assert event.summary.startswith("Mother (Jane Example): A&E attendance at Northtown General Hospital")
    assert event.themes == ["domestic_abuse"]
    assert event.attributes["about"] == "mother (Jane Example)"
    assert event.provenance.record_part == f"nhs:{CHILD_NHS}"
    (mother,) = event.persons
    assert mother.role == "mother"
    assert {i.value for i in mother.identifiers} == {MOTHER_NHS}
    records = {r.provenance.source_record_id: r for r in of(items, PersonRecord)}
    assert records["Patient/child-1"].is_child and not records["Patient/mother-1"].is_child
    assert records["Patient/child-1"].person.dob == PartialDate(2019, 5, 1)
    assert records["Patient/child-1"].person.postcode == "ZZ99 3AA"


def test_related_people_become_relationships_with_identifiers_and_warnings(tmp_path: Path) -> None:
    items = read(write(tmp_path, family().bundle("collection")))
    relations = {r.relationship: r for r in of(items, Relationship)}
    mother = relations["mother"].person
    assert {(i.kind, i.value) for i in mother.identifiers} == {(IdentifierKind.NHS_NUMBER, MOTHER_NHS)}
    assert relations["mother"].attributes["also_patient"] == "Patient/mother-1"
    father = relations["father"].person
    assert father.display_name() == "Mark Sample"
    assert [(i.kind, i.value) for i in father.identifiers] == [(IdentifierKind.NHS_NUMBER, BAD_NHS)]
    assert relations["father"].from_date == PartialDate(2019, 5, 1)
    step = relations["step-father"]
    assert step.from_date == PartialDate(2020, 9) and step.from_date.precision == Precision.MONTH
    # none given: its fullUrl (a urn:uuid is unique everywhere) lets a re-import find the same person
    assert [(i.scope, i.value) for i in step.person.identifiers] == [
        ("fhir:fullUrl", family().full_url("RelatedPerson", "rp-stepfather"))
    ]
    bad = [w for w in of(items, ImportWarning) if BAD_NHS in w.message]
    assert len(bad) == 1 and bad[0].field == "identifier[0]"
    assert nhs_number_problem(BAD_NHS) in bad[0].message
    assert bad[0].path == "Bundle(collection).entry[3].resource(RelatedPerson/rp-father)"


def test_every_entry_is_accounted_for(tmp_path: Path) -> None:
    bundle = family().bundle("message")
    items = read(write(tmp_path, bundle))
    placed = {
        _entry_index(item.provenance.path if hasattr(item, "provenance") else item.path)
        for item in items
        if isinstance(item, CanonicalEvent | Relationship | PersonRecord | RejectedRow | Skipped)
    }
    counted = _counted(of(items, ImportWarning))
    types = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    unplaced = Counter(
        bundle["entry"][i]["resource"]["resourceType"] for i in range(len(bundle["entry"])) if i not in placed
    )
    assert unplaced == counted
    assert sum(types.values()) == len(placed) + sum(counted.values())


def test_coverage_is_the_span_of_event_dates(tmp_path: Path) -> None:
    items = read(write(tmp_path, family().bundle("collection")), agency="Northtown NHS Trust")
    (coverage,) = of(items, Coverage)
    assert (coverage.agency, coverage.start, coverage.end) == (
        "Northtown NHS Trust",
        dt.date(2019, 5, 10),
        dt.date(2021, 11, 15),
    )
    assert all(e.agency == "Northtown NHS Trust" for e in of(items, CanonicalEvent))


def test_encounter_classes_types_and_statuses(tmp_path: Path) -> None:
    b = family()
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-adm",
            "status": "finished",
            "class": {"system": ACT, "code": "IMP"},
            "subject": b.ref("Patient", "child-1"),
            "period": {"start": "2021-10-01", "end": "2021-10-04"},
            "hospitalization": {"dischargeDisposition": codeable(text="Home with parents")},
        }
    )
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-odd",
            "status": "finished",
            "class": {"system": "https://example.invalid", "code": "WALKIN"},
            "type": [codeable(text="A&E walk-in")],
            "subject": b.ref("Patient", "child-1"),
            "period": {"start": "2021-10-02"},
        }
    )
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-gp",
            "status": "finished",
            "class": {"system": ACT, "code": "AMB"},
            "serviceType": codeable(text="General practice"),
            "subject": b.ref("Patient", "child-1"),
            "period": {"start": "2021-10-03"},
        }
    )
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-plan",
            "status": "planned",
            "subject": b.ref("Patient", "child-1"),
        }
    )
    b.add(
        {
            "resourceType": "Appointment",
            "id": "appt-cancel",
            "status": "cancelled",
            "cancelationReason": codeable(
                "pat", "Patient", "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
            ),
            "start": "2021-10-05T10:00:00Z",
            "participant": [{"actor": b.ref("Patient", "child-1")}],
        }
    )
    items = read(write(tmp_path, b.bundle("collection")))
    events = events_by_resource(items)
    admission = events["Encounter/enc-adm"][0]
    assert (admission.event_type, admission.significant, admission.end) == (
        "hospital_admission",
        True,
        PartialDate(2021, 10, 4),
    )
    assert "discharged: Home with parents" in admission.summary
    assert events["Encounter/enc-odd"][0].event_type == "ae_attendance"
    gp = events["Encounter/enc-gp"][0]
    assert (gp.event_type, gp.summary, gp.attributes["contact_with"]) == (
        "health_contact",
        "GP contact: General practice",
        "GP",
    )
    cancelled = events["Appointment/appt-cancel"][0]
    assert cancelled.event_type == "other" and "cancellation reason: Patient" in cancelled.summary
    assert "Encounter/enc-plan" not in events
    messages = [w.message for w in of(items, ImportWarning)]
    assert any(m.startswith("not an event: 1 Encounter resource(s) with status planned") for m in messages)
    (unknown,) = [w for w in of(items, ImportWarning) if "WALKIN" in w.message]
    assert unknown.field == "Encounter.class" and "on 1 resource(s)" in unknown.message


def test_a_death_is_an_event_for_the_child_and_for_a_parents_children(tmp_path: Path) -> None:
    b = family()
    b.resource("mother-1")["deceasedDateTime"] = "2021-12-01T08:00:00Z"
    items = read(write(tmp_path, b.bundle("collection")))
    (death,) = [e for e in of(items, CanonicalEvent) if "deceased" in e.attributes]
    assert (death.event_type, death.significant, death.date) == ("other", True, PartialDate(2021, 12, 1))
    assert death.summary == "Mother (Jane Example): death recorded"
    assert death.subject.identifiers[0].value == CHILD_NHS
    b.resource("child-1")["deceasedBoolean"] = True
    items = read(write(tmp_path, b.bundle("collection")))
    (child_death,) = [e for e in of(items, CanonicalEvent) if e.event_type == "death"]
    assert child_death.date is None and child_death.provenance.record_part == "deceased"
    assert any("death is recorded without a date" in w.message for w in of(items, ImportWarning))


# --- who is a child -------------------------------------------------------------------------------------


def test_an_adult_linked_to_no_child_has_their_records_rejected(tmp_path: Path) -> None:
    b = Builder()
    b.add(
        {
            "resourceType": "Patient",
            "id": "adult",
            "name": [{"family": "Alone", "given": ["Ann"]}],
            "birthDate": "1980-01-01",
        }
    )
    b.add(
        {
            "resourceType": "Encounter",
            "id": "e1",
            "status": "finished",
            "subject": b.ref("Patient", "adult"),
            "period": {"start": "2021-01-01"},
        }
    )
    items = read(write(tmp_path, b.bundle("collection")))
    (rejected,) = of(items, RejectedRow)
    assert "Ann Alone, an adult" in rejected.reason and "not linked to any child" in rejected.reason
    assert rejected.path == "Bundle(collection).entry[1].resource(Encounter/e1)"
    assert json.loads(rejected.raw["fhir_json"])["id"] == "e1"
    assert not of(items, CanonicalEvent)


def test_a_seventeen_year_old_mother_is_a_child_too(tmp_path: Path) -> None:
    b = family()
    b.entries[1]["resource"]["birthDate"] = "2004-03-01"  # 17 at the bundle's latest event (Nov 2021)
    items = read(write(tmp_path, b.bundle("collection")))
    records = {r.provenance.source_record_id: r for r in of(items, PersonRecord)}
    assert records["Patient/mother-1"].is_child
    event = events_by_resource(items)["Encounter/enc-mother"][0]
    assert event.subject.identifiers[0].value == MOTHER_NHS  # her own chronology, as a child


def test_without_birth_dates_a_related_person_tells_parent_from_child(tmp_path: Path) -> None:
    b = family()
    for entry in b.entries[:3]:
        entry["resource"].pop("birthDate", None)
    items = read(write(tmp_path, b.bundle("collection")))
    records = {r.provenance.source_record_id: r for r in of(items, PersonRecord)}
    assert records["Patient/child-1"].is_child and not records["Patient/mother-1"].is_child
    assert (
        "a RelatedPerson names them as a parent" in records["Patient/mother-1"].attributes["child_or_adult"]
    )


def test_a_patient_link_to_the_related_person_makes_them_one_adult(tmp_path: Path) -> None:
    b = family()
    mother = b.resource("mother-1")
    mother.pop("identifier")
    mother.pop("birthDate")
    mother["name"] = [{"text": "J. Example"}]
    mother["link"] = [{"other": b.ref("RelatedPerson", "rp-mother"), "type": "seealso"}]
    items = read(write(tmp_path, b.bundle("collection")))
    records = {r.provenance.source_record_id: r for r in of(items, PersonRecord)}
    assert not records["Patient/mother-1"].is_child
    event = events_by_resource(items)["Encounter/enc-mother"][0]
    assert event.summary.startswith("Mother (J. Example): ")


def test_a_lone_patient_without_birth_date_is_taken_as_the_child_with_a_warning(tmp_path: Path) -> None:
    b = Builder()
    b.add({"resourceType": "Patient", "id": "p", "name": [{"text": "Sam Example"}]})
    b.add(
        {
            "resourceType": "Observation",
            "id": "o",
            "status": "final",
            "subject": b.ref("Patient", "p"),
            "effectiveDateTime": "2021",
        }
    )
    items = read(write(tmp_path, b.bundle("collection")))
    (event,) = of(items, CanonicalEvent)
    assert event.subject.display_name() == "Sam Example"
    assert event.date == PartialDate(2021) and event.date.precision == Precision.YEAR
    assert any("taken to be a child" in w.message for w in of(items, ImportWarning))


def test_partner_of_the_mother_is_the_mothers_partner(tmp_path: Path) -> None:
    b = family()
    b.add(
        {
            "resourceType": "RelatedPerson",
            "id": "rp-partner",
            "patient": b.ref("Patient", "mother-1"),
            "relationship": [codeable("DOMPART", "domestic partner", ROLE)],
            "name": [{"family": "Partner", "given": ["Lee"]}],
        }
    )
    b.add(
        {
            "resourceType": "RelatedPerson",
            "id": "rp-mothers-friend",
            "patient": b.ref("Patient", "mother-1"),
            "relationship": [codeable("FRND", "friend", ROLE)],
            "name": [{"family": "Friend", "given": ["Kim"]}],
        }
    )
    items = read(write(tmp_path, b.bundle("collection")))
    relations = {r.relationship: r for r in of(items, Relationship)}
    assert relations["mother's partner"].person.display_name() == "Lee Partner"
    (rejected,) = of(items, RejectedRow)
    assert "friend to Jane Example, who is an adult" in rejected.reason


def test_patient_contacts_with_names_are_relationships(tmp_path: Path) -> None:
    b = Builder()
    b.add(
        {
            "resourceType": "Patient",
            "id": "p",
            "birthDate": "2018-01-01",
            "contact": [
                {
                    "relationship": [
                        codeable(
                            "N", "Next-of-Kin", "http://terminology.hl7.org/CodeSystem/v2-0131", text="Mother"
                        )
                    ],
                    "name": {"family": "Example", "given": ["Jo"]},
                },
                {"relationship": [codeable(text="Emergency contact")], "telecom": [{"value": "000"}]},
            ],
        }
    )
    items = read(write(tmp_path, b.bundle("collection")))
    (relation,) = of(items, Relationship)
    assert (relation.relationship, relation.person.display_name()) == ("mother", "Jo Example")


def test_unknown_relationship_code_is_kept_and_warned_about(tmp_path: Path) -> None:
    b = family()
    b.entries[4]["resource"]["relationship"] = [codeable("XYZ", "Mystery", "https://example.invalid/codes")]
    items = read(write(tmp_path, b.bundle("collection")))
    assert "other" in [r.relationship for r in of(items, Relationship)]
    (warning,) = [w for w in of(items, ImportWarning) if "XYZ" in w.message]
    assert warning.field == "RelatedPerson.relationship" and "entry[4]" in warning.message


# --- bad references, missing patients ---------------------------------------------------------------------


def test_a_bundle_without_patient_rejects_each_event_with_the_reason(tmp_path: Path) -> None:
    b = Builder("relative")
    b.add({"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": b.ref("Patient", "999")})
    b.add({"resourceType": "Condition", "id": "c1", "code": codeable(text="Cough")})
    items = read(write(tmp_path, b.bundle("searchset")))
    reasons = [r.reason for r in of(items, RejectedRow)]
    assert len(reasons) == 2
    # no Patient in the bundle: read as a bare resource is, by an NHS number on the reference (none here)
    assert "the bundle holds no Patient (subject 'Patient/999')" in reasons[0]
    assert "carries no NHS number" in reasons[0]
    assert "names no patient" in reasons[1]
    assert any("holds no Patient" in w.message for w in of(items, ImportWarning))


def test_broken_and_odd_references(tmp_path: Path) -> None:
    b = family()
    b.resource("enc-ae")["subject"] = {"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"}
    b.resource("cond-injury")["subject"] = "not an object"
    b.resource("cond-nai")["subject"] = {"identifier": {"system": NHS_SYSTEM, "value": CHILD_NHS}}
    b.resource("appt-1")["participant"] = [{"actor": {"reference": f"{BASE}/Patient/child-1/_history/3"}}]
    items = read(write(tmp_path, b.bundle("collection")))
    rejected = of(items, RejectedRow)
    assert [r.path for r in rejected] == [
        "Bundle(collection).entry[8].resource(Encounter/enc-ae)",
        "Bundle(collection).entry[9].resource(Condition/cond-injury)",
    ]
    assert "urn:uuid:00000000" in rejected[0].reason
    events = events_by_resource(items)
    assert "Condition/cond-nai" in events  # logical reference by NHS number
    assert "Appointment/appt-1" in events  # versioned absolute URL


def test_entered_in_error_is_rejected_and_refuted_loses_its_theme(tmp_path: Path) -> None:
    b = family()
    b.resource("flag-cpp")["status"] = "entered-in-error"
    b.resource("cond-nai")["verificationStatus"] = codeable("refuted")
    items = read(write(tmp_path, b.bundle("collection")))
    (rejected,) = of(items, RejectedRow)
    assert rejected.field == "status" and "entered in error" in rejected.reason
    nai = events_by_resource(items)["Condition/cond-nai"][0]
    assert (nai.themes, nai.significant) == ([], False)


def test_dates_keep_their_precision_and_bad_dates_give_undated_events(tmp_path: Path) -> None:
    b = Builder()
    b.add({"resourceType": "Patient", "id": "p", "birthDate": "2015"})
    dates = {"o1": "2019", "o2": "2019-03", "o3": "31/02/2019", "o4": "2019-03-04T10:00:00", "o5": None}
    for rid, value in dates.items():
        obs = {"resourceType": "Observation", "id": rid, "status": "final", "subject": b.ref("Patient", "p")}
        if value:
            obs["effectiveDateTime"] = value
        b.add(obs)
    items = read(write(tmp_path, b.bundle("collection")))
    events = {k.split("/")[1]: v[0] for k, v in events_by_resource(items).items()}
    assert events["o1"].date.precision == Precision.YEAR
    assert events["o2"].date == PartialDate(2019, 3)
    assert (events["o3"].date, events["o3"].date_text) == (None, "31/02/2019")
    assert (events["o4"].date, events["o4"].time) == (PartialDate(2019, 3, 4), dt.time(10, 0))
    assert events["o5"].date is None
    warnings = [w for w in of(items, ImportWarning) if "undated" in w.message]
    assert [w.path.split("(")[-1] for w in warnings] == ["Observation/o3)", "Observation/o5)"]
    assert "February has 28 days" in warnings[0].message


# --- bad files ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"resourceType,Bundle\n1,2\n", "is not valid JSON"),
        (b'{"resourceType": "Bundle", "entry": [', "ends before the JSON is complete"),
        (b"[1, 2, 3]", "holds a JSON list"),
        (b'"Bundle"', "single JSON value"),
        (b'{"resourceType": 7, "id": "p"}', "not a FHIR type name"),
        (b'{"hello": "world"}', "has no resourceType"),
        (b'{"resourceType": "Bundle", "entry": {"resource": {}}}', "requires a list of entries"),
        (b'{"resourceType": "Bundle", "entry": 7}', "must be a list of entries"),
        (b'{"resourceType": "Bundle"} {"x": 1}', "more text after the end"),
        (b'{"resourceType": "Bundle", "id": "\xff\xfe"}', "not UTF-8"),
        (b'{"resourceType": "Bundle", "id": "h\xc0\xafome"}', "not UTF-8"),  # overlong encoding
        ('{"resourceType": "Bundle"}'.encode("utf-16"), "is not valid JSON"),
    ],
)
@pytest.mark.parametrize("streaming", [True, False])
def test_unreadable_files_raise_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, expected: str, streaming: bool
) -> None:
    monkeypatch.setattr(fhir_stream, "STREAMING", streaming)
    path = tmp_path / "export.json"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=re.escape(expected)) as caught:
        read(path)
    assert "export.json" in str(caught.value)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, family().bundle("collection"))
    with pytest.raises(ImportFileError, match="over the 1,000-byte limit"):
        read(path, max_bytes=1000)


@pytest.mark.parametrize("streaming", [True, False])
def test_deeply_nested_json_is_refused_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streaming: bool
) -> None:
    monkeypatch.setattr(fhir_stream, "STREAMING", streaming)
    depth = 200_000
    path = tmp_path / "deep.json"
    path.write_bytes(b'{"resourceType":"Bundle","entry":[{"resource":' + b"[" * depth + b"]" * depth + b"}]}")
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match=r"nested more than 100 levels|not valid JSON") as caught:
        read(path)
    assert time.perf_counter() - started < 5
    assert "deep.json" in str(caught.value)
    if streaming:
        assert "Bundle.entry[0]" in str(caught.value)


def test_a_bom_is_accepted_and_odd_entries_are_rejected(tmp_path: Path) -> None:
    bundle = family().bundle("collection")
    bundle["entry"] += [
        7,
        {"resource": "text"},
        {"resource": {"id": "x"}},
        {"request": {"method": "DELETE", "url": "Patient/1"}},
    ]
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(bundle).encode())
    items = read(path)
    assert len(of(items, CanonicalEvent)) == len(EXPECTED_EVENTS)
    reasons = [r.reason for r in of(items, RejectedRow)]
    assert reasons == [
        "the entry is not a JSON object, so it holds no resource",
        "the entry's resource is not a JSON object",
        "the resource has no resourceType, so its type is unknown",
    ]
    (delete,) = [s for s in of(items, Skipped) if "no resource" in s.reason]
    assert (delete.what, delete.path) == ("Patient/1", f"Bundle(collection).entry[{len(bundle['entry']) - 1}]")
    assert "request or response: DELETE" in delete.reason


def test_empty_bundle_and_odd_bundle_types_are_warned_about(tmp_path: Path) -> None:
    items = read(write(tmp_path, {"resourceType": "Bundle", "type": "shopping-list", "entry": []}))
    messages = [w.message for w in items if isinstance(w, ImportWarning)]
    assert any("not a FHIR R4 bundle type" in m for m in messages)
    assert any("has no entries: nothing imported" in m for m in messages)


HOSTILE = [
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "nul\x00inside",
    "\u202eevil right-to-left",
    "x" * 20_000,
    "line\r\nbreak\ttab",
]


def hostile_file(tmp_path: Path) -> Path:
    """The family bundle with hostile text in ids, codes and names (NUL and a lone surrogate too)."""
    b = family()
    targets = ["enc-ae", "cond-injury", "cond-nai", "appt-1", "flag-cpp", "obs-weight"]
    for rid, value in zip(targets, HOSTILE, strict=True):
        resource = b.resource(rid)
        resource["id"] = resource["id"] + value[:30]
        resource.setdefault("serviceType", [codeable(text=value)])
        resource["code"] = codeable("1", value, text=value)
    b.entries[0]["resource"]["name"] = [{"family": HOSTILE[0], "given": [HOSTILE[2]]}]
    raw = json.dumps(b.bundle("collection")).replace("nul\\u0000inside", "nul\\u0000 \\ud800 inside")
    path = tmp_path / "hostile.json"
    path.write_text(raw)
    return path


@pytest.mark.parametrize("streaming", [True, False])
def test_hostile_strings_are_kept_as_text_and_never_break_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streaming: bool
) -> None:
    monkeypatch.setattr(fhir_stream, "STREAMING", streaming)
    path = hostile_file(tmp_path)
    items = read(path)
    events = of(items, CanonicalEvent)
    assert len(events) == len(EXPECTED_EVENTS)
    for item in items:
        blob = repr(item)
        assert "\\x00" not in blob and "\\ud800" not in blob
    assert all(len(e.summary) <= 1000 for e in events)
    assert any(HOSTILE[0] in e.summary for e in events)  # kept verbatim; the CSV export escapes formulas
    child = next(r for r in of(items, PersonRecord) if r.is_child)
    assert child.person.surname == HOSTILE[0]


# --- Synthea samples ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SYNTHEA, ids=lambda p: p.name)
def test_synthea_samples_account_for_every_entry(path: Path) -> None:
    with path.open() as handle:
        bundle = json.load(handle)
    types = Counter(entry["resource"]["resourceType"] for entry in bundle["entry"])
    items = read(path)
    events = of(items, CanonicalEvent)
    event_types = Counter(e.attributes["resource_type"] for e in events)
    assert event_types == Counter({k: v for k, v in types.items() if k in MAPPERS})
    assert len(of(items, PersonRecord)) == types["Patient"] == 1
    assert not of(items, RejectedRow) and not of(items, Relationship)
    assert not _counted(of(items, ImportWarning))  # no summary counts: unmapped types are skipped instead
    skipped = Counter(s.reason.split(":")[0] for s in of(items, Skipped))
    assert skipped == Counter({k: v for k, v in types.items() if k not in MAPPERS and k != "Patient"})
    assert all(s.what.split("/")[0] == s.reason.split(":")[0] for s in of(items, Skipped))
    assert sum(event_types.values()) + types["Patient"] + sum(skipped.values()) == len(bundle["entry"])
    assert len({e.natural_key() for e in events}) == len(events)


@pytest.mark.parametrize("path", SYNTHEA, ids=lambda p: p.name)
def test_synthea_patient_is_a_child_identified_by_source_ids(path: Path) -> None:
    with path.open() as handle:
        bundle = json.load(handle)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    items = read(path)
    (record,) = of(items, PersonRecord)
    assert record.is_child
    expected = {(f"fhir:{i['system']}", i["value"]) for i in patient["identifier"]}
    assert {(i.scope, i.value) for i in record.person.identifiers} == expected
    assert all(i.kind == IdentifierKind.SOURCE_PERSON_ID for i in record.person.identifiers)
    assert record.person.dob == PartialDate(*map(int, patient["birthDate"].split("-")))
    assert all(e.subject is record.person for e in of(items, CanonicalEvent))


@pytest.mark.parametrize("path", SYNTHEA, ids=lambda p: p.name)
def test_synthea_times_are_turned_into_uk_local_time(path: Path) -> None:
    with path.open() as handle:
        bundle = json.load(handle)
    encounters = {
        f"Encounter/{e['resource']['id']}": e["resource"]["period"]["start"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Encounter"
    }
    found = events_by_resource(read(path))
    for record_id, start in encounters.items():
        local = dt.datetime.fromisoformat(start).astimezone(LONDON)
        (event,) = found[record_id]
        assert (event.date, event.time) == (
            PartialDate(local.year, local.month, local.day),
            local.time().replace(tzinfo=None),
        )


def test_streaming_keeps_memory_flat_on_a_large_bundle(tmp_path: Path) -> None:
    """A 3 MB bundle made from the largest sample (1,200 entries): the importer's peak Python memory
    is a small fraction of what json.load needs for the same file (about 1.5 MB against 17 MB)."""
    sample = max(SYNTHEA, key=lambda p: p.stat().st_size)
    bundle = json.loads(sample.read_text())
    entries = []
    for copy_number in range(12):
        for entry in bundle["entry"]:
            if copy_number and entry["resource"]["resourceType"] == "Patient":
                continue
            clone = copy.deepcopy(entry)
            if copy_number:
                clone["fullUrl"] += f"-{copy_number}"
                clone["resource"]["id"] += f"-{copy_number}"
            entries.append(clone)
    bundle["entry"] = entries
    path = tmp_path / "large.json"
    path.write_text(json.dumps(bundle))
    del bundle, entries
    tracemalloc.start()
    try:
        with path.open("rb") as handle:
            json.load(handle)
        _, loaded_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        counts = Counter(type(item).__name__ for item in FhirImporter().read(path, ImportOptions()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts["CanonicalEvent"] == 77 * 12
    assert peak * 5 < loaded_peak, f"peak {peak:,} bytes; json.load needs {loaded_peak:,}"


# --- streaming and fallback agree --------------------------------------------------------------------------


def test_the_json_load_fallback_gives_the_same_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, family().bundle("transaction"))
    streamed = read(path)
    monkeypatch.setattr(fhir_stream, "STREAMING", False)
    assert read(path) == streamed


# --- detection -----------------------------------------------------------------------------------------------


def test_can_read_and_estimate_rows(tmp_path: Path) -> None:
    bundle_path = write(tmp_path, family().bundle("collection"))
    assert FhirImporter.can_read(bundle_path)
    assert importers.detect(bundle_path) is FhirImporter
    assert FhirImporter().estimate_rows(bundle_path) == len(family().entries)
    for path in SYNTHEA:
        assert FhirImporter.can_read(path)
    patient = write(tmp_path, {"resourceType": "Patient"}, "patient.json")
    csv = tmp_path / "log.csv"
    csv.write_text('incident_id,resourceType\n1,"Bundle"\n')
    assert FhirImporter.can_read(patient)  # a single resource, not in a Bundle
    assert not FhirImporter.can_read(csv)
    assert not FhirImporter.can_read(tmp_path)


# --- fuzzing -----------------------------------------------------------------------------------------------------


def _small_bundle_bytes() -> bytes:
    b = family()
    keep = {"child-1", "mother-1", "rp-mother", "org-hospital", "enc-ae", "appt-1", "enc-mother"}
    b.entries = [e for e in b.entries if e["resource"]["id"] in keep]
    return json.dumps(b.bundle("collection"), separators=(",", ":")).encode()


SMALL = _small_bundle_bytes()
mutation = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "truncate"]),
    st.integers(min_value=0, max_value=len(SMALL)),
    st.binary(min_size=1, max_size=4)
    | st.sampled_from([b"{", b"}", b"[", b"]", b'"', b",", b":", b"null", b"\\u0000"]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=5))
def test_damaged_bundles_give_a_file_error_or_accounted_items(
    mutations: list[tuple[str, int, bytes]],
) -> None:
    data = bytearray(SMALL)
    for kind, position, payload in mutations:
        at = position % (len(data) + 1)
        if kind == "insert":
            data[at:at] = payload
        elif kind == "delete":
            del data[at : at + len(payload)]
        elif kind == "truncate":
            del data[at:]
        else:
            data[at : at + len(payload)] = payload
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.json"
        path.write_bytes(bytes(data))
        try:
            items = read(path)
        except ImportFileError as exc:
            assert "damaged.json" in str(exc)
            return
    kinds = CanonicalEvent | Relationship | PersonRecord | RejectedRow | ImportWarning | Coverage | Skipped
    assert all(isinstance(item, kinds) for item in items)
    assert not any("could not read" in r.reason for r in of(items, RejectedRow))


# --- through the store ---------------------------------------------------------------------------------------


def test_import_through_the_store_adds_up_and_reimport_adds_nothing(engine, tmp_path: Path) -> None:
    path = write(tmp_path, family().bundle("transaction"))
    report = import_items(engine, read(path), FileInfo(path.name, "fhir"), actor="t")
    assert report.status == "completed", report.error
    assert report.adds_up()
    assert report.events_imported == len(EXPECTED_EVENTS)
    assert report.relationships_imported == 3
    assert report.person_records == 2
    assert report.rows_rejected == 0
    assert (
        report.new_people == 4
    )  # child, mother (Patient and RelatedPerson are one person), father, step-father
    again = import_items(engine, read(path), FileInfo(path.name, "fhir"), actor="t")
    assert again.adds_up()
    assert again.events_imported == 0 and again.relationships_imported == 0
    hostile = hostile_file(tmp_path)
    stored = import_items(engine, read(hostile), FileInfo(hostile.name, "fhir"), actor="t")
    assert stored.status == "completed" and stored.adds_up(), stored.error
    sample = SYNTHEA[0]
    first = import_items(engine, read(sample), FileInfo(sample.name, "fhir"), actor="t")
    second = import_items(engine, read(sample), FileInfo(sample.name, "fhir"), actor="t")
    assert first.adds_up() and first.events_imported > 0
    assert second.events_imported == 0 and second.new_people == 0


# --- helpers for counting -------------------------------------------------------------------------------------


_COUNT = re.compile(r"^not (?:imported|an event): (\d+) (\S+) resource")


def _counted(warnings: list[ImportWarning]) -> Counter[str]:
    """Resources counted in summary warnings ("not imported: 13 Claim resource(s) ...")."""
    counted: Counter[str] = Counter()
    for warning in warnings:
        if match := _COUNT.match(warning.message):
            counted[match[2]] += int(match[1])
    return counted


def _entry_index(path: str | None) -> int:
    match = re.match(r"Bundle(?:\([^)]*\))?\.entry\[(\d+)\]", path or "")
    assert match, path
    return int(match[1])


# --- encounter, labels, unknown types ------------------------------------------------------------------


def _encounter_and_its_records(b: Builder) -> None:
    """An A&E Encounter, and a Condition (R4 ``encounter``), an Observation (STU3 ``context``) and a
    Procedure recorded in it, plus a Condition pointing to an encounter the bundle does not hold."""
    child = b.ref("Patient", "child-1")
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-ae",
            "status": "finished",
            "class": {"system": ACT, "code": "EMER"},
            "subject": child,
            "period": {"start": "2021-11-02T22:10:00Z"},
        }
    )
    records = {
        "Condition": ({"code": codeable("125605004", "Fracture of bone")}, "encounter", "enc-ae"),
        "Observation": ({"status": "final", "code": codeable(text="Pain score")}, "context", "enc-ae"),
        "Procedure": ({"status": "completed", "code": codeable(text="X-ray")}, "encounter", "enc-ae"),
    }
    for kind, (body, key, target) in records.items():
        dated = {"Condition": "onsetDateTime", "Observation": "effectiveDateTime"}.get(
            kind, "performedDateTime"
        )
        b.add(
            {"resourceType": kind, "id": f"{kind.lower()}-1", "subject": child, dated: "2021-11-02"}
            | body
            | {key: b.ref("Encounter", target)}
        )
    b.add(
        {
            "resourceType": "Condition",
            "id": "condition-elsewhere",
            "subject": child,
            "code": codeable(text="Asthma"),
            "onsetDateTime": "2020-01-01",
            "encounter": b.ref("Encounter", "enc-not-here"),
        }
    )


@pytest.mark.parametrize("style", ["uuid", "relative", "absolute"])
def test_records_in_an_encounter_share_its_canonical_reference(tmp_path: Path, style: str) -> None:
    """urn:uuid fullUrls, ``Encounter/<id>`` and absolute URLs all resolve to the Encounter's own string."""
    b = family(style)
    _encounter_and_its_records(b)
    events = events_by_resource(read(write(tmp_path, b.bundle("collection"))))
    own = events["Encounter/enc-ae"][0].encounter
    assert own == ("Encounter/enc-ae" if style == "uuid" else f"{BASE}/Encounter/enc-ae")
    for record in ("Condition/condition-1", "Observation/observation-1", "Procedure/procedure-1"):
        assert events[record][0].encounter == own, record
    elsewhere = events["Condition/condition-elsewhere"][0].encounter
    assert elsewhere == (
        b.full_url("Encounter", "enc-not-here") if style == "uuid" else f"{BASE}/Encounter/enc-not-here"
    )
    assert events["Condition/condition-1"][0].attributes["fhir_json"]  # every attribute is still kept
    assert events["Encounter/enc-ae"][0].labels == ["emergency", "fracture"]  # its Condition's injury
    assert events["Condition/condition-1"][0].labels == ["fracture"]


def test_a_context_naming_an_episode_of_care_is_not_an_encounter(tmp_path: Path) -> None:
    b = family()
    b.add(
        {
            "resourceType": "Observation",
            "id": "obs-episode",
            "status": "final",
            "code": codeable(text="Weight"),
            "subject": b.ref("Patient", "child-1"),
            "effectiveDateTime": "2021-03-01",
            "context": b.ref("EpisodeOfCare", "eoc-1"),
        }
    )
    b.add(
        {
            "resourceType": "EpisodeOfCare",
            "id": "eoc-1",
            "status": "active",
            "patient": b.ref("Patient", "child-1"),
        }
    )
    events = events_by_resource(read(write(tmp_path, b.bundle("collection"))))
    assert events["Observation/obs-episode"][0].encounter is None


@pytest.mark.parametrize(
    ("encounter_class", "types", "event_type", "label"),
    [
        ({"display": "Emergency"}, [], "ae_attendance", "emergency"),
        ({"system": ACT, "code": "emer"}, [], "ae_attendance", "emergency"),
        ({"code": "EMERGENCY DEPT"}, [], "ae_attendance", "emergency"),
        ({"code": "Inpatient"}, [], "hospital_admission", "encounter inpatient"),
        ({"system": ACT, "code": "HH"}, [], "health_contact", "health home"),
        (None, [codeable(text="EMERGENCY DEPT")], "ae_attendance", "dept emergency"),
        (None, [codeable(text="A & E attendance")], "ae_attendance", "ae"),
        (None, [codeable(text="Attendances (A&E)")], "ae_attendance", "ae"),
        (None, [codeable(text="Emergency")], "ae_attendance", "emergency"),
        (None, [codeable(text="Admissions to hospital")], "hospital_admission", "admission hospital"),
        (None, [codeable("4525004", "ED visit")], "ae_attendance", "department emergency patient visit"),
        (None, [codeable(text="Health Visitors' contact")], "health_contact", "health visitor"),
    ],
)
def test_class_and_type_words_are_matched_through_label_key(
    tmp_path: Path, encounter_class: dict | None, types: list, event_type: str, label: str
) -> None:
    b = family()
    encounter = {
        "resourceType": "Encounter",
        "id": "enc-x",
        "status": "finished",
        "subject": b.ref("Patient", "child-1"),
        "period": {"start": "2021-10-02"},
        "type": types,
    }
    b.add(encounter | ({"class": encounter_class} if encounter_class else {}))
    items = read(write(tmp_path, b.bundle("collection")))
    event = events_by_resource(items)["Encounter/enc-x"][0]
    assert (event.event_type, label in event.labels) == (event_type, True), event.labels
    assert not [w for w in of(items, ImportWarning) if "Encounter." in (w.field or "")]


def test_an_encounter_nothing_types_is_warned_about_with_its_path_and_value(tmp_path: Path) -> None:
    b = family()
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-odd",
            "status": "finished",
            "type": [codeable(text="Chat by the lift")],
            "subject": b.ref("Patient", "child-1"),
            "period": {"start": "2021-10-02"},
        }
    )
    path = write(tmp_path, b.bundle("collection"))
    items = read(path)
    assert events_by_resource(items)["Encounter/enc-odd"][0].event_type == "health_contact"
    (warning,) = [w for w in of(items, ImportWarning) if w.field == "Encounter.type"]
    assert "'Chat by the lift'" in warning.message and warning.file == path.name
    assert warning.path is not None and "resource(Encounter/enc-odd)" in warning.path


def test_police_and_crime_identifiers_are_quoted_references(tmp_path: Path) -> None:
    b = family()
    b.add(
        {
            "resourceType": "Encounter",
            "id": "enc-ref",
            "status": "finished",
            "class": {"system": ACT, "code": "EMER"},
            "subject": b.ref("Patient", "child-1"),
            "period": {"start": "2021-10-02"},
            "identifier": [
                {"system": "https://trust.example/encounter-id", "value": "E123"},
                {"system": "https://police.example/occurrence-ref", "value": "OCC21/004512"},
                {"type": {"text": "Police crime number"}, "value": "CR-77/2021"},
            ],
        }
    )
    event = events_by_resource(read(write(tmp_path, b.bundle("collection"))))["Encounter/enc-ref"][0]
    found = [(r.kind, r.value, r.role.value, r.source) for r in event.references]
    assert found == [
        ("police_occurrence", "OCC21/004512", "quoted", "identifier"),
        ("crime", "CR-77/2021", "quoted", "identifier"),
    ]


def test_closed_value_set_codes_match_in_any_case(tmp_path: Path) -> None:
    b = family()
    b.entries[4]["resource"]["relationship"] = [codeable("grmth", None, ROLE)]
    b.add(
        {
            "resourceType": "Appointment",
            "id": "appt-upper",
            "status": "NOSHOW",
            "start": "2021-10-05T10:00:00Z",
            "participant": [{"actor": b.ref("Patient", "child-1")}],
        }
    )
    items = read(write(tmp_path, b.bundle("collection")))
    assert "grandparent" in [r.relationship for r in of(items, Relationship)]
    missed = events_by_resource(items)["Appointment/appt-upper"][0]
    assert missed.event_type == "appointment_not_brought" and missed.labels == ["noshow"]
    assert not [w for w in of(items, ImportWarning) if "grmth" in w.message or "NOSHOW" in w.message]
