"""The variation mode: the same world written again within what the import spec allows.

``vary_authority`` rewrites a generated authority's CSV files in place: the force's own reference
shape and every other agency's hand-copied spelling of it, code list values in other wordings,
header aliases, case and order, an unknown extra column, other accepted date forms, blank optional
columns the analysis does not read, shuffled rows, UTF-8 with a BOM or Windows-1252, and the police
file split in two. The ground truth keeps the same world's truth, with its references in the
force's shape. XML and FHIR files are left as written: their formats fix their own forms.

Independent exports to the same spec differ in exactly these ways, so an importer and analysis
that give the same chronology for both are not fitted to our own writers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from generator.variation import dates, labels, references
from generator.variation.choice import pick, rng
from generator.variation.tables import EXTRA_COLUMN, TableKind, header_row, kind_of

GROUND_TRUTH = "ground-truth.json"
POLICE_FILE = "police-occurrences.csv"
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
# What may vary; a caller measuring which variation an importer mishandles turns them on one at a time.
ASPECTS = frozenset(
    {"references", "labels", "headers", "extra_column", "dates", "blanks", "row_order", "encoding", "split"}
)

__all__ = ["ASPECTS", "vary_authority"]


def vary_authority(
    out_dir: Path, files: dict[str, int], seed: int, aspects: frozenset[str] = ASPECTS
) -> tuple[dict[str, int], dict]:
    """Vary every project CSV in ``out_dir`` in each of ``aspects``; returns the files now there
    with their rows, and what was varied (for the manifest)."""
    if unknown := aspects - ASPECTS:
        raise ValueError(f"unknown variation aspects: {sorted(unknown)}")
    shape = references.force_shape(seed) if "references" in aspects else None
    written: dict[str, int] = {}
    for name, rows in files.items():
        kind = kind_of(name)
        if kind is None:
            written[name] = rows
            continue
        path = out_dir / name
        header, body = _read(path)
        split = name == POLICE_FILE and "split" in aspects
        parts = _split_by_occurrence(name, header, body) if split else {name: body}
        if name not in parts:
            path.unlink()
        for part, part_rows in parts.items():
            text, encoding = _varied(kind, header, part_rows, part, seed, shape, aspects)
            _write(out_dir / part, text, encoding)
            written[part] = len(part_rows)
    truth = out_dir / GROUND_TRUTH
    if truth.exists() and shape is not None:
        truth.write_text(references.rewrite(truth.read_text(encoding="utf-8"), shape), encoding="utf-8")
    return written, {
        "vary_seed": seed,
        "aspects": sorted(aspects),
        "reference_shape": shape,
        "police_split": "by occurrence: each occurrence's rows all in one of the two files",
    }


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _split_by_occurrence(name: str, header: list[str], body: list[list[str]]) -> dict[str, list[list[str]]]:
    """The police file as two files, the first half of its occurrences in the first.

    By occurrence, not by row: the police importer joins an occurrence's nominal rows within one
    file, so an occurrence split across two files would lose its adults on one child's event.
    """
    column = header.index("occurrence_ref")
    order = list(dict.fromkeys(row[column] for row in body))
    first = set(order[: len(order) // 2])
    stem = name.removesuffix(".csv")
    return {
        f"{stem}-part-1.csv": [row for row in body if row[column] in first],
        f"{stem}-part-2.csv": [row for row in body if row[column] not in first],
    }


@dataclass(frozen=True, slots=True)
class _FileHabits:
    """How one file's system writes: its reference copying, date forms and wordings."""

    where: str
    seed: int
    shape: str | None
    aspects: frozenset[str]
    column_copy: references.Copying
    text_copy: references.Copying
    styles: dict[str, str]


def _varied(
    kind: TableKind,
    header: list[str],
    body: list[list[str]],
    where: str,
    seed: int,
    shape: str | None,
    aspects: frozenset[str],
) -> tuple[str, str]:
    """The file's CSV text and the encoding it is written in."""
    habits = _FileHabits(
        where,
        seed,
        shape,
        aspects,
        references.copying(seed, where, in_text=False),
        references.copying(seed, where, in_text=True),
        {kind_: dates.style_for(seed, where, kind_) for kind_ in ("event", "birth", "datetime")},
    )
    order = list(header)
    if "headers" in aspects:
        rng(seed, "columns", where).shuffle(order)
    if "extra_column" in aspects:
        order.insert(pick(range(len(order) + 1), seed, "extra column", where), EXTRA_COLUMN[0])
    rows = [_row(kind, dict(zip(header, row, strict=True)), habits) for row in body]
    if "row_order" in aspects:
        rng(seed, "rows", where).shuffle(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header_row(kind, order, seed, where) if "headers" in aspects else order)
    for row in rows:
        row[EXTRA_COLUMN[0]] = EXTRA_COLUMN[1]
        writer.writerow([row[column] for column in order])
    encoding = pick(ENCODINGS, seed, "encoding", where) if "encoding" in aspects else "utf-8"
    return out.getvalue(), encoding


def _row(kind: TableKind, row: dict[str, str], habits: _FileHabits) -> dict[str, str]:
    """One row with its values varied as the file's habits say."""
    aspects = habits.aspects
    owned = kind.police_owned or (kind.agency_column is not None and row.get(kind.agency_column) == "Police")
    out: dict[str, str] = {}
    for column, value in row.items():
        if habits.shape is not None:
            if column in kind.ref_columns:
                value = references.rewrite(value, habits.shape, habits.column_copy)
            else:
                value = references.rewrite(value, habits.shape, None if owned else habits.text_copy)
        if column in kind.label_columns and "labels" in aspects:
            value = labels.reword_list(value, habits.seed, habits.where)
        if "dates" in aspects:
            value = _dated(kind, column, value, habits.styles)
        if column in kind.blank and "blanks" in aspects:
            value = ""
        out[column] = value
    return out


def _dated(kind: TableKind, column: str, value: str, styles: dict[str, str]) -> str:
    if column in kind.event_dates:
        return dates.restyle(value, styles["event"])
    if column in kind.birth_dates:
        return dates.restyle(value, styles["birth"])
    if column in kind.datetimes:
        return dates.restyle_datetime(value, styles["datetime"])
    return value


def _write(path: Path, text: str, encoding: str) -> None:
    """Write ``text``; a file Windows-1252 cannot hold (a name in another script) goes as UTF-8 + BOM."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8-sig")
    path.write_bytes(data)
