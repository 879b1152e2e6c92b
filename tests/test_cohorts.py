"""Cohort filters on hand-built children, each condition tried on both sides of its edge."""

from __future__ import annotations

import datetime as dt

import pytest

from chronology.analysis.cohorts import (
    CohortError,
    CohortFilter,
    completed_months,
    completed_years,
    filter_from_mapping,
    plan_count,
    preset,
    select,
)
from chronology.analysis.concern import main_concern
from chronology.analysis.facts import Flag
from tests.fact_builders import child_facts, da_incident, fact, plan

AS_OF = dt.date(2025, 3, 31)


def assessment(day: str, *factors: str, themes: tuple[str, ...] = ()) -> object:
    return fact(day, "assessment", categories=factors, themes=themes)


def da_plan_child(
    *,
    dob: str = "2016-06-01",
    start: str = "2019-03-01",
    end: str | None = "2020-06-01",
    category: str = "EMO",
    concern: tuple[str, ...] = ("domestic_abuse",),
    **kw,
):
    """A child with one CP plan whose assessment a week before it found ``concern``."""
    before = (dt.date.fromisoformat(start) - dt.timedelta(days=7)).isoformat()
    facts = [assessment(before, "3A", themes=concern), *kw.pop("facts", [])]
    return child_facts(facts, plans=[plan(start, end, "cp", category=category)], dob=dob, as_of=AS_OF, **kw)


def test_ages_are_completed_years_and_months_whole_calendar_months():
    assert completed_years(dt.date(2014, 3, 2), dt.date(2020, 3, 1)) == 5
    assert completed_years(dt.date(2014, 3, 2), dt.date(2020, 3, 2)) == 6
    assert completed_months(dt.date(2020, 1, 15), dt.date(2020, 3, 14)) == 1
    assert completed_months(dt.date(2020, 1, 15), dt.date(2020, 3, 15)) == 2


@pytest.mark.parametrize(("dob", "selected"), [("2013-03-02", True), ("2013-03-01", False)])
def test_age_at_the_plans_start_on_both_sides_of_the_sixth_birthday(dob, selected):
    # the plan starts 2019-03-01: a child born 2013-03-02 is 5 that day, one born 2013-03-01 is 6
    child = da_plan_child(dob=dob)
    match = select(child, [], CohortFilter(age_max=5, age_on="plan_start"))
    assert (match is not None) is selected
    if match:
        assert "aged 5 at its start" in match.plans[0].reasons


def test_age_on_a_given_date_and_a_minimum_age():
    child = da_plan_child(dob="2016-06-01")
    assert select(child, [], CohortFilter(age_min=8, age_on=dt.date(2024, 6, 1))) is not None
    assert select(child, [], CohortFilter(age_min=8, age_on=dt.date(2024, 5, 31))) is None
    # with no plan conditions the age is taken on the reference date
    assert select(child, [], CohortFilter(age_min=8, age_max=8)) is not None  # 8 on 2025-03-31
    assert select(child, [], CohortFilter(age_min=9)) is None


@pytest.mark.parametrize(
    ("end", "selected"),
    [("2020-03-01", True), ("2020-02-29", False), ("2021-02-28", True), ("2021-03-01", False)],
)
def test_plan_length_in_days_more_than_one_and_less_than_two_years(end, selected):
    # 2019-03-01 to 2020-03-01 is 366 days (a leap year); to 2021-02-28 is 730 days
    bounds = CohortFilter(plan_days_min=366, plan_days_max=730)
    assert (select(da_plan_child(end=end), [], bounds) is not None) is selected


def test_an_open_plan_counts_to_the_reference_date():
    open_plan = da_plan_child(start="2023-09-01", end=None)  # 577 days to 2025-03-31
    match = select(open_plan, [], CohortFilter(plan_days_min=366, plan_days_max=729))
    assert match is not None and "577 days so far" in match.plans[0].reasons
    assert select(open_plan, [], CohortFilter(plan_days_max=576)) is None


def test_plan_length_in_months():
    child = da_plan_child(start="2019-03-01", end="2020-02-29")  # 11 whole months
    assert select(child, [], CohortFilter(plan_months_min=11)) is not None
    assert select(child, [], CohortFilter(plan_months_min=12)) is None
    assert select(child, [], CohortFilter(plan_months_max=10)) is None


