"""What the importer tests share: writing fixture files, sorting an import's items, damaging a
file at random, and importing through the real store.

A plain module (``from tests.helpers import ...``), so each test module still shows its own
fixture rows and assertions; only the mechanics live here.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from chronology.events import (
    CanonicalEvent,
    ImportFileError,
    ImportItem,
    ImportWarning,
    RejectedRow,
    Relationship,
)
from chronology.ingest import FileInfo, ImportReport, import_items

# --- the project formats' header rows, as the tests write them ----------------------------------------

PROJECT_HEADERS = {
    "template": "agency,record_id,start_date,source,child_id,event",
    "export": "date,date_precision,end_date,time,age_at_event,agency,source,event_type,category,significant,"
    "summary,impact_on_child,action_outcome,analysis,persons,child_voice,incident_cluster,episode,source_file,"
    "source_record,child_id,nhs_number,upn,child_name,child_dob",
    "police": "occurrence_ref,occurred_at,occurrence_type,domestic_abuse,dash_risk,dash_score,children_present,"
    "location,summary,nominal_id,nominal_role,surname,forenames,dob,sex,nhs_number,upn,encompass_school_urn",
    "school": "incident_id,school_urn,school_name,upn,surname,forenames,dob,date,time,category,description,"
    "child_voice,action_taken,police_reference,recorded_by",
    "relationships": "child_id,person_id,surname,forenames,dob,sex,nhs_number,relationship,"
    "parental_responsibility,lives_with_child,from_date,to_date",
    "case_notes": "child_id,record_id,date,time,event_type,summary,child_seen,child_seen_alone,child_views,"
    "attendees,worker,significant",
}


def header_of(name: str) -> list[str]:
    """A project format's header row as a list of column names."""
    return PROJECT_HEADERS[name].split(",")


def other_headers(own: str) -> dict[str, str]:
    """Every other format's header line: files an importer must not claim as its own."""
    return {name: header for name, header in PROJECT_HEADERS.items() if name != own}


def row_maker(base: dict[str, str], default_header: list[str]) -> Callable[..., list[str]]:
    """``row(header=..., **values)``: a data row in the header's column order, ``base`` overridden
    by ``values``; a column neither gives is blank."""

    def row(header: list[str] = default_header, **values: str) -> list[str]:
        merged = {**base, **values}
        return [merged.get(column, "") for column in header]

    return row


# --- writing files ---------------------------------------------------------------------------------------


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows as a CSV writer writes them, with the CRLF line ends Excel uses."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def csv_writer(default_name: str) -> Callable[..., Path]:
    """``write_csv(folder, rows, name=default_name, encoding="utf-8")`` -> the file's path."""

    def write_csv(
        folder: Path, rows: list[list[str]], name: str = default_name, encoding: str = "utf-8"
    ) -> Path:
        path = folder / name
        path.write_bytes(csv_text(rows).encode(encoding))
        return path

    return write_csv


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """A workbook with the rows on its one sheet (openpyxl's default, named 'Sheet')."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook with exactly these sheets, in this order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# --- an import's items, by kind -----------------------------------------------------------------------


def events_of(items: Iterable[ImportItem]) -> list[CanonicalEvent]:
    return [item for item in items if isinstance(item, CanonicalEvent)]


def warnings_of(items: Iterable[ImportItem]) -> list[ImportWarning]:
    return [item for item in items if isinstance(item, ImportWarning)]


def rejected_of(items: Iterable[ImportItem]) -> list[RejectedRow]:
    return [item for item in items if isinstance(item, RejectedRow)]


def relationships_of(items: Iterable[ImportItem]) -> list[Relationship]:
    return [item for item in items if isinstance(item, Relationship)]


def only_event(items: list[ImportItem]) -> tuple[CanonicalEvent, list[ImportWarning]]:
    """The one event among the items (failing when there is not exactly one) and every warning."""
    [event] = events_of(items)
    return event, warnings_of(items)


# --- random damage --------------------------------------------------------------------------------------

# One change to a file's bytes: (what, where, bytes). ``where`` wraps round the file's length.
mutation = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "truncate"]),
    st.integers(min_value=0, max_value=5_000),
    st.binary(min_size=1, max_size=3),
)

DAMAGE = st.lists(mutation, min_size=1, max_size=5)  # one to five changes, for ``@given``
DAMAGE_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def damaged(data: bytes, mutations: Iterable[tuple[str, int, bytes]]) -> bytes:
    """``data`` with each mutation applied in turn: bytes inserted, deleted, replaced, or the rest cut off."""
    result = bytearray(data)
    for kind, position, payload in mutations:
        at = position % (len(result) + 1)
        if kind == "insert":
            result[at:at] = payload
        elif kind == "delete":
            del result[at : at + len(payload)]
        elif kind == "truncate":
            del result[at:]
        else:
            result[at : at + len(payload)] = payload
    return bytes(result)


@contextmanager
def damaged_file(data: bytes, name: str) -> Iterator[Path]:
    """The bytes written to a file of that name in a fresh folder (Hypothesis runs many examples in
    one test, so tmp_path would be shared), removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def read_damaged(
    read: Callable[[Path], Iterable[ImportItem]],
    data: bytes,
    mutations: Iterable[tuple[str, int, bytes]],
    name: str = "damaged.csv",
) -> list[ImportItem] | None:
    """What ``read`` makes of ``data`` once damaged, or None when it refuses the file as a whole
    (ImportFileError): damage must give one or the other, never another exception."""
    with damaged_file(damaged(data, mutations), name) as path:
        try:
            return list(read(path))
        except ImportFileError:
            return None


# --- through the store ----------------------------------------------------------------------------------


def import_file(engine: Engine, items: Iterable[ImportItem], name: str, fmt: str) -> ImportReport:
    """Import items through the real store under a file name and format, as the command does."""
    return import_items(engine, items, FileInfo(name, fmt), actor="t")


def import_twice(
    engine: Engine, read: Callable[[Path], Iterable[ImportItem]], path: Path, fmt: str
) -> tuple[ImportReport, ImportReport]:
    """Import a file, then the same file again: the two reports (the second should add nothing)."""
    first = import_file(engine, read(path), path.name, fmt)
    return first, import_file(engine, read(path), path.name, fmt)
