"""The CIN census importer, on the public sample returns and on small returns built here.

Expected counts come from reading the files in the test (a plain ElementTree parse of the public
samples), never from the importer's own output.
"""

from __future__ import annotations

import datetime as dt
import random
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importers
from chronology.events import (
    CanonicalEvent,
    Coverage,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRecord,
    RejectedRow,
)
from chronology.identifiers import make_upn, upn_problem
from chronology.vocabulary import event_types, themes
from importers.base import ImportOptions, detect
from importers.cin_census import CinCensusImporter, codes
from tests.conftest import SAMPLES
from tests.helpers import damaged, import_file, import_twice
from tests.helpers import events_of as events
from tests.helpers import warnings_of as warnings

CIN = SAMPLES / "social-care"
ONE_CHILD = CIN / "cin-census-2022-one-child.xml"
WITH_ERRORS = CIN / "cin-census-2024-with-errors.xml"
FAKE_332 = CIN / "fake-cin-census-332-children.xml"

EVENT_ELEMENTS = {
    "CINreferralDate": "referral",
    "CINclosureDate": "case_closure",
    "DateOfInitialCPC": "initial_cp_conference",
    "AssessmentActualStartDate": "assessment",
    "AssessmentAuthorisationDate": "assessment",
    "CINPlanStartDate": "cin_plan_start",
    "CINPlanEndDate": "cin_plan_end",
    "S47ActualStartDate": "section_47",
    "CPPstartDate": "cp_plan_start",
    "CPPendDate": "cp_plan_end",
    "CPPreviewDate": "review_cp_conference",
    "PersonDeathDate": "death",
}


def read(path: Path) -> list[ImportItem]:
    return list(CinCensusImporter().read(path, ImportOptions()))


def expected_keys(path: Path) -> list[tuple[str, str]]:
    """(record ID, event type) for every date element with a value, found by a plain parse."""
    found = []
    for child in ET.parse(path).getroot().iter("Child"):
        la_id = (child.findtext("ChildIdentifiers/LAchildID") or "").strip()
        for element in child.iter():
            text = (element.text or "").strip()
            if element.tag in EVENT_ELEMENTS and text:
                found.append((f"{la_id}/{element.tag}/{text}", EVENT_ELEMENTS[element.tag]))
    return found


# --- building returns -------------------------------------------------------------------


def header(year: int = 2023, reference: str | None = None) -> str:
    reference = reference or f"{year}-03-31"
    return (
        "<Header><CollectionDetails><Collection>CIN</Collection>"
        f"<Year>{year}</Year><ReferenceDate>{reference}</ReferenceDate></CollectionDetails>"
        "<Source><SourceLevel>L</SourceLevel><LEA>999</LEA><SoftwareCode>Test</SoftwareCode>"
        "<Release>1</Release><SerialNo>001</SerialNo><DateTime>2023-05-01T09:00:00</DateTime></Source></Header>"
    )


def child(
    la_id: str = "LA0001",
    details: str = "",
    *,
    sex: str = "<Sex>F</Sex>",
    upn: str | None = None,
    extra_identifiers: str = "",
) -> str:
    upn_element = f"<UPN>{upn}</UPN>" if upn else "<UPNunknown>UN1</UPNunknown>"
    return (
        f"<Child><ChildIdentifiers><LAchildID>{la_id}</LAchildID>{upn_element}"
        f"<PersonBirthDate>2015-06-01</PersonBirthDate>{sex}{extra_identifiers}</ChildIdentifiers>"
        "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>"
        f"{details}</Child>"
    )


def details(body: str, referral: str = "2022-05-03", source: str = "6", need: str = "N1") -> str:
    return (
        f"<CINdetails><CINreferralDate>{referral}</CINreferralDate><ReferralSource>{source}</ReferralSource>"
        f"<PrimaryNeedCode>{need}</PrimaryNeedCode>{body}<ReferralNFA>false</ReferralNFA></CINdetails>"
    )


def cp_plan(start: str, end: str = "", previous: str = "0", reviews: tuple[str, ...] = ()) -> str:
    end_element = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    review_elements = "".join(f"<CPPreviewDate>{date}</CPPreviewDate>" for date in reviews)
    return (
        f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{end_element}"
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>"
        f"<NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>"
        + (f"<Reviews>{review_elements}</Reviews>" if reviews else "")
        + "</ChildProtectionPlans>"
    )


