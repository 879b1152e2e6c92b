"""Timeline item labels lead with what tells events apart, whichever importer made them.

Police summaries often open alike ("Domestic crime at home address: ..."); the label leads with the
occurrence type, the child's part and the DASH level so such items read differently on the timeline.
"""

from __future__ import annotations

from pathlib import Path

from chronology.events import CanonicalEvent
from importers.base import ImportOptions
from importers.police import PoliceImporter
from tests.factories import child, event
from tests.helpers import csv_writer, events_of, header_of
from web.timeline_labels import child_role, dash_level, item_label, summary_fragment

HEADER = header_of("police")
SAME_START = "Domestic crime at home address: "
OCCURRENCE = {
    "occurred_at": "2021-03-04 22:15",
    "occurrence_type": "Domestic crime",
    "domestic_abuse": "Y",
    "location": "Home address",
}
write_csv = csv_writer("police.csv")


def _row(values: dict[str, str]) -> list[str]:
    return [values.get(column, "") for column in HEADER]


def _police(tmp_path: Path) -> list[CanonicalEvent]:
    """Three occurrences for one child, every summary opening with the same words."""
    kid = {"nominal_id": "N3", "surname": "Testkid", "forenames": "Dana", "dob": "2015-06-01"}
    rows = [
        OCCURRENCE | kid | {"occurrence_ref": "OCC/1/21", "nominal_role": "victim", "dash_risk": "high",
                            "summary": SAME_START + "child hit by partner"},
        OCCURRENCE | kid | {"occurrence_ref": "OCC/2/21", "occurred_at": "2021-05-04 20:00",
                            "nominal_role": "child present", "dash_risk": "standard",
                            "summary": SAME_START + "argument overheard"},
        OCCURRENCE | kid | {"occurrence_ref": "OCC/3/21", "occurred_at": "2021-07-04 20:00",
                            "nominal_role": "suspect", "dash_risk": "medium",
                            "summary": SAME_START + "argument overheard"},
    ]
    path = write_csv(tmp_path, [HEADER, *(_row(r) for r in rows)])
    return sorted(events_of(list(PoliceImporter().read(path, ImportOptions()))), key=lambda e: e.source)


def _label(e: CanonicalEvent) -> str:
    return item_label(e.event_type, e.summary, e.categories, e.attributes)


def test_police_occurrences_whose_summaries_start_alike_have_distinct_labels(tmp_path: Path) -> None:
    events = _police(tmp_path)
    assert len(events) == 3 and all(e.summary.startswith(SAME_START) for e in events)
    labels = [_label(e) for e in events]
    assert len(set(labels)) == 3, labels
    assert labels[0].startswith("Domestic crime · victim · DASH high · ")
    assert labels[1].startswith("Domestic crime · present · DASH standard · ")
    assert labels[2].startswith("Domestic crime · suspect · DASH medium · ")
    assert all(SAME_START.strip() not in label for label in labels)  # the shared opening is not repeated


def test_a_template_event_with_the_same_opening_reads_differently_from_the_police_ones(tmp_path: Path) -> None:
    police = {_label(e) for e in _police(tmp_path)}
    school = event(child(), agency="Education: Oak Lane Primary", summary=SAME_START + "argument overheard",
                   file="template-education.csv")
    label = _label(school)
    assert label not in police
    assert label.endswith("argument overheard") and "DASH" not in label and "victim" not in label


def test_the_parts_come_only_from_what_the_event_records() -> None:
    assert child_role({"nominal_role": "Victim; child present"}) == "victim"
    assert child_role({"nominal_role": "reporting person"}) is None
    assert child_role({}) is None
    assert dash_level(["Domestic crime", "DA", "DASH high"], {}) == "high"
    assert dash_level([], {"dash_risk": "Medium"}) == "medium"
    assert dash_level(["Domestic crime"], {}) is None
    long = "word " * 40
    fragment = summary_fragment(long, "GP consultation")
    assert len(fragment) <= 48 and fragment.endswith("…")
    assert summary_fragment("GP consultation", "GP consultation") == ""
    assert summary_fragment("Operation Encompass notification (ref X1)", "Operation Encompass notification") == "(ref X1)"
