"""What each mapped FHIR resource means for a child's chronology: one ``Draft`` per resource.

A draft says what happened (event type, summary parts, date, codes, themes, organisation) without
yet saying to whom: the importer (``importers/fhir.py``) resolves the resource's subject to the
child (or, for an adult's record, to each child the adult is linked to) and turns the draft into
events. A resource that is not an event (an appointment still to come, a record entered in error)
gives a ``NotEvent`` with the reason, so it is counted in the report, never silently dropped.

Mapping (codes and phrases are data in ``config/codes/fhir.toml``):

=============== ============================================================================
Encounter       class EMER / emergency, or an A&E type code or phrase -> ae_attendance
                (significant); class IMP/ACUTE/NONAC/SS / inpatient, or an admission type
                -> hospital_admission (significant); otherwise health_contact, with who the
                contact was with (health visitor, GP, school nurse, midwife...) from the type,
                service type and organisation texts. Status planned: not an event.
Appointment     noshow -> appointment_not_brought (theme health_neglect, not significant by
                itself); fulfilled / arrived / checked-in -> appointment_attended; cancelled ->
                other ("Appointment cancelled", with the reason); booked / pending / proposed /
                waitlist -> not an event (has not happened); entered-in-error -> rejected.
Condition       health_condition; safeguarding codes/phrases give themes and significant, unless
                the condition is refuted. An ordinary injury or illness gets no theme.
Observation     health_observation with the value in the summary.
Flag            safeguarding_flag, always significant.
EpisodeOfCare   episode_of_care, period end as the event's end.
Procedure       procedure. CarePlan: care_plan. Immunization: health_contact ("Immunisation").
=============== ============================================================================

Every resource's status "entered-in-error" (a Condition's verificationStatus too) means the source
withdrew it: it is rejected with that reason, never shown as something that happened.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chronology.dates import DateParseError
from chronology.events import Reference, ReferenceRole
from chronology.labels import label_key, singular
from importers.fhir_values import (
    Code,
    When,
    all_words,
    clean,
    code_values,
    codings,
    compact_json,
    concept_text,
    concept_texts,
    fhir_when,
    first_text,
    human_name,
    items,
    number,
    obj,
    path_text,
    reference_keys,
    reference_of,
    short,
    text,
    written_codes,
)

DETAIL_SEPARATOR = "; "
_WORD = re.compile(r"[a-z0-9]+")
_RELATIVE = re.compile(r"[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}")  # a RESTful ``Type/id`` reference


@dataclass(slots=True)
class NotEvent:
    """A resource that is not an event: ``future`` (counted) or ``error`` (rejected), and why."""

    kind: str
    reason: str


@dataclass(slots=True)
class Draft:
    """An event before its subject is known."""

    event_type: str
    label: str
    details: list[str] = field(default_factory=list)
    date_field: str | None = None
    date_raw: str | None = None
    when: When | None = None
    date_problem: str | None = None
    end_field: str | None = None
    end: When | None = None
    end_problem: str | None = None
    categories: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    significant: bool = False
    source: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    participants: list[Any] = field(default_factory=list)  # References to people taking part
    texts: list[str] = field(default_factory=list)  # code texts, for an adult's risk phrases
    encounter: str | None = None  # the Encounter's canonical reference (EntryInfo.canonical)
    labels: list[str] = field(default_factory=list)  # label keys of the config entries matched
    references: list[Reference] = field(default_factory=list)  # police / crime / MARAC identifiers quoted
    subject_paths: tuple[tuple[str, ...], ...] = (("subject",),)

    def summary(self) -> str:
        parts = [part for part in self.details if part]
        return f"{self.label}: {DETAIL_SEPARATOR.join(parts)}" if parts else self.label


@dataclass(slots=True)
class EntryInfo:
    """Where a resource sits in the bundle."""

    index: int
    resource_type: str
    record_id: str | None  # "Encounter/abc"
    full_url: str | None
    path: str  # "Bundle.entry[12].resource(Encounter/abc)"

    def source_record_id(self) -> str | None:
        """The record's ID for the natural key: its absolute URL when the bundle gives one (a server's
        ``Encounter/1`` is only unique on that server, and two trusts' bundles must not collide),
        else ``Type/id`` (ids are unique only within a type), else its fullUrl (``urn:uuid:``)."""
        url = self.full_url or ""
        if url.startswith(("http://", "https://")) and self.record_id:
            parts = url.split("/")
            if len(parts) >= 4 and parts[-2] == "_history":
                url = "/".join(parts[:-2])
            return url
        return self.record_id or self.full_url

    def canonical(self) -> str | None:
        """The one string an Encounter is known by, on itself and on every record pointing to it: its
        record ID (absolute URL, else ``Type/id``, else fullUrl)."""
        return self.source_record_id()

    def lookup_keys(self) -> list[str]:
        """Every key a reference to this resource may use (``Type/id``, fullUrl forms)."""
        keys = [self.record_id] if self.record_id else []
        if self.full_url:
            keys.extend(reference_keys(self.full_url))
        return keys


@dataclass(slots=True)
class ConditionNote:
    """What the first pass noted about a Condition, for the Encounter it was recorded in."""

    index: int
    label: str | None
    themes: list[str]
    significant: bool
    injury: bool


def phrase_words(text_: str) -> tuple[str, ...]:
    """A text's words as phrases compare them: lower case, singular, apostrophes joined, every other
    mark a break ("A & E attendances" -> a, e, attendance), in the order written."""
    lowered = text_.lower().replace("'", "").replace("\u2019", "")
    return tuple(singular(word) for word in _WORD.findall(lowered))


class Phrases:
    """Whole-word phrase lookup folded like ``chronology.labels.label_key`` (case, punctuation, plurals):
    phrase -> value (a theme, '' for "significant, no theme", an event type or a role)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table: dict[tuple[str, ...], tuple[str, str]] = {}
        for phrase, value in table.items():
            if words := phrase_words(phrase):
                self.table.setdefault(words, (label_key(phrase), value))
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for words in sorted(self.table, key=len, reverse=True):  # the longest phrase at a word wins
            self.by_first.setdefault(words[0], []).append(words)

    def matches(self, texts: Iterable[str]) -> list[tuple[str, str]]:
        """(label key, value) of every phrase found, in the order written, each once."""
        found: dict[str, str] = {}
        for value in texts:
            words = phrase_words(value)
            at = 0
            while at < len(words):
                hit = next(
                    (c for c in self.by_first.get(words[at], ()) if words[at : at + len(c)] == c), None
                )
                if hit is not None:
                    key, mapped = self.table[hit]
                    found.setdefault(key, mapped)
                at += len(hit) if hit else 1
        return list(found.items())

    def find(self, texts: Iterable[str]) -> list[str]:
        """The values of every phrase found, in order, without repeats."""
        return list(dict.fromkeys(value for _, value in self.matches(texts)))

    def first(self, texts: Iterable[str]) -> str | None:
        found = self.find(texts)
        return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Mapped:
    """A code list entry a value matched: what it makes the event, and its vocabulary key."""

    event_type: str
    label: str