def census(
    tmp_path: Path, *children: str, year: int = 2023, name: str = "return.xml", head: str | None = None
) -> Path:
    path = tmp_path / name
    body = head if head is not None else header(year)
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Message>{body}<Children>{"".join(children)}</Children></Message>\n'
    )
    return path


# --- the public samples -------------------------------------------------------------------


def test_one_child_sample_every_block_becomes_events() -> None:
    items = read(ONE_CHILD)
    found = events(items)
    expected = expected_keys(ONE_CHILD)
    assert (
        len(expected) == 13
    )  # counted by hand too: referral, closure, 2 ICPC, 2 assessment, 2 CIN plan, s47, CPP start/end, 1 review, death
    assert sorted((e.provenance.source_record_id, e.event_type) for e in found) == sorted(expected)
    by_id = {e.provenance.source_record_id: e for e in found}
    plan = by_id["DfEX0000001/CPPstartDate/1970-02-17"]
    assert plan.date == PartialDate(1970, 2, 17)
    assert plan.summary == "Child protection plan started: category Physical abuse (PHY); 10 previous plans"
    assert plan.categories == ["PHY"] and plan.themes == ["physical_abuse"]
    assert (
        plan.provenance.path == "Message/Children/Child[1]/CINdetails[1]/ChildProtectionPlans[1]/CPPstartDate"
    )
    assert plan.provenance.source_system == "cin-census" and plan.provenance.file == ONE_CHILD.name
    assert plan.attributes["NumberOfPreviousCPP"] == "10" and plan.persons == []
    assessment = by_id["DfEX0000001/AssessmentAuthorisationDate/1971-07-18"]
    assert assessment.categories == ["2A", "2B"] and assessment.themes == ["parental_substance_misuse"]
    assert "2B drug misuse by a parent or carer" in assessment.summary
    referral = by_id["DfEX0000001/CINreferralDate/1970-10-06"]
    assert referral.categories == ["1A", "N4"]
    assert referral.attributes["referral_agency"] == "Individual (family member, relative or carer)"
    review = by_id["DfEX0000001/CPPreviewDate/1971-02-15"]
    assert review.provenance.path.endswith("ChildProtectionPlans[1]/Reviews/CPPreviewDate")
    assert by_id["DfEX0000001/PersonDeathDate/1980-10-08"].significant
    assert {e.agency for e in found} == {"Children's social care"}
    subject = plan.subject
    assert subject.dob == PartialDate(1966, 3, 24) and subject.sex == "M"
    kinds = {(i.kind, i.value) for i in subject.identifiers}
    assert kinds == {
        (IdentifierKind.LA_CHILD_ID, "DfEX0000001"),
        (IdentifierKind.UPN, "A123456789123"),
        (IdentifierKind.FORMER_UPN, "X98765432123B"),
    }
    assert plan.attributes["Ethnicity"] == "WBRI"
    assert plan.attributes["Disabilities/Disability"] == "HAND; HEAR"
    assert (
        plan.attributes["UPNunknown"] == "UN3" and plan.attributes["ExpectedPersonBirthDate"] == "1966-03-22"
    )
    (coverage,) = [item for item in items if isinstance(item, Coverage)]
    assert (coverage.start, coverage.end) == (dt.date(2021, 4, 1), dt.date(2022, 3, 31))
    assert coverage.agency == "Children's social care" and "2021-22" in coverage.basis


def test_one_child_sample_invalid_upns_are_kept_with_warnings() -> None:
    upn_warnings = [w for w in warnings(read(ONE_CHILD)) if w.field in {"UPN", "FormerUPN"}]
    assert [(w.field, w.path) for w in upn_warnings] == [
        ("UPN", "Message/Children/Child[1]/ChildIdentifiers/UPN"),
        ("FormerUPN", "Message/Children/Child[1]/ChildIdentifiers/FormerUPN"),
    ]
    assert upn_warnings[0].message == (
        f"UPN 'A123456789123' is not valid: {upn_problem('A123456789123')}; kept, but never used to match records"
    )


