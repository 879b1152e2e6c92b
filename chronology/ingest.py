"""Loading a stream of canonical items into the store: one transaction per file, batched inserts.

The importer (which knows the file format) produces the items; this module knows nothing of
formats. Every item ends as an imported event, a duplicate skipped, a relationship, or a rejected
row with its reason, and the report's counts add up. Any error rolls the whole file back.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Connection, Engine, insert, select, update

from chronology.analysis_queue import queue_persons
from chronology.bulk_insert import insert_rows
from chronology.coverage_check import Declared, check_coverage
from chronology.db.chunks import chunks
from chronology.db.models import (
    Event,
    ImportBatch,
    ImportIssue,
    ImportSkippedItem,
    PersonIdentifier,
    Relationship,
    utcnow,
)
from chronology.events import (
    CanonicalEvent,
    Coverage,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRecord,
    PersonRef,
    Precision,
    Provenance,
    Reference,
    ReferenceRole,
    RejectedRow,
    Skipped,
)
from chronology.events import Relationship as RelationshipItem
from chronology.import_lock import ImportBusy, importing_alone
from chronology.people import PersonResolver, find_suggestions, local_ref
from chronology.person_facts import Disagreement, disagreements_of_groups
from chronology.references import merge_references, references_in_text
from chronology.vocabulary import family_relationship, is_role_only_name, themes_for

events_t = Event.__table__
batches_t = ImportBatch.__table__
issues_t = ImportIssue.__table__
skipped_t = ImportSkippedItem.__table__
relationships_t = Relationship.__table__
identifiers_t = PersonIdentifier.__table__

BATCH_SIZE = 2000
# kinds of quoted reference that name a police record (two different ones on one record are reported)
POLICE_REFERENCE_KINDS = frozenset({"police_occurrence", "crime"})
KEY_LOOKUP_CHUNK = 500
ISSUES_KEPT_IN_REPORT = 50
NAME_LENGTH = 300  # characters a person's name, surname and forenames hold in the store (persons)
FACT_GROUPS_PER_QUERY = 500  # persons whose facts are checked together after an import


@dataclass(slots=True)
class ImportReport:
    """What happened to every record of one file. ``rows_read`` = imported + duplicates + rejected;
    ``skipped`` (context that is not a record, with its reasons) is counted apart from ``rows_read``."""

    file_name: str
    format: str
    batch_id: int | None = None
    status: str = "completed"
    error: str | None = None
    rows_read: int = 0
    events_imported: int = 0
    events_undated: int = 0
    relationships_imported: int = 0
    person_records: int = 0  # identity-only records (no event), e.g. an SSDA903 Header row
    duplicates_skipped: int = 0
    rows_rejected: int = 0
    warnings: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)  # reason text -> count
    new_people: int = 0
    merges: int = 0
    suggestions: int = 0
    # police references this file's events quote that match no police occurrence of their child
    # (counted once the children's analysis is rebuilt; None until then)
    references_unmatched: int | None = None
    first_issues: list[str] = field(default_factory=list)
    imported_before: str | None = None  # the same file's last completed import, e.g. "import 3 by ann on ..."

    def adds_up(self) -> bool:
        return self.rows_read == (
            self.events_imported
            + self.relationships_imported
            + self.person_records
            + self.duplicates_skipped
            + self.rows_rejected
        )

    def lines(self) -> list[str]:
        """The report as a data officer reads it."""
        if self.status == "failed":
            return [f"{self.file_name}: FAILED, nothing imported — {self.error}"]
        out = [f"{self.file_name} ({self.format}), import {self.batch_id}:"]
        if self.imported_before:
            out.append(f"  this same file was imported before ({self.imported_before}): what it holds is not added again")
        out += [
            f"  records read        {self.rows_read}",
            f"  events imported     {self.events_imported} (of which undated: {self.events_undated})",
        ]
        if self.relationships_imported:
            out.append(f"  relationships       {self.relationships_imported}")
        if self.person_records:
            out.append(f"  identity records    {self.person_records} (who a person is; no event)")
        out += [
            f"  duplicates skipped  {self.duplicates_skipped}",
            f"  rows rejected       {self.rows_rejected}",
        ]
        if self.skipped:
            reasons = "; ".join(f"{reason}: {count}" for reason, count in self.skipped_reasons.items())
            out.append(f"  skipped             {self.skipped} ({reasons})")
        out += [
            f"  warnings            {self.warnings}",
            f"  people: {self.new_people} new records, {self.merges} joined across agencies, "
            f"{self.suggestions} new match suggestions to review",
        ]
        if self.references_unmatched:
            out.append(
                f"  references quoted that match no police occurrence of the child: {self.references_unmatched}"
                " (kept on the event, not linked)"
            )
        out += [f"  - {issue}" for issue in self.first_issues]
        hidden = self.rows_rejected + self.warnings - len(self.first_issues)
        if hidden > 0:
            out.append(f"  ... and {hidden} more (see `chronology imports show {self.batch_id}`)")
        return out


@dataclass(frozen=True, slots=True)
class FileInfo:
    name: str
    format: str
    agency: str | None = None
    sha256: str | None = None
    size: int | None = None
    covers_from: dt.date | None = None
    covers_to: dt.date | None = None
    today: dt.date | None = None  # "now" for the data-held checks (None: today)


ITEM_TYPES = (CanonicalEvent, RelationshipItem, RejectedRow, PersonRecord, Coverage, Skipped, ImportWarning)


class _Loader:
    """Buffers rows and writes them in batches inside the caller's transaction.

    Items wait in ``waiting`` until a batch is full; the identifiers of the whole batch are then
    looked up at once, and each item is taken in the order it came, as if one by one.
    """

    def __init__(self, conn: Connection, batch_id: int, actor: str, report: ImportReport) -> None:
        self.conn = conn
        self.batch_id = batch_id
        self.report = report
        self.people = PersonResolver(conn, batch_id, actor)
        self.waiting: list[ImportItem] = []
        self.events: dict[str, dict] = {}
        self.issues: list[dict] = []
        self.skipped_items: list[dict] = []  # kept with the batch so the report read later lists them
        self.relationship_rows: dict[str, dict] = {}
        self.counted_relationships: set[str] = set()  # keys that came from relationship records
        self.identity_records: set[int] = set()  # persons an identity-only record spoke of
        self.coverage: tuple[dt.date, dt.date] | None = None
        self.coverage_agency: str | None = None
        self.coverage_basis: str | None = None
        self.coverage_open_before = False
        self.coverage_stated = False
        self.days: dict[str, Counter[dt.date]] = {}  # agency -> dated events per day, to check coverage

    def add(self, item: ImportItem) -> None:
        if not isinstance(item, ITEM_TYPES):  # a programming error in an importer, not bad input
            raise TypeError(f"importer produced {type(item).__name__}, not an import item")
        self.waiting.append(_refuse_overlong_names(item))
        if len(self.waiting) >= BATCH_SIZE:
            self._take_waiting()

    def _take_waiting(self) -> None:
        items, self.waiting = self.waiting, []
        self.people.prefetch(self._refs_of(items))
        for item in items:
            self._take(item)

    def _refs_of(self, items: list[ImportItem]) -> Iterable[tuple[PersonRef, str, bool]]:
        """The references the items will resolve, as far as they can be known before resolving: a
        person named without identifiers is known by their child's id, so only when that child is."""
        for item in items:
            if isinstance(item, CanonicalEvent):
                system = item.provenance.source_system
                yield item.subject, system, True
                child_id = None if not item.persons else self.people.known_id(item.subject, system)
                for ref in item.persons:
                    if ref.identifiers:
                        yield ref, system, False
                    elif child_id is not None and (name := ref.display_name()) and not is_role_only_name(name):
                        yield local_ref(child_id, ref, system), system, False
            elif isinstance(item, RelationshipItem):
                yield item.child, item.provenance.source_system, True
                yield item.person, item.provenance.source_system, False
            elif isinstance(item, PersonRecord):
                yield item.person, item.provenance.source_system, item.is_child

    def _take(self, item: ImportItem) -> None:
        if isinstance(item, CanonicalEvent):
            self.report.rows_read += 1
            self._add_event(item)
        elif isinstance(item, RelationshipItem):
            self.report.rows_read += 1
            self._add_relationship(item)
        elif isinstance(item, RejectedRow):
            self.report.rows_read += 1
            self.report.rows_rejected += 1
            self._issue("rejected", item.row, item.path, item.field, item.reason, item.raw, item.location())
        elif isinstance(item, PersonRecord):
            self.report.rows_read += 1
            self.report.person_records += 1
            person_id = self.people.resolve(
                item.person,
                item.provenance.source_system,
                is_child=item.is_child,
                attributes=item.attributes,
                where=_where(item.provenance),
            )
            self.identity_records.add(person_id)
        elif isinstance(item, Coverage):
            self._widen_coverage(item)
        elif isinstance(item, Skipped):
            self.report.skipped += 1
            reasons = self.report.skipped_reasons
            reasons[item.reason] = reasons.get(item.reason, 0) + 1
            self.skipped_items.append(
                {"batch_id": self.batch_id, "what": item.what, "reason": item.reason, "path": item.path}
            )
        elif isinstance(item, ImportWarning):
            self.report.warnings += 1
            self._issue("warning", item.row, item.path, item.field, item.message, None, item.location())
        if len(self.events) + len(self.issues) + len(self.relationship_rows) + len(self.skipped_items) >= BATCH_SIZE:
            self._write()

    def _widen_coverage(self, item: Coverage) -> None:
        """The file says what period it covers; the widest span given is kept on the batch."""
        start, end = self.coverage or (item.start, item.end)
        self.coverage = (min(start, item.start), max(end, item.end))
        self.coverage_agency = self.coverage_agency or item.agency
        self.coverage_basis = self.coverage_basis or item.basis
        self.coverage_open_before = self.coverage_open_before or item.open_before
        self.coverage_stated = self.coverage_stated or item.stated

    def _note_day(self, event: CanonicalEvent) -> None:
        if event.date is not None:
            self.days.setdefault(event.agency, Counter())[event.date.earliest()] += 1

    def days_of(self, agency: str | None) -> Counter[dt.date]:
        """The file's dated events per day: the agency's when named, else every agency's."""
        if agency is not None:
            return self.days.get(agency, Counter())
        total: Counter[dt.date] = Counter()
        for days in self.days.values():
            total.update(days)
        return total

    def warn_file(self, message: str, location: str = "data held") -> None:
        """A warning about the file as a whole (its data-held period, a person's disagreeing facts)."""
        self.report.warnings += 1
        self._issue("warning", None, None, None, message, None, location)

    def _issue(
        self,
        kind: str,
        row: int | None,
        path: str | None,
        field_name: str | None,
        message: str,
        raw: dict | None,
        location: str,
    ) -> None:
        self.issues.append(
            {
                "batch_id": self.batch_id,
                "kind": kind,
                "row": row,
                "path": path,
                "field": field_name,
                "message": message,
                "raw": raw,
            }
        )
        if len(self.report.first_issues) < ISSUES_KEPT_IN_REPORT:
            label = "rejected" if kind == "rejected" else "warning"
            self.report.first_issues.append(f"{label}: {location}: {message}")

    def _add_event(self, event: CanonicalEvent) -> None:
        key = event.natural_key()
        if key in self.events:
            self.report.duplicates_skipped += 1
            return
        self._note_day(event)
        system = event.provenance.source_system
        where = _where(event.provenance)
        subject_id = self.people.resolve(event.subject, system, where=where)
        persons = []
        for ref in event.persons:
            person_id = self.people.resolve_named_person(subject_id, ref, system, where)
            relationship = family_relationship(ref.role)
            persons.append(
                {
                    "name": ref.display_name(),
                    "role": ref.role,
                    "relationship": relationship,
                    "person_id": person_id,
                }
            )
            if person_id is not None and relationship:
                self._relationship_row(subject_id, person_id, relationship, system, None, None, None, None)
        references = references_of(event)
        self._warn_conflicting(event, references)
        self.events[key] = event_row(event, key, subject_id, persons, self.batch_id, references)

    def _warn_conflicting(self, event: CanonicalEvent, references: list[Reference]) -> None:
        """A record quoting two different police references: both are kept and each joins only its own
        occurrence, but a person should know the record is ambiguous."""
        quoted: dict[str, Reference] = {}
        for ref in references:
            if ref.role == ReferenceRole.QUOTED and ref.kind in POLICE_REFERENCE_KINDS and ref.token:
                quoted.setdefault(ref.token, ref)
        if len(quoted) < 2:
            return
        said = "; ".join(f"{ref.value} ({ref.source or 'record'})" for ref in quoted.values())
        where = event.provenance
        warning = ImportWarning(
            where.file,
            where.row,
            next(iter(quoted.values())).source or None,
            f"the record quotes {len(quoted)} different police references: {said}; "
            "each is kept and joins only its own occurrence — check which incident the record is about",
            where.path,
        )
        self.report.warnings += 1
        self._issue(
            "warning", warning.row, warning.path, warning.field, warning.message, None, warning.location()
        )

    def _add_relationship(self, item: RelationshipItem) -> None:
        system = item.provenance.source_system
        where = _where(item.provenance)
        child_id = self.people.resolve(item.child, system, where=where)
        person_id = self.people.resolve(item.person, system, is_child=False, where=where)
        relationship = family_relationship(item.relationship) or item.relationship.strip().lower()
        added = self._relationship_row(
            child_id,
            person_id,
            relationship,
            system,
            item.parental_responsibility,
            item.lives_with_child,
            item.from_date.earliest() if item.from_date else None,
            item.to_date.latest() if item.to_date else None,
            item.attributes or None,
        )
        if added:
            self.report.relationships_imported += 1
            self.counted_relationships.add(added)
        else:
            self.report.duplicates_skipped += 1

    def _relationship_row(
        self,
        child_id: int,
        person_id: int,
        relationship: str,
        system: str,
        responsibility: bool | None,
        lives_with: bool | None,
        start: dt.date | None,
        end: dt.date | None,
        attributes: dict | None = None,
    ) -> str | None:
        """Buffer a relationship row; its key, or None when this file already gave it."""
        key = f"{system}|{child_id}|{person_id}|{relationship}"
        if key in self.relationship_rows:
            return None
        self.relationship_rows[key] = {
            "natural_key": key,
            "child_id": child_id,
            "person_id": person_id,
            "relationship": relationship,
            "parental_responsibility": responsibility,
            "lives_with_child": lives_with,
            "from_date": start,
            "to_date": end,
            "source_system": system,
            "batch_id": self.batch_id,
            "attributes": attributes,
        }
        return key

    def flush(self) -> None:
        """Take the items waiting and write everything buffered."""
        self._take_waiting()
        self._write()

    def _write(self) -> None:
        self.people.flush()
        if self.events:
            fresh = _drop_existing(self.conn, events_t.c.natural_key, self.events)
            self.report.duplicates_skipped += len(self.events) - len(fresh)
            if fresh:
                insert_rows(self.conn, events_t, fresh)
                self.report.events_imported += len(fresh)
                self.report.events_undated += sum(1 for row in fresh if row["date"] is None)
            self.events = {}
        if self.relationship_rows:
            fresh = _drop_existing(self.conn, relationships_t.c.natural_key, self.relationship_rows)
            fresh_keys = {row["natural_key"] for row in fresh}
            already = len(self.counted_relationships - fresh_keys)
            self.report.relationships_imported -= already
            self.report.duplicates_skipped += already
            if fresh:
                insert_rows(self.conn, relationships_t, fresh)
            self.relationship_rows = {}
            self.counted_relationships = set()
        if self.issues:
            insert_rows(self.conn, issues_t, self.issues)
            self.issues = []
        if self.skipped_items:
            insert_rows(self.conn, skipped_t, self.skipped_items)
            self.skipped_items = []


