"""Every Ofsted Annex A layout since 2015 reads: a workbook built to each version's headings
(config/annex_a_layouts.toml) gives the same events per child, of the same types on the same dates, as
the current (2018 ILACS) layout. Without the layouts' headings as aliases the older versions lose events."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

import importers.annex_a as annex_a
from chronology.events import CanonicalEvent, PersonRecord, RejectedRow, Skipped
from chronology.settings import load_config
from tests.helpers import write_workbook
from tests.test_annex_a import read

LAYOUTS = load_config("annex_a_layouts")["layouts"]
CURRENT = "2018"
OLDER = sorted(set(LAYOUTS) - {CURRENT})
SHEET_NAMES = {"2015": "List {n}", "2017": "List{n}", "2018": "List {n} {title}"}
CHILDREN = ("C1001", "C1002", "C1003")
VALUES = {  # a value for each field that is not a date, as an authority fills it in
    "gender": "Female",
    "contact_source": "6",
    "referral_source": "6",
    "referral_nfa": "No",
    "eh_organisation": "School",
    "icpc_plan": "Yes",
    "primary_need": "N1",
    "latest_category": "Neglect",
    "initial_category": "Neglect",
    "seen_alone": "Yes",
    "legal_status": "C2",
    "placement_type": "U1",
    "eligibility": "Relevant",
    "in_touch": "Yes",
    "accommodation": "Independent living",
    "activity": "In education",
    "": "White British",
}
NOT_DATES = {"child_id", "adopter_id", "dob", *VALUES}


def _value(field: str, child: int, column: int) -> object:
    if field == "child_id":
        return CHILDREN[child]
    if field == "adopter_id":
        return f"A20{child}"
    if field == "dob":
        return dt.datetime(2012 + child, 3, 4)
    if field in VALUES:
        return VALUES[field]
    return dt.datetime(2021, 1 + child, 1) + dt.timedelta(days=3 * column)  # each date column its own day


def workbook(version: str, folder: Path) -> Path:
    """One workbook to a version's layout; the same children and the same dates in every version,
    each date column's day set by its field (the order of fields in the current layout)."""
    sheets: dict[str, list[list[object]]] = {}
    order = {f: i for spec in LAYOUTS[CURRENT].values() for i, (f, _) in enumerate(spec["columns"])}
    for key, spec in LAYOUTS[version].items():
        number = int(key.removeprefix("list"))
        name = SHEET_NAMES[version].format(n=number, title=annex_a.LIST_SPECS[number].title.title())[:31]
        header = [heading for _, heading in spec["columns"]]
        rows = [[_value(f, child, order.get(f, 0)) for f, _ in spec["columns"]] for child in range(len(CHILDREN))]
        sheets[name] = [["Notes: one row per child"], header, *rows] if version == "2015" else [header, *rows]
    return write_workbook(folder / f"annex a {version}.xlsx", sheets)


def events_per_child(items: list) -> dict[str, Counter]:
    found: dict[str, Counter] = {}
    for item in items:
        if isinstance(item, CanonicalEvent):
            child = item.subject.identifiers[0].value
            found.setdefault(child, Counter())[(item.event_type, str(item.date))] += 1
    return found


def _summary(path: Path) -> tuple[dict[str, Counter], int, int, int]:
    items = read(path)
    people = sum(isinstance(i, PersonRecord) for i in items)
    rejected = sum(isinstance(i, RejectedRow) for i in items)
    skipped = sum(isinstance(i, Skipped) for i in items)
    return events_per_child(items), people, rejected, skipped


def test_the_layouts_share_their_date_fields_with_the_current_one() -> None:
    """So that "the same events" is a fair comparison: each older list dates what the current one dates."""
    for version in OLDER:
        for key, spec in LAYOUTS[version].items():
            dated = {f for f, _ in spec["columns"]} - NOT_DATES
            current = {f for f, _ in LAYOUTS[CURRENT][key]["columns"]} - NOT_DATES
            assert dated == current, (version, key)


@pytest.mark.parametrize("version", OLDER)
def test_each_older_layout_imports_the_same_events_as_the_current_one(version: str, tmp_path: Path) -> None:
    current = _summary(workbook(CURRENT, tmp_path))
    events, people, rejected, skipped = current
    assert set(events) == set(CHILDREN) and sum(sum(c.values()) for c in events.values()) > 20
    assert (people, rejected, skipped) == (len(CHILDREN), 0, 0)
    assert _summary(workbook(version, tmp_path)) == current


@pytest.mark.parametrize("version", OLDER)
def test_without_the_layouts_headings_the_older_layout_loses_events(version, tmp_path, monkeypatch) -> None:
    current = _summary(workbook(CURRENT, tmp_path))
    monkeypatch.setattr(annex_a, "layout_headings", lambda: {})
    annex_a._aliases.cache_clear()
    try:
        assert _summary(workbook(CURRENT, tmp_path)) == current  # the current wording is in [aliases]
        assert _summary(workbook(version, tmp_path)) != current
    finally:
        monkeypatch.undo()
        annex_a._aliases.cache_clear()
