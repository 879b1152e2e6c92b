"""The shape of a FHIR file (importers.fhir_context): where an entry sits, the document's and the
message's patient, and which entries are context rather than records."""

from __future__ import annotations

from importers.fhir_context import Shape, outcome_issues

REASONS = {"Composition": "the document's index, read for its subject and author"}
MODES = {"include": "included by the search as context for its matches, not itself a match"}


def test_paths_name_the_bundle_type_or_the_single_resource() -> None:
    assert Shape(bundle_type="document").path(3, "Encounter", "Encounter/e1") == (
        "Bundle(document).entry[3].resource(Encounter/e1)"
    )
    assert Shape().path(0, "Condition", None) == "Bundle.entry[0].resource(Condition)"
    assert Shape(bare=True).path(0, "Patient", "Patient/p1") == "resource(Patient/p1)"


def test_the_documents_subject_and_the_messages_focus_are_the_context_patient() -> None:
    document = Shape(bundle_type="document")
    document.note("Composition", {"subject": {"reference": "Patient/p1"}})
    document.note("Composition", {"subject": {"reference": "Patient/other"}})  # only the first counts
    assert document.context_references() == ("Composition.subject", [{"reference": "Patient/p1"}])
    message = Shape(bundle_type="message")
    message.note("MessageHeader", {"focus": [{"reference": "Patient/p2"}]})
    assert message.context_references() == ("MessageHeader.focus", [{"reference": "Patient/p2"}])
    collection = Shape(bundle_type="collection")
    collection.note("Composition", {"subject": {"reference": "Patient/p1"}})
    assert collection.context_references() is None


def test_context_entries_have_a_reason_and_included_people_are_still_read() -> None:
    shape = Shape(bundle_type="searchset", reasons=REASONS, mode_reasons=MODES)
    assert shape.context_reason("Composition", {}) == f"Composition: {REASONS['Composition']}"
    included = {"search": {"mode": "include"}}
    assert shape.context_reason("Encounter", included) == f"Encounter: {MODES['include']}"
    assert shape.context_reason("Patient", {"search": {"mode": "include"}}) is None
    assert shape.context_reason("Encounter", {"search": {"mode": "match"}}) is None


def test_an_outcomes_errors_and_warnings_are_told_in_words() -> None:
    outcome = {
        "issue": [
            {"severity": "information", "code": "informational"},
            {"severity": "warning", "code": "too-costly", "diagnostics": "only the first 100 returned"},
        ]
    }
    assert outcome_issues(outcome) == ["warning: only the first 100 returned"]


def test_a_documents_entries_without_subject_are_the_composition_subjects(tmp_path) -> None:
    from tests.test_fhir_importer import CHILD_NHS, events_by_resource, family, read, write

    b = family()
    for rid in ("enc-ae", "cond-nai", "obs-weight"):
        del b.resource(rid)["subject"]
    events = events_by_resource(read(write(tmp_path, b.bundle("document"))))
    for rid in ("Encounter/enc-ae", "Condition/cond-nai", "Observation/obs-weight"):
        assert [e.subject.identifiers[0].value for e in events[rid]] == [CHILD_NHS]


def test_a_searchsets_outcome_and_a_documents_index_are_skipped_not_rejected(tmp_path) -> None:
    from chronology.events import RejectedRow, Skipped
    from tests.test_fhir_importer import family, of, read, write

    for kind, skipped in (("searchset", "OperationOutcome"), ("document", "Composition")):
        items = read(write(tmp_path, family().bundle(kind)))
        context = [s.reason.split(":")[0] for s in of(items, Skipped) if s.what.split("/")[0] == skipped]
        assert context == [skipped]
        assert {s.what.split("/")[0] for s in of(items, Skipped)} == {skipped, "Organization", "Location", "Claim"}
        assert not of(items, RejectedRow)


