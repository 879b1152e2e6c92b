"""Property across importers: what an importer does not read as a record (a FHIR bundle's
Organization or Claim, an Annex A workbook's guidance sheet) is skipped with its reason, never counted
as a rejected record; the report and ``chronology imports show`` give skipped apart from rejected."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronology.events import RejectedRow, Skipped
from tests.helpers import write_workbook
from tests.test_annex_a import read as read_annex
from tests.test_fhir_importer import family, read

EXTRA_TYPES = (
    "Organization",
    "Practitioner",
    "Location",
    "Medication",
    "Composition",
    "Provenance",
    "Claim",
    "ExplanationOfBenefit",
    "Coverage",
    "Device",
)
CONTACTS = [["Child Unique ID", "Date of Contact", "Contact Source"], ["K1", dt.datetime(2021, 1, 4), "6"]]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(EXTRA_TYPES), st.integers(0, 30)), max_size=8))
def test_extra_non_clinical_resources_are_skipped_not_rejected(extras: list[tuple[str, int]]) -> None:
    bundle = family().bundle("collection")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.json"
        path.write_text(json.dumps(bundle))
        before = read(path)
        for number, (kind, at) in enumerate(extras):
            resource = {"resourceType": kind, "id": f"extra-{number}", "name": "Something"}
            bundle["entry"].insert(min(at, len(bundle["entry"])), {"resource": resource})
        path.write_text(json.dumps(bundle))
        after = read(path)
    rejected = [(r.reason, r.path.split(".resource")[-1]) for r in after if isinstance(r, RejectedRow)]
    assert rejected == [(r.reason, r.path.split(".resource")[-1]) for r in before if isinstance(r, RejectedRow)]
    skipped_before = [s for s in before if isinstance(s, Skipped)]
    skipped_after = [s for s in after if isinstance(s, Skipped)]
    assert len(skipped_after) == len(skipped_before) + len(extras)
    extra_ids = {s.what for s in skipped_after if s.what.split("/")[-1].startswith("extra-")}
    assert extra_ids == {f"{kind}/extra-{n}" for n, (kind, _) in enumerate(extras)}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ", min_size=3, max_size=12), st.lists(st.lists(WORDS, max_size=4), max_size=12)),
        max_size=4,
        unique_by=lambda sheet: sheet[0],
    )
)
def test_extra_guidance_and_lookup_sheets_are_one_skip_each_not_rejects(sheets: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        plain = read_annex(write_workbook(Path(folder) / "plain.xlsx", {"List 1": CONTACTS}))
        extra = {f"Guide {name}": [row for row in rows] or [["guidance"]] for name, rows in sheets}
        full = read_annex(write_workbook(Path(folder) / "full.xlsx", {**extra, "List 1": CONTACTS}))
    assert [r for r in full if isinstance(r, RejectedRow)] == [r for r in plain if isinstance(r, RejectedRow)]
    skipped = [s for s in full if isinstance(s, Skipped)]
    non_blank = {name for name, rows in extra.items() if any(str(c).strip() for row in rows for c in row)}
    assert {s.path for s in skipped} == non_blank
    assert len(skipped) == len(non_blank)


def test_the_cli_report_and_imports_show_give_skipped_apart_from_rejected(cli_env, tmp_path) -> None:
    from commands.main import cli

    b = family()
    del b.resource("enc-ae")["subject"]  # two Patients, no context: one rejected record
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(b.bundle("collection")))
    items = read(path)
    skipped = sum(isinstance(i, Skipped) for i in items)
    assert skipped >= 3
    output = CliRunner().invoke(cli, ["import", str(path)], catch_exceptions=False).output
    assert "  rows rejected       1" in output
    assert f"  skipped             {skipped} (" in output and "Claim: a billing claim" in output
    shown = CliRunner().invoke(cli, ["imports", "show", "1"], catch_exceptions=False).output
    assert f"rejected 1, skipped {skipped} (" in shown