def test_errors_sample_reports_each_problem_at_its_path_and_imports_the_rest() -> None:
    items = read(WITH_ERRORS)
    found = events(items)
    expected = expected_keys(WITH_ERRORS)
    assert sorted(e.provenance.source_record_id for e in found) == sorted(key for key, _ in expected)
    notes = {(w.path, w.field): w.message for w in warnings(items)}
    child1 = "Message/Children/Child[1]"
    stray = notes[(f"{child1}/ChildIdentifiers", "UPNunknown")]
    assert stray.startswith("stray text 'PersonBirthDate' inside <ChildIdentifiers> after <UPNunknown>")
    factor = notes[
        (
            f"{child1}/CINdetails[1]/Assessments[1]/FactorsIdentifiedAtAssessment/AssessmentFactors[2]",
            "AssessmentFactors",
        )
    ]
    assert factor == (
        "unknown code 'RB' in AssessmentFactors: it is not in the CIN census code list; it is kept as written"
    )
    start_path = f"{child1}/CINdetails[1]/Assessments[1]/AssessmentActualStartDate"
    assert (
        "2028-04-28" in notes[(start_path, "AssessmentActualStartDate")]
    )  # future, or after the reference date
    completed = next(
        e for e in found if e.provenance.source_record_id.endswith("AssessmentAuthorisationDate/2020-09-19")
    )
    assert completed.categories == ["1C", "RB", "6B"]  # the unknown code is kept verbatim
    assert "RB (unknown code)" in completed.summary
    late = notes[("Message/Children/Child[2]/CINdetails[1]/CINreferralDate", "CINreferralDate")]
    assert late == "the referral date 2024-10-24 is after the census reference date 2024-03-31; check it"
    assert (
        "Year 2023 does not match its ReferenceDate 2024-03-31"
        in notes[("Message/Header/CollectionDetails/Year", "Year")]
    )
    (coverage,) = [item for item in items if isinstance(item, Coverage)]
    assert (coverage.start, coverage.end) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    sexes = {e.subject.identifiers[0].value: e.subject.sex for e in found}
    assert sexes == {"DfEX0000001": "M", "child_fails_assessments": "M"}  # numeric 1 and letter M


def test_fake_332_children_counts_and_upn_warnings() -> None:
    root = ET.parse(FAKE_332).getroot()
    children = root.findall("Children/Child")
    assert len(children) == 332
    upns = [(c.findtext("ChildIdentifiers/UPN") or "").strip() for c in children]
    failing = sum(1 for upn in upns if upn and upn_problem(upn))
    items = read(FAKE_332)
    upn_warnings = [w for w in warnings(items) if w.field == "UPN"]
    assert len(upn_warnings) == failing and failing > 166  # "most" fail the check letter
    found = events(items)
    expected = expected_keys(FAKE_332)
    assert len(found) == len(expected)
    assert Counter(e.provenance.source_record_id for e in found) == Counter(key for key, _ in expected)
    assert Counter(e.event_type for e in found) == Counter(kind for _, kind in expected)
    assert {e.subject.identifiers[0].value for e in found} == {
        (c.findtext("ChildIdentifiers/LAchildID") or "").strip() for c in children
    }
    assert not [item for item in items if isinstance(item, RejectedRow)]
    assert CinCensusImporter().estimate_rows(FAKE_332) == 332


def test_samples_are_detected_and_other_files_are_not(tmp_path: Path) -> None:
    for sample in (ONE_CHILD, WITH_ERRORS, FAKE_332):
        assert CinCensusImporter.can_read(sample)
        assert detect(sample) is CinCensusImporter
    assert importers.get("cin-census") is CinCensusImporter
    school = tmp_path / "school.xml"
    school.write_text(
        "<Message><Header><CollectionDetails><Collection>SCHOOL CENSUS SPR</Collection></CollectionDetails></Header></Message>"
    )
    ctf = tmp_path / "ctf.xml"
    ctf.write_text("<CTfile><Header/></CTfile>")
    csv = tmp_path / "cin.csv"
    csv.write_text("LAchildID,CINreferralDate\n")
    assert not any(CinCensusImporter.can_read(p) for p in (school, ctf, csv, tmp_path / "none.xml"))
    with pytest.raises(
        ImportFileError, match=r"school.xml is a 'SCHOOL CENSUS SPR' collection, not a CIN census return"
    ):
        read(school)
    with pytest.raises(
        ImportFileError, match=r"ctf.xml is not a CIN census return .*first element is <CTfile>"
    ):
        read(ctf)


# --- returns built here -------------------------------------------------------------------