class Codes:
    """The code lists of config/codes/fhir.toml, ready to use. Codes match exactly in any case; words
    (a class written as "Emergency", a type text) through ``label_key``."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.encounter_class = _mapped_codes(config.get("encounter_class", {}))
        self.class_words = {
            label_key(words): self.encounter_class[code.upper()]
            for words, code in config.get("encounter_class_words", {}).items()
        }
        for mapped in self.encounter_class.values():
            self.class_words.setdefault(mapped.label, mapped)
        self.encounter_type_codes = _mapped_codes(config.get("encounter_type_codes", {}))
        self.encounter_labels = {
            label_key(words): Mapped(event, label_key(words))
            for words, event in config.get("encounter_type_labels", {}).items()
        }
        self.encounter_phrases = Phrases(
            {p: event for event, phrases in config.get("encounter_phrases", {}).items() for p in phrases}
        )
        self.contact_roles = Phrases(
            {
                p: role
                for role, phrases in reversed(list(config.get("contact_roles", {}).items()))
                for p in phrases
            }
        )
        self.role_order = list(config.get("contact_roles", {}))
        self.appointment_status: dict[str, str] = config.get("appointment_status", {})
        self.future_status: dict[str, list[str]] = config.get("future_status", {})
        self.safeguarding = Phrases(config.get("safeguarding_phrases", {}))
        self.adult = Phrases(config.get("adult_phrases", {}))
        self.injury = Phrases({phrase: "injury" for phrase in config.get("injury_phrases", [])})
        systems = config.get("code_systems", {})
        self.safeguarding_codes: dict[tuple[str, str], dict[str, str]] = {}
        for family, table in config.get("safeguarding_codes", {}).items():
            for system in systems.get(family, []):
                for code, entry in table.items():
                    self.safeguarding_codes[(system, code.upper())] = entry
        self.json_limit = int(config.get("fhir_json_limit", 4096))
        self.reference_kinds = list(dict.fromkeys(config.get("reference_identifiers", {}).values()))
        self.reference_words = Phrases(config.get("reference_identifiers", {}))

    def reference_kind(self, identifier: dict[str, Any]) -> str | None:
        """The reference kind an identifier's system or type names ("police", "crime", "MARAC"), the
        first in the config's order when it names several; None for an ordinary identifier."""
        words = [text(identifier.get("system")) or "", *all_words([identifier.get("type")])]
        found = set(self.reference_words.find(words))
        return next((kind for kind in self.reference_kinds if kind in found), None)

    def class_of(self, code: Code) -> Mapped | None:
        """An Encounter.class coding's entry: by code (``EMER``, ``emer``), else its code or display in
        words ("Emergency", "inpatient encounter")."""
        if code.code and (found := self.encounter_class.get(code.code.upper())) is not None:
            return found
        for words in (code.code, code.display):
            if words and (found := self.class_words.get(label_key(words))) is not None:
                return found
        return None

    def type_of(self, types: list[Any]) -> Mapped | None:
        """What Encounter.type / serviceType make an encounter: a listed code, else a whole label, else a
        phrase in a label (A&E before admission)."""
        for value in code_values(types):
            if (found := self.encounter_type_codes.get(value.upper())) is not None:
                return found
        words = all_words(types)
        for label in words:
            if (found := self.encounter_labels.get(label_key(label))) is not None:
                return found
        hits = self.encounter_phrases.matches(words)
        return Mapped(hits[0][1], hits[0][0]) if hits else None

    def contact_role(self, texts: Iterable[str]) -> str | None:
        """The first role in the config's order that any text names."""
        found = set(self.contact_roles.find(texts))
        return next((role for role in self.role_order if role in found), None)

    def judge(self, concepts: Iterable[Any], extra_texts: Iterable[str] = ()) -> tuple[list[str], bool]:
        """(themes, significant) that safeguarding codes and phrases give these concepts."""
        themes, significant, _ = self.judged(concepts, extra_texts)
        return themes, significant

    def judged(
        self, concepts: Iterable[Any], extra_texts: Iterable[str] = ()
    ) -> tuple[list[str], bool, list[str]]:
        """(themes, significant, label keys of the codes and phrases matched)."""
        concepts = list(concepts)
        themes: list[str] = []
        labels: list[str] = []
        significant = False
        for concept in concepts:
            for code in codings(concept):
                entry = self.safeguarding_codes.get((code.system or "", (code.code or "").upper()))
                if entry is not None:
                    significant = True
                    labels.append(label_key(entry.get("label") or code.code or ""))
                    if (theme := entry.get("theme")) and theme not in themes:
                        themes.append(theme)
        for key, theme in self.safeguarding.matches([*all_words(concepts), *extra_texts]):
            significant = True
            labels.append(key)
            if theme and theme not in themes:
                themes.append(theme)
        return themes, significant, list(dict.fromkeys(labels))


