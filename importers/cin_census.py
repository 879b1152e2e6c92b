"""The DfE Children in Need (CIN) census return (XML), every yearly version from 2017-18 on.

One file is a local authority's return for a year ending 31 March: ``Message/Header`` says which
year, and each ``Message/Children/Child`` holds a child's identifiers and characteristics and one
``CINdetails`` block per episode of need (referral, assessments, CIN plans, section 47
enquiries, child protection plans and their reviews, closure). Every date in it becomes one
event, because a chronology is a list of dated things that happened:

==============================================  ==========================  =====================
element                                         event type                  categories (themes)
==============================================  ==========================  =====================
CINreferralDate (+ ReferralSource,              referral                    source and need codes
PrimaryNeedCode, ReferralNFA)
AssessmentActualStartDate                       assessment (started)
AssessmentAuthorisationDate                     assessment (completed)      factor codes (themes)
CINPlanStartDate / CINPlanEndDate               cin_plan_start / _end
S47ActualStartDate                              section_47
DateOfInitialCPC (episode or Section47)         initial_cp_conference
CPPstartDate                                    cp_plan_start               abuse categories
CPPendDate                                      cp_plan_end                 latest category
CPPreviewDate                                   review_cp_conference
CINclosureDate (+ ReasonForClosure)             case_closure                closure reason
PersonDeathDate                                 death
any date in PreProceedingsandFGDM (2025-26)     pre_proceedings
==============================================  ==========================  =====================

An episode open across 31 March is in both years' returns, so an event's record ID is
``<LAchildID>/<element>/<date>`` (e.g. ``DfEX0000001/CPPstartDate/2022-02-17``): the same
element with the same date for the same child is one event however many returns carry it.

Nothing is dropped: every field of a block is kept verbatim on its events as attributes, codes
stay as written in ``categories`` (an unknown code such as factor ``RB`` is kept and reported),
a date that cannot be read makes an undated event with a warning naming its XML path, and text
typed between elements is reported. Code lists, labels and themes are data in
``config/codes/cin_census.toml``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import ClassVar

from chronology.dates import DateParseError, parse_date
from chronology.events import (
    CanonicalEvent,
    Coverage,
    Identifier,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRecord,
    PersonRef,
    Provenance,
    RejectedRow,
)
from chronology.labels import label_key
from chronology.settings import load_config
from importers.base import Importer, ImportOptions, register
from importers.xml_records import RecordReader, XmlFormat, format_records, is_xml_file, shorten
from importers.xml_safety import XmlNode, XmlRecord, count_elements, sniff, xs_boolean, xs_date_text

SOURCE_SYSTEM = "cin-census"
AGENCY = "Children's social care"
HEADER = "Message/Header"
CHILD = "Message/Children/Child"
FORMAT = XmlFormat(
    root="Message",
    what="a CIN census return (its root element must be <Message>)",
    patterns=(HEADER, CHILD),
    indexed=frozenset({"Child"}),
)
# Blocks that may repeat: their paths always show the position (CINdetails[1]).
REPEATABLE = frozenset(
    {"Child", "CINdetails", "Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans"}
)
FORENAME_ELEMENTS = ("PersonGivenName", "GivenName", "Forenames", "Forename", "FirstName")
SURNAME_ELEMENTS = ("PersonFamilyName", "FamilyName", "Surname", "LastName")
IDENTIFIER_ELEMENTS = frozenset(
    {
        "LAchildID",
        "UPN",
        "FormerUPN",
        "UPNunknown",
        "PersonBirthDate",
        "ExpectedPersonBirthDate",
        "GenderCurrent",
        "Sex",
        "PersonDeathDate",
        *FORENAME_ELEMENTS,
        *SURNAME_ELEMENTS,
    }
)
# What each block of the format holds, to tell a known element from one this tool has not met.
KNOWN = {
    "Child": frozenset({"ChildIdentifiers", "ChildCharacteristics", "CINdetails"}),
    "ChildIdentifiers": IDENTIFIER_ELEMENTS,
    "ChildCharacteristics": frozenset({"Ethnicity", "Disabilities"}),
    "CINdetails": frozenset(
        {
            "CINreferralDate",
            "ReferralSource",
            "PrimaryNeedCode",
            "CINclosureDate",
            "ReasonForClosure",
            "DateOfInitialCPC",
            "Assessments",
            "CINPlanDates",
            "Section47",
            "ReferralNFA",
            "ChildProtectionPlans",
        }
    ),
    "Assessments": frozenset(
        {
            "AssessmentActualStartDate",
            "AssessmentInternalReviewDate",
            "AssessmentAuthorisationDate",
            "FactorsIdentifiedAtAssessment",
        }
    ),
    "CINPlanDates": frozenset({"CINPlanStartDate", "CINPlanEndDate"}),
    "Section47": frozenset({"S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"}),
    "ChildProtectionPlans": frozenset(
        {
            "CPPstartDate",
            "CPPendDate",
            "InitialCategoryOfAbuse",
            "LatestCategoryOfAbuse",
            "NumberOfPreviousCPP",
            "Reviews",
            "SeenSocialWorker",  # in the 2016-17 schema, dropped after
        }
    ),
}
# The repeatable blocks of an episode, each read by its own method of _Child.
BLOCKS = frozenset({"Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@cache
def codes() -> dict[str, dict[str, dict[str, str]]]:
    """The code lists in config/codes/cin_census.toml (code -> label, theme, ...)."""
    return load_config("codes/cin_census")


@cache
def code_table(table: str) -> dict[str, dict[str, str]]:
    """One code list by upper-case code: codes match exactly, but a system writing ``neg`` or ``rc8``
    still means ``NEG`` and ``RC8``."""
    return {code.upper(): entry for code, entry in codes()[table].items()}


def entry_label(entry: dict[str, str]) -> str:
    """The vocabulary key an event's ``labels`` gets for a matched code: its short label, else its label."""
    return label_key(entry.get("short") or entry.get("label") or "")


