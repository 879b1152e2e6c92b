"""Social care case notes CSV (project format): contacts, visits, meetings and other recorded events.

One row per recorded event about a child (by LA child ID): when, what kind (home visit, core
group, child protection conference, ...), a factual summary, whether the child was seen and seen
alone, the child's own views, who attended and which practitioner recorded it.

Attendees are how the chronology knows whether a father took part in the plan: an attendee written
``P123:father`` is social care's person P123, the same person ID the family relationships file
gives (``SOURCE_PERSON_ID`` in scope ``social-care``), so the store joins them into one person;
``Jane Smith (health visitor)`` is a named person with a role. The event type wording maps to the
vocabulary through ``config/codes/case_notes.toml``; an unknown type is recorded as a case note,
with its own wording kept in the categories and a warning. Header aliases are in
``config/project_formats.toml``.

Optional child identity columns (an additive extension of the spec's column list, which gives the
child only by LA child ID): a real case-management export also carries the child's
``child_surname``, ``child_forenames``, ``child_dob`` (partial allowed), ``child_nhs_number`` and
``child_upn``. Without them a child known to social care only through case notes could never be
joined to their health or school records. When present they go on the event's subject: the NHS
number and UPN are checked as everywhere else (an invalid one is kept with a warning naming the
file, row and column, and never used to join), the name and date of birth let the store suggest
a match. When absent, the subject is the LA child ID alone, as before.

Event types are looked up by ``label_key`` (the matched wording's key is the event's label). A
reference-like extra column (``config/project_formats.toml`` [reference_columns]) is a QUOTED
reference; a contact or referral gets its referring agency from an optional ``referral_source``
column, else a "Contact from X: ..." summary heading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar

from chronology.events import CanonicalEvent, Identifier, IdentifierKind, ImportItem, PersonRef
from chronology.labels import label_key
from chronology.settings import load_config
from chronology.vocabulary import is_event_type
from importers.base import register
from importers.project_rows import ProjectImporter, ProjectRow, column_references, referring_agency
from importers.template import parse_persons

# Optional: who the child is, beyond the LA child ID (see the module docstring).
CHILD_FIELDS = ("child_surname", "child_forenames", "child_dob", "child_nhs_number", "child_upn")
FIELDS = (
    "child_id",
    "record_id",
    "date",
    "time",
    "event_type",
    "summary",
    "child_seen",
    "child_seen_alone",
    "child_views",
    "attendees",
    "worker",
    "significant",
    *CHILD_FIELDS,
    "referral_source",  # optional: who made a contact or referral
)
SNIFF_COLUMNS = ("child_id", "record_id", "event_type", "date", "child_seen")
REQUIRED_COLUMNS = ("child_id", "record_id", "date", "event_type", "summary")
ATTRIBUTE_FIELDS = ("child_seen", "child_seen_alone", "referral_source")
AGENCY = "Children's social care"
SOURCE_SYSTEM = "social-care"
DEFAULT_EVENT_TYPE = "case_note"
REVIEW_TYPE = "review_cp_conference"
# Events that report a concern to the authority: the ones with a referring agency.
REPORTING_TYPES = frozenset({"contact", "referral"})
# "P123:father": a person ID (no spaces, colons or brackets), a colon, then the role.
_ID_ROLE = re.compile(r"^(?P<id>[^\s:()]+)\s*:\s*(?P<role>[^:]+)$")


@cache
def _codes() -> dict[str, Any]:
    return load_config("codes/case_notes")


def type_key(text: str) -> str:
    """Free text as searched for a phrase (a summary saying "review conference"): lower case,
    anything but letters, digits and ' as one space. Code lists use ``label_key``."""
    return " ".join(re.sub(r"[^\w']+|_", " ", text.lower()).split())


@cache
def _types() -> dict[str, str]:
    """label_key of each configured wording -> event type (the first of two that key alike)."""
    found: dict[str, str] = {}
    for wording, event_type in _codes().get("event_types", {}).items():
        found.setdefault(label_key(wording), event_type)
    return found


@cache
def _review() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    table = _codes().get("review", {})
    generic = frozenset(label_key(text) for text in table.get("generic", ()))
    words = frozenset(label_key(text) for text in table.get("type_words", ()))
    phrases = tuple(type_key(text) for text in table.get("summary_phrases", ()))
    return generic, words, phrases


def is_case_notes_header(cells: Sequence[str]) -> bool:
    """child_id + record_id + event_type + date + child_seen: a case-notes export, not a chronology."""
    return CaseNotesImporter.is_header(cells)


def map_event_type(text: str, summary: str) -> str | None:
    """The vocabulary event type the wording names (a generic conference becomes a review conference
    when the wording or summary says so), or None when the wording is not known."""
    matched = match_event_type(text, summary)
    return matched[0] if matched else None


