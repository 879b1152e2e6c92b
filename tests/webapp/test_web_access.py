"""Who may see what: team allocation, break-glass with a recorded reason, role refusals."""

from __future__ import annotations

from sqlalchemy import select

from chronology.db.models import AccessLog
from chronology.users import allocate
from tests.webapp.conftest import BASE, post_form


def _allocate(web_engine, team: str, *child_ids: str) -> None:
    with web_engine.begin() as conn:
        allocate(conn, team, list(child_ids), "test-admin")


def _log(web_engine) -> list:
    with web_engine.connect() as conn:
        return list(conn.execute(select(AccessLog.__table__).order_by(AccessLog.id)))


def test_practitioner_opens_their_teams_child_and_the_view_is_logged(client, login, web_engine, two_children):
    _allocate(web_engine, "Team A", "LA1")
    user = login("practitioner", "Team A")
    response = client.get(f"/children/{two_children['LA1']}", base_url=BASE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Amy Jones" in page and "allocated to Team A" in page
    [entry] = [e for e in _log(web_engine) if e.action == "view"]
    assert (entry.actor, entry.person_id, entry.reason) == (user.username, two_children["LA1"], None)


def test_another_teams_child_needs_a_reason_which_is_recorded(client, login, web_engine, two_children):
    _allocate(web_engine, "Team A", "LA1")
    _allocate(web_engine, "Team B", "LA2")
    user = login("practitioner", "Team A")
    ben = two_children["LA2"]
    response = client.get(f"/children/{ben}", base_url=BASE)
    assert response.status_code == 302 and f"/children/{ben}/reason" in response.headers["Location"]
    assert not [e for e in _log(web_engine) if e.action == "view"]  # nothing shown, nothing viewed

    refused = post_form(client, f"/children/{ben}/reason", {"reason": "too short"})
    assert refused.status_code == 400 and "at least 10 characters" in refused.get_data(as_text=True)

    reason = "Duty enquiry: police called about a new incident"
    granted = post_form(client, f"/children/{ben}/reason?next=/children/{ben}", {"reason": reason})
    assert granted.status_code == 302 and granted.headers["Location"] == f"/children/{ben}"
    page = client.get(f"/children/{ben}", base_url=BASE)
    assert page.status_code == 200 and "Ben Smith" in page.get_data(as_text=True)

    entries = _log(web_engine)
    glass = [e for e in entries if e.action == "break-glass"]
    views = [e for e in entries if e.action == "view"]
    assert [(e.actor, e.person_id, e.reason) for e in glass] == [(user.username, ben, reason)]
    assert [(e.person_id, e.reason) for e in views] == [(ben, reason)]


def test_a_reason_for_one_child_does_not_open_another(client, login, web_engine, two_children):
    login("practitioner", "Team A")
    post_form(
        client, f"/children/{two_children['LA1']}/reason", {"reason": "Strategy meeting this afternoon"}
    )
    assert client.get(f"/children/{two_children['LA1']}", base_url=BASE).status_code == 200
    assert client.get(f"/children/{two_children['LA2']}", base_url=BASE).status_code == 302


def test_manager_sees_their_team_and_needs_a_reason_elsewhere(client, login, web_engine, two_children):
    _allocate(web_engine, "Team B", "LA2")
    login("manager", "Team B")
    assert client.get(f"/children/{two_children['LA2']}", base_url=BASE).status_code == 200
    assert client.get(f"/children/{two_children['LA1']}", base_url=BASE).status_code == 302


def test_auditor_always_gives_a_reason_to_see_who_a_child_is(client, login, web_engine, two_children):
    _allocate(web_engine, "Team A", "LA1")
    login("auditor")
    assert client.get(f"/children/{two_children['LA1']}", base_url=BASE).status_code == 302
    cohort = client.get("/audit/children", base_url=BASE).get_data(as_text=True)
    assert "Amy Jones" not in cohort and "Ben Smith" not in cohort and "LA1" not in cohort
    assert "Child-" in cohort


def test_roles_are_refused_pages_outside_their_work(client, login):
    login("practitioner", "Team A")
    for path in (
        "/admin/users",
        "/admin/access-log",
        "/admin/allocations",
        "/imports/",
        "/identity/suggestions",
        "/audit/",
    ):
        assert client.get(path, base_url=BASE).status_code == 403, path


def test_auditor_cannot_search_by_name(client, login):
    login("auditor")
    assert client.get("/children?q=Jones", base_url=BASE).status_code == 403
    assert client.get("/api/v1/children?q=Jones", base_url=BASE).status_code == 403


def test_data_officer_imports_but_does_not_manage_users(client, login):
    login("data_officer")
    assert client.get("/imports/", base_url=BASE).status_code == 200
    assert client.get("/identity/suggestions", base_url=BASE).status_code == 200
    assert client.get("/admin/users", base_url=BASE).status_code == 403


def test_admin_reads_the_access_log_page(client, login, web_engine, two_children):
    login("admin", username="root-admin")
    post_form(
        client, f"/children/{two_children['LA1']}/reason", {"reason": "Checking a complaint about access"}
    )
    client.get(f"/children/{two_children['LA1']}", base_url=BASE)
    page = client.get("/admin/access-log?action=break-glass", base_url=BASE).get_data(as_text=True)
    assert "Checking a complaint about access" in page and "root-admin" in page


def test_the_reason_page_grants_only_on_a_post_with_its_token(client, login, web_engine, two_children):
    """Break-glass is a deliberate act: neither a GET carrying a reason nor a POST forged from another
    site (no CSRF token) writes a break-glass or opens the record."""
    _allocate(web_engine, "Team A", "LA1")
    login("practitioner", "Team A")
    ben = two_children["LA2"]
    reason = "Duty enquiry: police called about a new incident"
    assert client.get(f"/children/{ben}/reason?reason={reason}", base_url=BASE).status_code == 200
    assert client.get(f"/children/{ben}?reason={reason}", base_url=BASE).status_code == 302
    forged = client.post(
        f"/children/{ben}/reason", data={"reason": reason}, base_url=BASE, headers={"Referer": f"{BASE}/"}
    )
    assert forged.status_code == 400
    assert [e for e in _log(web_engine) if e.action in ("break-glass", "view")] == []
    assert client.get(f"/children/{ben}", base_url=BASE).status_code == 302  # still asks for a reason

    assert post_form(client, f"/children/{ben}/reason", {"reason": reason}).status_code == 302
    assert client.get(f"/children/{ben}", base_url=BASE).status_code == 200
    assert [e.reason for e in _log(web_engine) if e.action == "break-glass"] == [reason]