def test_sex_codes_of_every_era_and_no_previous_plans(tmp_path: Path) -> None:
    plan = details(cp_plan("2022-06-01", previous="0"))
    path = census(
        tmp_path,
        child("G1", plan, sex="<GenderCurrent>2</GenderCurrent>"),
        child("S1", plan, sex="<Sex>M</Sex>"),
        child("S2", plan, sex="<Sex>2</Sex>"),
        child("S3", plan, sex="<Sex>U</Sex>"),
        child("S4", plan, sex="<Sex>X</Sex>"),
    )
    items = read(path)
    sexes = {e.subject.identifiers[0].value: e.subject.sex for e in events(items)}
    assert sexes == {"G1": "F", "S1": "M", "S2": "F", "S3": None, "S4": None}
    assert any(w.field == "Sex" and "'X' in Sex is not a code" in w.message for w in warnings(items))
    start = next(e for e in events(items) if e.event_type == "cp_plan_start")
    assert start.summary == (
        "Child protection plan started: initial category Neglect (NEG); latest category Emotional abuse (EMO); "
        "no previous plans"
    )
    assert start.categories == ["NEG", "EMO"] and start.themes == ["neglect", "emotional_abuse"]


def test_referral_source_names_the_agency_that_raised_the_concern(tmp_path: Path) -> None:
    path = census(
        tmp_path, child("R1", details("", source="6", need="N2")), child("R2", details("", source="3E"))
    )
    by_child = {e.subject.identifiers[0].value: e for e in events(read(path))}
    police = by_child["R1"]
    assert police.summary == (
        "Referral to children's social care from Police (referral source 6); primary need: Child's disability (N2)"
    )
    assert police.attributes["referral_agency"] == "Police" and police.themes == ["disability"]
    assert by_child["R2"].attributes["referral_agency_group"] == "Health"


def test_referral_source_gives_the_referring_agency_the_analysis_counts(tmp_path: Path) -> None:
    """Police, schools and health services name the top-level agency; an unknown source names none."""
    sources = {"R1": "6", "R2": "2A", "R3": "2b", "R4": "3E", "R5": "5D", "R6": "10", "R7": "77"}
    path = census(tmp_path, *(child(la, details("", source=code)) for la, code in sources.items()))
    items = read(path)
    by_child = {e.subject.identifiers[0].value: e for e in events(items) if e.event_type == "referral"}
    agencies = {la: event.referring_agency for la, event in by_child.items()}
    assert agencies == {
        "R1": "Police",
        "R2": "Education",
        "R3": "Education",
        "R4": "Health",
        "R5": "Early help",
        "R6": None,
        "R7": None,
    }
    assert by_child["R1"].labels == ["police", "abuse neglect"]
    assert by_child["R2"].labels[0] == "school"
    unknown = [w for w in warnings(items) if w.field == "ReferralSource"]
    assert len(unknown) == 1 and "'77'" in unknown[0].message
    assert unknown[0].path.endswith("CINdetails[1]/ReferralSource") and unknown[0].file == path.name
    assert by_child["R7"].event_type == "referral" and by_child["R7"].categories[0] == "77"


def test_codes_match_in_any_case_and_label_their_events(tmp_path: Path) -> None:
    body = (
        cp_plan("2022-06-01", end="2022-09-01").replace("NEG", "neg")
        + "<Assessments><AssessmentActualStartDate>2022-05-04</AssessmentActualStartDate>"
        "<AssessmentAuthorisationDate>2022-05-20</AssessmentAuthorisationDate>"
        "<FactorsIdentifiedAtAssessment><AssessmentFactors>3a</AssessmentFactors>"
        "<AssessmentFactors>ZZ</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>"
    )
    path = census(tmp_path, child("L1", details(body, need="n1")))
    items = read(path)
    by_type = {e.event_type: e for e in events(items)}
    assert by_type["cp_plan_start"].themes == ["neglect", "emotional_abuse"]
    assert by_type["cp_plan_start"].labels == ["neglect", "abuse emotional"]
    assert by_type["cp_plan_end"].labels == ["abuse emotional"]
    completed = next(e for e in events(items) if e.summary.startswith("Assessment completed"))
    assert completed.themes == ["domestic_abuse"] and completed.categories == ["3a", "ZZ"]
    assert completed.labels == ["child domestic is subject violence"]
    assert by_type["referral"].labels == ["police", "abuse neglect"]
    unknown = [w for w in warnings(items) if "'ZZ'" in w.message]
    assert len(unknown) == 1 and unknown[0].field == "AssessmentFactors"
    assert "FactorsIdentifiedAtAssessment/AssessmentFactors" in (unknown[0].path or "")
    assert not [w for w in warnings(items) if "'neg'" in w.message or "'3a'" in w.message]


