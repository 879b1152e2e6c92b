"""Building canonical events in tests without going through a file."""

from __future__ import annotations

import datetime as dt

from chronology.events import (
    CanonicalEvent,
    Identifier,
    IdentifierKind,
    PartialDate,
    PersonRef,
    Provenance,
)

DEFAULT_DAY = PartialDate(2021, 3, 4)


def child(
    la_id: str | None = None,
    nhs: str | None = None,
    upn: str | None = None,
    name: str | None = None,
    dob: dt.date | None = None,
) -> PersonRef:
    idents = []
    if la_id:
        idents.append(Identifier(IdentifierKind.LA_CHILD_ID, la_id))
    if nhs:
        idents.append(Identifier(IdentifierKind.NHS_NUMBER, nhs))
    if upn:
        idents.append(Identifier(IdentifierKind.UPN, upn))
    return PersonRef(name=name, dob=PartialDate.from_date(dob) if dob else None, identifiers=idents)


def event(
    subject: PersonRef,
    *,
    record_id: str | None = "R1",
    when: PartialDate | None = DEFAULT_DAY,
    agency: str = "Police",
    summary: str = "Domestic incident at home",
    categories: list[str] | None = None,
    persons: list[PersonRef] | None = None,
    row: int = 2,
    file: str = "police.csv",
    system: str | None = None,
) -> CanonicalEvent:
    return CanonicalEvent(
        subject=subject,
        agency=agency,
        source=f"{agency} records",
        event_type="agency_record",
        summary=summary,
        provenance=Provenance(
            source_system=system or f"template:{agency}", file=file, row=row, source_record_id=record_id
        ),
        date=when,
        categories=categories or [],
        persons=persons or [],
    )


def one_child_two_agencies() -> tuple[CanonicalEvent, CanonicalEvent]:
    """A police and a school record of one child, joined only by the NHS number both carry (a merge a
    test can undo)."""
    nhs = "9434765919"
    police_row = event(
        child(la_id="LA9", nhs=nhs), record_id="P1", categories=["Domestic abuse"], when=PartialDate(2022, 3, 1)
    )
    school_row = event(
        child(nhs=nhs, upn="A123456789012"),
        record_id="S1",
        agency="Education",
        categories=["Domestic abuse"],
        when=PartialDate(2022, 6, 1),
        file="school.csv",
    )
    return police_row, school_row