def test_plan_start_between_dates():
    child = da_plan_child(start="2019-03-01")
    assert select(child, [], CohortFilter(plan_started_from=dt.date(2019, 3, 1))) is not None
    assert select(child, [], CohortFilter(plan_started_from=dt.date(2019, 3, 2))) is None
    assert select(child, [], CohortFilter(plan_started_to=dt.date(2019, 2, 28))) is None


def test_plan_category_whichever_way_the_source_wrote_it():
    coded = da_plan_child(category="NEG", concern=("neglect",))
    worded = da_plan_child(category="Neglect", concern=("neglect",))
    cohort = filter_from_mapping({"plan_categories": ["neglect"]})
    assert select(coded, [], cohort) is not None
    assert select(worded, [], cohort) is not None
    assert select(da_plan_child(category="EMO"), [], cohort) is None
    assert select(coded, [], filter_from_mapping({"plan_categories": ["NEG"]})) is not None


def test_plan_kind_chooses_which_plans_are_looked_at():
    child = child_facts([], plans=[plan("2020-01-01", "2021-06-01", "cin")], as_of=AS_OF)
    assert select(child, [], CohortFilter(plan_kind="cin", plan_days_min=366)) is not None
    assert select(child, [], CohortFilter(plan_kind="cp", plan_days_min=366)) is None
    with pytest.raises(CohortError):
        CohortFilter(plan_kind="child protection")


def test_main_concern_from_the_assessment_before_the_plan():
    da = da_plan_child(category="EMO", concern=("domestic_abuse",))
    trio = da_plan_child(category="MUL", concern=("domestic_abuse", "parental_mental_health"))
    neglect = da_plan_child(category="NEG", concern=("neglect",))
    cohort = CohortFilter(main_concerns=frozenset({"domestic_abuse"}))
    match = select(da, [], cohort)
    assert match is not None
    assert "main concern domestic abuse (factors at the assessment of 2019-02-22)" in match.plans[0].reasons
    assert select(trio, [], cohort) is not None
    assert select(neglect, [], cohort) is None


def test_main_concern_is_the_last_assessment_in_the_look_back_not_an_older_one():
    # domestic abuse assessed two years earlier; the assessment that led to this plan found neglect
    child = da_plan_child(
        concern=("neglect",),
        category="NEG",
        facts=[assessment("2017-03-01", "3A", themes=("domestic_abuse",))],
    )
    assert main_concern(child, child.plans[0]).themes == {"neglect"}
    # an assessment with no factors (closed to universal services) is passed over
    child = da_plan_child(facts=[assessment("2019-02-25", "21")])
    assert main_concern(child, child.plans[0]).themes == {"domestic_abuse"}


def test_main_concern_falls_back_to_the_referral_then_the_plans_category():
    referral = fact(
        "2019-01-15", "referral", categories=("Referral", "Domestic abuse"), themes=("domestic_abuse",)
    )
    by_referral = child_facts(
        [referral], plans=[plan("2019-03-01", "2020-06-01", category="EMO")], as_of=AS_OF
    )
    concern = main_concern(by_referral, by_referral.plans[0])
    assert (concern.themes, concern.source) == ({"domestic_abuse"}, "referral")
    by_category = child_facts([], plans=[plan("2019-03-01", "2020-06-01", category="Neglect")], as_of=AS_OF)
    concern = main_concern(by_category, by_category.plans[0])
    assert (concern.themes, concern.source) == ({"neglect"}, "plan_category")
    # "Multiple" names no concern; a referral older than the look-back does not count either
    old = fact("2018-06-01", "referral", themes=("domestic_abuse",))
    nothing = child_facts([old], plans=[plan("2019-03-01", None, category="MUL")], as_of=AS_OF)
    assert main_concern(nothing, nothing.plans[0]).themes == frozenset()


def test_plan_conditions_must_hold_for_the_same_plan():
    # the later plan is long enough but the child was 8 at its start; the earlier one is too short
    child = child_facts(
        [],
        plans=[plan("2011-01-01", "2011-03-01", number=1), plan("2019-03-01", "2020-06-01", number=2)],
        dob="2010-06-01",
        as_of=AS_OF,
    )
    assert select(child, [], CohortFilter(age_max=5, plan_days_min=366)) is None
    young = select(child, [], CohortFilter(age_max=5, age_on="plan_start"))
    assert young is not None and [m.plan.number for m in young.plans] == [1]


