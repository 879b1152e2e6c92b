"""The project formats' code lists in config/: every lookup goes through ``label_key``, so two entries
that key alike must mean the same thing, or the second would be silently ignored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from chronology.labels import label_key
from chronology.settings import load_config
from chronology.vocabulary import family_roles, is_event_type
from importers.project_rows import agency_named, heading_source, reference_kind, referring_agency


def _collisions(entries: Iterable[tuple[str, Any]]) -> list[str]:
    """Labels that key alike with a different meaning, in words."""
    seen: dict[str, tuple[str, Any]] = {}
    clashes: list[str] = []
    for label, meaning in entries:
        first = seen.setdefault(label_key(label), (label, meaning))
        if first[1] != meaning:
            clashes.append(f"'{first[0]}' and '{label}' key alike but say {first[1]!r} and {meaning!r}")
    return clashes


def _tables() -> dict[str, list[tuple[str, Any]]]:
    police = load_config("codes/police")
    formats = load_config("project_formats")
    relationship_words = formats["relationships"]["relationship_words"]
    return {
        "police occurrence_types": list(police["occurrence_types"].items()),
        "police roles": [(role, role) for role in police["roles"]["known"]],
        "police dash_levels": list(police["dash_levels"].items()),
        "school categories": list(load_config("codes/school_log")["categories"].items()),
        "case notes event_types": list(load_config("codes/case_notes")["event_types"].items()),
        "template category_event_types": list(load_config("template")["category_event_types"].items()),
        "relationship words": [*family_roles().items(), *relationship_words.items()],
        "referring agency words": [
            (w, a) for a, words in formats["referring_agencies"].items() for w in words
        ],
        "reference columns": [(h, k) for k, headers in formats["reference_columns"].items() for h in headers],
    }


@pytest.mark.parametrize("name", list(_tables()))
def test_no_two_entries_key_alike_with_different_meanings(name: str) -> None:
    assert _collisions(_tables()[name]) == []


def test_every_mapped_event_type_is_in_the_vocabulary() -> None:
    mapped = {
        *(
            entry.get("event_type", "police_occurrence")
            for entry in load_config("codes/police")["occurrence_types"].values()
        ),
        *(
            e.get("event_type", "school_safeguarding_concern")
            for e in load_config("codes/school_log")["categories"].values()
        ),
        *load_config("codes/case_notes")["event_types"].values(),
        *load_config("template")["category_event_types"].values(),
    }
    assert sorted(t for t in mapped if not is_event_type(t)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thames Valley Police", "Police"),
        ("Avon and Somerset Constabulary", "Police"),
        ("GP surgery", "Health"),
        ("Health Visitor", "Health"),
        ("A&E", "Health"),
        ("School nurse", "Health"),  # the longer phrase wins over "school"
        ("Oak Lane Academy", "Education"),
        ("Children's Social Care (other LA)", "Children's social care"),
        ("Probation", "Probation"),
        ("  Women's  Aid ", "Women's Aid"),
        ("", None),
    ],
)
def test_agency_named(text: str, expected: str | None) -> None:
    assert agency_named(text) == expected


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("Contact from Police: DA incident", "Police"),
        ("Referral received from the school: bruising", "school"),
        ("Contact: from police", None),  # no heading before the colon
        ("Mother rang from her sister's house after she was hit by him: NFA", None),  # a sentence
        ("No colon here from police", None),
    ],
)
def test_heading_source(summary: str, expected: str | None) -> None:
    assert heading_source(summary) == expected


def test_referring_agency_prefers_column_then_category_then_heading() -> None:
    heading = "Contact from school: mother says police were called"
    assert referring_agency("GP", ["Source: Police"], heading) == "Health"
    assert referring_agency("", ["Contact", "Source: Police"], heading) == "Police"
    assert referring_agency("", ["Contact"], heading) == "Education"


@pytest.mark.parametrize(
    ("header", "kind"),
    [("Police Ref.", "police_occurrence"), ("occurrence_ref", "police_occurrence"), ("Crime No", "crime")],
)
def test_reference_columns(header: str, kind: str) -> None:
    assert reference_kind(header) == kind
    assert reference_kind("Notes") is None