def is_pre_proceedings(name: str) -> bool:
    """The 2025-26 pre-proceedings and family group decision making block (any capitalisation)."""
    return name.lower().startswith("preproceedings")


def humanise(name: str) -> str:
    """``PreProceedingsStartDate`` -> ``pre proceedings start date`` (for an element we have no label for)."""
    return " ".join(_CAMEL.split(name)).lower()


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(slots=True)
class Census:
    """What the Header says about the return."""

    year_label: str | None = None  # e.g. "2021-22"
    start: dt.date | None = None
    end: dt.date | None = None
    lea: str | None = None

    @property
    def source(self) -> str:
        where = f", local authority {self.lea}" if self.lea else ""
        return (
            f"CIN census {self.year_label} return{where}" if self.year_label else f"CIN census return{where}"
        )


@dataclass(slots=True)
class _File:
    """What one file's children share: its name, header and the unknown elements already reported."""

    name: str
    census: Census = field(default_factory=Census)
    reported: set[str] = field(default_factory=set)


def _walk(node: XmlNode, path: str) -> Iterator[tuple[XmlNode, str]]:
    """The node and all its descendants, each with its XML path."""
    yield node, path
    for child, child_path in node.with_paths(path, REPEATABLE):
        yield from _walk(child, child_path)


class _Child(RecordReader):
    """Turns one ``Child`` element into events, warnings and (rarely) rejected rows."""

    def __init__(self, file: _File, node: XmlNode, path: str) -> None:
        super().__init__(file.name, node, path)
        self.file = file
        self.la_id = ""
        self.reference = file.census.end

    # -- reporting --

    def code(self, table: str, value: str, path: str, field_name: str) -> dict[str, str] | None:
        """The code's entry in its list; an unknown code is reported (it is kept where it is used)."""
        entry = code_table(table).get(value.strip().upper())
        if entry is None:
            self.warn(
                path,
                field_name,
                f"unknown code '{value}' in {field_name}: it is not in the CIN census code list; "
                "it is kept as written",
            )
        return entry

    def unknown_elements(self, block: XmlNode, path: str) -> None:
        """Report an element this format does not define, once per file; its value is kept."""
        known = KNOWN.get(block.name)
        if known is None:
            return
        for child, child_path in block.with_paths(path, REPEATABLE):
            if child.name in known or is_pre_proceedings(child.name) or child.name in self.file.reported:
                continue
            self.file.reported.add(child.name)
            self.warn(
                child_path,
                child.name,
                f"<{child.name}> is not part of the CIN census format this tool knows; its value is "
                f"kept as an attribute of the events from <{block.name}> (reported once per file)",
            )

    # -- conversion --

    def convert(self) -> list[ImportItem]:
        identifiers = self.node.child("ChildIdentifiers")
        self.la_id = (identifiers.value("LAchildID") or "") if identifiers is not None else ""
        if identifiers is None or not self.la_id:
            return [self.reject_child()]
        self.stray_text()
        self.attributes = self.child_attributes(identifiers)
        self.subject = self.make_subject(identifiers)
        for child, child_path in self.node.with_paths(self.path, REPEATABLE):
            if child.name == "CINdetails":
                self.episode(child, child_path)
            elif is_pre_proceedings(child.name):
                self.block(child, child_path, {})
        self.unknown_elements(self.node, self.path)
        self.death(identifiers)
        if self.events == 0:
            self.warn(self.path, "CINdetails", "this child has no dated CIN details, so no event was made")
            self.items.append(
                PersonRecord(self.subject, self.provenance(self.path, None), attributes=self.attributes)
            )
        return self.items

    def reject_child(self) -> RejectedRow:
        identifiers = self.node.child("ChildIdentifiers")
        raw = identifiers.flatten() if identifiers is not None else self.node.flatten()
        dates = sum(1 for node, _ in _walk(self.node, self.path) if node.is_leaf and xs_date_text(node.text))
        return RejectedRow(
            self.file.name,
            None,
            "LAchildID",
            f"the child has no LAchildID, so none of its {plural(dates, 'date')} can be imported: "
            "each census event is identified by the child's LA child ID",
            raw or None,
            f"{self.path}/ChildIdentifiers",
        )

    def stray_text(self) -> None:
        self.report_stray_text(_walk(self.node, self.path), " (a value may have been typed outside its tags)")

    def make_subject(self, identifiers: XmlNode) -> PersonRef:
        base = f"{self.path}/ChildIdentifiers"
        ids = [
            Identifier(IdentifierKind.LA_CHILD_ID, self.la_id),
            *self.upn_identifiers(identifiers.value, base),
        ]
        return PersonRef(
            forenames=_first(identifiers, FORENAME_ELEMENTS),
            surname=_first(identifiers, SURNAME_ELEMENTS),
            dob=self.optional_date(identifiers, "PersonBirthDate", base, "date of birth"),
            sex=self.sex(identifiers, base),
            identifiers=ids,
        )

    def sex(self, identifiers: XmlNode, base: str) -> str | None:
        """``Sex`` (M/F/U, or the old numbers) from 2024-25, else ``GenderCurrent`` (1/2/0/9)."""
        for name in ("Sex", "GenderCurrent"):
            value = identifiers.value(name)
            if not value:
                continue
            entry = codes()["sex"].get(value.upper()) or codes()["gender"].get(value)
            if entry is None:
                self.warn(
                    f"{base}/{name}",
                    name,
                    f"'{value}' in {name} is not a code this tool knows (M, F, U or 1, 2, 0, 9); kept as written",
                )
                return None
            return entry.get("sex") or None
        return None

    def child_attributes(self, identifiers: XmlNode) -> dict[str, str]:
        attributes = {
            key: value
            for key, value in identifiers.flatten().items()
            if key not in {"LAchildID", "UPN", "FormerUPN", "PersonBirthDate", "PersonDeathDate"}
        }
        self.unknown_elements(identifiers, f"{self.path}/ChildIdentifiers")
        characteristics = self.node.child("ChildCharacteristics")
        if characteristics is not None:
            path = f"{self.path}/ChildCharacteristics"
            self.unknown_elements(characteristics, path)
            attributes.update(characteristics.flatten())
            self.check_codes(characteristics, path)
        for child in self.node.children:  # elements the format does not define, kept verbatim
            if child.name not in KNOWN["Child"] and not is_pre_proceedings(child.name):
                if child.children:
                    attributes.update(child.flatten(f"{child.name}/"))
                elif child.text.strip():
                    attributes[child.name] = child.text.strip()
        if self.file.census.lea:
            attributes.setdefault("LEA", self.file.census.lea)
        return attributes

    def check_codes(self, characteristics: XmlNode, path: str) -> None:
        if ethnicity := characteristics.value("Ethnicity"):
            self.code("ethnicity", ethnicity, f"{path}/Ethnicity", "Ethnicity")
        disabilities = characteristics.child("Disabilities")
        if disabilities is not None:
            for node, node_path in disabilities.with_paths(f"{path}/Disabilities"):
                if node.text.strip():
                    self.code("disability", node.text.strip(), node_path, "Disability")

    # -- dates --

    def read_date(self, node: XmlNode, path: str, what: str, outcome: str) -> PartialDate | None:
        """The element's date, or None with a warning naming the path and saying what was done."""
        text = node.text.strip()
        if not text:
            self.warn(path, node.name, f"the {what} ({node.name}) is blank; {outcome}")
            return None
        try:
            return parse_date(xs_date_text(text) or text)
        except DateParseError as exc:
            self.warn(path, node.name, f"the {what} ({node.name}) could not be read: {exc}; {outcome}")
            return None

    def optional_date(self, block: XmlNode, name: str, base: str, what: str) -> PartialDate | None:
        node = block.child(name)
        if node is None or not node.text.strip():
            return None
        path = f"{base}/{node.segment(block)}"
        date = self.read_date(node, path, what, f"it is kept as written in the attribute '{name}'")
        if date is None:
            self.attributes[name] = node.text.strip()
        return date

    def check_order(
        self, earlier: PartialDate | None, later: PartialDate | None, path: str, what: str
    ) -> None:
        if earlier is not None and later is not None and later.latest() < earlier.earliest():
            self.warn(path, None, f"{what} ({later.iso()} is before {earlier.iso()}); check the dates")

    # -- events --

    def provenance(self, path: str, record_id: str | None) -> Provenance:
        return Provenance(SOURCE_SYSTEM, self.file.name, path=path, source_record_id=record_id)

    def event(
        self,
        node: XmlNode,
        path: str,
        event_type: str,
        summary: str,
        attributes: dict[str, str],
        *,
        what: str,
        categories: list[str] | None = None,
        themes: list[str] | None = None,
        significant: bool = False,
        labels: list[str] | None = None,
        referring_agency: str | None = None,
    ) -> PartialDate | None:
        """Make the event for one date element; returns its date (None when undated)."""
        text = node.text.strip()
        date = self.read_date(node, path, what, "the event is kept as an undated event")
        if date is not None and self.reference is not None and date.earliest() > self.reference:
            self.warn(
                path,
                node.name,
                f"the {what} {date.iso()} is after the census reference date {self.reference.isoformat()}; check it",
            )
        key = date.iso() if date else (text or f"(blank at {path})")
        self.items.append(
            CanonicalEvent(
                subject=self.subject,
                agency=AGENCY,
                source=self.file.census.source,
                event_type=event_type,
                summary=summary,
                provenance=self.provenance(path, f"{self.la_id}/{node.name}/{key}"),
                date=date,
                date_text=None if date else text,
                categories=_unique(categories or []),
                themes=_unique(themes or []),
                significant=significant,
                attributes={**self.attributes, **attributes},
                labels=_unique(labels or []),
                referring_agency=referring_agency,
            )
        )
        self.events += 1
        return date

    def episode(self, details: XmlNode, path: str) -> None:
        self.unknown_elements(details, path)
        referral_text = details.value("CINreferralDate")
        episode = {"CINreferralDate": referral_text} if referral_text else {}
        referral_date = None
        made_before = self.events
        for child, child_path in details.with_paths(path, REPEATABLE):
            if child.name == "CINreferralDate":
                referral_date = self.referral(details, child, child_path)
            elif child.name == "CINclosureDate" and child.text.strip():
                closed = self.closure(details, child, child_path, episode)
                self.check_order(referral_date, closed, child_path, "the case is closed before its referral")
            elif child.name == "DateOfInitialCPC" and child.text.strip():
                self.event(
                    child,
                    child_path,
                    "initial_cp_conference",
                    "Initial child protection conference",
                    episode,
                    what="date of the initial child protection conference",
                )
            elif child.name in BLOCKS or is_pre_proceedings(child.name):
                self.block(child, child_path, episode)
        if self.events == made_before:
            self.reject(
                path,
                "CINreferralDate",
                "this CIN details block holds no dates, so no event could be made from it",
                details.flatten(),
            )

    def block(self, block: XmlNode, path: str, episode: dict[str, str]) -> None:
        """Read one block of an episode; a block with no date at all becomes a rejected row."""
        made_before = self.events
        readers = {
            "Assessments": self.assessment,
            "CINPlanDates": self.cin_plan,
            "Section47": self.section_47,
            "ChildProtectionPlans": self.cp_plan,
        }
        readers.get(block.name, self.pre_proceedings)(block, path, episode)
        if self.events == made_before:
            self.reject(
                path,
                block.name,
                f"<{block.name}> holds no date, so no event could be made from it",
                {**episode, **block.flatten()},
            )

    def referral(self, details: XmlNode, node: XmlNode, path: str) -> PartialDate | None:
        categories: list[str] = []
        themes: list[str] = []
        labels: list[str] = []
        referring: str | None = None
        attributes = {
            child.name: child.text.strip()
            for child in details.children
            if child.is_leaf and child.text.strip()
        }
        for child in details.children:  # blocks the format does not define, kept verbatim
            if (
                not child.is_leaf
                and child.name not in KNOWN["CINdetails"]
                and not is_pre_proceedings(child.name)
            ):
                attributes.update(child.flatten(f"{child.name}/"))
        parts = ["Referral to children's social care"]
        if source := details.value("ReferralSource"):
            categories.append(source)
            entry = self.code("referral_source", source, _sibling(path, "ReferralSource"), "ReferralSource")
            if entry:
                parts[0] += f" from {entry['agency']} (referral source {source})"
                attributes["referral_agency"] = entry["agency"]
                attributes["referral_agency_group"] = entry["agency_group"]
                labels.append(entry_label(entry))
                referring = entry.get("referring_agency") or None
            else:
                parts[0] += f" (referral source '{source}')"
        if need := details.value("PrimaryNeedCode"):
            categories.append(need)
            entry = self.code("primary_need", need, _sibling(path, "PrimaryNeedCode"), "PrimaryNeedCode")
            parts.append(f"primary need: {entry['label']} ({need})" if entry else f"primary need '{need}'")
            labels += [entry_label(entry)] if entry else []
            if entry and entry.get("theme"):
                themes.append(entry["theme"])
        if (nfa := details.value("ReferralNFA")) is not None and nfa:
            flag = xs_boolean(nfa)
            if flag is None:
                self.warn(
                    _sibling(path, "ReferralNFA"),
                    "ReferralNFA",
                    f"'{nfa}' is not true or false; kept as written",
                )
            elif flag:
                parts.append("no further action")
        return self.event(
            node,
            path,
            "referral",
            "; ".join(parts),
            attributes,
            what="referral date",
            categories=categories,
            themes=themes,
            labels=labels,
            referring_agency=referring,
        )

    def closure(
        self, details: XmlNode, node: XmlNode, path: str, episode: dict[str, str]
    ) -> PartialDate | None:
        attributes = dict(episode)
        summary = "Case closed"
        categories: list[str] = []
        labels: list[str] = []
        if reason := details.value("ReasonForClosure"):
            attributes["ReasonForClosure"] = reason
            categories.append(reason)
            entry = self.code(
                "reason_for_closure", reason, _sibling(path, "ReasonForClosure"), "ReasonForClosure"
            )
            summary += f": {entry['label']} ({reason})" if entry else f": reason '{reason}'"
            labels += [entry_label(entry)] if entry else []
        return self.event(
            node,
            path,
            "case_closure",
            summary,
            attributes,
            what="closure date",
            categories=categories,
            labels=labels,
        )

    def assessment(self, block: XmlNode, path: str, episode: dict[str, str]) -> None:
        self.unknown_elements(block, path)
        attributes = {**episode, **block.flatten()}
        factors, themes, described = self.factors(block, path)
        start_node = block.child("AssessmentActualStartDate")
        end_node = block.child("AssessmentAuthorisationDate")
        has_end = end_node is not None and bool(end_node.text.strip())
        start = None
        if start_node is not None:
            summary = "Assessment started"
            start = self.event(
                start_node,
                f"{path}/AssessmentActualStartDate",
                "assessment",
                summary if has_end or not factors else f"{summary}; factors identified: {described}",
                attributes,
                what="assessment start date",
                categories=[] if has_end else factors,
                themes=[] if has_end else themes,
                labels=[] if has_end else labels_of("assessment_factors", factors),
            )
        if end_node is not None and has_end:
            summary = "Assessment completed"
            summary += f"; factors identified: {described}" if factors else "; no factors recorded"
            end = self.event(
                end_node,
                f"{path}/AssessmentAuthorisationDate",
                "assessment",
                summary,
                attributes,
                what="assessment authorisation date",
                categories=factors,
                themes=themes,
                labels=labels_of("assessment_factors", factors),
            )
            self.check_order(
                start,
                end,
                f"{path}/AssessmentAuthorisationDate",
                "the assessment is authorised before it started",
            )

    def factors(self, block: XmlNode, path: str) -> tuple[list[str], list[str], str]:
        """(codes as written, their themes, the codes described in words)."""
        holder = block.child("FactorsIdentifiedAtAssessment")
        if holder is None:
            return [], [], ""
        factors: list[str] = []
        themes: list[str] = []
        words: list[str] = []
        for node, node_path in holder.with_paths(f"{path}/FactorsIdentifiedAtAssessment"):
            value = node.text.strip()
            if not value:
                continue
            factors.append(value)
            entry = self.code("assessment_factors", value, node_path, "AssessmentFactors")
            if entry is None:
                words.append(f"{value} (unknown code)")
                continue
            words.append(f"{value} {entry['short']}")
            if entry.get("theme"):
                themes.append(entry["theme"])
        return factors, themes, ", ".join(words)

    def cin_plan(self, block: XmlNode, path: str, episode: dict[str, str]) -> None:
        self.unknown_elements(block, path)
        attributes = {**episode, **block.flatten()}
        start = end = None
        if (node := block.child("CINPlanStartDate")) is not None:
            start = self.event(
                node,
                f"{path}/CINPlanStartDate",
                "cin_plan_start",
                "Child in need plan started",
                attributes,
                what="CIN plan start date",
            )
        if (node := block.child("CINPlanEndDate")) is not None and node.text.strip():
            end = self.event(
                node,
                f"{path}/CINPlanEndDate",
                "cin_plan_end",
                "Child in need plan ended",
                attributes,
                what="CIN plan end date",
            )
        self.check_order(start, end, f"{path}/CINPlanEndDate", "the CIN plan ends before it started")

    def section_47(self, block: XmlNode, path: str, episode: dict[str, str]) -> None:
        self.unknown_elements(block, path)
        attributes = {**episode, **block.flatten()}
        summary = "Section 47 enquiry started"
        not_required = block.value("ICPCnotRequired")
        if not_required:
            flag = xs_boolean(not_required)
            if flag is None:
                self.warn(
                    f"{path}/ICPCnotRequired",
                    "ICPCnotRequired",
                    f"'{not_required}' is not true or false; kept as written",
                )
            elif flag:
                summary += "; initial child protection conference not required"
        if target := block.value("InitialCPCtarget"):
            summary += f"; initial conference target date {target}"
        start = None
        if (node := block.child("S47ActualStartDate")) is not None:
            start = self.event(
                node,
                f"{path}/S47ActualStartDate",
                "section_47",
                summary,
                attributes,
                what="section 47 start date",
            )
        if (node := block.child("DateOfInitialCPC")) is not None and node.text.strip():
            conference = self.event(
                node,
                f"{path}/DateOfInitialCPC",
                "initial_cp_conference",
                "Initial child protection conference (after a section 47 enquiry)",
                attributes,
                what="date of the initial child protection conference",
            )
            self.check_order(
                start,
                conference,
                f"{path}/DateOfInitialCPC",
                "the conference is before the section 47 enquiry started",
            )

    def cp_plan(self, block: XmlNode, path: str, episode: dict[str, str]) -> None:
        self.unknown_elements(block, path)
        attributes = {**episode, **block.flatten()}
        categories, themes, category_words, latest_words = self.abuse_categories(block, path)
        previous = self.previous_plans(block, path)
        start_text = block.value("CPPstartDate") or "unknown"
        start = end = None
        if (node := block.child("CPPstartDate")) is not None:
            summary = "Child protection plan started" + (f": {category_words}" if category_words else "")
            if previous is not None:
                summary += f"; {'no previous plans' if previous == 0 else plural(previous, 'previous plan')}"
            start = self.event(
                node,
                f"{path}/CPPstartDate",
                "cp_plan_start",
                summary,
                attributes,
                what="child protection plan start date",
                categories=categories,
                themes=themes,
                labels=labels_of("category_of_abuse", categories),
            )
        if (node := block.child("CPPendDate")) is not None and node.text.strip():
            summary = f"Child protection plan ended (plan started {start_text}" + (
                f"; latest category {latest_words})" if latest_words else ")"
            )
            latest = block.value("LatestCategoryOfAbuse")
            latest_theme = self.theme("category_of_abuse", latest)
            end = self.event(
                node,
                f"{path}/CPPendDate",
                "cp_plan_end",
                summary,
                attributes,
                what="child protection plan end date",
                categories=[latest] if latest else [],
                themes=[latest_theme] if latest_theme else [],
                labels=labels_of("category_of_abuse", [latest] if latest else []),
            )
            self.check_order(
                start, end, f"{path}/CPPendDate", "the child protection plan ends before it started"
            )
        if (reviews := block.child("Reviews")) is not None:
            for node, node_path in reviews.with_paths(f"{path}/Reviews"):
                if node.name == "CPPreviewDate" and node.text.strip():
                    review = self.event(
                        node,
                        node_path,
                        "review_cp_conference",
                        f"Child protection review conference (plan started {start_text})",
                        attributes,
                        what="child protection review date",
                    )
                    self.check_order(start, review, node_path, "the review is before the plan started")

    def abuse_categories(self, block: XmlNode, path: str) -> tuple[list[str], list[str], str, str]:
        """(codes, themes, 'category X (C)' or 'initial …; latest …', 'latest in words')."""
        words: dict[str, str] = {}
        categories: list[str] = []
        themes: list[str] = []
        for name in ("InitialCategoryOfAbuse", "LatestCategoryOfAbuse"):
            value = block.value(name)
            if not value:
                continue
            categories.append(value)
            entry = self.code("category_of_abuse", value, f"{path}/{name}", name)
            words[name] = f"{entry['label']} ({value})" if entry else f"'{value}' (unknown code)"
            if entry and entry.get("theme"):
                themes.append(entry["theme"])
        initial, latest = words.get("InitialCategoryOfAbuse"), words.get("LatestCategoryOfAbuse")
        if initial and latest and initial != latest:
            described = f"initial category {initial}; latest category {latest}"
        else:
            described = f"category {initial or latest}" if (initial or latest) else ""
        return categories, themes, described, latest or ""

    def theme(self, table: str, value: str | None) -> str | None:
        entry = code_table(table).get((value or "").strip().upper())
        return entry.get("theme") if entry else None

    def previous_plans(self, block: XmlNode, path: str) -> int | None:
        text = block.value("NumberOfPreviousCPP")
        if not text:
            return None
        if text.isdigit() and text.isascii():
            return int(text)
        self.warn(
            f"{path}/NumberOfPreviousCPP",
            "NumberOfPreviousCPP",
            f"'{text}' is not a whole number of previous plans; kept as written",
        )
        return None

    def pre_proceedings(self, block: XmlNode, path: str, episode: dict[str, str]) -> None:
        """2025-26: each date in the block is a pre-proceedings or family group decision making event."""
        attributes = {**episode, **block.flatten()}
        for node, node_path in _walk(block, path):
            if node is block or not node.is_leaf or not node.text.strip():
                continue
            if xs_date_text(node.text) or _looks_like_date(node.name):
                summary = f"Pre-proceedings / family group decision making: {humanise(node.name)}"
                self.event(node, node_path, "pre_proceedings", summary, attributes, what=humanise(node.name))

    def death(self, identifiers: XmlNode) -> None:
        node = identifiers.child("PersonDeathDate")
        if node is None or not node.text.strip():
            return
        self.event(
            node,
            f"{self.path}/ChildIdentifiers/PersonDeathDate",
            "death",
            "Death of the child recorded",
            {},
            what="date of death",
            significant=True,
        )


