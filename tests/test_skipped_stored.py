"""Skipped sheets and resources are kept in the store with their reasons: ``chronology imports show``
lists each after the import, read back from the database (not from the import run), and the counts
of ``imports list`` still add up."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from click.testing import CliRunner

from tests.helpers import write_workbook
from tests.test_fhir_importer import family

GUIDANCE = [["Annex A guidance"], ["Fill in one row per child."], ["Dates as dd/mm/yyyy."]]
CONTACTS = [
    ["Child Unique ID", "Gender", "Date of Contact", "Contact Source"],
    ["K1", "Female", dt.datetime(2021, 1, 4), "6"],
    ["K2", "Male", dt.datetime(2021, 2, 9), "6"],
]


def annex_with_guidance(folder: Path) -> Path:
    return write_workbook(folder / "annex a.xlsx", {"Guidance": GUIDANCE, "List 1": CONTACTS})


def bundle_with_claim(folder: Path) -> Path:
    bundle = family().bundle("collection")
    bundle["entry"].append({"resource": {"resourceType": "Claim", "id": "claim-9", "status": "active"}})
    path = folder / "bundle.json"
    path.write_text(json.dumps(bundle))
    return path


def _adds_up(listed: str) -> list[int]:
    """Every line of ``imports list``: read N = imported + relationships + identity + duplicates + rejected."""
    sums: list[int] = []
    for line in listed.splitlines():
        found = re.search(
            r"read (\d+) = imported (\d+) \(undated \d+\) \+ relationships (\d+) \+ identity records (\d+) "
            r"\+ duplicates (\d+) \+ rejected (\d+); skipped (\d+)",
            line,
        )
        if found:
            read, *parts, skipped = (int(n) for n in found.groups())
            assert read == sum(parts), line
            sums.append(skipped)
    return sums


def test_imports_show_lists_each_stored_skip_with_its_reason(cli_env, tmp_path, database_url) -> None:
    from commands.main import cli

    runner = CliRunner()
    for path in (annex_with_guidance(tmp_path), bundle_with_claim(tmp_path)):
        result = runner.invoke(cli, ["import", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    # a fresh process reads the report back: nothing but the store holds the reasons now
    annex = runner.invoke(cli, ["imports", "show", "1"], catch_exceptions=False).output
    assert "skipped: 1 sheet/resource" in annex
    assert "sheet 'Guidance' (3 non-blank row(s)): not an Annex A list" in annex
    fhir = runner.invoke(cli, ["imports", "show", "2"], catch_exceptions=False).output
    counted = re.search(r"rejected \d+, skipped (\d+) ", fhir)
    listed_items = re.search(r"skipped: (\d+) sheets?/resources?", fhir)
    assert counted and listed_items and counted.group(1) == listed_items.group(1) != "0"
    assert fhir.count("\n    ") == int(counted.group(1))
    assert re.search(r"\n    Claim/claim-9: .*billing claim", fhir), fhir
    listed = runner.invoke(cli, ["imports", "list"], catch_exceptions=False).output
    skipped = _adds_up(listed)
    assert len(skipped) == 2 and skipped[-1] == 1  # newest first: the workbook's one guidance sheet
