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
