"""Every audit pattern on both sides of every threshold, with hand-built facts.

The dates sit exactly on each boundary: a rule whose threshold or comparison changed (``<`` for
``<=``, 24 months for 23) fails one of the pair. Tests that change a threshold show it is read from
the settings, not written in the code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from chronology.analysis.facts import POLICE, FamilyPerson, Involved
from chronology.analysis.pattern_settings import load_pattern_settings
from chronology.analysis.patterns import PATTERN_CODES, find_flags
from tests.fact_builders import ChildBuilder, day, victim_person

SETTINGS = load_pattern_settings()


def flags_of(child: ChildBuilder, code: str, settings=None):
    return [f for f in find_flags(child.build(), settings) if f.pattern == code]


def with_threshold(code: str, **changes):
    return dataclasses.replace(SETTINGS, **{code: dataclasses.replace(getattr(SETTINGS, code), **changes)})


# --- repeat plans ----------------------------------------------------------------------------------


def test_repeat_cp_plan_however_long_ago_with_evidence():
    child = ChildBuilder()
    first = child.plan("2016-05-01", "2017-01-10")
    second = child.plan("2023-02-01", "2023-12-01", previous_reported=1)  # the census agrees: one flag
    (flag,) = flags_of(child, "repeat_cp_plan")
    assert flag.events == (first.end_event_id, second.start_event_id)
    assert (flag.evidence_from, flag.evidence_to) == (day("2017-01-10"), day("2023-02-01"))
    assert "plan 2 started 2023-02-01" in flag.detail and "plan 1 ended 2017-01-10" in flag.detail


def test_one_plan_is_no_repeat_and_census_previous_plans_are():
    child = ChildBuilder()
    child.plan("2020-01-01", "2020-09-01", previous_reported=0)
    assert flags_of(child, "repeat_cp_plan") == []
    census = ChildBuilder()
    plan = census.plan("2020-01-01", "2020-09-01", previous_reported=1)
    (flag,) = flags_of(census, "repeat_cp_plan")
    assert flag.events == (plan.start_event_id,) and "NumberOfPreviousCPP" in flag.detail


def test_plans_overlapping_or_back_to_back_are_not_a_repeat():
    child = ChildBuilder()
    child.plan("2020-01-01", "2020-09-01")
    child.plan("2020-09-01", "2021-03-01")  # continues the same day: not a new plan after an ended one
    assert flags_of(child, "repeat_cp_plan") == []


@pytest.mark.parametrize(
    ("start", "fires"),
    [("2022-06-20", True), ("2022-06-21", False)],  # exactly 24 months after 2020-06-20, and a day later
)
def test_repeat_within_2_years_boundary(start, fires):
    child = ChildBuilder()
    child.plan("2019-07-13", "2020-06-20")
    child.plan(start, "2023-06-17")
    assert bool(flags_of(child, "repeat_cp_plan_within_2_years")) is fires
    assert flags_of(child, "repeat_cp_plan")  # a repeat either way


def test_repeat_within_reads_its_months_from_the_settings():
    child = ChildBuilder()
    child.plan("2019-07-13", "2020-06-20")
    child.plan("2022-06-20", "2023-06-17")
    assert (
        flags_of(
            child,
            "repeat_cp_plan_within_2_years",
            with_threshold("repeat_cp_plan_within_2_years", within_months=23),
        )
        == []
    )


@pytest.mark.parametrize(("start", "fires"), [("2021-04-30", True), ("2021-05-01", False)])
def test_short_gap_between_plans_boundary(start, fires):
    child = ChildBuilder()
    child.plan("2020-03-01", "2021-01-31")
    child.plan(start, "2022-01-01")  # 3 months after 2021-01-31 is 2021-04-30
    flags = flags_of(child, "short_gap_between_plans")
    assert bool(flags) is fires
    if fires:
        assert "89 days (3 months) after plan 1 ended 2021-01-31: within 3 months" in flags[0].detail


# --- around a plan's end --------------------------------------------------------------------------


def test_incidents_rise_after_plan_end_with_evidence():
    child = ChildBuilder()
    plan = child.plan("2020-06-01", "2021-06-30")
    a = child.police_da("2021-08-01")
    b = child.police_da("2021-12-30")  # exactly 6 months after the end
    (flag,) = flags_of(child, "incidents_rise_after_plan_end")
    assert set(flag.events) == {plan.end_event_id, a, b}
    assert (flag.evidence_from, flag.evidence_to) == (day("2021-06-30"), day("2021-12-30"))
    assert "2 DA incidents in the 6 months after" in flag.detail


@pytest.mark.parametrize(
    ("after", "before", "fires"),
    [
        (["2021-08-01", "2021-12-30"], [], True),
        (["2021-08-01", "2021-12-31"], [], False),  # the 2nd is a day past 6 months
        (["2021-08-01"], [], False),  # 1 after: the rule needs 2
        (["2021-08-01", "2021-09-01"], ["2021-03-01"], True),  # 2 after, 1 before
        (["2021-08-01", "2021-09-01"], ["2021-03-01", "2021-06-30"], False),  # not more than before
        (["2021-08-01", "2021-09-01"], ["2020-12-29", "2021-03-01"], True),  # one before is > 6 months before
    ],
)
def test_incidents_rise_boundaries(after, before, fires):
    child = ChildBuilder()
    child.plan("2020-06-01", "2021-06-30")
    for when in after + before:
        child.police_da(when)
    assert bool(flags_of(child, "incidents_rise_after_plan_end")) is fires


def test_incidents_rise_counts_one_cluster_once():
    child = ChildBuilder()
    child.plan("2020-06-01", "2021-06-30")
    child.police_da("2021-08-01", cluster="c1")
    child.encompass("2021-08-02", cluster="c1")  # the school's report of the same incident
    assert flags_of(child, "incidents_rise_after_plan_end") == []
    child.encompass("2021-10-02")  # a second, separate incident
    assert flags_of(child, "incidents_rise_after_plan_end")


def test_rules_about_a_plans_end_do_not_apply_to_an_open_plan():
    child = ChildBuilder(as_of="2022-12-31")
    child.plan("2021-01-01")  # still open
    child.police_da("2022-10-01")
    child.police_da("2022-11-01")
    child.police_da("2022-12-01", dash="high")
    found = {f.pattern for f in find_flags(child.build())}
    assert not found & {"incidents_rise_after_plan_end", "plan_closed_despite_recent_incidents"}


def test_a_plan_ending_after_as_of_is_open_on_the_audit_date():
    child = ChildBuilder(as_of="2021-06-30")
    child.plan("2021-01-01", "2021-07-15")
    child.police_da("2021-06-01")
    assert flags_of(child, "plan_closed_despite_recent_incidents") == []
    child.as_of = "2021-07-31"
    assert flags_of(child, "plan_closed_despite_recent_incidents")


@pytest.mark.parametrize(("days_before", "fires"), [(89, True), (90, True), (91, False)])
def test_plan_closed_despite_recent_incidents_boundary(days_before, fires):
    child = ChildBuilder()
    plan = child.plan("2020-06-01", "2021-06-30")
    incident = child.police_da(day("2021-06-30") - dt.timedelta(days=days_before))
    flags = flags_of(child, "plan_closed_despite_recent_incidents")
    assert bool(flags) is fires
    if fires:
        assert set(flags[0].events) == {incident, plan.end_event_id}
        assert f"({days_before} days before)" in flags[0].detail


def test_plan_closed_despite_high_dash_alone():
    child = ChildBuilder()
    child.plan("2020-06-01", "2021-06-30")
    marac = child.marac("2021-05-01")  # a response, not an incident, but its DASH risk is high
    (flag,) = flags_of(child, "plan_closed_despite_recent_incidents")
    assert marac in flag.events and "high DASH risk 2021-05-01 police" in flag.detail
    low = ChildBuilder()
    low.plan("2020-06-01", "2021-06-30")
    low.event("2021-05-01", "agency_record", agency=POLICE, categories=("DASH standard",))
    assert flags_of(low, "plan_closed_despite_recent_incidents") == []


def test_plan_closed_after_a_high_risk_incident_says_it_once():
    child = ChildBuilder()
    child.plan("2020-06-01", "2021-06-30")
    child.police_da("2021-05-31", dash="high")
    (flag,) = flags_of(child, "plan_closed_despite_recent_incidents")
    assert "DA incident 2021-05-31 police (30 days before)" in flag.detail and "DASH" not in flag.detail


def test_closure_window_is_read_from_the_settings():
    child = ChildBuilder()
    child.plan("2020-06-01", "2021-06-30")
    child.police_da("2021-04-01")  # 90 days before
    assert flags_of(child, "plan_closed_despite_recent_incidents")
    narrow = with_threshold("plan_closed_despite_recent_incidents", within_days=89)
    assert flags_of(child, "plan_closed_despite_recent_incidents", narrow) == []


# --- domestic abuse over time ---------------------------------------------------------------------


def test_da_escalation_detail_and_evidence():
    child = ChildBuilder()
    a = child.police_da("2021-02-03")
    b = child.encompass("2021-05-10")
    c = child.police_da("2021-11-30")
    (flag,) = flags_of(child, "da_escalation")
    assert (
        flag.detail == "3 DA incidents in 12 months: 2021-02-03 police, 2021-05-10 school, 2021-11-30 police"
    )
    assert flag.events == (a, b, c)
    assert (flag.evidence_from, flag.evidence_to) == (day("2021-02-03"), day("2021-11-30"))


@pytest.mark.parametrize(
    ("dates", "fires"),
    [
        (["2021-02-03", "2021-06-01"], False),  # 2 incidents
        (["2021-02-03", "2021-06-01", "2022-02-03"], True),  # the 3rd exactly 12 months after the 1st
        (["2021-02-03", "2021-06-01", "2022-02-04"], False),  # a day later
    ],
)
def test_da_escalation_boundaries(dates, fires):
    child = ChildBuilder()
    for when in dates:
        child.police_da(when)
    assert bool(flags_of(child, "da_escalation")) is fires


def test_da_escalation_counts_a_cluster_once_and_ignores_non_da():
    child = ChildBuilder()
    one = child.police_da("2021-02-03", cluster="c1")
    two = child.encompass("2021-02-04", cluster="c1")
    child.police_da("2021-05-01")
    child.police_other("2021-06-01")  # a police occurrence, but not domestic abuse
    child.marac("2021-06-05")  # a response, not a DA incident
    assert flags_of(child, "da_escalation") == []
    child.police_da("2021-09-01")
    (flag,) = flags_of(child, "da_escalation")
    assert {one, two} <= set(flag.events)
    assert flag.detail.startswith("3 DA incidents in 12 months: 2021-02-03 police and school")


def test_da_escalation_merges_overlapping_windows_into_one_flag():
    child = ChildBuilder()
    for when in ["2021-01-01", "2021-05-01", "2021-09-01", "2022-03-01", "2022-07-01"]:
        child.police_da(when)
    (flag,) = flags_of(child, "da_escalation")
    assert len(flag.events) == 5 and "5 DA incidents, 3 or more within every 12 months" in flag.detail


def test_da_escalation_threshold_from_settings():
    child = ChildBuilder()
    child.police_da("2021-02-03")
    child.police_da("2021-06-01")
    assert flags_of(child, "da_escalation", with_threshold("da_escalation", min_incidents=2))


@pytest.mark.parametrize(("when", "fires"), [("2022-01-10", True), ("2022-01-11", False)])
def test_repeat_marac_boundary(when, fires):
    child = ChildBuilder()
    referral = child.marac("2021-01-10", victim="Kelly Hart")
    incident = child.police_da(when, victim="Kelly Hart")
    flags = flags_of(child, "repeat_marac")
    assert bool(flags) is fires
    if fires:
        assert flags[0].events == (referral, incident)
        assert "for Kelly Hart" in flags[0].detail


def test_repeat_marac_needs_the_same_victim_and_a_later_incident():
    child = ChildBuilder()
    child.police_da("2021-01-01", victim="Kelly Hart")  # before the referral
    child.marac("2021-01-10", victim="Kelly Hart")
    child.police_da("2021-03-01", victim="Dean Shaw")  # someone else
    assert flags_of(child, "repeat_marac") == []
    by_id = ChildBuilder()
    by_id.event(
        "2021-01-10",
        "marac_referral",
        agency=POLICE,
        categories=("MARAC referral",),
        persons=(victim_person("K. Hart", 7),),
    )
    by_id.event(
        "2021-04-01",
        "police_occurrence",
        agency=POLICE,
        themes=("domestic_abuse",),
        attributes={"domestic_abuse": "Y"},
        persons=(victim_person("Kelly Hart", 7),),
    )
    assert flags_of(by_id, "repeat_marac")  # the same joined person under two spellings


@pytest.mark.parametrize(("second", "fires"), [("2022-03-16", True), ("2022-03-17", False)])
def test_re_referral_boundary(second, fires):
    child = ChildBuilder()
    first_id = child.referral("2021-03-16")
    second_id = child.referral(second)
    flags = flags_of(child, "re_referral_within_12_months")
    assert bool(flags) is fires
    if fires:
        assert flags[0].events == (first_id, second_id)


# --- during a plan ----------------------------------------------------------------------------------


def test_father_not_in_plan_names_him_and_the_plan():
    child = ChildBuilder()
    father = child.father("Mark Cooper", 385)
    plan = child.plan("2019-03-19", "2020-07-08")
    child.core_group("2019-04-01", persons=(Involved(2, None, "mother", "mother"),))
    child.core_group("2021-01-01", persons=(father,))  # after the plan: does not count
    (flag,) = flags_of(child, "father_not_in_plan")
    assert (
        "Mark Cooper (father)" in flag.detail and "none of the 3 children's social care events" in flag.detail
    )
    assert flag.events == (plan.start_event_id, plan.end_event_id)
    assert (flag.evidence_from, flag.evidence_to) == (day("2019-03-19"), day("2020-07-08"))


@pytest.mark.parametrize(
    "seen",
    [
        Involved(385, None, "attendee", "father"),  # by joined person
        Involved(None, "Mark  cooper", "attendee", None),  # by name only
        Involved(None, None, "father", "father"),  # "father", unnamed, and he is the only one
    ],
)
def test_father_at_one_core_group_is_involved(seen):
    child = ChildBuilder()
    child.father("Mark Cooper", 385)
    child.plan("2019-03-19", "2020-07-08")
    child.core_group("2020-01-01", persons=(seen,))
    assert flags_of(child, "father_not_in_plan") == []


def test_step_father_known_only_from_an_event_and_uncles_not_counted():
    child = ChildBuilder()
    police = child.event(
        "2018-01-01",
        "police_occurrence",
        agency=POLICE,
        persons=(Involved(9, "Dean Shaw", "suspect", "mother's partner"),),
    )
    child.family.append(FamilyPerson((5,), "Ray Hart", "uncle"))
    child.plan("2019-03-19", "2020-07-08")
    (flag,) = flags_of(child, "father_not_in_plan")
    assert "Dean Shaw (mother's partner), known from police record 2018-01-01" in flag.detail
    assert police in flag.events


def test_open_plan_is_considered_up_to_as_of():
    child = ChildBuilder(as_of="2024-01-31")
    father = child.father("Mark Cooper", 385)
    child.plan("2023-06-01")
    child.core_group("2024-02-10", persons=(father,))  # after the audit date
    (flag,) = flags_of(child, "father_not_in_plan")
    assert flag.evidence_to == day("2024-01-31") and "open on 2024-01-31" in flag.detail
    child.core_group("2024-01-15", persons=(father,))
    assert flags_of(child, "father_not_in_plan") == []


@pytest.mark.parametrize(("voice_on", "fires"), [("2020-07-01", False), ("2020-06-30", True), (None, True)])
def test_child_voice_in_the_plans_last_6_months(voice_on, fires):
    child = ChildBuilder()
    plan = child.plan("2019-06-01", "2021-01-01")  # last 6 months from 2020-07-01
    voice = child.visit(voice_on, voice=True) if voice_on else None
    child.visit("2020-10-01")  # a visit, but the child not heard
    flags = flags_of(child, "child_voice_not_recorded")
    assert bool(flags) is fires
    if fires and voice is not None:
        assert flags[0].events == (plan.start_event_id, plan.end_event_id, voice)
        assert "the last was 2020-06-30" in flags[0].detail
    if fires and voice is None:
        assert "during plan 1" in flags[0].detail


def test_child_voice_any_agency_and_short_plans_whole():
    child = ChildBuilder()
    child.plan("2020-01-01", "2020-06-01")  # 5 months: the whole plan is its last 6 months
    child.event("2020-01-02", "school_safeguarding_concern", agency="Education", child_voice=True)
    assert flags_of(child, "child_voice_not_recorded") == []
    months = with_threshold("child_voice_not_recorded", last_months=4)
    assert flags_of(child, "child_voice_not_recorded", months)


def _police_before(child: ChildBuilder, *dates: str) -> list[int]:
    return [child.routine(when, POLICE) for when in dates]


@pytest.mark.parametrize(("end", "fires"), [("2021-07-01", True), ("2021-06-01", False)])
def test_agency_silent_during_a_plan_of_6_not_5_months(end, fires):
    child = ChildBuilder()
    before = _police_before(child, "2020-03-01", "2020-11-01")
    plan = child.plan("2021-01-01", end)
    flags = flags_of(child, "agency_silent_during_plan")
    assert bool(flags) is fires
    if fires:
        assert flags[0].events == (*before, plan.start_event_id)
        assert flags[0].detail.startswith("Police: 2 events in the 12 months before plan 1")


@pytest.mark.parametrize(("earliest", "fires"), [("2020-01-01", True), ("2019-12-31", False)])
def test_agency_silent_counts_12_months_before(earliest, fires):
    child = ChildBuilder()
    _police_before(child, earliest, "2020-11-01")
    child.plan("2021-01-01", "2021-09-01")
    assert bool(flags_of(child, "agency_silent_during_plan")) is fires


def test_agency_silent_not_when_it_spoke_or_had_one_event_or_no_data():
    spoke = ChildBuilder()
    _police_before(spoke, "2020-03-01", "2020-11-01")
    spoke.plan("2021-01-01", "2021-09-01")
    spoke.routine("2021-08-01", POLICE)
    assert flags_of(spoke, "agency_silent_during_plan") == []
    once = ChildBuilder()
    _police_before(once, "2020-03-01")
    once.plan("2021-01-01", "2021-09-01")
    assert flags_of(once, "agency_silent_during_plan") == []
    uncovered = ChildBuilder()
    _police_before(uncovered, "2020-03-01", "2020-11-01")
    uncovered.plan("2021-01-01", "2021-09-01")
    uncovered.coverage[POLICE] = (day("2016-01-01"), day("2020-12-31"))  # no police data during the plan
    assert flags_of(uncovered, "agency_silent_during_plan") == []
    uncovered.coverage[POLICE] = (day("2016-01-01"), day("2022-12-31"))
    assert flags_of(uncovered, "agency_silent_during_plan")


def test_agency_silent_open_plan_up_to_as_of():
    child = ChildBuilder(as_of="2021-06-30")
    _police_before(child, "2020-03-01", "2020-11-01")
    child.plan("2021-01-01")  # open, 5 months 29 days on the audit date
    assert flags_of(child, "agency_silent_during_plan") == []
    child.as_of = "2021-07-01"
    assert flags_of(child, "agency_silent_during_plan")


def test_schools_are_one_agency():
    child = ChildBuilder()
    child.routine("2020-03-01", "Education: Oak Lane")
    child.routine("2020-04-01", "Education: Park Road")
    child.plan("2021-01-01", "2021-09-01")
    (flag,) = flags_of(child, "agency_silent_during_plan")
    assert flag.detail.startswith("Education: 2 events")


# --- risk, health, isolation ----------------------------------------------------------------------


@pytest.mark.parametrize(("third", "fires"), [("2022-02-03", True), ("2022-02-04", False)])
def test_multiple_risk_factors_within_12_months(third, fires):
    child = ChildBuilder()
    da = child.police_da("2021-02-03")
    mh = child.event("2021-06-01", "health_contact", agency="Health", themes=("parental_mental_health",))
    sm = child.event(
        third, "agency_record", agency="Substance misuse service", themes=("parental_substance_misuse",)
    )
    flags = flags_of(child, "multiple_risk_factors")
    assert bool(flags) is fires
    if fires:
        assert set(flags[0].events) == {da, mh, sm}
        assert "toxic trio" in flags[0].detail and "not a prediction" in flags[0].detail


def test_multiple_risk_factors_needs_all_three():
    child = ChildBuilder()
    child.police_da("2021-02-03")
    child.assessment("2021-03-01", themes=("parental_mental_health",))
    assert flags_of(child, "multiple_risk_factors") == []


@pytest.mark.parametrize(("second", "fires"), [("2023-05-20", True), ("2023-05-21", False)])
def test_was_not_brought_boundary(second, fires):
    child = ChildBuilder()
    a = child.missed_appointment("2022-05-20")
    b = child.missed_appointment(second)
    flags = flags_of(child, "was_not_brought")
    assert bool(flags) is fires
    if fires:
        assert flags[0].events == (a, b) and "audiology" in flags[0].detail


def _three_incidents(child: ChildBuilder, third: str = "2021-05-01") -> list[int]:
    return [
        child.police_other("2021-01-10"),
        child.school_concern("2021-03-01", "Physical injury"),
        child.ae_injury(third),
    ]


def test_incidents_in_isolation_fires_with_evidence():
    child = ChildBuilder()
    ids = _three_incidents(child)
    (flag,) = flags_of(child, "incidents_in_isolation")
    assert flag.events == tuple(ids)
    assert "3 incidents from health, police, school" in flag.detail and "by 2021-05-31" in flag.detail


@pytest.mark.parametrize(("third", "fires"), [("2021-07-10", True), ("2021-07-11", False)])
def test_incidents_in_isolation_window(third, fires):
    child = ChildBuilder()
    _three_incidents(child, third)
    assert bool(flags_of(child, "incidents_in_isolation")) is fires


@pytest.mark.parametrize(
    ("response_on", "fires"), [("2021-05-31", False), ("2021-06-01", True), ("2021-01-09", True)]
)
def test_incidents_in_isolation_response_within_30_days(response_on, fires):
    child = ChildBuilder()
    _three_incidents(child)
    child.assessment(response_on)
    assert bool(flags_of(child, "incidents_in_isolation")) is fires


@pytest.mark.parametrize(
    ("agencies", "fires"), [(("police", "police", "school"), True), (("police",) * 3, False)]
)
def test_incidents_in_isolation_two_agencies_are_enough(agencies, fires):
    child = ChildBuilder()
    for when, agency in zip(("2021-01-10", "2021-02-10", "2021-03-10"), agencies, strict=True):
        if agency == "police":
            child.police_other(when)
        else:
            child.school_concern(when, "Neglect")
    assert bool(flags_of(child, "incidents_in_isolation")) is fires


def test_incidents_in_isolation_needs_three_incidents_two_agencies_and_no_plan():
    two = ChildBuilder()
    two.police_other("2021-01-10", cluster="c")
    two.encompass("2021-01-11", cluster="c")  # one incident, two reports
    two.ae_injury("2021-03-01")
    assert flags_of(two, "incidents_in_isolation") == []
    one_agency = ChildBuilder()
    for when in ["2021-01-10", "2021-02-10", "2021-03-10"]:
        one_agency.police_other(when)
    assert flags_of(one_agency, "incidents_in_isolation") == []
    for kind in ("cp", "cin"):
        planned = ChildBuilder()
        planned.plan("2021-01-01", "2021-12-31", kind=kind)
        _three_incidents(planned)
        assert flags_of(planned, "incidents_in_isolation") == [], kind
    routine = ChildBuilder()
    routine.police_other("2021-01-10")
    routine.school_concern("2021-03-01", "Behaviour")  # not a serious category: no incident
    routine.event("2021-05-01", "ae_attendance", agency="Health")  # not for injury
    assert flags_of(routine, "incidents_in_isolation") == []


# --- the whole set ----------------------------------------------------------------------------------


def test_every_code_has_a_rule_a_source_and_a_description():
    assert set(PATTERN_CODES) == set(SETTINGS.codes) and len(PATTERN_CODES) == 14
    for code in PATTERN_CODES:
        info = SETTINGS.info[code]
        assert info.title and info.description and info.source, code
    assert "toxic trio" in SETTINGS.info["multiple_risk_factors"].caveat.lower()


def test_no_facts_no_flags_and_undated_facts_ignored():
    assert find_flags(ChildBuilder(as_of=None).build()) == []
    child = ChildBuilder()
    for when in ["2021-02-03", "2021-05-10", "2021-11-30"]:
        child.police_da(when)
    facts = child.build()
    facts.facts = [dataclasses.replace(f, day=None) for f in facts.facts]
    assert find_flags(facts) == []


def test_facts_after_as_of_are_not_seen():
    child = ChildBuilder(as_of="2021-06-30")
    for when in ["2021-02-03", "2021-05-10", "2021-11-30"]:
        child.police_da(when)
    assert flags_of(child, "da_escalation") == []
    child.as_of = "2021-12-01"
    assert flags_of(child, "da_escalation")