def match_event_type(text: str, summary: str) -> tuple[str, str] | None:
    """(event type, label_key of the wording matched) for the wording, or None when not known.

    Looked up by ``label_key``, so "Home Visits", "VISIT - HOME" and "home_visit" are one; an event
    type code from config/vocabulary.toml written as it is ("section_47") is read too."""
    code = re.sub(r"[\s\-]+", "_", text.strip().lower())
    if is_event_type(code):
        return code, label_key(text)
    key = label_key(text)
    generic, words, phrases = _review()
    tokens = key.split()
    base = " ".join(token for token in tokens if token not in words)
    label = key if key in _types() else base
    found = _types().get(label)
    if found is None:
        return None
    if found == "initial_cp_conference" and base in generic and "initial" not in tokens:
        said = base != key or any(_has_phrase(type_key(summary), phrase) for phrase in phrases)
        return (REVIEW_TYPE if said else found), label
    return found, label


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def parse_attendees(text: str) -> list[PersonRef]:
    """``P123:father; Jane Smith (health visitor)`` -> people. A ``person_id:role`` entry names social
    care's own person (so it joins the relationships file's record of them); other entries are names
    with an optional role in brackets."""
    people: list[PersonRef] = []
    for part in text.split(";"):
        part = " ".join(part.split())
        if not part:
            continue
        match = _ID_ROLE.match(part)
        if match:
            people.append(
                PersonRef(
                    role=" ".join(match["role"].lower().split()) or None,
                    identifiers=[Identifier(IdentifierKind.SOURCE_PERSON_ID, match["id"], SOURCE_SYSTEM)],
                )
            )
        else:
            people.extend(parse_persons(part))
    return people


class _NoteRow(ProjectRow):
    """Turns one case note row into an event (or a rejected row)."""

    def convert(self) -> ImportItem:
        if broken := self.broken():
            return broken
        child_id = self.text("child_id")
        if not child_id:
            return self.reject("child_id", "no child: the LA child ID is blank")
        record_id = self.text("record_id")
        if not record_id:
            self.warn(
                "record_id",
                "the record ID is blank, so a re-import can only recognise this row by its content",
            )
        date, date_text, time = self.when("date", "time")
        wording = self.text("event_type")
        summary = self.text("summary")
        if not summary:
            self.warn("summary", "the summary is blank")
        worker = self.text("worker")
        event_type, labels = self.event_type(wording, summary)
        return CanonicalEvent(
            subject=self.child(child_id),
            agency=AGENCY,
            source=f"Case note by {worker}" if worker else "Case note",
            event_type=event_type,
            summary=summary or f"{wording or 'Case note'} (no summary recorded)",
            provenance=self.provenance(SOURCE_SYSTEM, record_id),
            date=date,
            date_text=date_text,
            time=time,
            categories=[wording] if wording else [],
            significant=bool(self.flag("significant")),
            child_voice=self.text("child_views") or None,
            child_seen_alone=self.seen_alone(),
            persons=parse_attendees(self.text("attendees")),
            attributes=self.attributes(),
            references=column_references(self.unmapped(besides=ATTRIBUTE_FIELDS)),
            referring_agency=self.referrer(event_type, summary),
            labels=labels,
        )

    def child(self, child_id: str) -> PersonRef:
        """The child by LA child ID, with the optional identity columns the file may carry."""
        identifiers = [Identifier(IdentifierKind.LA_CHILD_ID, child_id)]
        for identifier in (self.nhs_number("child_nhs_number"), self.upn("child_upn")):
            if identifier is not None:
                identifiers.append(identifier)
        return self.person(identifiers, prefix="child_")

    def event_type(self, wording: str, summary: str) -> tuple[str, list[str]]:
        """(event type, labels): the wording's mapped type, or a case note with a warning."""
        if not wording:
            self.warn("event_type", "the event type is blank; recorded as a case note")
            return DEFAULT_EVENT_TYPE, []
        found = match_event_type(wording, summary)
        if found is None:
            self.warn("event_type", f"unknown event type '{wording}'; recorded as a case note, wording kept")
            return DEFAULT_EVENT_TYPE, []
        return found[0], [found[1]]

    def referrer(self, event_type: str, summary: str) -> str | None:
        """Who made a contact or referral: the referral-source column, else the summary heading."""
        if event_type not in REPORTING_TYPES:
            return None
        return referring_agency(self.text("referral_source"), [], summary)

    def seen_alone(self) -> bool | None:
        """Seen alone as the row says; a child not seen at all was not seen alone."""
        seen = self.flag("child_seen")
        alone = self.flag("child_seen_alone")
        if seen is False and alone:
            self.warn(
                "child_seen_alone",
                "the child is recorded as seen alone but also as not seen; kept as written",
            )
        if alone is None and seen is False:
            return False
        return alone

    def attributes(self) -> dict[str, str]:
        attributes = self.cells(ATTRIBUTE_FIELDS)
        for name, value in self.unmapped(besides=ATTRIBUTE_FIELDS).items():
            attributes.setdefault(name, value)
        return attributes


@register
class CaseNotesImporter(ProjectImporter):
    """Reads the project's social care case notes CSV/XLSX."""

    name: ClassVar[str] = "case-notes"
    description: ClassVar[str] = (
        "Social care case notes CSV or XLSX (project format): contacts, visits, meetings, one row per event"
    )
    section, fields, what = "case_notes", FIELDS, "a social care case notes file"
    sniff_columns, required_columns = SNIFF_COLUMNS, REQUIRED_COLUMNS
    row_class = _NoteRow