def _people_of(item: ImportItem) -> list[tuple[str, PersonRef]]:
    """Who an item names, each with the words a data officer would use for them."""
    if isinstance(item, CanonicalEvent):
        return [("the child", item.subject), *(("a person named on the record", ref) for ref in item.persons)]
    if isinstance(item, RelationshipItem):
        return [("the child", item.child), (f"the {item.relationship or 'relative'}", item.person)]
    if isinstance(item, PersonRecord):
        return [("the person", item.person)]
    return []


def _refuse_overlong_names(item: ImportItem) -> ImportItem:
    """A name longer than a person's record holds is no name (a note pasted into the name column, a
    hostile file): the row is rejected saying so, rather than cut short or failing the whole file."""
    for who, ref in _people_of(item):
        for field_name, text in (
            ("name", ref.name),
            ("surname", ref.surname),
            ("forenames", ref.forenames),
            ("name", ref.display_name()),
        ):
            if text and len(text) > NAME_LENGTH:
                where = item.provenance  # type: ignore[union-attr]
                return RejectedRow(
                    where.file,
                    where.row,
                    field_name,
                    f"the {field_name} of {who} is {len(text):,} characters long, more than the "
                    f"{NAME_LENGTH} a name can be: it is not read as a name (check the column it came from)",
                    None,
                    where.path,
                )
    return item


