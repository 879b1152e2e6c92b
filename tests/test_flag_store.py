"""The audit panel's stored profile: cohort filters decide on it exactly as on the child's full facts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from chronology.analysis.cohorts import CohortFilter, preset, select
from chronology.analysis.flag_store import profile_of, restore
from chronology.analysis.patterns import find_flags
from tests.fact_builders import child_facts, da_incident, fact, plan

AS_OF = dt.date(2025, 3, 31)


def _children() -> list:
    """Children on both sides of each condition below: ages, plan lengths, concerns, agencies, themes."""
    return [
        child_facts(
            [
                fact("2019-02-20", "assessment", categories=("3A",), themes=("domestic_abuse",)),
                da_incident("2019-01-10"),
                da_incident("2020-09-01"),
                da_incident("2020-10-01"),
                fact(
                    "2021-05-01",
                    "school_safeguarding_concern",
                    agency="Education: Oak Lane",
                    themes=("neglect",),
                ),
                fact(
                    "2026-01-01", "ae_attendance", agency="Health", themes=("physical_abuse",)
                ),  # after as_of
            ],
            plans=[plan("2019-03-01", "2020-06-01", category="EMO"), plan("2020-12-01", None, number=2)],
            dob="2016-06-01",
            as_of=AS_OF,
            person_id=11,
        ),
        child_facts(
            [
                fact("2021-01-05", "referral", themes=("neglect",)),
                fact("2022-03-01", "ae_attendance", agency="Health"),
                fact(None, "agency_record", agency="Police", themes=("missing",)),
            ],
            plans=[plan("2021-02-01", "2021-08-01", category="NEG", previous_reported=1)],
            dob="2012-03-01",
            as_of=AS_OF,
            person_id=12,
        ),
        child_facts(
            [fact("2023-01-01", "agency_record")], dob=None, as_of=AS_OF, person_id=13, la_child_id=None
        ),
    ]


FILTERS = [
    CohortFilter(),
    preset("bucks_2019"),
    preset("south_glos_2025"),
    CohortFilter(age_max=5, age_on="plan_start"),
    CohortFilter(age_min=10, age_on=dt.date(2024, 1, 1)),
    CohortFilter(age_max=8),
    CohortFilter(plan_months_min=12),
    CohortFilter(plan_days_max=200),
    CohortFilter(plan_categories=frozenset({"neglect"})),
    CohortFilter(main_concerns=frozenset({"domestic_abuse"})),
    CohortFilter(main_concerns=frozenset({"neglect"})),
    CohortFilter(min_plans=2),
    CohortFilter(agencies=frozenset({"Education"})),
    CohortFilter(agencies=frozenset({"Health"})),
    CohortFilter(themes=frozenset({"physical_abuse"})),
    CohortFilter(themes=frozenset({"missing", "neglect"})),
    CohortFilter(plan_kind="cin"),
]


@pytest.mark.parametrize("cohort", FILTERS, ids=lambda c: c.describe())
def test_a_cohort_filter_decides_on_the_stored_profile_as_on_the_full_facts(cohort):
    for child in _children():
        flags = find_flags(child)
        profile = json.loads(json.dumps(profile_of(child)))  # as it comes back from the database
        reduced = restore(child.person_id, profile)
        assert select(reduced, flags, cohort) == select(child, flags, cohort), (child.person_id, cohort)


def test_the_filters_above_do_split_the_children():
    """The comparison means something only if the filters select different children."""
    chosen = {
        c.describe(): {k.person_id for k in _children() if select(k, find_flags(k), c)} for c in FILTERS
    }
    assert len({frozenset(v) for v in chosen.values()}) >= 4


def test_the_profile_keeps_incidents_up_to_the_reference_date_once_each():
    child = _children()[0]
    profile = profile_of(child)
    assert [day for day, _ in profile["incidents"]] == ["2019-01-10", "2020-09-01", "2020-10-01"]
    assert all(da for _, da in profile["incidents"])
    assert profile["as_of"] == "2025-03-31" and len(profile["plans"]) == 2
