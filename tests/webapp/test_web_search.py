"""Finding a child by name, date of birth or identifier, with age, plan and agencies."""

from __future__ import annotations

import datetime as dt

from chronology.ingest import FileInfo, import_items
from chronology.search import search_children
from tests.factories import child, event
from tests.webapp.conftest import BASE


def test_search_by_name_date_of_birth_and_identifier(client, login, two_children):
    login("practitioner", "Team A")
    for query in ("amy", "Jones", "Amy Jon", "14/03/2015", "2015-03-14", "LA1", "jones 14/03/2015"):
        page = client.get("/children", query_string={"q": query}, base_url=BASE).get_data(as_text=True)
        assert "Amy Jones" in page and "Ben Smith" not in page, query
        assert "Police" in page and "Health" in page, query  # agencies involved
    page = client.get("/children", query_string={"q": "smith 14/03/2015"}, base_url=BASE).get_data(
        as_text=True
    )
    assert "0 children found" in page


def test_an_identifiers_letters_are_not_a_name(client, login, web_engine, two_children):
    lara = child(la_id="LA9", name="Lara Brown")
    import_items(web_engine, [event(lara, record_id="l1")], FileInfo("l.csv", "template"), actor="t")
    login("practitioner", "Team A")
    page = client.get("/children", query_string={"q": "LA2"}, base_url=BASE).get_data(as_text=True)
    assert "Ben Smith" in page and "Lara Brown" not in page
    page = client.get("/children", query_string={"q": "lar"}, base_url=BASE).get_data(as_text=True)
    assert "Lara Brown" in page


def test_search_shows_age_and_current_plan(web_engine, two_children):
    from chronology.events import PartialDate

    amy = child(la_id="LA1", name="Amy Jones", dob=dt.date(2015, 3, 14))
    plan_start = event(amy, record_id="p1", agency="Children's social care", when=PartialDate(2024, 1, 10))
    plan_start.event_type = "cp_plan_start"
    import_items(web_engine, [plan_start], FileInfo("plan.csv", "template"), actor="t")
    with web_engine.connect() as conn:
        [hit] = search_children(conn, "LA1", today=dt.date(2025, 3, 20)).hits
    assert hit.age == "10y 0m"
    assert hit.plan is not None and (hit.plan.kind, hit.plan.since) == (
        "child protection plan",
        dt.date(2024, 1, 10),
    )


def test_search_is_paginated(web_engine):
    kids = [child(la_id=f"P{i:03d}", name=f"Child{i:03d} Parker") for i in range(45)]
    import_items(
        web_engine,
        [event(k, record_id=f"r{i}") for i, k in enumerate(kids)],
        FileInfo("m.csv", "template"),
        actor="t",
    )
    with web_engine.connect() as conn:
        first = search_children(conn, "parker", page=1, page_size=20)
        third = search_children(conn, "parker", page=3, page_size=20)
        capped = search_children(conn, "parker", max_matches=10)
    assert (first.total, first.pages, len(first.hits), len(third.hits)) == (45, 3, 20, 5)
    assert {h.person_id for h in first.hits}.isdisjoint({h.person_id for h in third.hits})
    assert capped.too_many


def test_searches_are_in_the_access_log(client, login, web_engine, two_children):
    from sqlalchemy import select

    from chronology.db.models import AccessLog

    login("practitioner", "Team A")
    client.get("/children", query_string={"q": "amy"}, base_url=BASE)
    with web_engine.connect() as conn:
        [entry] = conn.execute(select(AccessLog.__table__)).all()
    assert entry.action == "search" and "'amy'" in entry.detail


def test_api_search_returns_json(client, login, two_children):
    login("practitioner", "Team A")
    body = client.get("/api/v1/children?q=LA2", base_url=BASE).get_json()
    assert body["total"] == 1 and body["children"][0]["name"] == "Ben Smith"
    assert body["children"][0]["agencies"] == ["Education"]
