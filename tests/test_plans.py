"""Plans as periods: one period per plan however many sources report it, numbered per kind."""

from __future__ import annotations

import datetime as dt

from chronology.analysis.load import load_child_facts
from chronology.analysis.plans import derive_plans
from chronology.record import find_child
from tests.fact_builders import child_of, fact
from tests.helpers import import_file
from tests.test_cin_census import census, child, cp_plan, details, read

D = dt.date.fromisoformat


def test_the_same_plan_from_census_annex_a_and_template_is_one_period():
    census_start = fact(
        "2020-11-23",
        "cp_plan_start",
        agency="Children's social care",
        categories=("NEG",),
        attributes={
            "CPPstartDate": "2020-11-23",
            "InitialCategoryOfAbuse": "NEG",
            "NumberOfPreviousCPP": "1",
        },
        record="LA1/CPPstartDate/2020-11-23",
    )
    annex_start = fact(
        "2020-11-23",
        "cp_plan_start",
        agency="Children's social care",
        end="2021-06-30",
        record="LA1/cp_plan_start/2020-11-23",
    )
    template_start = fact("2020-11-23", "cp_plan_start", agency="Children's social care", record="T7")
    census_end = fact(
        "2021-06-30", "cp_plan_end", agency="Children's social care", record="LA1/CPPendDate/2021-06-30"
    )
    template_end = fact("2021-06-30", "cp_plan_end", agency="Children's social care", record="T8")
    plans = derive_plans(child_of(census_start, annex_start, template_start, census_end, template_end))
    assert len(plans) == 1
    (plan,) = plans
    assert (plan.kind, plan.start, plan.end, plan.number) == ("cp", D("2020-11-23"), D("2021-06-30"), 1)
    assert (plan.category, plan.previous_reported) == ("NEG", 1)
    assert plan.start_event_id == census_start.id
    assert plan.end_event_id == census_end.id


def test_plans_are_numbered_in_date_order_and_an_open_plan_has_no_end():
    facts = [
        fact("2022-03-01", "cp_plan_start", agency="Children's social care"),  # second plan, still open
        fact("2019-01-10", "cp_plan_start", agency="Children's social care"),
        fact("2019-09-01", "cp_plan_end", agency="Children's social care"),
        fact("2019-09-01", "cin_plan_start", agency="Children's social care"),
        fact("2020-02-01", "cin_plan_end", agency="Children's social care"),
        fact("2021-05-05", "looked_after_start", agency="Children's social care"),
        fact("2021-08-05", "looked_after_end", agency="Children's social care"),
        fact(None, "cp_plan_end", agency="Children's social care"),  # undated: never an end
    ]
    plans = derive_plans(child_of(*facts))
    summary = [(p.kind, p.number, p.start.isoformat(), p.end.isoformat() if p.end else None) for p in plans]
    assert summary == [
        ("cp", 1, "2019-01-10", "2019-09-01"),
        ("cin", 1, "2019-09-01", "2020-02-01"),
        ("looked_after", 1, "2021-05-05", "2021-08-05"),
        ("cp", 2, "2022-03-01", None),
    ]


def test_an_end_between_two_starts_belongs_to_the_first_plan_only():
    facts = [
        fact("2019-01-10", "cp_plan_start", agency="Children's social care"),
        fact("2019-06-01", "cp_plan_start", agency="Children's social care"),
        fact("2019-12-01", "cp_plan_end", agency="Children's social care"),
    ]
    first, second = derive_plans(child_of(*facts))
    assert (first.end, second.end) == (None, D("2019-12-01"))


def test_census_returns_give_plans_with_category_and_previous_plans(tmp_path, engine):
    first = census(
        tmp_path,
        child("LA7", details(cp_plan("2021-02-17", end="2021-09-30", previous="2"), referral="2021-01-10")),
        year=2022,
        name="cin_2021_22.xml",
    )
    second = census(
        tmp_path,
        child("LA7", details(cp_plan("2022-12-01"), referral="2022-11-20")),
        year=2023,
        name="cin_2022_23.xml",
    )
    import_file(engine, read(first), first.name, "cin-census")
    import_file(engine, read(second), second.name, "cin-census")
    with engine.connect() as conn:
        facts = load_child_facts(conn, find_child(conn, "LA7"))
    cp = [p for p in facts.plans if p.kind == "cp"]
    assert [(p.number, p.start, p.end, p.category, p.previous_reported) for p in cp] == [
        (1, D("2021-02-17"), D("2021-09-30"), "NEG", 2),
        (2, D("2022-12-01"), None, "NEG", 0),
    ]
    assert facts.la_child_id == "LA7"
    # the audit's reference date defaults to the latest date the imports cover (the 2023 return)
    assert facts.as_of == D("2023-03-31")
