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
