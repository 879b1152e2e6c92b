"""`chronology generate` end to end: every file it writes is recognised and imports without loss."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from commands.main import cli


@pytest.mark.parametrize("formats", ["template", "native"])
def test_generated_authority_imports_through_the_real_importers(cli_env, tmp_path, formats):
    out = tmp_path / "la"
    generated = CliRunner().invoke(
        cli, ["generate", "--out", str(out), "--children", "40", "--seed", "5", "--formats", formats]
    )
    assert generated.exit_code == 0, generated.output
    assert "ground truth: ground-truth.json" in generated.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert all(entry["format"] != "unknown" for entry in manifest["files"])
    if formats == "native":
        written = {entry["format"] for entry in manifest["files"]}
        assert {"cin-census", "case-notes", "relationships", "fhir", "police", "school-log", "ctf"} <= written

    result = CliRunner().invoke(cli, ["import", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # only the two JSON side files are not data; every data file was recognised
    assert "not recognised (2 files" in result.output
    assert "FAILED" not in result.output
    rejected = [line for line in result.output.splitlines() if line.strip().startswith("rows rejected")]
    assert rejected and all(line.split()[-1] == "0" for line in rejected)
    formats_seen = {line.split("(")[1].split(")")[0] for line in result.output.splitlines() if ", import " in line}
    expected = {entry["format"] for entry in manifest["files"]}
    assert formats_seen == expected
