"""``generate --vary``: the same world's rows, written only in ways the import spec allows.

Every varied file is read back and compared row by row with the plain file of the same seed: the
same rows; dates the project's date parser reads as the same date; references with the force's
token; code list values with the same words; headers the importers accept; blank only the
optional columns chosen; the police file split by occurrence. And the plain files do not change.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronology.dates import parse_date, parse_datetime
from chronology.references import reference_token
from commands.main import cli
from generator import generate_authority
from generator.variation import references
from generator.variation.tables import RECOGNISING, aliases, kind_of

CHILDREN, SEED, VARY = 24, 3, 5
LINKING_WORDS = frozenset({"to", "of", "for"})


def _normal(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.replace("\ufeff", "").strip().lower())


def read_csv(path: Path) -> list[list[str]]:
    """A CSV in any encoding the spec allows (UTF-8 with or without BOM, else Windows-1252)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline="")))


def table(path: Path, columns: list[str] | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """(headers as written, rows by column); varied headers are resolved to the plain ``columns``."""
    header, *rows = read_csv(path)
    names = header
    if columns is not None:
        kind = kind_of(path.name)
        assert kind is not None
        accepted = aliases(*kind.aliases_from)
        by_name = {}
        for column in columns:
            for name in (column, *accepted.get(column, ())):
                by_name.setdefault(_normal(name), column)
        names = [by_name.get(_normal(h), _normal(h)) for h in header]
    return header, [dict(zip(names, row, strict=True)) for row in rows]


def label_words(value: str) -> list[list[str]]:
    """A ``;`` list of labels as words: lower case, no marks, no plural ending, sorted."""

    def singular(word: str) -> str:
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith(("shes", "ches", "xes", "sses")):
            return word[:-2]
        return word[:-1] if word.endswith("s") and not word.endswith("ss") else word

    return [
        sorted(singular(w) for w in re.findall(r"[a-z0-9']+", part.lower()) if w not in LINKING_WORDS)
        for part in value.split(";")
    ]


@pytest.fixture(scope="module", params=["native", "template"])
def authorities(request, tmp_path_factory) -> tuple[Path, Path, str]:
    base = tmp_path_factory.mktemp(request.param)
    plain, varied = base / "plain", base / "varied"
    generate_authority(plain, children=CHILDREN, seed=SEED, formats=request.param)
    generate_authority(varied, children=CHILDREN, seed=SEED, formats=request.param, vary_seed=VARY)
    return plain, varied, request.param


def _identity(kind_prefix: str, row: dict[str, str]) -> tuple[str, ...]:
    if kind_prefix == "police-":
        return (reference_token(row["occurrence_ref"]), row["nominal_id"])
    if kind_prefix == "relationships":
        return (row["child_id"], row["person_id"])
    return (row.get("incident_id") or row["record_id"],)


def test_plain_files_are_untouched_by_the_variation_mode(tmp_path):
    generate_authority(tmp_path / "a", children=8, seed=2, formats="native")
    generate_authority(tmp_path / "v", children=8, seed=2, formats="native", vary_seed=1)
    generate_authority(tmp_path / "b", children=8, seed=2, formats="native")
    names = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert "variation" not in json.loads((tmp_path / "a" / "manifest.json").read_text())


def test_the_same_vary_seed_gives_the_same_bytes_and_another_differs(tmp_path):
    for name, vary in (("one", 4), ("two", 4), ("three", 9)):
        generate_authority(tmp_path / name, children=8, seed=2, formats="native", vary_seed=vary)
    files = sorted(p.name for p in (tmp_path / "one").glob("*.csv"))
    assert [(tmp_path / "one" / f).read_bytes() for f in files] == [
        (tmp_path / "two" / f).read_bytes() for f in files
    ]
    assert any((tmp_path / "one" / f).read_bytes() != (tmp_path / "three" / f).read_bytes() for f in files)


def test_varied_rows_are_the_plain_rows_within_the_spec(authorities):
    plain_dir, varied_dir, _ = authorities
    shape = json.loads((varied_dir / "manifest.json").read_text())["variation"]["reference_shape"]
    checked = 0
    for plain_path in sorted(plain_dir.glob("*.csv")):
        kind = kind_of(plain_path.name)
        assert kind is not None, plain_path.name
        columns, plain_rows = table(plain_path)
        parts = sorted(varied_dir.glob(plain_path.stem + "*.csv"))
        varied_rows = [row for part in parts for row in table(part, columns)[1]]
        rewritten = [{c: references.rewrite(v, shape) for c, v in row.items()} for row in plain_rows]
        canonical = {_identity(kind.prefix, row): row for row in rewritten}
        varied_by_id = {_identity(kind.prefix, row): row for row in varied_rows}
        assert set(varied_by_id) == set(canonical), plain_path.name
        assert len(varied_rows) == len(plain_rows)
        for key, want in canonical.items():
            got = varied_by_id[key]
            assert got.pop("export_batch") == "Batch A"  # the unknown extra column
            assert set(got) == set(want)
            for column, value in want.items():
                seen = got[column]
                where = (plain_path.name, key, column, value, seen)
                if column in kind.blank:
                    assert seen == "", where
                elif column in kind.datetimes:
                    assert parse_datetime(seen) == parse_datetime(value), where
                elif column in kind.event_dates or column in kind.birth_dates:
                    assert (parse_date(seen) if seen else None) == (parse_date(value) if value else None), (
                        where
                    )
                elif column in kind.label_columns:
                    assert label_words(seen) == label_words(value), where
                else:  # text and references: the same letters and digits, case and marks aside
                    assert reference_token(seen) == reference_token(value), where
                checked += 1
    assert checked > 1000


def test_references_take_the_force_shape_and_each_agency_copies_it_its_own_way(authorities):
    plain_dir, varied_dir, formats = authorities
    if formats != "native":
        pytest.skip("the school log's police_reference column is a native-format column")
    shape = json.loads((varied_dir / "manifest.json").read_text())["variation"]["reference_shape"]
    spellings = set()
    for plain_path in sorted(plain_dir.glob("school-log-*.csv")):
        columns, plain_rows = table(plain_path)
        varied = {row["incident_id"]: row for row in table(varied_dir / plain_path.name, columns)[1]}
        for row in plain_rows:
            if row["police_reference"]:
                force = references.canonical(row["police_reference"], shape)
                written = varied[row["incident_id"]]["police_reference"]
                assert reference_token(written) == reference_token(force)
                spellings.add(written != force)
    assert True in spellings  # the schools do not copy the force's own spelling


def test_headers_are_names_the_importers_accept(authorities):
    plain_dir, varied_dir, _ = authorities
    for path in sorted(varied_dir.glob("*.csv")):
        kind = kind_of(path.name)
        assert kind is not None
        accepted = aliases(*kind.aliases_from)
        known = {_normal(c) for c in accepted} | {_normal(a) for names in accepted.values() for a in names}
        normals = [_normal(name) for name in read_csv(path)[0]]
        assert set(normals) <= known | {"export_batch", "outcome"}, path.name
        assert len(set(normals)) == len(normals), path.name
        # the columns that recognise a format keep their own name (config says never to alias them)
        plain = plain_dir / re.sub(r"-part-\d+", "", path.name)
        assert set(read_csv(plain)[0]) & RECOGNISING <= set(normals), path.name


def test_the_police_file_is_split_in_two_by_occurrence(authorities):
    plain_dir, varied_dir, formats = authorities
    if formats != "native":
        pytest.skip("the police occurrence CSV is a native-format file")
    assert not (varied_dir / "police-occurrences.csv").exists()
    columns, plain_rows = table(plain_dir / "police-occurrences.csv")
    parts = [table(p, columns)[1] for p in sorted(varied_dir.glob("police-occurrences-part-*.csv"))]
    assert len(parts) == 2 and all(parts)
    tokens = [{reference_token(r["occurrence_ref"]) for r in part} for part in parts]
    assert not tokens[0] & tokens[1]
    assert sum(map(len, parts)) == len(plain_rows)


def test_the_cli_varies_on_request(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "generate",
            "--out",
            str(tmp_path),
            "--children",
            "5",
            "--formats",
            "native",
            "--vary",
            "--vary-seed",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "(varied)" in result.output
    assert json.loads((tmp_path / "manifest.json").read_text())["variation"]["vary_seed"] == 2