def _mapped_codes(table: dict[str, Any]) -> dict[str, Mapped]:
    """``CODE = { event = ..., label = ... }`` entries by upper-case code."""
    return {code.upper(): Mapped(entry["event"], label_key(entry["label"])) for code, entry in table.items()}


class Lookup:
    """Names and notes gathered in the first pass, keyed by every reference form of the resource."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # Organization / Location / HealthcareService / Practitioner
        self.kinds: dict[str, str] = {}  # reference key -> resource type, for every entry
        self.providers: dict[str, str] = {}  # Encounter -> its serviceProvider's name
        self.conditions: dict[str, ConditionNote] = {}  # Condition keys -> note
        self.in_encounter: dict[str, list[ConditionNote]] = {}  # Encounter reference keys -> notes
        self.encounters: dict[str, str] = {}  # Encounter reference keys -> its canonical reference
        self.bundle_source: str | None = None  # MessageHeader sender / Composition custodian

    def add_name(self, keys: list[str], name: str | None) -> None:
        if name:
            for key in keys:
                self.names.setdefault(key, name)

    def add_kind(self, keys: list[str], kind: str) -> None:
        for key in keys:
            self.kinds.setdefault(key, kind)

    def kind_of(self, reference: Any) -> str | None:
        """The resource type a Reference points at: the bundle's entry, else its ``type``, else the
        ``Type/id`` in the reference text."""
        ref = reference_of(reference)
        keys = reference_keys(ref) if ref else []
        for key in keys:
            if key in self.kinds:
                return self.kinds[key]
        if kind := text(obj(reference).get("type")):
            return kind
        return keys[-1].split("/")[0] if len(keys) > 1 else None

    def name_of(self, reference: Any) -> str | None:
        """The resolved name of what a Reference names, else the Reference's display."""
        ref = reference_of(reference)
        if ref:
            for key in reference_keys(ref):
                if key in self.names:
                    return self.names[key]
        return text(obj(reference).get("display"))

    def encounter_of(self, reference: Any, entry: EntryInfo) -> str | None:
        """The canonical reference of the Encounter a record points to: the bundle's Encounter by any
        form (``urn:uuid:``, ``Encounter/<id>``, absolute URL); one not in the bundle by its own
        reference, made absolute against the record's fullUrl as FHIR resolves a relative one. A
        reference to anything else (an STU3 ``context`` naming an EpisodeOfCare) is not an encounter."""
        ref = reference_of(reference)
        if not ref:
            return None
        keys = reference_keys(ref)
        for key in keys:
            if key in self.encounters:
                return self.encounters[key]
        if self.kind_of(reference) not in (None, "Encounter"):
            return None
        if ref.startswith(("http://", "https://")):
            parts = ref.split("/")
            return "/".join(parts[:-2]) if len(parts) >= 4 and parts[-2] == "_history" else ref
        return _absolute(ref, entry.full_url) if _RELATIVE.fullmatch(ref) else ref

    def provider_of(self, reference: Any) -> str | None:
        ref = reference_of(reference)
        for key in reference_keys(ref) if ref else []:
            if key in self.providers:
                return self.name_of(self.providers[key])
        return None

    def notes_for(self, keys: list[str], references: Iterable[Any]) -> list[ConditionNote]:
        """Conditions recorded in an encounter (by their ``encounter``) or named by it (diagnosis)."""
        notes: dict[int, ConditionNote] = {}
        for key in keys:
            for note in self.in_encounter.get(key, []):
                notes.setdefault(note.index, note)
        for reference in references:
            ref = reference_of(reference)
            for key in reference_keys(ref) if ref else []:
                if key in self.conditions:
                    notes.setdefault(self.conditions[key].index, self.conditions[key])
        return list(notes.values())


def _absolute(relative: str, full_url: str | None) -> str:
    """``Encounter/1`` as the absolute URL a server's fullUrl (``https://x/fhir/Condition/5``) makes it;
    itself when the record has no RESTful absolute fullUrl."""
    parts = (full_url or "").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if (full_url or "").startswith(("http://", "https://")) and len(parts) >= 5 and parts[-2][:1].isupper():
        return "/".join([*parts[:-2], relative])
    return relative


