"""The child's timeline, table and CSV: one filter for all three, access rules and logging, details."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from chronology.db.models import AccessLog
from tests.webapp.chronology_fixtures import amy  # noqa: F401  (fixture)
from tests.webapp.conftest import BASE


def _log(web_engine) -> list:
    with web_engine.connect() as conn:
        return list(conn.execute(select(AccessLog.__table__).order_by(AccessLog.id)))


def test_timeline_data_has_agency_lanes_with_services_nested(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    data = client.get(f"/children/{amy}/timeline/data", base_url=BASE).get_json()
    tops = {g["label"]: g for g in data["groups"] if "nestedGroups" in g}
    assert set(tops) == {"Police", "Health", "Education"}
    assert tops["Education"]["nestedGroups"] == [
        "service:Education: Elm High",
        "service:Education: Oak Lane Primary",
    ]
    school = next(i for i in data["items"] if i["label"] == "Came in hungry")
    assert school["group"] == "service:Education: Oak Lane Primary"
    assert school["age"] == "6y 9m"
    detail = data["events"][str(school["id"])]
    assert detail["provenance"]["file"] == "police.csv" and detail["provenance"]["record"] == "s1"


def test_filters_are_shared_by_timeline_table_and_csv(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    query = "agency=Education&from=2022-01-01&to=2022-12-31"
    data = client.get(f"/children/{amy}/timeline/data?{query}", base_url=BASE).get_json()
    assert [i["label"] for i in data["items"]] == ["Came in hungry"]
    table = client.get(f"/children/{amy}/timeline/table?{query}", base_url=BASE).get_data(as_text=True)
    assert "Came in hungry" in table and "Moved school" not in table and "A&amp;E attendance" not in table
    page = client.get(f"/children/{amy}/timeline?{query}", base_url=BASE).get_data(as_text=True)
    assert "Showing 1 of 4 events" in page
    assert f"/children/{amy}/timeline.csv?agency=Education&amp;from=2022-01-01&amp;to=2022-12-31" in page
    response = client.get(f"/children/{amy}/timeline.csv?{query}", base_url=BASE)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["summary"] for r in rows] == ["Came in hungry"]


def test_csv_export_is_logged_as_an_export(client, login, web_engine, amy):  # noqa: F811
    user = login("practitioner", "Team A")
    client.get(f"/children/{amy}/timeline.csv?agency=Police", base_url=BASE)
    [entry] = [e for e in _log(web_engine) if e.action == "export"]
    assert entry.actor == user.username and entry.person_id == amy and "agency Police" in entry.detail


def test_bad_date_filter_is_reported_not_applied(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    page = client.get(f"/children/{amy}/timeline/table?from=31/12/2022", base_url=BASE).get_data(as_text=True)
    assert "From date must be a real date" in page and "Showing 4 of 4 events" in page


def test_another_teams_practitioner_is_sent_to_give_a_reason(client, login, web_engine, amy):  # noqa: F811
    login("practitioner", "Team B")
    for path in ("timeline", "timeline/table", "timeline.csv"):
        response = client.get(f"/children/{amy}/{path}", base_url=BASE)
        assert response.status_code == 302 and f"/children/{amy}/reason" in response.headers["Location"]
    assert client.get(f"/children/{amy}/timeline/data", base_url=BASE).status_code == 403
    assert not [e for e in _log(web_engine) if e.action in ("view", "export")]


def test_timeline_views_are_logged(client, login, web_engine, amy):  # noqa: F811
    login("practitioner", "Team A")
    client.get(f"/children/{amy}/timeline", base_url=BASE)
    client.get(f"/children/{amy}/timeline/data", base_url=BASE)
    details = [e.detail for e in _log(web_engine) if e.action == "view"]
    assert details[0].startswith("timeline page") and details[1].startswith("timeline data")


def test_timeline_page_has_no_inline_script(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    page = client.get(f"/children/{amy}/timeline", base_url=BASE).get_data(as_text=True)
    assert "<script>" not in page and "<script " in page
    assert all("src=" in tag for tag in page.split("<script")[1:])


def test_vendor_files_come_from_the_installed_packages(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    response = client.get("/vendor/vis-timeline-graph2d.min.js", base_url=BASE)
    assert response.status_code == 200 and b"Timeline" in response.data
    assert client.get("/vendor/package.json", base_url=BASE).status_code == 404
