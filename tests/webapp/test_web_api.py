"""The JSON API: the pages' permissions (401 JSON, 403), break-glass only by a POST with a CSRF token, filters, paging,
the access log, and the OpenAPI description matching the routes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from sqlalchemy import select

from chronology.db.models import AccessLog
from chronology.events import PartialDate, PersonRef, Provenance, Relationship
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from chronology.users import allocate
from tests.factories import child, event
from tests.webapp.conftest import BASE

REASON = "Strategy meeting about a new referral"


@pytest.fixture
def amy(web_engine) -> int:
    """Amy (LA1) with six events across agencies, themes, people, significance and dates."""
    amy = child(la_id="LA1", name="Amy Jones", dob=dt.date(2015, 3, 14))
    dad = PersonRef(name="Mark Jones", role="father")

    def at(record: str, day: str, agency: str, **changes):  # type: ignore[no-untyped-def]
        y, m, d = (int(p) for p in day.split("-"))
        base = event(amy, record_id=record, agency=agency, when=PartialDate(y, m, d))
        return dataclasses.replace(base, **changes)

    items = [
        at("e1", "2020-01-05", "Police", themes=["domestic_abuse"], persons=[dad], significant=True),
        at("e2", "2020-02-10", "Health", themes=["physical_abuse"], summary="A&E attendance"),
        at("e3", "2020-06-01", "Education: Oak Lane Primary", themes=["neglect"]),
        at("e4", "2021-03-04", "Police", themes=["domestic_abuse"], significant=True),
        at("e5", "2021-09-09", "Children's social care", themes=[], persons=[dad]),
        at("e6", "2022-01-01", "Health", themes=["domestic_abuse"]),
    ]
    items.append(
        Relationship(
            amy,
            dad,
            "father",
            Provenance(source_system="template:Children's social care", file="rel.csv", row=2),
        )
    )
    import_items(web_engine, items, FileInfo("amy.csv", "template"), actor="t")
    with web_engine.connect() as conn:
        return find_child(conn, "LA1")  # type: ignore[return-value]


def _log(web_engine, action: str | None = None) -> list:
    with web_engine.connect() as conn:
        rows = list(conn.execute(select(AccessLog.__table__).order_by(AccessLog.id)))
    return [r for r in rows if action is None or r.action == action]


def _team_a(web_engine) -> None:
    with web_engine.begin() as conn:
        allocate(conn, "Team A", ["LA1"], "test-admin")


def get(client, path: str, **params):  # type: ignore[no-untyped-def]
    return client.get(path, base_url=BASE, query_string=params)


API_ROUTES = [
    "/api/v1/children?q=Jones",
    "/api/v1/children/{amy}",
    "/api/v1/children/{amy}/chronology",
    "/api/v1/children/{amy}/links",
    "/api/v1/children/{amy}/flags",
    "/api/v1/children/{amy}/harm",
    "/api/v1/imports",
    "/api/v1/imports/1",
    "/api/v1/openapi.json",
    "/api/v1/csrf-token",
]


@pytest.mark.parametrize("path", API_ROUTES)
def test_anonymous_calls_get_401_json_not_a_redirect(client, amy, path):
    response = client.get(path.format(amy=amy), base_url=BASE)
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"]


def test_auditors_may_not_search_by_name(client, login, amy):
    login("auditor")
    response = get(client, "/api/v1/children", q="Jones")
    assert response.status_code == 403 and response.is_json


def test_practitioners_may_not_read_imports(client, login, amy):
    login("practitioner", "Team A")
    assert get(client, "/api/v1/imports").status_code == 403
    assert get(client, "/api/v1/imports/1").status_code == 403


def test_search_returns_children_and_is_logged(client, login, web_engine, amy):
    user = login("practitioner", "Team A")
    body = get(client, "/api/v1/children", q="Jones").get_json()
    assert [c["person_id"] for c in body["children"]] == [amy]
    assert body["children"][0]["identifiers"]["la_child_id"] == ["LA1"]
    [entry] = _log(web_engine, "search")
    assert entry.actor == user.username and "Jones" in entry.detail


def api_token(client) -> str:  # type: ignore[no-untyped-def]
    return get(client, "/api/v1/csrf-token").get_json()["csrf_token"]


def break_glass(client, person_id: int, reason: str, token: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Referer": f"{BASE}/"}
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.post(
        f"/api/v1/children/{person_id}/break-glass", json={"reason": reason}, base_url=BASE, headers=headers
    )


CHILD_ROUTES = ("", "/chronology", "/links", "/flags", "/harm")


@pytest.mark.parametrize("suffix", CHILD_ROUTES)
def test_a_reason_on_a_get_is_refused_and_writes_nothing(client, login, web_engine, amy, suffix):
    """A link on another site could send this GET under the user's name: it must grant nothing."""
    login("practitioner", "Team B")
    response = get(client, f"/api/v1/children/{amy}{suffix}", reason=REASON)
    assert response.status_code == 400
    body = response.get_json()
    assert "POST" in body["error"] and body["break_glass"] == f"/api/v1/children/{amy}/break-glass"
    assert "Amy" not in response.get_data(as_text=True)
    assert _log(web_engine) == []  # no break-glass, no view
    # and it opened nothing for the next call either
    assert get(client, f"/api/v1/children/{amy}{suffix}").status_code == 403