@dataclass(slots=True)
class Context:
    """What a mapper may consult, where it reports closed-value-set codes it does not know, and the
    label keys of the config entries its values matched."""

    codes: Codes
    lookup: Lookup
    entry: EntryInfo
    unknown: Callable[[EntryInfo, str, str], None]  # (entry, field, code)
    labels: list[str] = field(default_factory=list)

    def judge(self, concepts: Iterable[Any], extra_texts: Iterable[str] = ()) -> tuple[list[str], bool]:
        """``Codes.judge``, keeping the label keys of the safeguarding codes and phrases matched."""
        themes, significant, labels = self.codes.judged(concepts, extra_texts)
        self.labels += labels
        return themes, significant

    def contact_role(self, texts: Iterable[str]) -> str | None:
        role = self.codes.contact_role(texts)
        if role:
            self.labels.append(label_key(role))
        return role

    def injury(self, texts: Iterable[str]) -> bool:
        hits = self.codes.injury.matches(texts)
        self.labels += [key for key, _ in hits]
        return bool(hits)


# --- shared pieces -------------------------------------------------------------------------------------


def not_event(resource_type: str, status: str | None, codes: Codes) -> NotEvent | None:
    if status == "entered-in-error":
        return NotEvent(
            "error", "the source marked this record as entered in error (status entered-in-error)"
        )
    if status and status in codes.future_status.get(resource_type, []):
        return NotEvent("future", f"status {status}: it has not happened yet")
    return None


def date_of(
    draft: Draft, resource: dict[str, Any], starts: list[tuple[str, ...]], ends: list[tuple[str, ...]]
) -> None:
    """Fill the draft's date and end from the first field present; unreadable dates are noted."""
    found = first_text(resource, starts)
    if found:
        draft.date_field, draft.date_raw = found
        try:
            draft.when = fhir_when(found[1])
        except DateParseError as exc:
            draft.date_problem = str(exc)
    end = first_text(resource, ends)
    if end:
        draft.end_field = end[0]
        try:
            draft.end = fhir_when(end[1])
        except DateParseError as exc:
            draft.end_problem = str(exc)


def source_of(ctx: Context, *references: Any) -> str | None:
    """The first organisation (or place or service) any of the references names."""
    for reference in references:
        for item in items(reference) if not isinstance(reference, str) else [reference]:
            if name := ctx.lookup.name_of(item):
                return name
    return None


def with_words(label: str, values: Iterable[str | None]) -> str | None:
    """``reason: a, b`` for a summary, or None when there is nothing to say."""
    parts = [short(v) for v in values if v]
    return f"{label}: {', '.join(p for p in parts if p)}" if parts else None


def base_attributes(draft: Draft, resource: dict[str, Any], ctx: Context) -> None:
    """The attributes every event keeps: what resource it was, its status and the source JSON."""
    attributes = draft.attributes
    entry = ctx.entry
    if entry.resource_type == "Encounter":
        draft.encounter = entry.canonical()
    else:
        draft.encounter = ctx.lookup.encounter_of(resource.get("encounter") or resource.get("context"), entry)
    draft.labels = list(dict.fromkeys(label for label in ctx.labels if label))
    draft.references = quoted_references(resource, ctx.codes)
    attributes["resource_type"] = entry.resource_type
    if entry.record_id:
        attributes["resource_id"] = entry.record_id
    if entry.full_url:
        attributes["full_url"] = entry.full_url
    if status := text(resource.get("status")):
        attributes["status"] = status
    if draft.date_field:
        attributes["date_from"] = draft.date_field
    if draft.date_raw:
        attributes["date_as_written"] = draft.date_raw
    raw_end = path_text(resource, *draft.end_field.split(".")) if draft.end_field else None
    if raw_end:
        attributes["end_as_written"] = raw_end
    keep_json(attributes, resource, ctx.codes.json_limit)


def quoted_references(resource: dict[str, Any], codes: Codes) -> list[Reference]:
    """Identifiers whose system or type names a police occurrence, crime or MARAC: a health record
    quoting another agency's reference (never the resource's own id, which only this bundle knows)."""
    found: list[Reference] = []
    for identifier in items(resource.get("identifier")):
        identifier = obj(identifier)
        value = text(identifier.get("value"))
        kind = codes.reference_kind(identifier) if value else None
        if kind and value:
            found.append(Reference(kind, value, ReferenceRole.QUOTED, "identifier"))
    return found


def keep_json(attributes: dict[str, str], resource: dict[str, Any], limit: int) -> None:
    """The resource's JSON, compact: whole in ``fhir_json`` when short, else one attribute per
    first-level field (``fhir.<field>``). A generated narrative (``text`` with status generated)
    repeats the structured fields in HTML and is not kept; a person-written one is."""
    narrative = obj(resource.get("text"))
    kept = resource
    if narrative.get("status") == "generated":
        kept = {key: value for key, value in resource.items() if key != "text"}
        attributes["narrative"] = "generated from the structured fields (not kept)"
    whole = compact_json(kept)
    if len(whole) <= limit:
        attributes["fhir_json"] = whole
        return
    for key, value in kept.items():
        attributes[f"fhir.{clean(key)}"] = clean(value) if isinstance(value, str) else compact_json(value)


# --- mappers -------------------------------------------------------------------------------------------