def test_a_bare_patient_and_a_bare_encounter_are_read_as_one_resource(tmp_path) -> None:
    import importers
    from chronology.events import CanonicalEvent, PersonRecord
    from importers.fhir import FhirImporter
    from tests.test_fhir_importer import CHILD_NHS, NHS_SYSTEM, of, read, write

    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": NHS_SYSTEM, "value": CHILD_NHS}],
        "birthDate": "2019-05-01",
    }
    path = write(tmp_path, patient, "patient.json")
    assert importers.detect(path) is FhirImporter
    (record,) = of(read(path), PersonRecord)
    assert record.is_child and record.provenance.path == "resource(Patient/p1)"
    subject = {"reference": "Patient/p1"}
    encounter = {"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": subject}
    items = read(write(tmp_path, encounter, "encounter.json"))
    assert not of(items, CanonicalEvent)  # its Patient is not in the file: see the report's 'what is left'
    assert [r.path for r in items if hasattr(r, "reason")] == ["resource(Encounter/e1)"]


def test_a_messages_focus_names_the_patient_and_without_context_the_entry_is_rejected(tmp_path) -> None:
    from chronology.events import RejectedRow
    from tests.test_fhir_importer import CHILD_NHS, events_by_resource, family, of, read, write

    b = family()
    del b.resource("enc-ae")["subject"]
    message = events_by_resource(read(write(tmp_path, b.bundle("message"))))
    assert [e.subject.identifiers[0].value for e in message["Encounter/enc-ae"]] == [CHILD_NHS]
    items = read(write(tmp_path, b.bundle("collection")))  # two Patients, no document or message
    (rejected,) = of(items, RejectedRow)
    assert rejected.path == "Bundle(collection).entry[8].resource(Encounter/enc-ae)"
    assert "names no patient" in rejected.reason


# --- a single resource whose Patient is not in the file ----------------------------------------------------


def test_a_single_resource_is_read_by_the_nhs_number_on_its_subject_reference(tmp_path) -> None:
    from chronology.events import CanonicalEvent, IdentifierKind, ImportWarning, RejectedRow
    from tests.test_fhir_importer import CHILD_NHS, NHS_SYSTEM, of, read, write

    subject = {"reference": "Patient/p9", "identifier": {"system": NHS_SYSTEM, "value": CHILD_NHS}}
    encounter = {"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": subject,
                 "period": {"start": "2021-03-01T10:00:00Z"}}
    items = read(write(tmp_path, encounter, "encounter.json"))
    (event,) = of(items, CanonicalEvent)
    assert [(i.kind, i.value) for i in event.subject.identifiers] == [(IdentifierKind.NHS_NUMBER, CHILD_NHS)]
    assert event.provenance.path == "resource(Encounter/e1)"
    (warning,) = [w for w in of(items, ImportWarning) if w.field == "subject.identifier"]
    assert "'Patient/p9' is not in this file" in warning.message and CHILD_NHS in warning.message
    assert not of(items, RejectedRow)
    immunisation = {"resourceType": "Immunization", "id": "i1", "status": "completed",
                    "patient": {"identifier": {"system": NHS_SYSTEM, "value": CHILD_NHS}},
                    "occurrenceDateTime": "2021-04-01", "vaccineCode": {"text": "MMR"}}
    (event,) = of(read(write(tmp_path, immunisation, "imm.json")), CanonicalEvent)
    assert event.subject.identifiers[0].value == CHILD_NHS


def test_a_single_resource_without_a_valid_nhs_number_is_rejected_naming_file_and_field(tmp_path) -> None:
    from chronology.events import CanonicalEvent, RejectedRow
    from tests.test_fhir_importer import BAD_NHS, NHS_SYSTEM, of, read, write

    plain = {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "Weight"},
             "subject": {"reference": "Patient/p9"}, "effectiveDateTime": "2021-03-01"}
    items = read(write(tmp_path, plain, "weight.json"))
    (rejected,) = of(items, RejectedRow)
    assert not of(items, CanonicalEvent)
    assert (rejected.file, rejected.field, rejected.path) == ("weight.json", "subject", "resource(Observation/o1)")
    assert rejected.reason.startswith("weight.json: this single Observation's Patient is not in the file")
    assert "'Patient/p9'" in rejected.reason and "subject.identifier" in rejected.reason
    invalid = {"resourceType": "Condition", "id": "c1", "code": {"text": "Asthma"},
               "subject": {"identifier": {"system": NHS_SYSTEM, "value": BAD_NHS}}}
    (rejected,) = of(read(write(tmp_path, invalid, "asthma.json")), RejectedRow)
    assert rejected.reason.startswith("asthma.json:") and f"'{BAD_NHS}'" in rejected.reason
    assert "is not valid" in rejected.reason and rejected.field == "subject"