def test_a_reason_on_a_get_is_refused_even_for_the_teams_own_child(client, login, web_engine, amy):
    _team_a(web_engine)
    login("practitioner", "Team A")
    assert get(client, f"/api/v1/children/{amy}", reason=REASON).status_code == 400
    assert _log(web_engine, "break-glass") == []


def test_a_child_outside_the_team_says_how_to_give_a_reason(client, login, web_engine, amy):
    login("practitioner", "Team B")
    refused = get(client, f"/api/v1/children/{amy}/chronology")
    assert refused.status_code == 403
    body = refused.get_json()
    assert body["reason_required"] is True and body["break_glass"] == f"/api/v1/children/{amy}/break-glass"
    assert "POST" in body["error"] and "X-CSRFToken" in body["error"]
    assert _log(web_engine) == []  # nothing shown, nothing logged as viewed


def test_break_glass_without_a_csrf_token_is_refused(client, login, web_engine, amy):
    login("practitioner", "Team B")
    assert break_glass(client, amy, REASON).status_code == 400
    assert break_glass(client, amy, REASON, token="forged").status_code == 400
    assert _log(web_engine, "break-glass") == []
    assert get(client, f"/api/v1/children/{amy}").status_code == 403


def test_break_glass_by_post_then_the_gets_read_the_grant_and_log_it(client, login, web_engine, amy):
    user = login("practitioner", "Team B")
    token = api_token(client)
    assert break_glass(client, amy, "short", token).status_code == 400
    assert _log(web_engine, "break-glass") == []

    granted = break_glass(client, amy, REASON, token)
    assert granted.status_code == 201, granted.get_json()
    assert granted.get_json()["person_id"] == amy and granted.get_json()["reason"] == REASON
    glass = _log(web_engine, "break-glass")
    assert [(e.actor, e.person_id, e.reason) for e in glass] == [(user.username, amy, REASON)]
    assert "through the API" in glass[0].detail

    body = get(client, f"/api/v1/children/{amy}").get_json()
    assert body["name"] == "Amy Jones" and body["access"] == {"basis": "reason given", "reason": REASON}
    assert get(client, f"/api/v1/children/{amy}/flags").status_code == 200  # the grant covers the session
    views = _log(web_engine, "view")
    assert [(e.person_id, e.reason) for e in views] == [(amy, REASON), (amy, REASON)]
    assert all("API" in e.detail for e in views)
    assert len(_log(web_engine, "break-glass")) == 1  # reading never records another


def test_a_grant_ends_after_the_break_glass_time(app, client, login, amy):
    login("practitioner", "Team B")
    app.config["BREAK_GLASS_MINUTES"] = -1  # already over when given
    assert break_glass(client, amy, REASON, api_token(client)).status_code == 201
    assert get(client, f"/api/v1/children/{amy}").status_code == 403


