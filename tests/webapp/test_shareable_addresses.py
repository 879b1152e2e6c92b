"""Shareable addresses reject what they do not understand: a 400 page naming the parameter and the
ones the page accepts."""

from __future__ import annotations

import pytest

from tests.webapp.chronology_fixtures import amy  # noqa: F401 (fixture)
from tests.webapp.conftest import BASE
from web.audit_query import PARAMS as AUDIT_PARAMS
from web.timeline_filters import PARAMS as TIMELINE_PARAMS


def _status_and_text(client, path: str):  # type: ignore[no-untyped-def]
    response = client.get(path, base_url=BASE)
    return response.status_code, response.get_data(as_text=True)


def test_an_audit_address_with_an_unknown_parameter_is_refused_naming_it_and_the_accepted_ones(client, login):
    login("auditor")
    status, html = _status_and_text(client, "/audit/?cohort=bucks_2019")
    assert status == 400
    assert "govuk-heading-l" in html and "‘cohort’" in html
    for name in AUDIT_PARAMS:
        assert name in html
    assert _status_and_text(client, "/audit/?preset=bucks_2019")[0] == 200
    assert _status_and_text(client, "/audit/panel.csv?cohort=x")[0] == 400


@pytest.mark.parametrize("view", ["timeline", "timeline/table", "timeline.csv"])
def test_a_chronology_address_with_an_unknown_filter_is_refused(client, login, amy, view):  # noqa: F811
    login("practitioner", "Team A")
    status, html = _status_and_text(client, f"/children/{amy}/{view}?agencies=Police&from=2021-01-01")
    assert status == 400 and "‘agencies’" in html and "which this page does not use" in html
    assert all(name in html for name in TIMELINE_PARAMS)
    assert _status_and_text(client, f"/children/{amy}/{view}?agency=Police&from=2021-01-01")[0] == 200


def test_the_timeline_data_refuses_unknown_filters_as_json(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    response = client.get(f"/children/{amy}/timeline/data?sig=significant", base_url=BASE)
    assert response.status_code == 400
    body = response.get_json()
    assert body["unknown"] == ["sig"] and "significance" in body["accepted"] and "start" in body["accepted"]
    assert client.get(f"/children/{amy}/timeline/data?start=2021-01-01&end=2021-12-31", base_url=BASE).status_code == 200


def test_search_refuses_an_unknown_parameter(client, login):
    login("practitioner", "Team A")
    status, html = _status_and_text(client, "/children?name=Jones")
    assert status == 400 and "‘name’" in html and "page, q" in html


def test_long_choice_lists_fold_away_unless_something_in_them_is_chosen(client, login):
    login("auditor")
    html = client.get("/audit/", base_url=BASE).get_data(as_text=True)
    for name in ("main_concern", "theme", "pattern"):  # more than 6 choices each
        assert f'<details class="govuk-details app-choice-list" id="{name}-list">' in html
    assert 'id="agency-list"' not in html  # 4 agencies stay in view
    chosen = client.get("/audit/?theme=domestic_abuse&theme=neglect", base_url=BASE).get_data(as_text=True)
    assert '<details class="govuk-details app-choice-list" id="theme-list" open>' in chosen
    assert "(2 chosen)" in chosen
    assert '<details class="govuk-details app-choice-list" id="pattern-list">' in chosen