def _where(provenance: Provenance) -> tuple[str, int | None]:
    """File (and sheet, for a workbook) and row, as a person's identity facts are sourced."""
    file = f"{provenance.file} sheet '{provenance.sheet}'" if provenance.sheet else provenance.file
    return file, provenance.row


def _drop_existing(conn: Connection, key_column, rows: dict[str, dict]) -> list[dict]:  # type: ignore[no-untyped-def]
    keys = list(rows)
    existing: set[str] = set()
    for start in range(0, len(keys), KEY_LOOKUP_CHUNK):
        chunk = keys[start : start + KEY_LOOKUP_CHUNK]
        existing.update(conn.execute(select(key_column).where(key_column.in_(chunk))).scalars())
    return [row for key, row in rows.items() if key not in existing]


@lru_cache(maxsize=4096)
def _themes(categories: tuple[str, ...], event_type: str) -> tuple[str, ...]:
    return tuple(themes_for([*categories, event_type.replace("_", " ")]))


def _themes_of(event: CanonicalEvent) -> list[str]:
    """The importer's themes when it gave any (its code lists know the context), else category words."""
    if event.themes is not None:
        return list(dict.fromkeys(event.themes))
    return list(_themes(tuple(event.categories), event.event_type))


def _date_columns(value: PartialDate | None) -> tuple[dt.date | None, str, bool]:
    if value is None:
        return None, Precision.UNKNOWN.value, False
    return value.earliest(), value.precision.value, value.uncertain


