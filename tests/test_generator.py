"""The synthetic authority generator: deterministic files, valid identifiers, and a ground truth that
is true of the rows written (read back from the CSV files, not from the generator's memory)."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import inspect
import json
import re
import weakref
from collections import defaultdict
from pathlib import Path

import pytest

from chronology.dates import parse_date
from chronology.identifiers import is_valid_nhs_number, is_valid_upn
from generator import generate_authority, iter_families, write_template_rows
from generator.oracle import CODES, Fact, evaluate
from generator.timeline import Window, add_months, age_on
from generator.writers.template_csv import COLUMNS

TODAY = dt.date(2026, 1, 1)
AS_OF = dt.date(2025, 3, 31)
MAIN_FILES = (
    "template-police.csv",
    "template-health.csv",
    "template-education.csv",
    "template-childrens-social-care.csv",
)
REF_IN_TEXT = re.compile(r"\(ref (OR-\d{2}-\d+)\)")
PERSON = re.compile(r"\s*([^;()]+?)\s*\(([^)]*)\)")


def _day(text: str) -> dt.date:
    return parse_date(text, today=TODAY).earliest()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == list(COLUMNS), path.name
        return list(reader)


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("authority")
    summary = generate_authority(out, children=150, seed=11)
    rows = {path.name: _read(path) for path in sorted(out.glob("template-*.csv"))}
    truth = json.loads((out / "ground-truth.json").read_text(encoding="utf-8"))
    by_child: dict[tuple[str, dt.date], list[dict[str, str]]] = defaultdict(list)
    for file_rows in rows.values():
        for row in file_rows:
            by_child[(row["child_name"], _day(row["child_dob"]))].append(row)
    return {"out": out, "summary": summary, "rows": rows, "truth": truth, "by_child": by_child}


def _key(child: dict) -> tuple[str, dt.date]:
    return child["name"], dt.date.fromisoformat(child["dob"])


def _fact(row: dict[str, str]) -> Fact:
    labels = tuple(part.strip() for part in row["category"].split(";") if part.strip())
    persons = tuple(
        (name, tuple(r.strip() for r in roles.split(","))) for name, roles in PERSON.findall(row["persons"])
    )
    reference = None
    if row["agency"] == "Police" and row["record_id"].startswith("OR-"):
        reference = row["record_id"].split("/")[0]
    elif match := REF_IN_TEXT.search(row["event"]):
        reference = match[1]
    voice = bool(row["child_voice"]) or "Child seen alone" in labels
    return Fact(_day(row["start_date"]), row["agency"], labels, persons, voice, reference)


# --- files --------------------------------------------------------------------------------------


def test_same_seed_same_bytes_and_different_seed_differs(tmp_path: Path) -> None:
    runs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        out = tmp_path / name
        generate_authority(out, children=40, seed=seed)
        runs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert runs[0] == runs[1]
    assert runs[0]["template-health.csv"] != runs[2]["template-health.csv"]
    assert not [name for name in runs[0] if name.endswith(".part")]


def test_files_have_the_template_columns_and_unique_record_ids(authority: dict) -> None:
    rows = authority["rows"]
    assert set(MAIN_FILES) <= set(rows)
    agencies = {
        "template-police.csv": "Police",
        "template-health.csv": "Health",
        "template-education.csv": "Education",
        "template-childrens-social-care.csv": "Children's Social Care",
    }
    for name, file_rows in rows.items():
        assert file_rows, name
        ids = [row["record_id"] for row in file_rows]
        assert len(ids) == len(set(ids)), name
        assert len({row["agency"] for row in file_rows}) == 1
        if name in agencies:
            assert file_rows[0]["agency"] == agencies[name]
        for row in file_rows:
            assert row["start_date"] and row["source"] and row["event"] and row["child_name"]
            assert not row["event"].startswith(("=", "+", "-", "@"))


def test_summary_and_manifest_match_the_files(authority: dict) -> None:
    summary, rows = authority["summary"], authority["rows"]
    assert summary.children == 150
    assert summary.files == {name: len(r) for name, r in rows.items()}
    assert summary.events == sum(summary.files.values())
    manifest = json.loads((authority["out"] / "manifest.json").read_text())
    assert {f["file"]: f["rows"] for f in manifest["files"]} == summary.files
    assert manifest["ground_truth"] == "ground-truth.json"
    children = {key for key in authority["by_child"]}
    assert len(children) == 150


def test_dates_are_mostly_uk_with_iso_partial_and_uncertain(authority: dict) -> None:
    starts = [row["start_date"] for r in authority["rows"].values() for row in r]
    for text in starts:
        parse_date(text, today=TODAY)  # every date is readable
    uk = sum(bool(re.fullmatch(r"\d\d/\d\d/\d{4}", t)) for t in starts)
    iso = sum(bool(re.fullmatch(r"\d{4}-\d\d-\d\d", t)) for t in starts)
    partial = sum(bool(re.fullmatch(r"\d\d/\d{4}|\d{4}-\d\d", t)) for t in starts)
    uncertain = sum(t.startswith("?") for t in starts)
    assert uk > 0.8 * len(starts)
    assert iso > 0 and partial > 0 and uncertain > 0


# --- identifiers --------------------------------------------------------------------------------


def test_identifiers_valid_except_those_listed_as_mistyped(authority: dict) -> None:
    invalid = {
        (i["agency"], i["record_id"], i["field"]): i for i in authority["truth"]["invalid_identifiers"]
    }
    assert invalid, "some identifiers are deliberately mistyped"
    checked = 0
    for file_rows in authority["rows"].values():
        for row in file_rows:
            for field, valid in (("nhs_number", is_valid_nhs_number), ("upn", is_valid_upn)):
                value = row[field]
                if not value:
                    continue
                checked += 1
                listed = invalid.pop((row["agency"], row["record_id"], field), None)
                if listed:
                    assert not valid(value) and value == listed["written"] and valid(listed["correct"])
                else:
                    assert valid(value), (row["record_id"], field, value)
                if field == "nhs_number":
                    assert value.startswith("999")
            if row["child_id"]:
                assert re.fullmatch(r"LA\d{7}", row["child_id"])
    assert not invalid, "every listed invalid identifier is in the files"
    assert len(authority["truth"]["invalid_identifiers"]) < 0.06 * checked


def test_which_agency_holds_which_identifier(authority: dict) -> None:
    rows = authority["rows"]
    police = rows["template-police.csv"]
    assert all(not r["child_id"] for r in police)
    assert 0 < sum(bool(r["nhs_number"]) for r in police) < len(police)
    assert all(r["nhs_number"] for r in rows["template-health.csv"])
    assert all(r["upn"] and not r["child_id"] for r in rows["template-education.csv"])
    social_care = rows["template-childrens-social-care.csv"]
    assert all(r["child_id"] for r in social_care)
    assert 0.5 < sum(bool(r["nhs_number"]) for r in social_care) / len(social_care) < 0.9


def test_planted_children_ids_match_rows(authority: dict) -> None:
    by_child = authority["by_child"]
    for child in authority["truth"]["children"]:
        rows = by_child[_key(child)]
        assert {r["child_id"] for r in rows if r["child_id"]} <= {child["la_child_id"]}
        assert child["nhs_number"] in {r["nhs_number"] for r in rows}
        if child["upn"] and any(r["agency"] == "Education" for r in rows):
            assert child["upn"] in {r["upn"] for r in rows}


# --- ground truth ---------------------------------------------------------------------------------


def test_cross_agency_incidents_are_in_the_files(authority: dict) -> None:
    index = {(row["agency"], row["record_id"]): row for r in authority["rows"].values() for row in r}
    incidents = authority["truth"]["cross_agency_incidents"]
    assert len(incidents) >= 20
    kinds = set()
    for incident in incidents:
        ref = incident["police_reference"]
        agencies = {report["agency"] for report in incident["reports"]}
        assert "Police" in agencies and len(agencies) >= 2
        for report in incident["reports"]:
            row = index[(report["agency"], report["record_id"])]
            kinds.add(report["what"])
            day = _day(row["start_date"])
            incident_day = dt.date.fromisoformat(incident["date"])
            assert 0 <= (day - incident_day).days <= 3
            if report["what"] == "police occurrence":
                assert row["record_id"].startswith(ref + "/") and "Domestic abuse" in row["category"]
                assert row["start_time"] == incident["time"]
            elif report["what"] == "Operation Encompass":
                assert row["category"].startswith("Operation Encompass") and f"(ref {ref})" in row["event"]
            elif report["what"] == "referral":
                assert row["category"].startswith("Referral; Source: Police") and ref in row["event"]
            elif report["what"] == "A&E attendance":
                assert row["category"] == "A&E attendance; Injury" and (day - incident_day).days <= 1
    assert kinds == {"police occurrence", "Operation Encompass", "referral", "contact", "A&E attendance"}


def test_decoys_share_the_day_but_not_the_story(authority: dict) -> None:
    index = {(row["agency"], row["record_id"]): row for r in authority["rows"].values() for row in r}
    decoys = authority["truth"]["decoys"]
    assert decoys
    for decoy in decoys:
        row = index[(decoy["agency"], decoy["record_id"])]
        assert _day(row["start_date"]) == dt.date.fromisoformat(decoy["date"])
        assert decoy["near_police_reference"] not in row["event"]
        assert "Domestic" not in row["category"] and "Injury" not in row["category"]


def test_every_pattern_is_planted_and_every_control_present(authority: dict) -> None:
    truth = authority["truth"]
    planted = defaultdict(int)
    for child in truth["children"]:
        for code in child["planted"]:
            planted[code] += 1
    assert set(planted) == set(CODES)
    assert {c["must_not"] for c in truth["negative_controls"]} == set(CODES)


def test_patterns_read_from_the_rows_match_the_ground_truth(authority: dict) -> None:
    """Planted children show exactly their listed patterns; controls miss theirs; background shows none."""
    listed = {_key(child): child for child in authority["truth"]["children"]}
    for key, rows in authority["by_child"].items():
        found = evaluate([_fact(r) for r in rows], AS_OF).found
        child = listed.get(key)
        if child is None:
            assert found == {}, (key, found)
            continue
        assert found == child["patterns"], key
        assert set(child["planted"]) <= set(found)
        assert not {c["code"] for c in child["must_not"]} & set(found)


def _plans(rows: list[dict[str, str]]) -> list[tuple[dt.date, dt.date | None, dict[str, str]]]:
    starts = sorted(
        (r for r in rows if r["category"].startswith("CP plan start")), key=lambda r: _day(r["start_date"])
    )
    ends = sorted(_day(r["start_date"]) for r in rows if r["category"].startswith("CP plan end"))
    plans = []
    for row in starts:
        start = _day(row["start_date"])
        end = next((e for e in ends if e >= start), None)
        if end:
            ends.remove(end)
        plans.append((start, end, row))
    return plans


def _police_da_days(rows: list[dict[str, str]]) -> list[dt.date]:
    return sorted(
        _day(r["start_date"])
        for r in rows
        if r["agency"] == "Police"
        and r["category"].startswith("Police occurrence")
        and "Domestic abuse" in r["category"]
    )


def test_repeat_plans_and_escalation_directly_from_rows(authority: dict) -> None:
    by_child = authority["by_child"]
    for child in authority["truth"]["children"]:
        rows = by_child[_key(child)]
        if "repeat_cp_plan" in child["planted"]:
            plans = _plans(rows)
            assert len(plans) >= 2
            assert plans[0][1] is not None and plans[1][0] > plans[0][1]
        days = _police_da_days(rows)
        if "da_escalation" in child["planted"]:
            assert any(days[i + 2] <= add_months(days[i], 12) for i in range(len(days) - 2))
        if any(c["code"] == "da_escalation" for c in child["must_not"]):
            assert len(days) == 2 and days[1] <= add_months(days[0], 12)
        if any(c["code"] == "father_not_in_plan" for c in child["must_not"]):
            father = next(f for f in child["fathers"] if f["role"] == "father")
            core = [
                r
                for r in rows
                if r["category"] == "Core group" and f"{father['name']} (father)" in r["persons"]
            ]
            assert len(core) == 1


def test_seed_cohorts_agree_with_the_rows(authority: dict) -> None:
    truth = authority["truth"]
    children = {c["la_child_id"]: c for c in truth["children"]}
    bucks = truth["cohort_bucks_2019"]
    assert bucks
    for entry in bucks:
        child = children[entry["la_child_id"]]
        plans = _plans(authority["by_child"][_key(child)])
        start, end, row = plans[entry["plan_number"] - 1]
        assert start.isoformat() == entry["plan_start"]
        assert age_on(dt.date.fromisoformat(child["dob"]), start) <= 5
        assert 365 < ((end or AS_OF) - start).days < 730
        assert row["category"] == f"CP plan start; {entry['category']}"
        assert "Main concern: domestic abuse" in row["event"]
    south = truth["cohort_south_glos_2025"]
    assert any(entry["plan_count"] >= 3 for entry in south)
    for entry in south:
        child = children[entry["la_child_id"]]
        plans = _plans(authority["by_child"][_key(child)])
        assert len(plans) == entry["plan_count"] >= 2
        assert [p[0].isoformat() for p in plans] == [p["start"] for p in entry["plans"]]


def test_children_with_two_fathers_are_named_unambiguously(authority: dict) -> None:
    both = [
        c
        for c in authority["truth"]["children"]
        if {f["role"] for f in c["fathers"]} >= {"father", "step-father"}
    ]
    assert both
    child = both[0]
    persons = " ".join(r["persons"] for r in authority["by_child"][_key(child)])
    for father in child["fathers"]:
        assert f"{father['name']} ({father['role']}" in persons


def test_most_children_are_background(authority: dict) -> None:
    planted = len(authority["truth"]["children"])
    assert 0.2 < planted / authority["summary"].children < 0.4


# --- scale -----------------------------------------------------------------------------------------


def test_families_stream_one_at_a_time() -> None:
    """2,000 children are never held at once: families come from a generator and are not kept."""
    families = iter_families(seed=3, children=2000, window=Window(dt.date(2016, 4, 1), dt.date(2025, 3, 31)))
    assert inspect.isgenerator(families)
    refs = []
    for n, family in enumerate(families):
        refs.append(weakref.ref(family))
        if n == 60:
            break
    del family
    gc.collect()
    assert sum(ref() is not None for ref in refs) <= 1  # only the one the paused generator still holds


def test_write_template_rows_writes_exactly_that_many(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    assert write_template_rows(path, 3000, seed=2) == 3000
    rows = _read(path)
    assert len(rows) == 3000
    assert len({row["agency"] for row in rows}) >= 4
    assert len({(row["agency"], row["record_id"]) for row in rows}) == 3000
    assert len({row["child_name"] for row in rows}) > 20