def labels_of(table: str, values: list[str]) -> list[str]:
    """The vocabulary keys of the codes in ``values`` that the list holds (unknown ones are warned about
    where they are read)."""
    entries = (code_table(table).get(value.strip().upper()) for value in values)
    return [entry_label(entry) for entry in entries if entry is not None]


def _first(block: XmlNode, names: tuple[str, ...]) -> str | None:
    return next((value for name in names if (value := block.value(name))), None)


def _sibling(path: str, name: str) -> str:
    """The path of another element in the same block."""
    return f"{path.rsplit('/', 1)[0]}/{name}"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def _looks_like_date(name: str) -> bool:
    return name.lower().endswith("date")


def read_header(node: XmlNode, path: str, file_name: str) -> tuple[Census, list[ImportItem]]:
    """The census year from ``CollectionDetails`` (Year, ReferenceDate) and the LA from ``Source``."""
    census = Census()
    items: list[ImportItem] = []
    details = node.child("CollectionDetails")
    source = node.child("Source")
    if source is not None:
        census.lea = source.value("LEA") or None
    if details is None:
        items.append(
            ImportWarning(
                file_name,
                None,
                "CollectionDetails",
                "the Header has no CollectionDetails, so the census year this file covers is unknown",
                path,
            )
        )
        return census, items
    collection = details.value("Collection")
    if collection and collection.strip().upper() != "CIN":
        raise ImportFileError(
            f"{file_name} is a '{collection}' collection, not a CIN census return ({path}/CollectionDetails/Collection)"
        )
    year = _year(details.value("Year"))
    reference = _iso(details.value("ReferenceDate"))
    base = f"{path}/CollectionDetails"
    if details.value("ReferenceDate") and reference is None:
        items.append(
            ImportWarning(
                file_name,
                None,
                "ReferenceDate",
                f"the census reference date '{details.value('ReferenceDate')}' could not be read",
                f"{base}/ReferenceDate",
            )
        )
    end = reference or (dt.date(year, 3, 31) if year else None)
    if end is None:
        items.append(
            ImportWarning(
                file_name,
                None,
                "ReferenceDate",
                "the Header gives neither the census Year nor its ReferenceDate, so the period this file covers is unknown",
                base,
            )
        )
        return census, items
    if reference and (reference.month, reference.day) != (3, 31):
        items.append(
            ImportWarning(
                file_name,
                None,
                "ReferenceDate",
                f"the census reference date {reference.isoformat()} is not 31 March, the end of a census year; the year ending on it is taken as the period covered",
                f"{base}/ReferenceDate",
            )
        )
    if year and reference and year != reference.year:
        items.append(
            ImportWarning(
                file_name,
                None,
                "Year",
                f"the Header's Year {year} does not match its ReferenceDate {reference.isoformat()}; the reference date is used",
                f"{base}/Year",
            )
        )
    start = _year_before(end)
    census.start, census.end = start, end
    census.year_label = f"{start.year}-{end.year % 100:02d}"
    basis = f"CIN census {census.year_label} return (year ending {end.isoformat()})"
    if census.lea:
        basis += f", local authority {census.lea}"
    items.append(Coverage(AGENCY, start, end, basis, open_before=True, stated=True))
    return census, items


