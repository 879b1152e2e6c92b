"""HL7 FHIR R4 Bundles (JSON) from health systems: a child's encounters, appointments, conditions,
observations, alerts, episodes of care, procedures, care plans and immunisations, and the adults in
the child's life from RelatedPerson.

Every bundle type is read (collection, transaction, batch, searchset, message, document, history and
the responses): they all hold ``entry[].resource``. The file is read twice, streaming one entry at a
time (``importers.fhir_stream``) so memory stays flat however large the bundle:

1. The first pass indexes what events need to refer to: Patients and RelatedPersons (who is a child,
   who is an adult, who is whose mother: ``importers.fhir_people``), organisation and practitioner
   names, the conditions recorded in each encounter, and the bundle's latest event date.
2. The second pass turns each entry into items (``importers.fhir_events`` says what each resource
   type means): a Patient gives a ``PersonRecord``; a RelatedPerson a ``Relationship`` to each
   child it relates to; a mapped resource an event for its child (an adult's record, such as the
   mother's A&E attendance, an event on each child the adult is linked to, with the adult named).

Every entry is accounted for: an event, a relationship, a person record, a rejected record (no
patient, a patient who is an adult linked to no child, entered in error) with its reason, or a
count in a summary warning (appointments still to come), or skipped with its reason (context such as
a document's Composition, resource types the chronology does not map such as Claim or Organization,
entries with no resource): skipped entries are counted apart from rejected records.

An entry naming no patient of its own takes the document's Composition.subject, else the message's
MessageHeader.focus, else the bundle's only Patient; a focus naming several Patients, or a bundle of
several Patients and no such context, leaves it rejected with the reason (never guessed). A single
resource whose Patient is not in the file is read only when its subject reference carries an NHS
number (``subject.identifier``), with a warning; else it is rejected naming the file and field.

References are resolved through ``fullUrl`` (``urn:uuid:...`` or an absolute URL), ``Patient/<id>``
and absolute URLs ending in ``Patient/<id>``, and logical references by identifier.

Natural key: source system ``fhir`` + the resource's ``Type/id`` (FHIR ids are only unique within a
type), else its fullUrl, else a hash of the event; when one resource gives events for several
children (a parent's record, an appointment for twins) the child tells them apart (record part).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from chronology.dates import DateParseError
from chronology.events import (
    CanonicalEvent,
    Coverage,
    Identifier,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PersonRecord,
    PersonRef,
    Provenance,
    RejectedRow,
    Relationship,
    Skipped,
)
from chronology.identifiers import nhs_number_problem, normalise_nhs_number
from chronology.settings import load_config
from importers.base import Importer, ImportOptions, register
from importers.fhir_context import Shape, outcome_issues
from importers.fhir_events import (
    DATE_PATHS,
    MAPPERS,
    SUBJECT_PATHS,
    Codes,
    Context,
    Draft,
    EntryInfo,
    Lookup,
    NotEvent,
    condition_note,
    keep_json,
    practitioner_name,
)
from importers.fhir_people import SOURCE_SYSTEM, People, PersonInfo
from importers.fhir_stream import BundleField, Entry, check_size, read_bundle
from importers.fhir_values import (
    When,
    compact_json,
    fhir_when,
    first_text,
    human_name,
    items,
    obj,
    reference_keys,
    reference_of,
    references,
    short,
    text,
)

DEFAULT_AGENCY = "Health"
BUNDLE_TYPES = frozenset(
    {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    }
)
NAMED_TYPES = ("Organization", "Location", "HealthcareService")
# References of these types never name the patient (an Appointment's Location or Practitioner).
NOT_PATIENTS = frozenset({"Location", "Practitioner", "PractitionerRole", "HealthcareService", "Organization"})
SNIFF_BYTES = 64 * 1024
_RESOURCE_MARK = re.compile(rb'"resourceType"\s*:\s*"[A-Z][A-Za-z]{1,63}"')
_UNKNOWN_CONSEQUENCE = {
    "class": "the event type was taken from the encounter's type instead",
    "type": "no class or type in config/codes/fhir.toml says what the encounter was; it is a health_contact",
    "status": "the appointment is recorded as 'other' with its status in the summary",
    "relationship": "the relationship is recorded as 'other' unless its text names one",
}


@cache
def _config() -> dict[str, Any]:
    return load_config("codes/fhir")


def _xml_refusal(file_name: str) -> str:
    return (
        f"{file_name} is FHIR written as XML, which this tool does not read: FHIR is read as JSON only; "
        "export the bundle from the health system as JSON (application/fhir+json) and import that"
    )


@register
class FhirImporter(Importer):
    """Reads an HL7 FHIR R4 Bundle (JSON) of a child's health records."""

    name: ClassVar[str] = "fhir"
    description: ClassVar[str] = (
        "HL7 FHIR R4 Bundle (JSON, any bundle type): encounters, appointments (was not brought), "
        "conditions, observations, alerts, episodes of care, procedures, care plans, immunisations "
        "and related persons"
    )

    @classmethod
    def can_read(cls, path: Path) -> bool:
        """A file that starts with a JSON object whose first 64 KB name a FHIR ``resourceType``: a Bundle,
        or a single resource (a Patient as a demographics lookup returns it)."""
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
        body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        return body.startswith(b"{") and _RESOURCE_MARK.search(body) is not None

    def estimate_rows(self, path: Path) -> int | None:
        """The number of ``"resource"`` keys: one per entry in any ordinary bundle."""
        count, tail = 0, b""
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                data = tail + chunk
                count += data.count(b'"resource"')
                tail = data[-9:]  # shorter than the key, so a key split across chunks is counted once
        return count or None

    @classmethod
    def refusal(cls, path: Path) -> str | None:
        """FHIR written as XML (a root in the FHIR namespace): read only as JSON, so say to export JSON."""
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
        body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if body.startswith(b"<") and b"hl7.org/fhir" in body:
            return _xml_refusal(path.name)
        return None

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        check_size(path, options.max_bytes)
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES).removeprefix(b"\xef\xbb\xbf").lstrip()
        if head.startswith(b"<"):
            raise ImportFileError(
                _xml_refusal(path.name) if b"hl7.org/fhir" in head else f"{path.name} is XML, not JSON: "
                "the FHIR importer reads FHIR R4 as JSON only (a Bundle or a single resource)"
            )
        reader = _BundleReader(path, options, _config())
        reader.first_pass()
        yield from reader.second_pass()