def test_open_episode_in_two_returns_is_one_event_each(tmp_path: Path, engine) -> None:
    first = census(
        tmp_path,
        child("LA7", details(cp_plan("2022-02-17", reviews=("2022-03-01",)), referral="2022-01-10")),
        year=2022,
        name="cin_2021_22.xml",
    )
    second = census(
        tmp_path,
        child(
            "LA7",
            details(
                cp_plan("2022-02-17", end="2022-09-30", reviews=("2022-03-01", "2022-06-01")),
                referral="2022-01-10",
            ),
        ),
        year=2023,
        name="cin_2022_23.xml",
    )
    keys_first = {e.provenance.source_record_id for e in events(read(first))}
    keys_second = {e.provenance.source_record_id for e in events(read(second))}
    assert "LA7/CPPstartDate/2022-02-17" in keys_first & keys_second
    assert keys_second - keys_first == {"LA7/CPPendDate/2022-09-30", "LA7/CPPreviewDate/2022-06-01"}
    report1 = import_file(engine, read(first), first.name, "cin-census")
    report2 = import_file(engine, read(second), second.name, "cin-census")
    assert report1.adds_up() and report2.adds_up()
    assert report1.events_imported == len(keys_first)
    assert (report2.events_imported, report2.duplicates_skipped) == (2, len(keys_first))


def test_pre_proceedings_block_2025_26(tmp_path: Path) -> None:
    # Illustrative element names: each date in the block is an event, other values attributes.
    block = (
        "<PreProceedingsandFGDM><PreProceedingsStartDate>2025-05-01</PreProceedingsStartDate>"
        "<FGDMOffered>true</FGDMOffered><FGDMDate>2025-05-20</FGDMDate></PreProceedingsandFGDM>"
    )
    path = census(tmp_path, child("PP1", details(block, referral="2025-04-02")), year=2026)
    found = [e for e in events(read(path)) if e.event_type == "pre_proceedings"]
    assert [(e.provenance.source_record_id, e.summary) for e in found] == [
        (
            "PP1/PreProceedingsStartDate/2025-05-01",
            "Pre-proceedings / family group decision making: pre proceedings start date",
        ),
        ("PP1/FGDMDate/2025-05-20", "Pre-proceedings / family group decision making: fgdm date"),
    ]
    assert found[0].attributes["FGDMOffered"] == "true"
    assert (
        found[0].provenance.path
        == "Message/Children/Child[1]/CINdetails[1]/PreProceedingsandFGDM/PreProceedingsStartDate"
    )
    no_date = census(
        tmp_path,
        child(
            "PP2", details("<PreProceedingsandFGDM><FGDMOffered>false</FGDMOffered></PreProceedingsandFGDM>")
        ),
        name="nodate.xml",
    )
    (rejected,) = [item for item in read(no_date) if isinstance(item, RejectedRow)]
    assert rejected.path == "Message/Children/Child[1]/CINdetails[1]/PreProceedingsandFGDM"
    assert rejected.raw == {"CINreferralDate": "2022-05-03", "FGDMOffered": "false"}
    assert "holds no date" in rejected.reason


def test_impossible_and_blank_dates_make_undated_events_with_path(tmp_path: Path) -> None:
    body = (
        "<Assessments><AssessmentActualStartDate>2021-02-30</AssessmentActualStartDate></Assessments>"
        + cp_plan("")
    )
    path = census(tmp_path, child("D1", details(body)))
    items = read(path)
    undated = {e.provenance.source_record_id: e for e in events(items) if e.date is None}
    assert set(undated) == {
        "D1/AssessmentActualStartDate/2021-02-30",
        "D1/CPPstartDate/(blank at Message/Children/Child[1]/CINdetails[1]/ChildProtectionPlans[1]/CPPstartDate)",
    }
    assert undated["D1/AssessmentActualStartDate/2021-02-30"].date_text == "2021-02-30"
    notes = {w.path: w.message for w in warnings(items)}
    assert notes["Message/Children/Child[1]/CINdetails[1]/Assessments[1]/AssessmentActualStartDate"] == (
        "the assessment start date (AssessmentActualStartDate) could not be read: '2021-02-30' is not a real "
        "date: February has 28 days; the event is kept as an undated event"
    )
    assert (
        "is blank; the event is kept as an undated event"
        in notes["Message/Children/Child[1]/CINdetails[1]/ChildProtectionPlans[1]/CPPstartDate"]
    )


