"""A FHIR Bundle holding no Patient at all (a system's export of one child's encounters that names the
child only by the NHS number on each reference, FHIR R4 references.html "logical reference"): its
entries are read as a bare resource is, on the child that NHS number names, with a warning; an entry
with no way to find its patient is rejected naming the file, the entry and the field."""

from __future__ import annotations

from chronology.events import CanonicalEvent, IdentifierKind, ImportWarning, RejectedRow
from tests.test_fhir_importer import BAD_NHS, CHILD_NHS, NHS_SYSTEM, of, read, write

BY_NHS = {"identifier": {"system": NHS_SYSTEM, "value": CHILD_NHS}}


def _bundle(*resources: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }


def _encounter(rid: str, day: str, subject: dict | None) -> dict:
    resource = {"resourceType": "Encounter", "id": rid, "status": "finished", "period": {"start": f"{day}T10:00:00Z"}}
    if subject is not None:
        resource["subject"] = subject
    return resource


def test_entries_naming_the_child_by_nhs_number_are_read_with_one_warning(tmp_path) -> None:
    immunisation = {"resourceType": "Immunization", "id": "i1", "status": "completed", "patient": BY_NHS,
                    "occurrenceDateTime": "2021-04-01", "vaccineCode": {"text": "MMR"}}
    bundle = _bundle(
        _encounter("e1", "2021-03-01", {"reference": "Patient/p9", **BY_NHS}),
        _encounter("e2", "2021-03-08", BY_NHS),
        immunisation,
    )
    items = read(write(tmp_path, bundle, "gp export.json"))
    events = of(items, CanonicalEvent)
    assert sorted(e.attributes.get("resource_id") for e in events) == ["Encounter/e1", "Encounter/e2", "Immunization/i1"]
    for event in events:
        assert [(i.kind, i.value) for i in event.subject.identifiers] == [(IdentifierKind.NHS_NUMBER, CHILD_NHS)]
    assert not of(items, RejectedRow)
    (warning,) = [w for w in of(items, ImportWarning) if w.field and w.field.endswith(".identifier")]
    assert warning.path == "Bundle(searchset).entry[0].resource(Encounter/e1)"
    assert "'Patient/p9' is not in this file" in warning.message and CHILD_NHS in warning.message
    assert "every other entry naming that NHS number" in warning.message


def test_entries_with_no_way_to_find_the_patient_are_rejected_naming_file_entry_and_field(tmp_path) -> None:
    observation = {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "Weight"},
                   "subject": {"reference": "Patient/p9"}, "effectiveDateTime": "2021-03-01"}
    bad = _encounter("e3", "2021-03-09", {"identifier": {"system": NHS_SYSTEM, "value": BAD_NHS}})
    bundle = _bundle(_encounter("e1", "2021-03-01", BY_NHS), observation, _encounter("e2", "2021-03-08", None), bad)
    items = read(write(tmp_path, bundle, "gp export.json"))
    assert [e.attributes.get("resource_id") for e in of(items, CanonicalEvent)] == ["Encounter/e1"]
    rejected = {r.path: r for r in of(items, RejectedRow)}
    assert set(rejected) == {
        "Bundle(searchset).entry[1].resource(Observation/o1)",
        "Bundle(searchset).entry[2].resource(Encounter/e2)",
        "Bundle(searchset).entry[3].resource(Encounter/e3)",
    }
    for path, row in rejected.items():
        assert row.file == "gp export.json" and row.field == "subject"
        assert row.reason.startswith(f"gp export.json: {path}: the bundle holds no Patient"), row.reason
    assert "'Patient/p9'" in rejected["Bundle(searchset).entry[1].resource(Observation/o1)"].reason
    assert "carries no NHS number" in rejected["Bundle(searchset).entry[1].resource(Observation/o1)"].reason
    assert "names no patient at all" in rejected["Bundle(searchset).entry[2].resource(Encounter/e2)"].reason
    assert f"'{BAD_NHS}'" in rejected["Bundle(searchset).entry[3].resource(Encounter/e3)"].reason