def label_of(named: list[tuple[str, Any, PersonInfo | None]]) -> str:
    """The field the entry names its patient in (``subject``), for a reason's words."""
    return named[0][0] if named else "subject"


class _BundleReader:
    """One file's two passes and the counts that make the report add up."""

    def __init__(self, path: Path, options: ImportOptions, config: dict[str, Any]) -> None:
        self.path = path
        self.file = path.name
        self.agency = (options.agency or "").strip() or DEFAULT_AGENCY
        self.config = config
        self.codes = Codes(config)
        self.lookup = Lookup()
        self.people = People(config)
        self.by_index: dict[int, PersonInfo] = {}
        self.header: dict[str, Any] = {}
        self.top: dict[str, Any] = {}  # every top-level field: a single resource is all of them
        self.bare: Entry | None = None  # the file's one resource, when it is not a Bundle
        reasons, modes = config.get("context_reasons", {}), config.get("search_mode_reasons", {})
        self.shape = Shape(reasons=dict(reasons), mode_reasons=dict(modes))
        self.latest: dt.date | None = None
        self.entries = 0
        self.source_refs: list[Any] = []  # MessageHeader / Composition organisations, resolved later
        self.not_events: Counter[tuple[str, str]] = Counter()
        self.unknown: dict[tuple[str, str, str], list[Any]] = {}
        self.dates: list[dt.date] = []
        self.absent: dict[str, PersonInfo] = {}  # NHS number -> the child a Patient-less file names by it

    # --- first pass: index -------------------------------------------------------------------------

    def first_pass(self) -> None:
        pending: list[Entry] = []  # entries seen before the file said it is a Bundle
        for item in read_bundle(self.path):
            if isinstance(item, BundleField):
                self._header_field(item)
            elif self.header.get("resourceType") == "Bundle":
                self.entries += 1
                self._index(item)
            else:
                pending.append(item)
        self._check_header()
        self._index_pending(pending)
        names = (text(ref) if isinstance(ref, str) else self.lookup.name_of(ref) for ref in self.source_refs)
        self.lookup.bundle_source = next((name for name in names if name), None)
        reference = self.latest or self._timestamp() or dt.date.today()
        self.people.finish(reference, int(self.config.get("adult_age", 18)))

    def _index_pending(self, pending: list[Entry]) -> None:
        """A Bundle's entries that came before its resourceType; or, for a single resource (not in a
        Bundle), the resource itself as the file's one entry (its own ``entry`` list put back)."""
        if self.header.get("resourceType") == "Bundle":
            if "entry" in self.top:
                raise ImportFileError(f"{self.file}: Bundle.entry must be a list of entries, not a single value")
            for entry in pending:
                self.entries += 1
                self._index(entry)
            return
        resource = dict(self.top) | ({"entry": [e.value for e in pending]} if pending else {})
        self.shape.bare, self.bare = True, Entry(0, {"resource": resource})
        self.entries = 1
        self._index(self.bare)

    def _header_field(self, item: BundleField) -> None:
        self.top[item.name] = item.value
        if item.name == "entry" and self.header.get("resourceType") == "Bundle":
            raise ImportFileError(f"{self.file}: Bundle.entry must be a list of entries, not a single value")
        if item.name in ("resourceType", "type", "id", "timestamp"):
            self.header[item.name] = item.value
        if item.name == "type":
            self.shape.bundle_type = text(item.value)
        if item.name == "resourceType":
            self._check_header()

    def _check_header(self) -> None:
        kind = self.header.get("resourceType")
        if kind is None:
            raise ImportFileError(
                f'{self.file} is JSON but not a FHIR Bundle: it has no resourceType (expected "Bundle")'
            )
        if not isinstance(kind, str) or not kind.strip():
            shown = short(str(type(kind).__name__), 60)
            raise ImportFileError(f"{self.file} is JSON but its resourceType is a {shown}, not a FHIR type name")

    def _timestamp(self) -> dt.date | None:
        raw = text(self.header.get("timestamp"))
        try:
            return fhir_when(raw).date.earliest() if raw else None
        except DateParseError:
            return None

    def _index(self, entry: Entry) -> None:
        """Note what later entries' events need to know about this one."""
        value = obj(entry.value)
        resource = value.get("resource")
        if not isinstance(resource, dict):
            return
        kind = text(resource.get("resourceType")) or ""
        info = self._entry_info(entry.index, value, resource, kind)
        self.lookup.add_kind(info.lookup_keys(), kind)
        self.shape.note(kind, resource)
        if kind in ("Patient", "RelatedPerson"):
            self.by_index[entry.index] = self.people.add(kind, entry.index, info.full_url, resource)
        else:
            self._index_names(kind, info, resource)
        if kind == "Condition":
            self._note_condition(entry.index, info, resource)
        if kind == "Encounter" and (canonical := info.canonical()):
            for key in info.lookup_keys():
                self.lookup.encounters.setdefault(key, canonical)
        if kind in DATE_PATHS:
            self._note_date(resource, DATE_PATHS[kind])

    def _index_names(self, kind: str, info: EntryInfo, resource: dict[str, Any]) -> None:
        """Names of organisations, places and practitioners; who sent the bundle; encounters' providers."""
        if kind in NAMED_TYPES:
            self.lookup.add_name(info.lookup_keys(), text(resource.get("name")))
        elif kind == "Practitioner":
            self.lookup.add_name(info.lookup_keys(), practitioner_name(resource))
        elif kind == "MessageHeader":
            source = obj(resource.get("source")).get("name")
            self.source_refs += [resource.get("sender"), resource.get("responsible"), source]
        elif kind == "Composition":
            self.source_refs += [resource.get("custodian"), *items(resource.get("author"))]
        elif kind == "Encounter" and resource.get("serviceProvider") is not None:
            for key in info.lookup_keys():
                self.lookup.providers.setdefault(key, resource["serviceProvider"])

    def _note_condition(self, index: int, info: EntryInfo, resource: dict[str, Any]) -> None:
        note = condition_note(index, resource, self.codes)
        for key in info.lookup_keys():
            self.lookup.conditions.setdefault(key, note)
        encounter = reference_of(resource.get("encounter"))
        for key in reference_keys(encounter) if encounter else []:
            self.lookup.in_encounter.setdefault(key, []).append(note)

    def _note_date(self, resource: dict[str, Any], paths: list[tuple[str, ...]]) -> None:
        found = first_text(resource, paths)
        if not found:
            return
        try:
            day = fhir_when(found[1]).date.earliest()
        except DateParseError:
            return
        self.latest = day if self.latest is None else max(self.latest, day)

    # --- second pass: items ------------------------------------------------------------------------

    def second_pass(self) -> Iterator[ImportItem]:
        yield from self._bundle_notices()
        for item in [self.bare] if self.bare else read_bundle(self.path):
            if isinstance(item, Entry):
                yield from self._entry(item)
        yield from self._summaries()
        if self.dates:
            kind = text(self.header.get("type")) or "untyped"
            yield Coverage(
                self.agency,
                min(self.dates),
                max(self.dates),
                f"FHIR {kind} bundle {self.file}: span of its {len(self.dates)} dated events",
            )

    def _bundle_notices(self) -> Iterator[ImportWarning]:
        kind = text(self.header.get("type"))
        if self.bare:
            return
        if kind is None:
            yield self._warn(
                None, "Bundle.type", "the bundle has no type; its entries are read as a collection"
            )
        elif kind not in BUNDLE_TYPES:
            yield self._warn(
                None,
                "Bundle.type",
                f"'{short(kind, 60)}' is not a FHIR R4 bundle type; its entries are read anyway",
            )
        if self.entries == 0:
            yield self._warn(None, "Bundle.entry", "the bundle has no entries: nothing imported")
        elif not self.people.patients:
            yield self._warn(
                None,
                "Bundle.entry",
                "the bundle holds no Patient, so no record in it can be placed in a child's chronology: "
                "each is rejected with the reason (export with the Patient included, e.g. _include)",
            )

    def _entry(self, entry: Entry) -> Iterator[ImportItem]:
        where = self.shape.where(entry.index)
        if not isinstance(entry.value, dict):
            yield self._reject(
                where, None, "the entry is not a JSON object, so it holds no resource", entry.value
            )
            return
        resource = entry.value.get("resource")
        if resource is None:
            request = obj(entry.value.get("request"))
            method = text(request.get("method")) or text(obj(entry.value.get("response")).get("status"))
            said = short(method, 40) or "no request"
            reason = f"an entry with no resource (request or response: {said}), which holds nothing to import"
            yield Skipped(self.file, text(request.get("url")) or "entry", reason, where)
            return
        if not isinstance(resource, dict):
            yield self._reject(where, "resource", "the entry's resource is not a JSON object", resource)
            return
        kind = text(resource.get("resourceType"))
        if not kind:
            yield self._reject(
                where, "resourceType", "the resource has no resourceType, so its type is unknown", resource
            )
            return
        info = self._entry_info(entry.index, entry.value, resource, kind)
        try:
            produced = list(self._resource(info, entry.value, resource))
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as exc:
            produced = [
                self._reject(
                    info.path,
                    None,
                    f"this {short(kind, 60)} has a shape the importer could not read ({type(exc).__name__}: "
                    f"{short(str(exc), 200)}); it is kept here as written",
                    resource,
                )
            ]
        yield from produced

    def _resource(
        self, info: EntryInfo, entry: dict[str, Any], resource: dict[str, Any]
    ) -> Iterator[ImportItem]:
        kind = info.resource_type
        if reason := self.shape.context_reason(kind, entry):
            yield from self._context(info, resource, reason)
        elif kind == "Patient":
            yield from self._patient(info, resource)
        elif kind == "RelatedPerson":
            yield from self._related(info, resource)
        elif kind in MAPPERS:
            yield from self._event(info, entry, resource)
        else:
            why = self.config.get("unmapped_reasons", {}).get(kind, "a type the chronology does not map")
            yield Skipped(self.file, info.record_id or kind, f"{short(kind, 60)}: {why}", info.path)

    def _context(self, info: EntryInfo, resource: dict[str, Any], reason: str) -> Iterator[ImportItem]:
        """An entry that is context, not a record: counted as skipped; an outcome's errors are warned of."""
        if info.resource_type == "OperationOutcome":
            for said in outcome_issues(resource):
                yield self._warn(info.path, "issue", f"the server's OperationOutcome says {said}")
        yield Skipped(self.file, info.record_id or info.resource_type, reason, info.path)

    # --- people ------------------------------------------------------------------------------------------

    def _patient(self, info: EntryInfo, resource: dict[str, Any]) -> Iterator[ImportItem]:
        person = self.by_index[info.index]
        for field_name, message in person.warnings:
            yield self._warn(info.path, field_name, message)
        attributes = {"child_or_adult": f"{'child' if person.is_child else 'adult'}: {person.basis}"}
        keep_json(attributes, resource, self.codes.json_limit)
        yield PersonRecord(
            person.ref, self._provenance(info), is_child=person.is_child, attributes=attributes
        )
        yield from self._death(info, person, resource)
        if person.is_child:
            yield from self._contacts(info, person, resource)

    def _death(self, info: EntryInfo, person: PersonInfo, resource: dict[str, Any]) -> Iterator[ImportItem]:
        """Patient.deceased[x]: the child's death, or a parent's death on each child they are linked to."""
        raw = text(resource.get("deceasedDateTime"))
        if not raw and resource.get("deceasedBoolean") is not True:
            return
        when = None
        try:
            when = fhir_when(raw) if raw else None
        except DateParseError as exc:
            yield self._warn(
                info.path,
                "deceasedDateTime",
                f"the date of death could not be read: {exc}; kept as an undated event",
            )
        if raw is None:
            yield self._warn(
                info.path, "deceasedBoolean", "a death is recorded without a date; kept as an undated event"
            )
        if when is not None:
            self.dates.append(when.date.earliest())
        if person.is_child:
            yield self._death_event(info, person, None, "", raw, when)
        for child, word in [] if person.is_child else self.people.children_of(person):
            yield self._death_event(info, child, person, word, raw, when)

    def _death_event(
        self,
        info: EntryInfo,
        child: PersonInfo,
        adult: PersonInfo | None,
        word: str,
        raw: str | None,
        when: When | None,
    ) -> CanonicalEvent:
        if adult is None:
            summary, event_type, part = "Death of the child recorded", "death", "deceased"
        else:
            summary = f"{word[:1].upper()}{word[1:]} ({adult.name()}): death recorded"
            event_type, part = "other", f"deceased/{child.key()}"
        attributes = {
            "resource_type": "Patient",
            "resource_id": info.record_id or "",
            "deceased": raw or "true",
        }
        return CanonicalEvent(
            subject=child.ref,
            agency=self.agency,
            source=self.lookup.bundle_source or "FHIR Patient",
            event_type=event_type,
            summary=summary,
            provenance=self._provenance(info, part=part),
            date=when.date if when else None,
            date_text=raw if when is None else None,
            time=when.time if when else None,
            significant=True,
            persons=[] if adult is None else self._persons(Draft("other", ""), child, adult),
            attributes={key: value for key, value in attributes.items() if value},
        )

    def _contacts(
        self, info: EntryInfo, child: PersonInfo, resource: dict[str, Any]
    ) -> Iterator[Relationship]:
        """Patient.contact entries with a name: people in the child's life the record names."""
        for number, raw in enumerate(items(resource.get("contact"))):
            contact = obj(raw)
            name = human_name(contact.get("name"))
            display = name.display()
            if not display:
                continue
            relationship = self.people.contact_relationship(contact)
            local = Identifier(
                IdentifierKind.SOURCE_PERSON_ID,
                f"{child.key()}/contact:{display.lower()}",
                f"{SOURCE_SYSTEM}:patient-contact",
            )
            person = PersonRef(
                name=None if name.surname or name.forenames else display,
                surname=name.surname,
                forenames=name.forenames,
                sex={"male": "M", "female": "F"}.get(text(contact.get("gender")) or ""),
                role=relationship,
                identifiers=[local],
            )
            provenance = self._provenance(
                info, path=f"{info.path}.contact[{number}]", part=f"contact[{number}]"
            )
            attributes = {"source_field": "Patient.contact", "fhir_json": compact_json(contact)}
            yield Relationship(child.ref, person, relationship, provenance, attributes=attributes)

    def _related(self, info: EntryInfo, resource: dict[str, Any]) -> Iterator[ImportItem]:
        related = self.by_index[info.index]
        for field_name, message in related.warnings:
            yield self._warn(info.path, field_name, message)
        relations = self.people.relations_of(related)
        if not relations:
            yield self._reject(info.path, "patient", self._unrelated_reason(related), resource)
            return
        start, end, problems = self._period(info, resource)
        yield from problems
        attributes = {
            "resource_type": "RelatedPerson",
            "relationship_as_written": related.relationship_codes or "",
        }
        if related.record_id:
            attributes["resource_id"] = related.record_id
        if related.same_as is not None:
            attributes["also_patient"] = related.same_as.label
        keep_json(attributes, resource, self.codes.json_limit)
        attributes = {k: v for k, v in attributes.items() if v}
        for relation in relations:
            part = relation.child.key() if len(relations) > 1 else None
            person = self.people.person_ref(related, relation.child, relation.relationship)
            yield Relationship(
                relation.child.ref,
                person,
                relation.relationship,
                self._provenance(info, part=part),
                from_date=start,
                to_date=end,
                attributes=dict(attributes),
            )

    def _unrelated_reason(self, related: PersonInfo) -> str:
        target_ref = reference_of(related.resource.get("patient"))
        if related.target is None:
            if target_ref:
                return f"RelatedPerson.patient '{short(target_ref, 120)}' does not match any Patient in this bundle"
            return "the RelatedPerson names no patient (RelatedPerson.patient is missing)"
        return (
            f"this person is recorded as {related.relationship or 'related'} to {related.target.name()}, who is an "
            f"adult ({related.target.basis}); only relationships to children are recorded, and a partner of a "
            "parent only when the bundle links that parent to a child"
        )

    def _period(self, info: EntryInfo, resource: dict[str, Any]) -> tuple[Any, Any, list[ImportWarning]]:
        """A RelatedPerson's period as (from, to); an unreadable date is warned about and left out."""
        dates, problems = [], []
        for end in ("start", "end"):
            raw = text(obj(resource.get("period")).get(end))
            try:
                dates.append(fhir_when(raw).date if raw else None)
            except DateParseError as exc:
                problems.append(
                    self._warn(info.path, f"period.{end}", f"could not be read: {exc}; kept in fhir_json")
                )
                dates.append(None)
        return dates[0], dates[1], problems

    # --- events ------------------------------------------------------------------------------------------

    def _event(
        self, info: EntryInfo, entry: dict[str, Any], resource: dict[str, Any]
    ) -> Iterator[ImportItem]:
        result = MAPPERS[info.resource_type](
            resource, Context(self.codes, self.lookup, info, self._note_unknown)
        )
        if isinstance(result, NotEvent):
            if result.kind == "error":
                yield self._reject(info.path, "status", result.reason, resource)
            else:
                self.not_events[(info.resource_type, result.reason)] += 1
            return
        paths = SUBJECT_PATHS.get(info.resource_type, result.subject_paths)
        named = [(label, ref, self.people.resolve(ref)) for label, ref in references(resource, *paths)]
        field_name = paths[0][0]
        if not self._names_patient(named):
            context = self._context_patient()
            if isinstance(context, str):
                yield self._reject(info.path, field_name, context, resource)
                return
            named = context
        targets = self._targets(named)
        if isinstance(targets, str) and self._patients_absent():
            absent = self._absent_patient(info, named)
            if isinstance(absent, str):
                yield self._reject(info.path, field_name, absent, resource)
                return
            targets, notice = absent
            if notice is not None:
                yield notice
        if isinstance(targets, str):
            yield self._reject(info.path, field_name, targets, resource)
            return
        yield from self._date_warnings(info, result)
        for child, adult, relationship in targets:
            part = child.key() if adult is not None or len(targets) > 1 else None
            yield self._canonical(info, entry, result, child, adult, relationship, named, part)

    def _names_patient(self, named: list[tuple[str, Any, PersonInfo | None]]) -> bool:
        """Whether the entry names its own patient (a reference that is not a place or a practitioner)."""
        return any(p is not None or self.lookup.kind_of(v) not in NOT_PATIENTS for _, v, p in named)

    def _context_patient(self) -> list[tuple[str, Any, PersonInfo | None]] | str:
        """For an entry naming no patient: the document's Composition.subject, else the message's
        MessageHeader.focus (when it names one Patient), else the bundle's only Patient; else nobody
        (an empty list). A focus naming several Patients gives the reason the entry cannot be placed."""
        self.shape.bundle_type = text(self.header.get("type"))
        found = self.shape.context_references()
        if found:
            label, refs = found
            patients = [r for r in refs if self.lookup.kind_of(r) in (None, "Patient")]
            named = [(label, r, self.people.resolve(r)) for r in patients]
            distinct = {id(p) if p is not None else reference_of(r) or str(r) for _, r, p in named}
            if len(distinct) > 1:
                shown = ", ".join(short(reference_of(r) or "(a logical reference)", 80) or "" for r in patients[:4])
                return (
                    f"it names no patient of its own and the {label} names {len(distinct)} Patients ({shown}), "
                    "so which child it is about is unknown; it is not given to any of them"
                )
            if named:
                return named
        if len(self.people.patients) == 1:
            return [("the bundle's only Patient", None, self.people.patients[0])]
        if len(self.people.patients) > 1:
            return (
                f"it names no patient (no subject or patient reference) and the bundle holds "
                f"{len(self.people.patients)} Patients with no document subject or message focus naming one, "
                "so which child it is about is unknown; it is not given to any of them"
            )
        return []

    def _patients_absent(self) -> bool:
        """Whether the file holds no Patient to place its records on: a single resource, or a Bundle
        with no Patient entry at all (a GP system's export of one child's encounters, sent as a
        searchset or collection that names the child only by NHS number on each reference)."""
        if self.shape.bare:
            return self.entries == 1
        return not self.people.patients

    def _absent_patient(
        self, info: EntryInfo, named: list[tuple[str, Any, PersonInfo | None]]
    ) -> tuple[list[tuple[PersonInfo, PersonInfo | None, str | None]], ImportWarning | None] | str:
        """A record whose Patient is not in the file: its child is the person its subject reference's
        NHS number names (``subject.identifier``), with a warning saying so (once per child in a
        Bundle); without a valid NHS number, the reason it is rejected, naming file, entry and field."""
        what = f"this single {info.resource_type}" if self.shape.bare else f"{info.path}"
        whose = f"{what}'s Patient is not in the file" if self.shape.bare else f"{what}: the bundle holds no Patient"
        for label, value, person in named:
            if person is not None or self.lookup.kind_of(value) not in (None, "Patient"):
                continue
            ident = obj(obj(value).get("identifier"))
            system, number = text(ident.get("system")), text(ident.get("value"))
            if not number or system not in self.people.nhs_systems:
                continue
            nhs = normalise_nhs_number(number)
            if problem := nhs_number_problem(number):
                return (
                    f"{self.file}: {whose} and the NHS number '{short(number, 40)}' in its {label}.identifier "
                    f"is not valid ({problem}), so the child it is about is unknown"
                )
            known = self.absent.get(nhs)
            if known is not None:
                return [(known, None, None)], None
            ref = PersonRef(identifiers=[Identifier(IdentifierKind.NHS_NUMBER, nhs)])
            basis = f"not in the file; named by the NHS number in {label}.identifier"
            child = PersonInfo("Patient", -1, None, None, {}, ref, {("nhs", nhs)}, basis=basis)
            self.absent[nhs] = child
            shown = short(reference_of(value), 120)
            placed = (
                f"the {info.resource_type} is placed"
                if self.shape.bare
                else f"this {info.resource_type} and every other entry naming that NHS number are placed"
            )
            notice = self._warn(
                info.path,
                f"{label}.identifier",
                f"the Patient{f' {shown!r}' if shown else ''} is not in this file: {placed} on the child with "
                f"NHS number {nhs} (from {label}.identifier), joined to their record where the chronology "
                "holds it; the file does not say whether they are a child, nor their name or birth date",
            )
            return [(child, None, None)], notice
        ref = next((r for _, v, _ in named if (r := reference_of(v))), None)
        said = f" ({label_of(named)} '{short(ref, 120)}')" if ref else ""
        carries = (
            f"its {label_of(named)} carries no NHS number (a {label_of(named)}.identifier with system "
            "https://fhir.nhs.uk/Id/nhs-number)"
            if named
            else "it names no patient at all (no subject or patient reference)"
        )
        return (
            f"{self.file}: {whose}{said} and {carries}, so the child it is about is unknown; export it in a "
            "Bundle with its Patient, or with the NHS number on the reference"
        )

    def _targets(
        self, named: list[tuple[str, Any, PersonInfo | None]]
    ) -> list[tuple[PersonInfo, PersonInfo | None, str | None]] | str:
        """(child, adult the record is about or None, adult's relationship) for each event to make,
        or the reason no event can be made."""
        patients = list({id(p): p for _, _, p in named if p is not None and p.kind == "Patient"}.values())
        children = [p for p in patients if p.is_child]
        if children:
            return [(child, None, None) for child in children]
        targets = [
            (child, adult, word) for adult in patients for child, word in self.people.children_of(adult)
        ]
        if targets:
            return targets
        if patients:
            adult = patients[0]
            return (
                f"the record is about {adult.name()}, an adult ({adult.basis}), who is not linked to any child "
                "in this bundle by a RelatedPerson, so it has no place in a child's chronology"
            )
        unresolved = [
            (label, ref)
            for label, value, person in named
            if person is None
            and (ref := reference_of(value))
            and self.lookup.kind_of(value) in (None, "Patient")
        ]
        if unresolved:
            label, ref = unresolved[0]
            return (
                f"its {label} '{short(ref, 120)}' does not match any Patient in this bundle "
                "(looked up by fullUrl, Patient/<id> and identifier), so the child it is about is unknown"
            )
        related = [person for _, _, person in named if person is not None]
        if related:
            return (
                f"it names only {related[0].name()}, a related person, and no Patient, so the child it is about "
                "is unknown"
            )
        return "it names no patient (no subject or patient reference), so it cannot be placed in a child's chronology"

    def _date_warnings(self, info: EntryInfo, draft: Draft) -> Iterator[ImportWarning]:
        if draft.date_problem:
            yield self._warn(
                info.path,
                draft.date_field,
                f"the date could not be read: {draft.date_problem}; kept as an undated event",
            )
        elif draft.when is None:
            yield self._warn(
                info.path, None, f"the {info.resource_type} gives no date; kept as an undated event"
            )
        if draft.end_problem:
            yield self._warn(
                info.path,
                draft.end_field,
                f"the end date could not be read: {draft.end_problem}; kept as written",
            )

    def _canonical(
        self,
        info: EntryInfo,
        entry: dict[str, Any],
        draft: Draft,
        child: PersonInfo,
        adult: PersonInfo | None,
        relationship: str | None,
        named: list[tuple[str, Any, PersonInfo | None]],
        part: str | None,
    ) -> CanonicalEvent:
        event_type, themes, summary = draft.event_type, list(draft.themes), draft.summary()
        attributes = dict(draft.attributes)
        persons = self._persons(draft, child, adult)
        if adult is not None:
            event_type, themes, summary = self._about_adult(draft, themes)
            word = relationship or "adult"
            summary = f"{word[0].upper()}{word[1:]} ({adult.name()}): {summary}"
            attributes["about"] = f"{word} ({adult.name()})"
        attributes.update(self._entry_attributes(entry, named))
        when, end = draft.when, draft.end
        if when is not None:
            self.dates.append(when.date.earliest())
        return CanonicalEvent(
            subject=child.ref,
            agency=self.agency,
            source=draft.source or self.lookup.bundle_source or f"FHIR {info.resource_type}",
            event_type=event_type,
            summary=short(summary, 1000) or "",
            provenance=self._provenance(info, part=part),
            date=when.date if when else None,
            date_text=draft.date_raw if when is None else None,
            time=when.time if when else None,
            end=end.date if end else None,
            end_time=end.time if end else None,
            categories=draft.categories,
            themes=themes,
            significant=draft.significant,
            persons=persons,
            attributes={key: value for key, value in attributes.items() if value},
            encounter=draft.encounter,
            labels=list(draft.labels),
            references=list(draft.references),
        )

    def _about_adult(self, draft: Draft, themes: list[str]) -> tuple[str, list[str], str]:
        """An adult's own record: no child-only themes; their risk phrases as parental themes; a missed
        appointment of their own is not a child "not brought"."""
        kept = [t for t in themes if t not in ("child_mental_health", "health_neglect")]
        kept += [t for t in self.codes.adult.find(draft.texts) if t and t not in kept]
        if draft.event_type == "appointment_not_brought":
            parts = [p for p in draft.details if p]
            summary = "Did not attend appointment" + (f": {'; '.join(parts)}" if parts else "")
            return "other", kept, summary
        return draft.event_type, kept, draft.summary()

    def _persons(self, draft: Draft, child: PersonInfo, adult: PersonInfo | None) -> list[PersonRef]:
        """People taking part (a mother at the appointment), and the adult the record is about."""
        found: list[PersonRef] = []
        seen: set[int] = set()
        people = [self.people.resolve(ref) for ref in draft.participants if ref is not None]
        for person in [adult, *people]:
            if person is None or person is child or id(person) in seen:
                continue
            seen.add(id(person))
            if person.kind == "RelatedPerson":
                word = next(
                    (r.relationship for r in self.people.relations_of(person) if r.child is child), None
                )
                found.append(self.people.person_ref(person, child, word or person.relationship))
            elif not person.is_child:
                role = self.people.relationship_to(person, child) or "adult patient"
                ref = person.ref
                found.append(
                    PersonRef(
                        name=ref.name,
                        surname=ref.surname,
                        forenames=ref.forenames,
                        dob=ref.dob,
                        sex=ref.sex,
                        role=role,
                        identifiers=list(ref.identifiers),
                    )
                )
        return found

    def _entry_attributes(
        self, entry: dict[str, Any], named: list[tuple[str, Any, PersonInfo | None]]
    ) -> dict[str, str]:
        attributes: dict[str, str] = {}
        if kind := text(self.header.get("type")):
            attributes["bundle_type"] = kind
        if bundle_id := text(self.header.get("id")):
            attributes["bundle_id"] = bundle_id
        request = obj(entry.get("request"))
        if request:
            attributes["entry_request"] = " ".join(
                p for p in (text(request.get("method")), text(request.get("url"))) if p
            )
        if mode := text(obj(entry.get("search")).get("mode")):
            attributes["search_mode"] = mode
        subjects = [ref for _, value, _ in named if (ref := reference_of(value))]
        if subjects:
            attributes["subject_reference"] = "; ".join(dict.fromkeys(subjects))
        return attributes

    # --- report ------------------------------------------------------------------------------------------

    def _note_unknown(self, info: EntryInfo, field_name: str, code: str) -> None:
        """Count a code outside a closed value set; one warning per code is given at the end."""
        self._count_unknown(info.resource_type, info.path, field_name, code)

    def _count_unknown(self, kind: str, path: str, field_name: str, code: str) -> None:
        slot = self.unknown.setdefault((kind, field_name, code), [0, path])
        slot[0] += 1

    def _summaries(self) -> Iterator[ImportWarning]:
        """The report's counting lines: unknown codes, resources that are not events, unmapped types."""
        for person, field_name, code in self.people.unknown_codes:
            self._count_unknown(
                person.kind, self.shape.path(person.index, person.kind, person.record_id), field_name, code.code or ""
            )
        for (kind, field_name, code), (count, first) in sorted(self.unknown.items()):
            yield self._warn(
                first,
                f"{kind}.{field_name}",
                f"unknown code '{short(code, 60)}' in {kind}.{field_name} on {count} resource(s) (the first at "
                f"{first}): kept verbatim; {_UNKNOWN_CONSEQUENCE.get(field_name, 'kept as written')}",
            )
        for (kind, reason), count in sorted(self.not_events.items()):
            yield self._warn(
                None,
                "status",
                f"not an event: {count} {kind} resource(s) with {reason} (counted here, not imported)",
            )

    def _entry_info(self, index: int, entry: dict[str, Any], resource: dict[str, Any], kind: str) -> EntryInfo:
        """Where the resource sits, its path naming the bundle type (``Bundle(document).entry[3]``)."""
        record_id = f"{kind}/{rid}" if (rid := text(resource.get("id"))) else None
        path = self.shape.path(index, kind, record_id)
        return EntryInfo(index, kind, record_id, text(entry.get("fullUrl")), path)

    def _warn(self, path: str | None, field_name: str | None, message: str) -> ImportWarning:
        return ImportWarning(self.file, None, field_name, message, path)

    def _reject(self, path: str, field_name: str | None, reason: str, value: Any) -> RejectedRow:
        return RejectedRow(self.file, None, field_name, reason, {"fhir_json": compact_json(value)}, path)

    def _provenance(self, info: EntryInfo, *, path: str | None = None, part: str | None = None) -> Provenance:
        return Provenance(
            source_system=SOURCE_SYSTEM,
            file=self.file,
            path=path or info.path,
            source_record_id=info.source_record_id(),
            record_part=part,
        )