def test_a_single_resource_joins_the_child_its_nhs_number_names_in_the_store(engine, tmp_path) -> None:
    from sqlalchemy import text as sql

    from chronology.ingest import FileInfo, import_items
    from tests.test_fhir_importer import CHILD_NHS, NHS_SYSTEM, read, write

    patient = {"resourceType": "Patient", "id": "p1", "identifier": [{"system": NHS_SYSTEM, "value": CHILD_NHS}],
               "birthDate": "2019-05-01", "name": [{"family": "Testchild", "given": ["Ada"]}]}
    first = write(tmp_path, patient, "patient.json")
    import_items(engine, read(first), FileInfo(first.name, "fhir"), actor="t")
    encounter = {"resourceType": "Encounter", "id": "e1", "status": "finished",
                 "subject": {"identifier": {"system": NHS_SYSTEM, "value": CHILD_NHS}},
                 "period": {"start": "2021-03-01T10:00:00Z"}}
    second = write(tmp_path, encounter, "encounter.json")
    report = import_items(engine, read(second), FileInfo(second.name, "fhir"), actor="t")
    assert report.adds_up() and report.events_imported == 1 and report.rows_rejected == 0
    assert report.new_people == 0  # the NHS number found the child the first file gave
    with engine.connect() as conn:
        owners = conn.execute(sql("SELECT count(DISTINCT subject_id) FROM events")).scalar_one()
    assert owners == 1


# --- a message or collection whose entries' patient is ambiguous -------------------------------------------


def test_a_focus_naming_several_patients_rejects_entries_without_a_subject(tmp_path) -> None:
    from chronology.events import CanonicalEvent, RejectedRow
    from tests.test_fhir_importer import EXPECTED_EVENTS, events_by_resource, family, of, read, write

    b = family()
    del b.resource("enc-ae")["subject"]
    bundle = b.bundle("message")
    bundle["entry"][0]["resource"]["focus"] = [b.ref("Patient", "child-1"), b.ref("Patient", "mother-1")]
    items = read(write(tmp_path, bundle))
    (rejected,) = of(items, RejectedRow)
    assert rejected.path == "Bundle(message).entry[9].resource(Encounter/enc-ae)"
    assert "MessageHeader.focus names 2 Patients" in rejected.reason and "not given to any" in rejected.reason
    assert set(events_by_resource(items)) == EXPECTED_EVENTS - {"Encounter/enc-ae"}
    assert not [e for e in of(items, CanonicalEvent) if e.attributes.get("resource_id") == "Encounter/enc-ae"]
    bundle["entry"][0]["resource"]["focus"] = [b.ref("Encounter", "enc-mother")]  # about no Patient
    (rejected,) = of(read(write(tmp_path, bundle)), RejectedRow)
    assert "the bundle holds 2 Patients" in rejected.reason and "names no patient" in rejected.reason


# --- transaction, batch and searchset Bundles as FHIR R4 (bundle.html, http.html) describes them -----------
# Written from the R4 specification's rules, not from a sample: a transaction's new resources have
# urn:uuid fullUrls that other entries reference; an update has the absolute URL of the resource;
# a conditional reference (``Patient?identifier=system|value``) names a resource by identifier;
# DELETE and GET entries carry a request and no resource. A batch's entries do not reference each
# other by urn:uuid; a searchset marks each entry match, include or outcome.

R4_PATIENT_UUID = "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"
R4_ENCOUNTER_UUID = "urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059"


