"""Date filters use the GOV.UK date pattern (day, month and year fields), checked on the server with
GOV.UK's messages; the addresses the service has always made (``from=2021-01-31``) still work."""

from __future__ import annotations

import datetime as dt

from werkzeug.datastructures import MultiDict

from tests.webapp.chronology_fixtures import amy  # noqa: F401 (fixture)
from tests.webapp.conftest import BASE
from web.timeline_filters import TimelineFilter


def _filters(**args: str) -> TimelineFilter:
    return TimelineFilter.from_args(MultiDict({k.replace("_", "-"): v for k, v in args.items()}))


def test_the_three_fields_and_the_one_field_read_the_same_date() -> None:
    three = _filters(from_day="31", from_month="1", from_year="2020")
    one = TimelineFilter.from_args(MultiDict({"from": "2020-01-31"}))
    assert three.date_from == one.date_from == dt.date(2020, 1, 31) and not three.errors
    assert three.query() == one.query() == {"from": "2020-01-31"}  # links keep the one shareable form
    assert three.entered["from"] == ("31", "1", "2020")


def test_messages_as_govuk_words_them() -> None:
    assert _filters(from_day="31", from_month="2", from_year="2020").date_errors == {"from": "Date from must be a real date"}
    assert _filters(to_day="3", to_year="2020").date_errors == {"to": "Date to must include a month"}
    assert _filters(to_day="3", to_month="x", to_year="2020").errors == ("Date to must be a real date",)
    assert _filters(from_day="1", from_month="1", from_year="20").errors == ("Date from must be a real date",)
    assert TimelineFilter.from_args(MultiDict({"from": "31/01/2020"})).errors == ("Date from must be a real date",)
    bad = _filters(from_day="31", from_month="2", from_year="2020")
    assert bad.entered["from"] == ("31", "2", "2020")  # shown back to correct


def test_the_page_has_govuk_date_inputs_and_no_browser_date_picker(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    html = client.get(f"/children/{amy}/timeline/table?from=2022-01-01", base_url=BASE).get_data(as_text=True)
    assert 'type="date"' not in html and html.count('class="govuk-date-input"') == 2
    assert 'name="from-day" type="text" inputmode="numeric" value="1"' in html
    assert 'name="from-year" type="text" inputmode="numeric" value="2022"' in html
    by_fields = client.get(
        f"/children/{amy}/timeline/table?from-day=1&from-month=1&from-year=2022", base_url=BASE
    ).get_data(as_text=True)
    assert "Showing 2 of 4 events" in by_fields and "Showing 2 of 4 events" in html
    wrong = client.get(f"/children/{amy}/timeline/table?to-day=30&to-month=2&to-year=2022", base_url=BASE)
    text = wrong.get_data(as_text=True)
    assert '<a href="#to-day">Date to must be a real date</a>' in text and "govuk-form-group--error" in text


def test_the_audit_age_on_date_as_three_fields_or_one(client, login):
    from web.audit_query import read_query

    three = read_query(MultiDict({"age_on": "date", "age_on-day": "1", "age_on-month": "2", "age_on-year": "2020"}))
    one = read_query(MultiDict({"age_on": "2020-02-01"}))
    assert three.cohort == one.cohort and three.cohort.age_on == dt.date(2020, 2, 1) and not three.errors
    assert three.args() == one.args() == {"age_on": "2020-02-01"}  # links carry the one shareable form
    assert read_query(MultiDict({"age_on": "plan_start"})).cohort.age_on == "plan_start"
    wrong = read_query(MultiDict({"age_on": "date", "age_on-day": "31", "age_on-month": "2", "age_on-year": "2020"}))
    assert wrong.errors == {"age_on": "Age on date must be a real date"} and wrong.age_on_parts == ("31", "2", "2020")
    assert read_query(MultiDict({"age_on": "date"})).errors == {"age_on": "Enter the age on date"}
    login("auditor")
    response = client.get("/audit/?age_on=date&age_on-day=31&age_on-month=2&age_on-year=2020", base_url=BASE)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Age on date must be a real date" in html
    assert 'type="date"' not in html and 'name="age_on-day" type="text" inputmode="numeric" value="31"' in html