def test_a_reason_given_on_the_page_opens_the_api_too(client, login, amy):
    from tests.webapp.conftest import post_form

    login("auditor")
    assert post_form(client, f"/children/{amy}/reason", {"reason": REASON}).status_code == 302
    assert get(client, f"/api/v1/children/{amy}/harm").status_code == 200


def test_every_child_route_logs_a_view_for_the_teams_child(client, login, web_engine, amy):
    _team_a(web_engine)
    user = login("practitioner", "Team A")
    for suffix in ("", "/chronology", "/links", "/flags", "/harm"):
        response = get(client, f"/api/v1/children/{amy}{suffix}")
        assert response.status_code == 200, (suffix, response.get_json())
        body = response.get_json()
        assert body.get("person_id", body.get("child_person_id")) == amy
    views = _log(web_engine, "view")
    assert len(views) == 5
    assert {(e.actor, e.person_id, e.reason) for e in views} == {(user.username, amy, None)}
    assert all("allocated to Team A" in e.detail for e in views)


def _ids(client, amy: int, **params) -> list[str]:  # type: ignore[no-untyped-def]
    response = get(client, f"/api/v1/children/{amy}/chronology", **params)
    assert response.status_code == 200, response.get_json()
    return [e["provenance"]["record_id"] for e in response.get_json()["events"]]


def test_chronology_filters_as_the_timeline(client, login, web_engine, amy):
    _team_a(web_engine)
    login("practitioner", "Team A")
    assert _ids(client, amy) == ["e1", "e2", "e3", "e4", "e5", "e6"]
    assert _ids(client, amy, agency="Police") == ["e1", "e4"]
    assert _ids(client, amy, agency=["Education", "Health"]) == ["e2", "e3", "e6"]  # top-level agencies
    assert _ids(client, amy, theme="domestic_abuse") == ["e1", "e4", "e6"]
    assert _ids(client, amy, theme=["neglect", "physical_abuse"]) == ["e2", "e3"]
    assert _ids(client, amy, significance="significant") == ["e1", "e4"]
    assert _ids(client, amy, significance="not_significant") == ["e2", "e3", "e5", "e6"]
    family = get(client, f"/api/v1/children/{amy}").get_json()["family"]
    [dad] = [m for m in family if m["name"] == "Mark Jones"]
    assert _ids(client, amy, person=str(min(dad["person_ids"]))) == ["e1", "e5"]
    assert _ids(client, amy, **{"from": "2020-02-10", "to": "2021-03-04"}) == ["e2", "e3", "e4"]
    assert _ids(client, amy, agency="Police", **{"from": "2021-01-01"}) == ["e4"]
    bad = get(client, f"/api/v1/children/{amy}/chronology", **{"from": "04/03/2021"})
    assert bad.status_code == 400 and "Date from must be a real date" in bad.get_json()["error"]
    assert get(client, f"/api/v1/children/{amy}/chronology", significance="maybe").status_code == 400


def test_chronology_pages_and_each_event_carries_provenance_and_people(client, login, web_engine, amy):
    _team_a(web_engine)
    login("practitioner", "Team A")
    first = get(client, f"/api/v1/children/{amy}/chronology", page_size=4).get_json()
    second = get(client, f"/api/v1/children/{amy}/chronology", page_size=4, page=2).get_json()
    assert (first["total"], first["pages"], len(first["events"]), len(second["events"])) == (6, 2, 4, 2)
    assert [e["id"] for e in first["events"] + second["events"]] == sorted(
        e["id"] for e in first["events"] + second["events"]
    )
    event = first["events"][0]
    assert (
        event["provenance"]["file"] == "police.csv"
        and event["provenance"]["row"] == 2
        and event["provenance"]["record_id"] == "e1"
    )
    assert event["date"] == "2020-01-05" and event["age_at_event"]
    assert [p["name"] for p in event["persons"]] == ["Mark Jones"]
    assert "incident_cluster" in event and "episode" in event
    assert get(client, f"/api/v1/children/{amy}/chronology", page_size=0).status_code == 400