def test_dates_out_of_order_are_warned(tmp_path: Path) -> None:
    body = cp_plan("2022-06-01", end="2022-05-01") + (
        "<Assessments><AssessmentActualStartDate>2022-06-01</AssessmentActualStartDate>"
        "<AssessmentAuthorisationDate>2022-05-01</AssessmentAuthorisationDate></Assessments>"
    )
    messages = [w.message for w in warnings(read(census(tmp_path, child("O1", details(body)))))]
    assert (
        "the child protection plan ends before it started (2022-05-01 is before 2022-06-01); check the dates"
        in messages
    )
    assert (
        "the assessment is authorised before it started (2022-05-01 is before 2022-06-01); check the dates"
        in messages
    )


def test_child_without_la_child_id_is_rejected_with_reason(tmp_path: Path) -> None:
    path = census(tmp_path, child("", details(cp_plan("2022-06-01"))), child("OK1", details("")))
    items = read(path)
    (rejected,) = [item for item in items if isinstance(item, RejectedRow)]
    assert rejected.field == "LAchildID" and rejected.path == "Message/Children/Child[1]/ChildIdentifiers"
    assert rejected.reason.startswith("the child has no LAchildID, so none of its 3 dates can be imported")
    assert [e.subject.identifiers[0].value for e in events(items)] == ["OK1"]


def test_unknown_elements_are_kept_and_reported_once(tmp_path: Path) -> None:
    extra = "<Assessments><AssessmentActualStartDate>2022-06-01</AssessmentActualStartDate><Outcome>NFA</Outcome></Assessments>"
    path = census(tmp_path, child("U1", details(extra)), child("U2", details(extra)))
    items = read(path)
    reported = [w for w in warnings(items) if w.field == "Outcome"]
    assert len(reported) == 1
    assert reported[0].path == "Message/Children/Child[1]/CINdetails[1]/Assessments[1]/Outcome"
    assessments = [e for e in events(items) if e.event_type == "assessment"]
    assert [e.attributes["Outcome"] for e in assessments] == ["NFA", "NFA"]


def test_unknown_codes_are_kept_with_warnings(tmp_path: Path) -> None:
    path = census(
        tmp_path,
        child(
            "C1",
            details(
                "<CINclosureDate>2022-07-01</CINclosureDate><ReasonForClosure>RC99</ReasonForClosure>",
                source="77",
            ),
        ),
    )
    items = read(path)
    referral = next(e for e in events(items) if e.event_type == "referral")
    assert referral.categories == ["77", "N1"]
    closure = next(e for e in events(items) if e.event_type == "case_closure")
    assert closure.summary == "Case closed: reason 'RC99'" and closure.categories == ["RC99"]
    assert {w.field for w in warnings(items) if "unknown code" in w.message} == {
        "ReferralSource",
        "ReasonForClosure",
    }


def test_missing_header_warns_and_gives_no_coverage(tmp_path: Path) -> None:
    path = census(tmp_path, child("H1", details("")), head="")
    items = read(path)
    assert not [item for item in items if isinstance(item, Coverage)]
    assert len(events(items)) == 1
    header_only = census(tmp_path, head="<Header/>", name="nochildren.xml")
    messages = [w.message for w in warnings(read(header_only))]
    assert "the file has no Message/Children/Child elements: nothing imported" in messages


def test_child_with_no_cin_details_is_a_person_record(tmp_path: Path) -> None:
    items = read(census(tmp_path, child("P1", "")))
    (record,) = [item for item in items if isinstance(item, PersonRecord)]
    assert record.person.identifiers[0].value == "P1"
    assert any(w.field == "CINdetails" for w in warnings(items))
    empty = "<CINdetails><ReferralSource>6</ReferralSource><ReferralNFA>true</ReferralNFA></CINdetails>"
    items = read(census(tmp_path, child("P2", empty), name="empty.xml"))
    (rejected,) = [item for item in items if isinstance(item, RejectedRow)]
    assert rejected.path == "Message/Children/Child[1]/CINdetails[1]"
    assert rejected.raw == {"ReferralSource": "6", "ReferralNFA": "true"}
    assert rejected.reason == "this CIN details block holds no dates, so no event could be made from it"


