"""The audit panel's domestic-abuse rates: DA incidents per month before, during and after each plan,
per plan and as the cohort's median and quartiles, from planted children whose numbers are known."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from chronology.analysis.cohorts import CohortFilter
from chronology.analysis.cohorts import select as cohort_select
from chronology.analysis.flag_store import stored_children
from chronology.analysis.refresh import refresh_queued
from chronology.events import PartialDate
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from tests.factories import child, event
from tests.webapp.conftest import BASE
from web.audit_charts import CohortChild
from web.audit_rates import cohort_rates, months_between, plan_rates, spreads


def _on(subject, record: str, day: str, event_type: str, agency: str = "Children's social care", **changes):  # type: ignore[no-untyped-def]
    y, m, d = (int(p) for p in day.split("-"))
    base = event(subject, record_id=record, agency=agency, when=PartialDate(y, m, d))
    return dataclasses.replace(base, event_type=event_type, **changes)


def _da(subject, record: str, day: str):  # type: ignore[no-untyped-def]
    return _on(subject, record, day, "police_occurrence", "Police", categories=["Domestic abuse"],
               summary=f"Domestic abuse at home ({record})")


@pytest.fixture
def planted(web_engine) -> dict[str, int]:
    """Amy: a 4-month plan, 1 DA incident in the 4 months before, 2 during, 3 in the 4 months after (and
    one later, outside the window). Ben: an 8-month plan, 2 during, none after. Cara: a 2-year plan,
    DA 6 and 18 months before it (the window before is capped at 12 months)."""
    amy = child(la_id="LA1", name="Amy Jones", dob=dt.date(2016, 5, 1))
    ben = child(la_id="LA2", name="Ben Smith", dob=dt.date(2015, 1, 1))
    cara = child(la_id="LA3", name="Cara Hill", dob=dt.date(2014, 1, 1))
    items = [
        _on(amy, "a1", "2021-01-01", "cp_plan_start"),
        _on(amy, "a2", "2021-05-01", "cp_plan_end"),
        _da(amy, "ad0", "2020-11-15"),
        _da(amy, "ad1", "2021-02-01"),
        _da(amy, "ad2", "2021-04-01"),
        _da(amy, "ad3", "2021-06-01"),
        _da(amy, "ad4", "2021-07-01"),
        _da(amy, "ad5", "2021-08-20"),
        _da(amy, "ad6", "2021-12-01"),  # more than 4 months after the plan: not counted
        _on(amy, "a9", "2023-01-01", "agency_record", "Health"),
        _on(ben, "b1", "2021-01-01", "cp_plan_start"),
        _on(ben, "b2", "2021-09-01", "cp_plan_end"),
        _da(ben, "bd1", "2021-03-01"),
        _da(ben, "bd2", "2021-06-01"),
        _on(ben, "b9", "2023-01-01", "agency_record", "Health"),
        _on(cara, "c1", "2019-01-01", "cp_plan_start"),
        _on(cara, "c2", "2021-01-01", "cp_plan_end"),
        _da(cara, "cd1", "2017-07-01"),  # 18 months before: outside the capped window
        _da(cara, "cd2", "2018-07-01"),
        _on(cara, "c9", "2023-01-01", "agency_record", "Health"),
    ]
    import_items(web_engine, items, FileInfo("fixture.csv", "template"), actor="t")
    refresh_queued(web_engine)
    with web_engine.connect() as conn:
        return {la: find_child(conn, la) for la in ("LA1", "LA2", "LA3")}  # type: ignore[misc]


def _children(web_engine) -> dict[int, CohortChild]:  # type: ignore[no-untyped-def]
    with web_engine.connect() as conn:
        return {
            s.child.person_id: CohortChild(s, m, tuple(s.flags))
            for s in stored_children(conn)
            if (m := cohort_select(s.child, s.flags, CohortFilter()))
        }


def test_calendar_months() -> None:
    assert months_between(dt.date(2021, 1, 1), dt.date(2021, 5, 1)) == 4
    assert months_between(dt.date(2021, 2, 1), dt.date(2021, 2, 15)) == pytest.approx(0.5)
    assert months_between(dt.date(2021, 5, 1), dt.date(2021, 1, 1)) == 0


def test_rates_per_month_before_during_and_after_a_plan(web_engine, planted) -> None:
    children = _children(web_engine)
    (amy,) = plan_rates(children[planted["LA1"]], CohortFilter(), cap=12)
    assert (amy.before.start, amy.before.end) == (dt.date(2020, 9, 3), dt.date(2021, 1, 1))  # as long as the plan
    assert [amy.before.incidents, amy.during.incidents, amy.after.incidents] == [1, 2, 3]  # type: ignore[union-attr]
    assert amy.during.rate == pytest.approx(0.5)  # 2 DA incidents during a 4-month plan
    assert amy.after.rate == pytest.approx(3 / months_between(dt.date(2021, 5, 1), dt.date(2021, 8, 29)))  # type: ignore[union-attr]
    (cara,) = plan_rates(children[planted["LA3"]], CohortFilter(), cap=12)
    assert cara.before.start == dt.date(2018, 1, 1) and cara.before.incidents == 1  # capped at 12 months
    assert cara.before.rate == pytest.approx(1 / 12)
    (cara_five,) = plan_rates(children[planted["LA3"]], CohortFilter(), cap=5)
    assert cara_five.before.start == dt.date(2018, 8, 1) and cara_five.before.incidents == 0


def test_the_cohort_distribution(web_engine, planted) -> None:
    rates = cohort_rates(list(_children(web_engine).values()), CohortFilter())
    by_period = {s.period: s for s in spreads(rates)}
    during = sorted(r.during.rate for r in rates)  # type: ignore[type-var]
    assert during == pytest.approx([0, 0.25, 0.5])  # Cara none, Ben 2 in 8 months, Amy 2 in 4
    assert by_period["during"].median == pytest.approx(0.25)
    assert (by_period["during"].lower, by_period["during"].upper) == pytest.approx((0.125, 0.375))
    assert by_period["after"].plans == 3


def test_the_panel_shows_the_rates_with_their_numbers(client, login, planted) -> None:
    login("auditor")
    html = client.get("/audit/", base_url=BASE).get_data(as_text=True)
    assert "Domestic abuse incidents per month, before, during and after plans" in html
    assert '<tr class="govuk-table__row" data-period="during">' in html
    during_row = html.split('data-period="during">', 1)[1].split("</tr>", 1)[0]
    assert [cell.split("<", 1)[0] for cell in during_row.split('numeric">')[1:]] == ["3", "0.12", "0.25", "0.38"]
    assert "0.50 a month (2 in 4.0 months)" in html
    assert "at most 12 months" in html