def test_imports_list_and_report_for_data_officers(client, login, amy):
    login("data_officer")
    listing = get(client, "/api/v1/imports").get_json()
    assert listing["total"] == 1 and listing["imports"][0]["file_name"] == "amy.csv"
    batch_id = listing["imports"][0]["id"]
    report = get(client, f"/api/v1/imports/{batch_id}").get_json()
    assert report["report"]["id"] == batch_id and report["issues"] == []
    assert get(client, "/api/v1/imports/999999").status_code == 404
    assert get(client, f"/api/v1/imports/{batch_id}", kind="nonsense").status_code == 400


def test_the_api_changes_nothing_and_takes_no_unprotected_post(client, login, amy):
    login("admin")
    response = client.post(f"/api/v1/children/{amy}/chronology", base_url=BASE)
    assert response.status_code in (400, 405)  # refused: no read route accepts a POST
    posts = {rule.rule for rule in client.application.url_map.iter_rules() if rule.rule.startswith("/api/")
             and "POST" in rule.methods}
    assert posts == {"/api/v1/children/<int:person_id>/break-glass"}


def _rule_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_openapi_describes_exactly_the_api_routes_and_is_valid(client, login, app):
    from openapi_spec_validator import validate

    login("practitioner", "Team A")
    document = get(client, "/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    routes = {_rule_path(rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes == set(document["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            described = set(document["paths"][_rule_path(rule.rule)])
            assert described == {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}


def test_annotations_travel_with_events_and_significance_follows_the_latest_judgement(
    client, login, web_engine, amy
):
    from chronology.annotations import Kind, add_note
    from chronology.search import groups_of

    _team_a(web_engine)
    login("practitioner", "Team A")
    [e2] = [
        e
        for e in get(client, f"/api/v1/children/{amy}/chronology").get_json()["events"]
        if e["provenance"]["record_id"] == "e2"
    ]
    with web_engine.begin() as conn:
        add_note(
            conn,
            child_person_id=amy,
            members=groups_of(conn, [amy])[amy],
            event_id=e2["id"],
            author="pat",
            kind=Kind.SIGNIFICANCE,
            text="Injury unexplained",
            significant=True,
        )
    assert _ids(client, amy, significance="significant") == ["e1", "e2", "e4"]
    [e2] = [
        e
        for e in get(client, f"/api/v1/children/{amy}/chronology").get_json()["events"]
        if e["id"] == e2["id"]
    ]
    assert (e2["significant"], e2["recorded_significant"]) == (True, False)
    assert [(n["author"], n["kind"], n["text"]) for n in e2["annotations"]] == [
        ("pat", "significance", "Injury unexplained")
    ]


@pytest.mark.parametrize("params", [{}, {"agency": "Police"}, {"theme": "domestic_abuse"}, {"from": "2020-02-10"}])
def test_page_two_is_the_next_slice_of_the_whole_chronology(client, login, web_engine, amy, params):
    _team_a(web_engine)
    login("practitioner", "Team A")
    everything = _ids(client, amy, page_size=1000, **params)
    first = _ids(client, amy, page_size=2, page=1, **params)
    second = _ids(client, amy, page_size=2, page=2, **params)
    assert first == everything[:2] and second == everything[2:4]
    body = get(client, f"/api/v1/children/{amy}/chronology", page_size=2, page=2, **params).get_json()
    assert body["total"] == len(everything) and body["pages"] == max(1, -(-len(everything) // 2))


def test_a_month_precise_event_is_kept_by_a_from_date_inside_its_month(client, login, web_engine, amy):
    month = dataclasses.replace(
        event(child(la_id="LA1", name="Amy Jones", dob=dt.date(2015, 3, 14)), record_id="m1", agency="Police",
              when=PartialDate(2020, 3, None)),
    )
    import_items(web_engine, [month], FileInfo("month.csv", "template"), actor="t")
    _team_a(web_engine)
    login("practitioner", "Team A")
    assert "m1" in _ids(client, amy, **{"from": "2020-03-20", "to": "2020-03-25"})
    assert "m1" not in _ids(client, amy, **{"from": "2020-04-01"})
