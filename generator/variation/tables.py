"""What may vary in each of the project's CSV formats, and the header a file writes for each column.

Each format names its columns by role: which hold a reference alone, which free text that may quote
one, which code list values, which dates; which optional columns the analysis does not read (left
blank); and which columns recognise the format when a folder is imported (those keep their own
name, only its case and spacing change: the importers' config says never to alias them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from chronology.settings import load_config
from generator.variation.choice import pick

# Columns that tell one format from another on import (config/project_formats.toml, template.toml).
RECOGNISING = frozenset(
    {
        "occurrence_ref",
        "nominal_id",
        "incident_id",
        "upn",
        "person_id",
        "relationship",
        "record_id",
        "event_type",
        "child_seen",
        "source",
    }
)
EXTRA_COLUMN = ("export_batch", "Batch A")  # an unknown column: the spec says it is kept, not dropped


@dataclass(frozen=True, slots=True)
class TableKind:
    """One project CSV format as the variation mode sees it."""

    prefix: str
    aliases_from: tuple[str, str | None]  # (config file, section) holding the header aliases
    ref_columns: tuple[str, ...] = ()  # a reference alone: copied by the file's column habit
    label_columns: tuple[str, ...] = ()  # ';'-separated code list values
    event_dates: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()
    datetimes: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()  # optional, and read by no analysis
    police_owned: bool = False  # every reference here is the force's own writing
    agency_column: str | None = None  # a row of agency "Police" writes references the force's way
    recognising: frozenset[str] = field(default=RECOGNISING)


KINDS = (
    TableKind(
        "police-",
        ("project_formats", "police"),
        label_columns=("occurrence_type",),
        birth_dates=("dob",),
        datetimes=("occurred_at",),
        blank=("location",),
        police_owned=True,
    ),
    TableKind(
        "school-log-",
        ("project_formats", "school_log"),
        ref_columns=("police_reference",),
        label_columns=("category",),
        event_dates=("date",),
        birth_dates=("dob",),
        blank=("recorded_by",),
    ),
    TableKind(
        "case-notes",
        ("project_formats", "case_notes"),
        label_columns=("event_type",),
        event_dates=("date",),
        birth_dates=("child_dob",),
        blank=("worker",),
    ),
    TableKind(
        "relationships",
        ("project_formats", "relationships"),
        event_dates=("from_date", "to_date"),
        birth_dates=("dob",),
    ),
    TableKind(
        "template-",
        ("template", None),
        label_columns=("category",),
        event_dates=("start_date", "end_date"),
        birth_dates=("child_dob",),
        agency_column="agency",
    ),
)


def kind_of(name: str) -> TableKind | None:
    """The format of a written CSV file, by its name (as the writers name them)."""
    if not name.endswith(".csv") or "/" in name:
        return None
    return next((kind for kind in KINDS if name.startswith(kind.prefix)), None)


def _normal(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


@cache
def aliases(config: str, section: str | None) -> dict[str, tuple[str, ...]]:
    """Column -> the other header names the importer accepts for it, none a recognising column."""
    table = load_config(config)
    table = table[section]["aliases"] if section else table["aliases"]
    return {
        column: tuple(alias for alias in names if _normal(alias) not in RECOGNISING)
        for column, names in table.items()
    }


def _cased(header: str, style: str) -> str:
    if style == "spaced":
        return header.replace("_", " ")
    if style == "title":
        return " ".join(word[:1].upper() + word[1:] for word in header.replace("_", " ").split())
    if style == "upper":
        return header.upper()
    if style == "padded":
        return f" {header} "
    return header


def header_for(kind: TableKind, column: str, taken: set[str], seed: int, where: str) -> str:
    """The header the file ``where`` writes for ``column``: an accepted alias or its own name, in
    another case or spacing; never one that normalises like a header already chosen."""
    own = [column]
    names = own if column in kind.recognising else own + list(aliases(*kind.aliases_from).get(column, ()))
    name = pick(names, seed, "header", where, column)
    if _normal(name) in taken:
        name = column
    taken.add(_normal(name))
    return _cased(name, pick(("as-is", "spaced", "title", "upper", "padded"), seed, "case", where, column))


def header_row(kind: TableKind, columns: list[str], seed: int, where: str) -> list[str]:
    """Headers for ``columns`` in order; own names are claimed first so no alias shadows them."""
    taken = {_normal(column) for column in columns}
    out = []
    for column in columns:
        taken.discard(_normal(column))
        out.append(header_for(kind, column, taken, seed, where))
    return out
