"""The agencies' native formats together, each world event written by exactly one writer.

Police, health and children's social care are carried whole by their national or published formats;
education's safeguarding log and CTF carry its safeguarding records, attendance and admissions; what
no native format carries (routine school records, probation, housing, substance misuse services)
goes on the multi-agency chronology template, as those agencies really send it.

Not here: the SSDA903 set (``ssda903_csv.py``), which would be empty while the world has no
looked-after (``LAC``) plans, and the Ofsted Annex A workbook (``annex_a_xlsx.py``), which restates
census and case-note facts under its own keys and so would store each one twice; pass
``writers=[AnnexAWriter(end=end)]`` for an inspection workbook.
"""

from __future__ import annotations

import datetime as dt

from generator.model import WorldEvent
from generator.writers.base import Writer
from generator.writers.cin_census_xml import CinCensusWriter
from generator.writers.ctf_xml import CtfWriter
from generator.writers.fhir_json import FhirWriter
from generator.writers.police_csv import PoliceCsvWriter
from generator.writers.school_log_csv import SchoolLogWriter, is_safeguarding_record
from generator.writers.social_care_csv import CaseNotesWriter, RelationshipsWriter
from generator.writers.template_csv import TemplateCsvWriter

WHOLLY_NATIVE = ("Police", "Health", "Children's Social Care")
CTF_KINDS = ("Attendance", "Admission")


def in_native_format(event: WorldEvent) -> bool:
    """True when some native writer carries this event."""
    if event.agency in WHOLLY_NATIVE:
        return True
    return event.agency == "Education" and (
        is_safeguarding_record(event) or event.labels[:1] in {(k,) for k in CTF_KINDS}
    )


def native_writers(end: dt.date) -> list[Writer]:
    """Every native writer plus the template for the rest. Conferences go in the case notes (with
    who attended), not again in the census, so each is one event."""
    return [
        CinCensusWriter(end=end, conferences=False),
        CaseNotesWriter(),
        RelationshipsWriter(),
        FhirWriter(),
        PoliceCsvWriter(),
        SchoolLogWriter(),
        CtfWriter(made=end),
        TemplateCsvWriter(include=lambda event: not in_native_format(event), always=()),
    ]