@pytest.mark.parametrize(("plans", "previous", "selected"), [(2, None, True), (1, None, False), (1, 1, True)])
def test_repeat_plans_count_the_plans_and_what_the_census_says(plans, previous, selected):
    periods = [plan(f"20{18 + 2 * n}-01-01", f"20{18 + 2 * n}-09-01", number=n + 1) for n in range(plans)]
    periods[-1] = plan(periods[-1].start, periods[-1].end, number=plans, previous_reported=previous)
    child = child_facts([], plans=periods, as_of=AS_OF)
    match = select(child, [], CohortFilter(min_plans=2))
    assert (match is not None) is selected
    # a repeat-plans cohort names no single plan
    assert match is None or match.plans == ()


def test_repeat_plans_of_another_kind_do_not_count():
    child = child_facts(
        [], plans=[plan("2018-01-01", "2018-09-01"), plan("2019-01-01", "2019-09-01", "cin")], as_of=AS_OF
    )
    assert plan_count([p for p in child.plans if p.kind == "cp"]) == 1
    assert select(child, [], CohortFilter(min_plans=2)) is None


def test_agencies_involved_all_of_them_by_top_level_agency():
    child = child_facts([da_incident("2020-01-01"), fact("2020-02-01", "operation_encompass")], as_of=AS_OF)
    cohort = filter_from_mapping({"agencies": ["police", "Education: any school"]})
    match = select(child, [], cohort)
    assert match is not None and "known to Education, Police" in match.reasons
    assert select(child, [], filter_from_mapping({"agencies": ["police", "health"]})) is None


def test_risk_themes_present_all_of_them():
    child = child_facts(
        [da_incident("2020-01-01"), assessment("2020-03-01", "4B", themes=("parental_mental_health",))],
        as_of=AS_OF,
    )
    assert select(child, [], CohortFilter(themes=frozenset({"domestic_abuse", "parental_mental_health"})))
    assert select(child, [], CohortFilter(themes=frozenset({"domestic_abuse", "neglect"}))) is None


def test_events_after_the_reference_date_do_not_count():
    child = child_facts([da_incident("2025-05-01")], as_of=AS_OF)
    assert select(child, [], CohortFilter(themes=frozenset({"domestic_abuse"}))) is None


def test_patterns_present_all_of_them():
    child = child_facts([], as_of=AS_OF)
    flag = Flag(1, "father_not_in_plan", dt.date(2020, 1, 1), dt.date(2020, 6, 1), (1,), "no father")
    assert select(child, [flag], CohortFilter(patterns=frozenset({"father_not_in_plan"}))) is not None
    assert select(child, [], CohortFilter(patterns=frozenset({"father_not_in_plan"}))) is None
    both = frozenset({"father_not_in_plan", "da_escalation"})
    assert select(child, [flag], CohortFilter(patterns=both)) is None


def test_the_seed_presets_say_what_the_audits_chose():
    bucks = preset("bucks_2019")
    assert (bucks.age_max, bucks.ages_at_plan_start, bucks.plan_days_min, bucks.plan_days_max) == (
        5,
        True,
        366,
        729,
    )
    assert bucks.main_concerns == {"domestic_abuse"} and bucks.plan_kind == "cp"
    assert preset("south_glos_2025").min_plans == 2
    with pytest.raises(CohortError, match="known: bucks_2019, south_glos_2025"):
        preset("nope")
    with pytest.raises(CohortError, match="unknown condition"):
        filter_from_mapping({"age_maximum": 5})
    with pytest.raises(CohortError, match="age_max must be a whole number"):
        filter_from_mapping({"age_max": "five"})
    with pytest.raises(CohortError, match="themes must be a list"):
        filter_from_mapping({"themes": "neglect"})
    with pytest.raises(CohortError, match="must be a date"):
        filter_from_mapping({"plan_started_from": "last year"})


def test_a_preset_takes_further_conditions():
    narrowed = preset("south_glos_2025").with_conditions(agencies=frozenset({"Police"}), age_max=None)
    assert narrowed.min_plans == 2 and narrowed.agencies == {"Police"} and narrowed.name == "south_glos_2025"
    assert "min_plans=2" in narrowed.describe()