def r4_patient(nhs: str) -> dict:
    from tests.test_fhir_importer import NHS_SYSTEM

    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS_SYSTEM, "value": nhs}],
        "name": [{"use": "official", "family": "Testchild", "given": ["Rowan"]}],
        "gender": "female",
        "birthDate": "2017-02-11",
    }


def r4_transaction(kind: str) -> dict:
    """A transaction (or, with ``kind='batch'``, the same writes as a batch) of a child's records."""
    from tests.test_fhir_importer import CHILD_NHS, NHS_SYSTEM

    new = kind == "transaction"
    patient_url = R4_PATIENT_UUID if new else "http://example.org/fhir/Patient/p1"
    patient_ref = {"reference": R4_PATIENT_UUID if new else "Patient/p1"}
    conditional = {"reference": f"Patient?identifier={NHS_SYSTEM}|{CHILD_NHS}"}
    entries = [
        {
            "fullUrl": patient_url,
            "resource": r4_patient(CHILD_NHS) | ({} if new else {"id": "p1"}),
            "request": {"method": "POST", "url": "Patient", "ifNoneExist": f"identifier={NHS_SYSTEM}|{CHILD_NHS}"}
            if new
            else {"method": "PUT", "url": "Patient/p1"},
        },
        {
            "fullUrl": R4_ENCOUNTER_UUID if new else "http://example.org/fhir/Encounter/e1",
            "resource": {
                "resourceType": "Encounter",
                **({} if new else {"id": "e1"}),
                "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"},
                "subject": patient_ref,
                "period": {"start": "2021-09-14T19:05:00+01:00", "end": "2021-09-14T22:40:00+01:00"},
            },
            "request": {"method": "POST", "url": "Encounter"} if new else {"method": "PUT", "url": "Encounter/e1"},
        },
        {
            "fullUrl": "http://example.org/fhir/Condition/123",
            "resource": {
                "resourceType": "Condition",
                "id": "123",
                "code": {"text": "Burn of hand"},
                "subject": conditional if new else patient_ref,
                "onsetDateTime": "2021-09-14",
            },
            "request": {"method": "PUT", "url": "Condition/123"},
        },
        {
            "fullUrl": "urn:uuid:3d5bd0a1-4c0b-4b4e-bb35-2d1f64a8a9b7",
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"text": "Body weight"},
                "subject": patient_ref,
                "effectiveDateTime": "2021-09-14",
                "valueQuantity": {"value": 18.2, "unit": "kg"},
            },
            "request": {"method": "PUT", "url": "Observation?identifier=http://example.org/obs|w1"},
        },
        {"request": {"method": "DELETE", "url": "Patient/234"}},
        {"request": {"method": "DELETE", "url": "Patient?identifier=123456"}},
        {"request": {"method": "GET", "url": "Patient?name=peter"}},
        {
            "resource": {
                "resourceType": "Parameters",
                "parameter": [{"name": "meta", "valueMeta": {"tag": [{"code": "urgent"}]}}],
            },
            "request": {"method": "POST", "url": "Patient/example/$meta-add"},
        },
    ]
    if not new:
        entries.append({"request": {"method": "GET", "url": "Patient/12334", "ifNoneMatch": 'W/"4"'}})
    return {"resourceType": "Bundle", "id": f"bundle-{kind}", "type": kind, "entry": entries}


def test_r4_transaction_and_batch_bundles_import(tmp_path) -> None:
    from chronology.events import CanonicalEvent, PersonRecord, RejectedRow, Skipped
    from tests.test_fhir_importer import CHILD_NHS, of, read, write

    for kind in ("transaction", "batch"):
        bundle = r4_transaction(kind)
        items = read(write(tmp_path, bundle, f"{kind}.json"))
        events = of(items, CanonicalEvent)
        assert sorted(e.attributes["resource_type"] for e in events) == ["Condition", "Encounter", "Observation"]
        assert {i.value for e in events for i in e.subject.identifiers if i.kind.value == "nhs_number"} == {CHILD_NHS}
        assert not of(items, RejectedRow)
        (record,) = of(items, PersonRecord)
        assert record.is_child
        requests = {e.attributes["resource_type"]: e.attributes["entry_request"] for e in events}
        assert requests["Condition"] == "PUT Condition/123"
        assert all(e.provenance.path.startswith(f"Bundle({kind}).entry[") for e in events)
        skipped = of(items, Skipped)
        without = [s for s in skipped if "no resource" in s.reason]
        assert len(without) == sum(1 for e in bundle["entry"] if "resource" not in e)
        assert [s.reason.split(":")[0] for s in skipped if s not in without] == ["Parameters"]
        placed = len(events) + 1 + len(skipped)
        assert placed == len(bundle["entry"])  # every entry is an event, the person, or skipped with why