def _year(text: str | None) -> int | None:
    if text and text.strip().isdigit() and len(text.strip()) == 4:
        return int(text.strip())
    return None


def _iso(text: str | None) -> dt.date | None:
    part = xs_date_text(text) if text else None
    if part is None:
        return None
    try:
        return dt.date.fromisoformat(part)
    except ValueError:
        return None


def _year_before(end: dt.date) -> dt.date:
    """The first day of the year that ends on ``end`` (1 April for a 31 March reference date)."""
    try:
        return end.replace(year=end.year - 1) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        return end.replace(year=end.year - 1, day=28) + dt.timedelta(days=1)


@register
class CinCensusImporter(Importer):
    """Reads a DfE Children in Need census return (XML)."""

    name: ClassVar[str] = "cin-census"
    description: ClassVar[str] = (
        "DfE Children in Need census return (XML, Message/Children/Child), any year from 2017-18"
    )

    @classmethod
    def can_read(cls, path: Path) -> bool:
        """An .xml file whose root is <Message> with a CIN collection or CIN census elements."""
        if not is_xml_file(path):
            return False
        found = sniff(path)
        if found.root != "Message":
            return False
        if "Collection" in found.texts:
            return found.texts["Collection"].upper() == "CIN"
        return bool(found.names & {"CINdetails", "ChildIdentifiers", "LAchildID", "CINreferralDate"})

    def estimate_rows(self, path: Path) -> int | None:
        return count_elements(path, "Child")

    @classmethod
    def refusal(cls, path: Path) -> str | None:
        """A DfE <Message> return of another collection (School Census, ...): name the collection."""
        if not is_xml_file(path):
            return None
        found = sniff(path)
        collection = found.texts.get("Collection", "")
        if found.root == "Message" and collection and collection.upper() != "CIN":
            return (
                f"{path.name} is a DfE '{collection}' collection return, not a Children in Need census "
                "return (Collection CIN): of the DfE XML returns this tool reads the CIN census and the CTF"
            )
        return None

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        file = _File(path.name)
        children = 0
        for item in format_records(path, options.max_bytes, FORMAT):
            if isinstance(item, ImportWarning):
                yield item
            elif item.pattern == HEADER:
                file.census, header_items = read_header(item.node, item.path, file.name)
                yield from header_items
            elif item.pattern == CHILD:
                children += 1
                yield from _Child(file, item.node, item.path).convert()
            else:
                yield self._unexpected(file.name, item)
        if children == 0:
            yield ImportWarning(
                file.name,
                None,
                "Child",
                "the file has no Message/Children/Child elements: nothing imported",
                "Message/Children",
            )

    @staticmethod
    def _unexpected(file_name: str, item: XmlRecord) -> ImportWarning:
        values = item.node.flatten() or (
            {item.node.name: item.node.text.strip()} if item.node.text.strip() else {}
        )
        shown = "; ".join(f"{key}={value}" for key, value in list(values.items())[:5])
        return ImportWarning(
            file_name,
            None,
            item.node.name,
            f"<{item.node.name}> (line {item.node.line}) is not part of a CIN census return and was not imported"
            + (f" (it holds: {shorten(shown, 120)})" if shown else ""),
            item.path,
        )