def test_namespaced_return_reads_the_same(tmp_path: Path) -> None:
    plain = census(tmp_path, child("N1", details(cp_plan("2022-06-01"))), name="plain.xml")
    text = plain.read_text().replace("<Message>", '<Message xmlns="urn:example:cin">', 1)
    spaced = tmp_path / "spaced.xml"
    spaced.write_text(text)
    key = [(e.provenance.source_record_id, e.summary) for e in events(read(plain))]
    assert key == [(e.provenance.source_record_id, e.summary) for e in events(read(spaced))]


def test_entity_attacks_are_refused_and_nothing_leaks(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-LINE")
    for name, doctype, use in (
        ("laughs.xml", '<!DOCTYPE Message [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>', "&b;"),
        ("xxe.xml", f'<!DOCTYPE Message [<!ENTITY x SYSTEM "{secret.as_uri()}">]>', "&x;"),
    ):
        path = tmp_path / name
        path.write_text(
            f'<?xml version="1.0"?>{doctype}<Message>{header()}<Children>{child(use, details(""))}</Children></Message>'
        )
        seen: list[ImportItem] = []
        with pytest.raises(ImportFileError, match=rf"^{name}, line 1: the file declares an XML entity"):
            seen.extend(CinCensusImporter().read(path, ImportOptions()))
        assert seen == []


def test_code_lists_use_only_known_themes() -> None:
    known = set(themes())
    for table, entries in codes().items():
        for code, entry in entries.items():
            assert entry.get("theme", "") in known | {""}, (table, code)
    assert {"referral", "pre_proceedings", "review_cp_conference"} <= set(event_types())
    assert codes()["assessment_factors"]["3B"]["theme"] == "domestic_abuse"
    assert codes()["referral_source"]["6"]["agency"] == "Police"


# --- robustness ---------------------------------------------------------------------------

_VALID = (
    f'<?xml version="1.0"?><Message>{header()}<Children>'
    + child(
        "M1",
        details(cp_plan("2022-06-01", end="2022-09-01", reviews=("2022-07-01",))),
        upn=make_upn(random.Random(7)),
    )
    + "</Children></Message>"
).encode()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    action=st.sampled_from(["insert", "delete", "replace", "truncate"]),
)
def test_mutated_returns_give_items_or_a_file_error(tmp_path: Path, data: st.DataObject, action: str) -> None:
    position = data.draw(st.integers(0, len(_VALID) - 1))
    byte = data.draw(st.binary(min_size=1, max_size=3))
    path = tmp_path / "mutated.xml"
    path.write_bytes(damaged(_VALID, [(action, position, byte)]))
    try:
        items = list(CinCensusImporter().read(path, ImportOptions()))
    except ImportFileError as exc:
        assert "mutated.xml" in str(exc)
        return
    for item in items:
        assert isinstance(item, CanonicalEvent | ImportWarning | RejectedRow | Coverage | PersonRecord)


def test_sample_through_the_store_and_again(engine) -> None:
    report, again = import_twice(engine, read, ONE_CHILD, "cin-census")
    assert report.status == "completed" and report.adds_up()
    keys = {key for key, _ in expected_keys(ONE_CHILD)}
    assert report.events_imported == len(keys) == 13
    # the two the file's rows give, and one for its data-held period: a 2021-22 return whose events are
    # all from 1970-80 holds nothing for the year it declares (issue 14)
    assert report.warnings == 3 and report.rows_rejected == 0
    [held] = [issue for issue in report.first_issues if "data held" in issue]
    assert "none of its 13 dated event(s) falls in the period the file declares (2021-04-01 to 2022-03-31" in held
    assert "1970-" in held and "no data-held period is recorded" in held
    assert again.adds_up() and again.events_imported == 0 and again.duplicates_skipped == len(keys)


def test_block_without_any_date_is_rejected_with_its_values(tmp_path: Path) -> None:
    block = (
        "<Section47><InitialCPCtarget></InitialCPCtarget><ICPCnotRequired>true</ICPCnotRequired></Section47>"
    )
    items = read(census(tmp_path, child("B1", details(block))))
    (rejected,) = [item for item in items if isinstance(item, RejectedRow)]
    assert rejected.path == "Message/Children/Child[1]/CINdetails[1]/Section47[1]"
    assert rejected.field == "Section47"
    assert rejected.raw == {"CINreferralDate": "2022-05-03", "ICPCnotRequired": "true"}
    assert rejected.reason == "<Section47> holds no date, so no event could be made from it"
    assert [e.event_type for e in events(items)] == ["referral"]