def test_r4_transaction_response_holds_only_outcomes_and_is_skipped(tmp_path) -> None:
    from chronology.events import CanonicalEvent, RejectedRow, Skipped
    from tests.test_fhir_importer import of, read, write

    response = {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [
            {"response": {"status": "201 Created", "location": "Patient/12423/_history/1", "etag": 'W/"1"'}},
            {"response": {"status": "200 OK", "location": "Condition/123/_history/4", "etag": 'W/"4"'}},
            {"response": {"status": "204 No Content"}},
        ],
    }
    items = read(write(tmp_path, response))
    assert not of(items, CanonicalEvent) and not of(items, RejectedRow)
    assert ["201 Created" in s.reason for s in of(items, Skipped)] == [True, False, False]
    assert len(of(items, Skipped)) == 3


def test_r4_searchset_with_included_resources(tmp_path) -> None:
    from chronology.events import CanonicalEvent, ImportWarning, PersonRecord, RejectedRow, Skipped
    from tests.test_fhir_importer import CHILD_NHS, of, read, write

    base = "http://example.org/fhir"
    matches = [
        {
            "fullUrl": f"{base}/Encounter/e{n}",
            "resource": {
                "resourceType": "Encounter",
                "id": f"e{n}",
                "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                "subject": {"reference": "Patient/p1"},
                "participant": [{"individual": {"reference": "Practitioner/pr1"}}],
                "serviceProvider": {"reference": "Organization/o1"},
                "period": {"start": f"2021-0{n}-03T09:00:00Z"},
            },
            "search": {"mode": "match", "score": 1},
        }
        for n in (1, 2, 3)
    ]
    included = [
        {"fullUrl": f"{base}/Patient/p1", "resource": r4_patient(CHILD_NHS) | {"id": "p1"}, "search": {"mode": "include"}},
        {
            "fullUrl": f"{base}/Practitioner/pr1",
            "resource": {"resourceType": "Practitioner", "id": "pr1", "name": [{"family": "Okafor", "prefix": ["Dr"]}]},
            "search": {"mode": "include"},
        },
        {
            "fullUrl": f"{base}/Organization/o1",
            "resource": {"resourceType": "Organization", "id": "o1", "name": "Northtown Community Paediatrics"},
            "search": {"mode": "include"},
        },
        {
            "resource": {
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "warning", "code": "incomplete", "diagnostics": "only 3 of 7 returned"}],
            },
            "search": {"mode": "outcome"},
        },
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 7,
        "link": [{"relation": "self", "url": f"{base}/Encounter?patient=p1&_include=Encounter:patient"}],
        "entry": matches + included,
    }
    items = read(write(tmp_path, bundle))
    events = of(items, CanonicalEvent)
    assert len(events) == 3 and not of(items, RejectedRow)
    assert all(e.attributes["search_mode"] == "match" for e in events)
    assert {e.source for e in events} == {"Northtown Community Paediatrics"}  # the included Organization names it
    assert len(of(items, PersonRecord)) == 1
    skipped = {s.what: s.reason for s in of(items, Skipped)}
    assert set(skipped) == {"Practitioner/pr1", "Organization/o1", "OperationOutcome"}
    assert "included by the search" in skipped["Organization/o1"]
    assert any("only 3 of 7 returned" in w.message for w in of(items, ImportWarning))