def event_row(
    event: CanonicalEvent,
    key: str,
    subject_id: int,
    persons: list[dict],
    batch_id: int,
    references: list[Reference] | None = None,
) -> dict:
    """The events-table row for a canonical event (``references``: ``references_of(event)``, if known)."""
    date, precision, uncertain = _date_columns(event.date)
    end, end_precision, end_uncertain = _date_columns(event.end)
    provenance = event.provenance
    return {
        "natural_key": key,
        "subject_id": subject_id,
        "date": date,
        "date_precision": precision,
        "date_uncertain": uncertain,
        "date_text": event.date_text,
        "time": event.time,
        "end_date": end,
        "end_precision": end_precision if event.end else None,
        "end_uncertain": end_uncertain,
        "end_time": event.end_time,
        "seq": event.seq,
        "agency": event.agency,
        "source": event.source,
        "event_type": event.event_type,
        "categories": list(event.categories),
        "themes": _themes_of(event),
        "summary": event.summary,
        "impact_on_child": event.impact_on_child,
        "action_outcome": event.action_outcome,
        "analysis": event.analysis,
        "significant": event.significant,
        "child_voice": event.child_voice,
        "child_seen_alone": event.child_seen_alone,
        "persons": persons,
        "attributes": dict(event.attributes),
        "batch_id": batch_id,
        "source_system": provenance.source_system,
        "source_file": provenance.file,
        "source_row": provenance.row,
        "source_path": provenance.path,
        "source_sheet": provenance.sheet,
        "source_record_id": provenance.source_record_id,
        "refs": [
            reference_dict(ref) for ref in (references if references is not None else references_of(event))
        ]
        or None,
        "referring_agency": event.referring_agency,
        "encounter_ref": event.encounter,
        "labels": list(dict.fromkeys(event.labels)) or None,
    }


