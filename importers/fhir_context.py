"""What the shape of a FHIR file says about its entries: where each sits, which patient an entry
without a subject is about, and which entries are context rather than records.

A health system sends a patient's record in several shapes, and each says something the entries
themselves may leave out:

- a **document** (a Summary Care Record, a discharge summary) starts with a ``Composition`` whose
  ``subject`` is the patient of every entry, so its Encounters and Conditions often carry none;
- a **message** starts with a ``MessageHeader`` whose ``focus`` names what the message is about;
- a **searchset** marks each entry ``search.mode``: ``match`` (a result), ``include`` (brought along
  to explain the matches, such as the Patient or the Practitioner) or ``outcome`` (the server's
  ``OperationOutcome``);
- a **single resource** (a Patient as a demographics lookup returns it) is not in a Bundle at all.

An entry's place is written so a person can find the original: ``Bundle(document).entry[3]``, or
``resource(Patient/123)`` for a file that holds one resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from importers.fhir_values import items, obj, short, text

# Resources that are people, read for who they are whatever the entry's search mode.
PEOPLE = frozenset({"Patient", "RelatedPerson"})
ISSUE_SEVERITIES = ("fatal", "error", "warning")  # an OperationOutcome's issues worth a person's eye


@dataclass(slots=True)
class Shape:
    """The file's shape, learnt in the first pass."""

    bare: bool = False  # a single resource, not in a Bundle
    bundle_type: str | None = None  # Bundle.type as written
    composition_subject: list[Any] | None = None  # the first Composition's subject
    message_focus: list[Any] | None = None  # the first MessageHeader's focus
    reasons: dict[str, str] = field(default_factory=dict)  # config: resource type -> why it is context
    mode_reasons: dict[str, str] = field(default_factory=dict)  # config: search.mode -> why it is context

    def where(self, index: int) -> str:
        """The entry, naming the bundle type: ``Bundle(document).entry[3]``."""
        kind = f"({short(self.bundle_type, 40)})" if self.bundle_type else ""
        return "the file's resource" if self.bare else f"Bundle{kind}.entry[{index}]"

    def path(self, index: int, kind: str, record_id: str | None) -> str:
        """The resource's place: ``Bundle(document).entry[3].resource(Encounter/1)``."""
        name = short(record_id or kind, 160)
        return f"resource({name})" if self.bare else f"{self.where(index)}.resource({name})"

    def note(self, kind: str, resource: dict[str, Any]) -> None:
        """Keep the document's subject and the message's focus (the first of each, as FHIR puts
        them first) for entries that do not name their patient."""
        if kind == "Composition" and self.composition_subject is None:
            self.composition_subject = items(resource.get("subject"))
        elif kind == "MessageHeader" and self.message_focus is None:
            self.message_focus = items(resource.get("focus"))

    def context_references(self) -> tuple[str, list[Any]] | None:
        """(where it comes from, References) that name the patient of an entry naming none: the
        document's Composition.subject, else the message's MessageHeader.focus."""
        if self.bundle_type == "document" and self.composition_subject:
            return "Composition.subject", self.composition_subject
        if self.bundle_type == "message" and self.message_focus:
            return "MessageHeader.focus", self.message_focus
        return None

    def context_reason(self, kind: str, entry: dict[str, Any]) -> str | None:
        """Why this entry is context and not a record (``Composition: the document's index...``),
        or None when it is a record to read."""
        mode = text(obj(entry.get("search")).get("mode")) or ""
        if kind in self.reasons:
            return f"{kind}: {self.reasons[kind]}"
        if mode in self.mode_reasons and kind not in PEOPLE:
            return f"{kind}: {self.mode_reasons[mode]}"
        return None


def outcome_issues(resource: dict[str, Any]) -> list[str]:
    """What an OperationOutcome's errors and warnings say (a search cut short, a resource refused),
    in words: ``error: too many results; only the first 100 returned``."""
    said = []
    for raw in items(resource.get("issue")):
        issue = obj(raw)
        severity = text(issue.get("severity")) or ""
        if severity not in ISSUE_SEVERITIES:
            continue
        words = (
            text(obj(issue.get("details")).get("text"))
            or text(issue.get("diagnostics"))
            or text(issue.get("code"))
            or "no details given"
        )
        said.append(f"{severity}: {short(words, 300)}")
    return said