def map_encounter(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """A&E attendance, admission or contact: the class says which, else the type (module docstring)."""
    status = text(resource.get("status"))
    if (skip := not_event("Encounter", status, ctx.codes)) is not None:
        return skip
    classes = codings(resource.get("class"))
    types = [*items(resource.get("type")), *items(resource.get("serviceType"))]
    event_type = _encounter_type(classes, types, ctx)
    reasons = items(resource.get("reasonCode"))
    reason_refs = [*items(resource.get("reasonReference")), *_diagnosis_refs(resource)]
    notes = ctx.lookup.notes_for(ctx.entry.lookup_keys(), reason_refs)
    provider = source_of(ctx, resource.get("serviceProvider"))
    type_texts = concept_texts(types)
    reason_texts = concept_texts(reasons) + [t for r in reason_refs if (t := text(obj(r).get("display")))]
    draft = Draft(event_type, _encounter_label(event_type, type_texts, provider, ctx))
    date_of(draft, resource, [("period", "start"), ("period", "end")], [("period", "end")])
    if draft.date_field == "period.end":  # only an end: that is the date, with no separate end
        draft.end_field, draft.end = None, None
    draft.details = [
        ", ".join(short(t) or "" for t in type_texts) or None,
        with_words("reason", reason_texts),
        with_words("diagnosis", [note.label for note in notes if note.label not in reason_texts]),
        with_words(
            "discharged", [concept_text(obj(resource.get("hospitalization")).get("dischargeDisposition"))]
        ),
        f"status {status}" if status and status not in ("finished", "arrived", "in-progress") else None,
    ]
    draft.source = provider
    draft.categories = code_values([resource.get("class"), *types, *reasons])
    themes, significant = ctx.judge([*types, *reasons], reason_texts)
    for note in notes:
        themes += [t for t in note.themes if t not in themes]
        significant = significant or note.significant
    draft.themes, draft.texts = themes, type_texts + reason_texts + [n.label for n in notes if n.label]
    draft.significant = significant or event_type in ("ae_attendance", "hospital_admission")
    _encounter_attributes(draft, resource, classes, types, reasons, notes, ctx)
    draft.participants = [obj(p).get("individual") for p in items(resource.get("participant"))]
    base_attributes(draft, resource, ctx)
    return draft


def _diagnosis_refs(resource: dict[str, Any]) -> list[Any]:
    return [obj(d).get("condition") for d in items(resource.get("diagnosis")) if obj(d).get("condition")]


def _encounter_type(classes: list[Any], types: list[Any], ctx: Context) -> str:
    """Class first (EMER, IMP...), then type codes, then type phrases; health_contact otherwise."""
    event_type: str | None = None
    for code in classes:
        mapped = ctx.codes.class_of(code)
        if mapped is not None:
            event_type = event_type or mapped.event_type
            ctx.labels.append(mapped.label)
        elif written := code.code or code.display:
            ctx.unknown(ctx.entry, "class", written)
    if event_type in (None, "health_contact"):
        by_type = ctx.codes.type_of(types)
        if by_type is not None:
            ctx.labels.append(by_type.label)
            return by_type.event_type
        named = [*all_words(types), *code_values(types)]
        if event_type is None and named and ctx.codes.contact_role(named) is None:
            ctx.unknown(ctx.entry, "type", named[0])  # nothing said what the encounter was
    return event_type or "health_contact"


def _encounter_label(event_type: str, type_texts: list[str], provider: str | None, ctx: Context) -> str:
    if event_type == "ae_attendance":
        label = "A&E attendance"
    elif event_type == "hospital_admission":
        label = "Hospital admission"
    else:
        role = ctx.contact_role([*type_texts, provider or ""])
        label = f"{role[0].upper()}{role[1:]} contact" if role else "Health contact"
    return f"{label} at {short(provider, 120)}" if provider else label


def _encounter_attributes(
    draft: Draft,
    resource: dict[str, Any],
    classes: list[Any],
    types: list[Any],
    reasons: list[Any],
    notes: list[ConditionNote],
    ctx: Context,
) -> None:
    attributes = draft.attributes
    if classes:
        attributes["class"] = "; ".join(code.written() for code in classes)
    if written := written_codes(types):
        attributes["type"] = written
    if written := written_codes(reasons):
        attributes["reason"] = written
    if notes:
        attributes["diagnoses"] = "; ".join(note.label for note in notes if note.label)
    if draft.event_type == "health_contact":
        role = ctx.contact_role([*concept_texts(types), draft.source or ""])
        if role:
            attributes["contact_with"] = role
    elif ctx.injury(draft.texts) or any(note.injury for note in notes):
        attributes["injury"] = "yes"
    start, end = path_text(resource, "period", "start"), path_text(resource, "period", "end")
    if start or end:
        attributes["period"] = f"{start or '?'} to {end or '?'}"
    practitioners = _practitioners(resource.get("participant"), "individual", ctx)
    if practitioners:
        attributes["practitioners"] = practitioners


def _practitioners(participants: Any, key: str, ctx: Context) -> str | None:
    """Practitioners taking part, with their part ("Dr A Jones (primary performer)")."""
    found: list[str] = []
    for participant in items(participants):
        participant = obj(participant)
        reference = participant.get(key)
        if ctx.lookup.kind_of(reference) in ("Patient", "RelatedPerson", "Group"):
            continue
        name = ctx.lookup.name_of(reference)
        if name:
            roles = concept_texts(items(participant.get("type")))
            found.append(f"{name} ({', '.join(roles)})" if roles else name)
    return "; ".join(dict.fromkeys(found)) or None


def map_appointment(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """Missed, attended or cancelled appointments are events; booked ones have not happened yet."""
    status = text(resource.get("status"))
    kind = ctx.codes.appointment_status.get((status or "").lower())
    if kind is None and status:
        ctx.unknown(ctx.entry, "status", status)
    elif status:
        ctx.labels.append(label_key(status))
    if kind == "error":
        return NotEvent("error", "the source marked this appointment as entered in error")
    if kind == "future":
        return NotEvent("future", f"status {status}: the appointment has not happened yet")
    event_type, label, themes = {
        "not_brought": ("appointment_not_brought", "Was not brought to appointment", ["health_neglect"]),
        "attended": ("appointment_attended", "Appointment attended", []),
        "cancelled": ("other", "Appointment cancelled", []),
    }.get(kind or "", ("other", f"Appointment (status {status or 'not given'})", []))
    concepts = [
        *items(resource.get("serviceCategory")),
        *items(resource.get("serviceType")),
        *items(resource.get("specialty")),
        *items(resource.get("appointmentType")),
    ]
    reasons = items(resource.get("reasonCode"))
    draft = Draft(event_type, label, subject_paths=(("participant", "actor"),))
    date_of(draft, resource, [("start",)], [("end",)])
    actors = [obj(p).get("actor") for p in items(resource.get("participant"))]
    places = [a for a in actors if ctx.lookup.kind_of(a) in PLACES]
    texts = concept_texts(concepts)
    draft.details = [
        ", ".join(short(t) or "" for t in texts) or None,
        short(text(resource.get("description"))),
        with_words("reason", concept_texts(reasons)),
        with_words("with", [ctx.lookup.name_of(a) for a in actors if ctx.lookup.kind_of(a) in PROFESSIONALS]),
        with_words("cancellation reason", [concept_text(resource.get("cancelationReason"))])
        if kind == "cancelled"
        else None,
    ]
    draft.source = source_of(ctx, *places)
    draft.categories = [*([status] if status else []), *code_values([*concepts, *reasons])]
    found, draft.significant = ctx.judge([*concepts, *reasons])
    draft.themes = themes + [t for t in found if t not in themes]
    draft.texts = texts + concept_texts(reasons)
    draft.participants = actors
    if written := written_codes(concepts):
        draft.attributes["type"] = written
    if role := ctx.contact_role([*texts, draft.source or ""]):
        draft.attributes["contact_with"] = role
    if kind == "cancelled" and (reason := written_codes([resource.get("cancelationReason")])):
        draft.attributes["cancelation_reason"] = reason
    base_attributes(draft, resource, ctx)
    return draft


PLACES = ("Location", "Organization", "HealthcareService")
PROFESSIONALS = ("Practitioner", "PractitionerRole")


def map_condition(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """A diagnosis or injury; a theme only when coded as abuse or safeguarding, and not if refuted."""
    clinical = _status_code(resource.get("clinicalStatus"))
    verification = _status_code(resource.get("verificationStatus"))
    if verification == "entered-in-error":
        return NotEvent("error", "the source marked this condition as entered in error (verificationStatus)")
    concept = resource.get("code")
    categories = items(resource.get("category"))
    label_text = concept_text(concept)
    draft = Draft("health_condition", "Condition")
    date_of(
        draft,
        resource,
        [("onsetDateTime",), ("onsetPeriod", "start"), ("onsetString",), ("recordedDate",)],
        [("abatementDateTime",), ("abatementPeriod", "end"), ("abatementString",)],
    )
    draft.details = [
        short(label_text) or "(no description)",
        f"clinical status {clinical}" if clinical else None,
        f"verification {verification}" if verification not in (None, "confirmed") else None,
        with_words("severity", [concept_text(resource.get("severity"))]),
        with_words("site", concept_texts(items(resource.get("bodySite")))),
    ]
    draft.source = ctx.lookup.provider_of(resource.get("encounter"))
    draft.categories = code_values([concept, *categories])
    if verification != "refuted":
        draft.themes, draft.significant = ctx.judge([concept])
    draft.texts = all_words([concept])
    ctx.injury(draft.texts)  # its label only: an injury is an incident for the patterns, not a theme
    if written := written_codes([concept]):
        draft.attributes["code"] = written
    for name, value in (("clinical_status", clinical), ("verification_status", verification)):
        if value:
            draft.attributes[name] = value
    base_attributes(draft, resource, ctx)
    return draft


def _status_code(concept: Any) -> str | None:
    found = codings(concept)
    return found[0].code if found and found[0].code else concept_text(concept)


def map_observation(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """A measurement or finding, with its value in the summary so the timeline shows it."""
    status = text(resource.get("status"))
    if (skip := not_event("Observation", status, ctx.codes)) is not None:
        return skip
    concept = resource.get("code")
    draft = Draft("health_observation", "Observation")
    date_of(
        draft,
        resource,
        [("effectiveDateTime",), ("effectivePeriod", "start"), ("effectiveInstant",), ("issued",)],
        [("effectivePeriod", "end")],
    )
    value = observation_value(resource)
    draft.label = f"Observation: {short(concept_text(concept)) or '(no description)'}"
    draft.details = [
        value,
        with_words("interpretation", concept_texts(items(resource.get("interpretation")))),
        f"status {status}" if status and status not in ("final", "amended", "corrected") else None,
    ]
    draft.source = source_of(ctx, *items(resource.get("performer"))) or ctx.lookup.provider_of(
        resource.get("encounter")
    )
    value_concept = resource.get("valueCodeableConcept")
    draft.categories = code_values([concept, *items(resource.get("category"))])
    draft.themes, draft.significant = ctx.judge([concept, value_concept])
    draft.texts = []  # an adult's observations ("Alcohol intake") are routine, not risk findings
    if written := written_codes([concept]):
        draft.attributes["code"] = written
    if value:
        draft.attributes["value"] = value
    base_attributes(draft, resource, ctx)
    return draft


def observation_value(resource: dict[str, Any]) -> str | None:
    """The observation's value as a person would write it ("40.9 Cel", "120/80" via components)."""
    value = _value(resource)
    if value is None:
        absent = concept_text(resource.get("dataAbsentReason"))
        value = f"no value ({absent})" if absent else None
    parts = []
    for component in items(resource.get("component")):
        component = obj(component)
        part = _value(component)
        name = concept_text(component.get("code"))
        if part or name:
            parts.append(" ".join(p for p in (name, part) if p))
    if parts:
        components = DETAIL_SEPARATOR.join(short(p) or "" for p in parts)
        value = f"{value}{DETAIL_SEPARATOR}{components}" if value else components
    return short(value, 600)


def _value(element: dict[str, Any]) -> str | None:
    quantity = obj(element.get("valueQuantity"))
    if quantity:
        amount = quantity.get("value")
        shown = (
            number(amount)
            if isinstance(amount, int | float) and not isinstance(amount, bool)
            else text(amount)
        )
        unit = text(quantity.get("unit")) or text(quantity.get("code"))
        comparator = text(quantity.get("comparator")) or ""
        return " ".join(p for p in (f"{comparator}{shown or ''}", unit) if p) or None
    if "valueCodeableConcept" in element:
        return concept_text(element.get("valueCodeableConcept"))
    for key in ("valueString", "valueBoolean", "valueInteger", "valueDateTime", "valueTime"):
        if key in element:
            return text(element.get(key))
    if "valueRange" in element:
        low, high = obj(obj(element["valueRange"]).get("low")), obj(obj(element["valueRange"]).get("high"))
        return f"{text(low.get('value')) or '?'} to {text(high.get('value')) or '?'} {text(high.get('unit')) or ''}".strip()
    if "valuePeriod" in element:
        return f"{path_text(element, 'valuePeriod', 'start') or '?'} to {path_text(element, 'valuePeriod', 'end') or '?'}"
    if "valueRatio" in element:
        ratio = obj(element["valueRatio"])
        top, bottom = obj(ratio.get("numerator")).get("value"), obj(ratio.get("denominator")).get("value")
        return f"{text(top) or '?'}/{text(bottom) or '?'}"
    return None


def map_flag(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """An alert on the record (child protection plan, looked after...): always significant."""
    status = text(resource.get("status"))
    if (skip := not_event("Flag", status, ctx.codes)) is not None:
        return skip
    concept = resource.get("code")
    categories = items(resource.get("category"))
    draft = Draft("safeguarding_flag", "Alert")
    date_of(draft, resource, [("period", "start")], [("period", "end")])
    draft.details = [
        short(concept_text(concept)) or "(no description)",
        ", ".join(short(t) or "" for t in concept_texts(categories)) or None,
        f"status {status}" if status and status != "active" else None,
    ]
    draft.source = source_of(ctx, resource.get("author"))
    draft.categories = code_values([concept, *categories])
    draft.themes, _ = ctx.judge([concept, *categories])
    draft.significant = True
    draft.texts = all_words([concept])
    if written := written_codes([concept]):
        draft.attributes["code"] = written
    if written := written_codes(categories):
        draft.attributes["category"] = written
    base_attributes(draft, resource, ctx)
    return draft


def map_episode(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """Time under a service (health visiting, CAMHS, midwifery), from start to end."""
    status = text(resource.get("status"))
    if (skip := not_event("EpisodeOfCare", status, ctx.codes)) is not None:
        return skip
    types = items(resource.get("type"))
    organisation = source_of(ctx, resource.get("managingOrganization"))
    type_texts = concept_texts(types)
    role = ctx.contact_role([*type_texts, organisation or ""])
    draft = Draft(
        "episode_of_care",
        f"Episode of care ({role})" if role else "Episode of care",
        subject_paths=(("patient",),),
    )
    date_of(draft, resource, [("period", "start")], [("period", "end")])
    draft.details = [
        ", ".join(short(t) or "" for t in type_texts) or None,
        f"with {short(organisation, 120)}" if organisation else None,
        f"status {status}" if status else None,
        with_words("care manager", [ctx.lookup.name_of(resource.get("careManager"))])
        if resource.get("careManager")
        else None,
    ]
    draft.source = organisation
    draft.categories = code_values(types)
    draft.themes, draft.significant = ctx.judge(types)
    draft.texts = type_texts
    if written := written_codes(types):
        draft.attributes["type"] = written
    if role:
        draft.attributes["contact_with"] = role
    base_attributes(draft, resource, ctx)
    return draft


def map_procedure(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """A procedure done (or not done, with the reason: a refused examination matters)."""
    status = text(resource.get("status"))
    if (skip := not_event("Procedure", status, ctx.codes)) is not None:
        return skip
    concept = resource.get("code")
    reasons = items(resource.get("reasonCode"))
    draft = Draft("procedure", "Procedure not done" if status == "not-done" else "Procedure")
    date_of(
        draft,
        resource,
        [("performedDateTime",), ("performedPeriod", "start"), ("performedString",)],
        [("performedPeriod", "end")],
    )
    performers = [obj(p).get("onBehalfOf") or obj(p).get("actor") for p in items(resource.get("performer"))]
    draft.details = [
        short(concept_text(concept)) or "(no description)",
        with_words(
            "reason",
            concept_texts(reasons)
            + [text(obj(r).get("display")) for r in items(resource.get("reasonReference"))],
        ),
        with_words("site", concept_texts(items(resource.get("bodySite")))),
        with_words("outcome", [concept_text(resource.get("outcome"))]),
        with_words("not done because", [concept_text(resource.get("statusReason"))]),
        f"status {status}" if status and status not in ("completed", "not-done") else None,
    ]
    draft.source = (
        source_of(ctx, *[p for p in performers if ctx.lookup.kind_of(p) in PLACES])
        or source_of(ctx, resource.get("location"))
        or ctx.lookup.provider_of(resource.get("encounter"))
    )
    draft.categories = code_values([concept, resource.get("category"), *reasons])
    draft.themes, draft.significant = ctx.judge([concept, *reasons])
    draft.texts = all_words([concept, *reasons])
    if written := written_codes([concept]):
        draft.attributes["code"] = written
    base_attributes(draft, resource, ctx)
    return draft


def map_care_plan(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """A health care plan; a child protection plan recorded by health is significant."""
    status = text(resource.get("status"))
    if (skip := not_event("CarePlan", status, ctx.codes)) is not None:
        return skip
    categories = items(resource.get("category"))
    title = text(resource.get("title"))
    draft = Draft("care_plan", "Care plan")
    date_of(draft, resource, [("period", "start"), ("created",)], [("period", "end")])
    draft.details = [
        short(title),
        ", ".join(short(t) or "" for t in concept_texts(categories)) or None,
        short(text(resource.get("description"))),
        with_words("addresses", [text(obj(a).get("display")) for a in items(resource.get("addresses"))]),
        f"status {status}" if status else None,
    ]
    draft.source = source_of(ctx, resource.get("author")) or ctx.lookup.provider_of(resource.get("encounter"))
    draft.categories = code_values(categories)
    draft.themes, draft.significant = ctx.judge(categories, [title] if title else [])
    draft.texts = all_words(categories) + ([title] if title else [])
    if written := written_codes(categories):
        draft.attributes["category"] = written
    base_attributes(draft, resource, ctx)
    return draft


def map_immunization(resource: dict[str, Any], ctx: Context) -> Draft | NotEvent:
    """An immunisation is a contact with a health professional; one not given says why."""
    status = text(resource.get("status"))
    if (skip := not_event("Immunization", status, ctx.codes)) is not None:
        return skip
    vaccine = resource.get("vaccineCode")
    label = "Immunisation not given" if status == "not-done" else "Immunisation"
    draft = Draft("health_contact", label, subject_paths=(("patient",),))
    date_of(draft, resource, [("occurrenceDateTime",), ("occurrenceString",), ("recorded",)], [])
    performers = [obj(p).get("actor") for p in items(resource.get("performer"))]
    draft.details = [
        short(concept_text(vaccine)) or "(vaccine not named)",
        with_words("reason", [concept_text(resource.get("statusReason"))]),
    ]
    draft.source = (
        source_of(ctx, *[p for p in performers if ctx.lookup.kind_of(p) in PLACES])
        or source_of(ctx, resource.get("location"))
        or ctx.lookup.provider_of(resource.get("encounter"))
    )
    draft.categories = code_values([vaccine])
    draft.texts = all_words([vaccine])
    if written := written_codes([vaccine]):
        draft.attributes["code"] = written
    base_attributes(draft, resource, ctx)
    return draft


MAPPERS: dict[str, Callable[[dict[str, Any], Context], Draft | NotEvent]] = {
    "Encounter": map_encounter,
    "Appointment": map_appointment,
    "Condition": map_condition,
    "Observation": map_observation,
    "Flag": map_flag,
    "EpisodeOfCare": map_episode,
    "Procedure": map_procedure,
    "CarePlan": map_care_plan,
    "Immunization": map_immunization,
}

# Where each mapped type names its patient, and the dates that may date it (first pass).
SUBJECT_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Appointment": (("participant", "actor"),),
    "EpisodeOfCare": (("patient",),),
    "Immunization": (("patient",),),
}
DATE_PATHS: dict[str, list[tuple[str, ...]]] = {
    "Encounter": [("period", "start")],
    "Appointment": [("start",)],
    "Condition": [("onsetDateTime",), ("onsetPeriod", "start"), ("recordedDate",)],
    "Observation": [("effectiveDateTime",), ("effectivePeriod", "start"), ("effectiveInstant",), ("issued",)],
    "Flag": [("period", "start")],
    "EpisodeOfCare": [("period", "start")],
    "Procedure": [("performedDateTime",), ("performedPeriod", "start")],
    "CarePlan": [("period", "start"), ("created",)],
    "Immunization": [("occurrenceDateTime",), ("recorded",)],
}


def condition_note(index: int, resource: dict[str, Any], codes: Codes) -> ConditionNote:
    """What an Encounter needs to know about a Condition recorded in it (first pass)."""
    concept = resource.get("code")
    refuted = _status_code(resource.get("verificationStatus")) in ("refuted", "entered-in-error")
    themes, significant = ([], False) if refuted else codes.judge([concept])
    words = all_words([concept])
    return ConditionNote(index, concept_text(concept), themes, significant, bool(codes.injury.find(words)))


def practitioner_name(resource: dict[str, Any]) -> str | None:
    name = human_name(resource.get("name"))
    return name.display()


__all__ = [
    "DATE_PATHS",
    "MAPPERS",
    "SUBJECT_PATHS",
    "Codes",
    "ConditionNote",
    "Context",
    "Draft",
    "EntryInfo",
    "Lookup",
    "NotEvent",
    "condition_note",
    "keep_json",
    "practitioner_name",
]