def references_of(event: CanonicalEvent) -> list[Reference]:
    """What the importer gave, then any reference its free text quotes after a cue word."""
    found = list(event.references)
    for name, text in (("summary", event.summary), ("action_outcome", event.action_outcome)):
        found = merge_references(found, references_in_text(text, name))
    return found


def reference_dict(ref: Reference) -> dict[str, str]:
    return {
        "kind": ref.kind,
        "value": ref.value,
        "token": ref.token,
        "role": ref.role.value,
        "source": ref.source,
    }


def import_items(
    engine: Engine,
    items: Iterable[ImportItem],
    info: FileInfo,
    *,
    actor: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Load one file's items in one transaction. On any error nothing is kept but a record of the failure."""
    report = ImportReport(file_name=info.name, format=info.format)
    try:
        with importing_alone(engine, info.name, info.sha256, actor) as conn:
            report.imported_before = _imported_before(conn, info.sha256)
            batch_id = _start_batch(conn, info, actor, "completed")
            report.batch_id = batch_id
            loader = _Loader(conn, batch_id, actor, report)
            seen = 0
            for item in items:
                loader.add(item)
                seen += 1
                if progress is not None and seen % BATCH_SIZE == 0:
                    progress(BATCH_SIZE)
            loader.flush()
            if progress is not None:
                progress(seen % BATCH_SIZE)
            _check_coverage(conn, batch_id, loader, info)
            _warn_disagreeing_facts(conn, loader)
            report.new_people = loader.people.new_persons
            report.merges = loader.people.merges
            people = loader.people
            report.suggestions = (
                find_suggestions(conn, batch_id, people.forest, people.completed_dobs)
                if people.new_persons or people.completed_dobs
                else 0
            )
            queue_batch(conn, batch_id, loader.identity_records)
            _finish_batch(conn, batch_id, report)
    except ImportBusy as exc:  # another session is importing this file: nothing to record, or to roll back
        report.status = "failed"
        report.error = str(exc)
    except Exception as exc:  # the file failed as a whole: roll back, then record that it failed
        report.status = "failed"
        report.error = str(exc) or type(exc).__name__
        report.batch_id = _record_failure(engine, info, actor, report.error)
        if not isinstance(exc, ImportFileError):  # bad input is reported; a bug is raised
            raise
    return report


def _imported_before(conn: Connection, sha256: str | None) -> str | None:
    """'import 12 by alice on 2026-12-07' for the last completed import of the same bytes, if any."""
    if sha256 is None:
        return None
    row = conn.execute(
        select(batches_t.c.id, batches_t.c.imported_by, batches_t.c.started_at)
        .where(batches_t.c.file_sha256 == sha256, batches_t.c.status == "completed")
        .order_by(batches_t.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return f"import {row.id} by {row.imported_by or 'unknown'} on {row.started_at:%Y-%m-%d %H:%M}"


def queue_batch(conn: Connection, batch_id: int, also: set[int]) -> int:
    """Queue every person this file said something about, so their children's analysis is rebuilt."""
    subjects = conn.execute(select(events_t.c.subject_id).where(events_t.c.batch_id == batch_id).distinct())
    related = conn.execute(
        select(relationships_t.c.child_id).where(relationships_t.c.batch_id == batch_id).distinct()
    )
    ids = {int(p) for p in subjects.scalars()} | {int(p) for p in related.scalars()} | also
    return queue_persons(conn, ids, f"import {batch_id}")


def _start_batch(conn: Connection, info: FileInfo, actor: str, status: str) -> int:
    result = conn.execute(
        insert(batches_t)
        .values(
            format=info.format,
            agency=info.agency,
            file_name=info.name,
            file_sha256=info.sha256,
            file_size=info.size,
            status=status,
            imported_by=actor,
            started_at=utcnow(),
            covers_from=info.covers_from,
            covers_to=info.covers_to,
        )
        .returning(batches_t.c.id)
    )
    return int(result.scalar_one())


def _finish_batch(conn: Connection, batch_id: int, report: ImportReport) -> None:
    conn.execute(
        update(batches_t)
        .where(batches_t.c.id == batch_id)
        .values(
            finished_at=utcnow(),
            rows_read=report.rows_read,
            events_imported=report.events_imported,
            events_undated=report.events_undated,
            rows_rejected=report.rows_rejected,
            duplicates_skipped=report.duplicates_skipped,
            relationships_imported=report.relationships_imported,
            person_records=report.person_records,
            warnings_count=report.warnings,
            skipped=report.skipped,
        )
    )


def _check_coverage(conn: Connection, batch_id: int, loader: _Loader, info: FileInfo) -> None:
    """Check the period the file (or the person, with --covers) says it covers against the file's
    events, warn where they disagree, and record the period that is true."""
    if info.covers_from is not None and info.covers_to is not None:
        declared = Declared(
            info.covers_from, info.covers_to, "as the person importing it said", given_by_user=True
        )
        days = loader.days_of(None)
    elif loader.coverage is not None:
        start, end = loader.coverage
        declared = Declared(
            start, end, loader.coverage_basis or "", loader.coverage_open_before, loader.coverage_stated
        )
        days = loader.days_of(loader.coverage_agency)
    else:
        return
    checked = check_coverage(info.name, declared, days, info.today or dt.date.today())
    for message in checked.warnings:
        loader.warn_file(message)
    loader.flush()
    if declared.given_by_user:
        return
    conn.execute(
        update(batches_t)
        .where(batches_t.c.id == batch_id)
        .values(
            covers_from=checked.period[0] if checked.period else None,
            covers_to=checked.period[1] if checked.period else None,
        )
    )
    batch_agency = conn.execute(select(batches_t.c.agency).where(batches_t.c.id == batch_id)).scalar()
    if batch_agency is None:
        conn.execute(
            update(batches_t).where(batches_t.c.id == batch_id).values(agency=loader.coverage_agency)
        )


def _warn_disagreeing_facts(conn: Connection, loader: _Loader) -> None:
    """Each person this file gave a new date of birth, sex or name whose records now disagree: one
    warning naming the person, every value and its source (none is chosen; the child's page shows them)."""
    loader.people.flush()
    forest = loader.people.forest
    roots = sorted({forest.root(person_id) for person_id in loader.people.facts.changed})
    for part in chunks(roots, FACT_GROUPS_PER_QUERY):
        groups = [forest.members(root) for root in part]
        for members, found in zip(groups, disagreements_of_groups(conn, groups), strict=True):
            if found:
                _warn_disagreeing(conn, loader, members, found)
    loader.flush()


def _warn_disagreeing(conn: Connection, loader: _Loader, members: list[int], found: list[Disagreement]) -> None:
    """One warning naming the person, every value that disagrees and its sources."""
    who = _who(conn, members)
    loader.warn_file(
        f"the records of {who} disagree about who they are: "
        + "; ".join(d.describe() for d in found)
        + ". Each value is kept with its source and the record is marked 'facts disagree': none is "
        "chosen; check the source records",
        location="identity",
    )


def _who(conn: Connection, members: list[int]) -> str:
    """A person as a data officer finds them: their first identifier, else their record number."""
    row = conn.execute(
        select(identifiers_t.c.kind, identifiers_t.c.value)
        .where(identifiers_t.c.person_id.in_(members), identifiers_t.c.kind != "source_person_id")
        .order_by(identifiers_t.c.valid.desc(), identifiers_t.c.id)
        .limit(1)
    ).first()
    if row is None:
        return f"person {members[0]}"
    return f"{row.kind.replace('_', ' ')} {row.value}"


def _record_failure(engine: Engine, info: FileInfo, actor: str, error: str) -> int:
    with engine.begin() as conn:
        batch_id = _start_batch(conn, info, actor, "failed")
        conn.execute(
            update(batches_t).where(batches_t.c.id == batch_id).values(error=error, finished_at=utcnow())
        )
    return batch_id
