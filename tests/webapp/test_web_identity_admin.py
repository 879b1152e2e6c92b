"""Identity suggestions decided on the web, user management, and untrusted text kept as text."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from chronology.db.models import MatchSuggestion, PersonMerge
from chronology.ingest import FileInfo, import_items
from chronology.users import authenticate
from tests.factories import child, event
from tests.webapp.conftest import BASE, post_form


def _two_records_of_one_child(web_engine) -> int:
    born = dt.date(2014, 5, 2)
    social_care = child(la_id="LA7", name="Sam Cole", dob=born)
    school = child(name="Sam Cole", dob=born)
    import_items(
        web_engine,
        [event(social_care, record_id="s1", agency="Children's social care")],
        FileInfo("a.csv", "template"),
        actor="t",
    )
    import_items(
        web_engine,
        [event(school, record_id="e1", agency="Education", system="template:School")],
        FileInfo("b.csv", "template"),
        actor="t",
    )
    with web_engine.connect() as conn:
        return conn.execute(
            select(MatchSuggestion.id).where(MatchSuggestion.status == "pending")
        ).scalar_one()


def test_data_officer_confirms_a_suggestion(client, login, web_engine):
    suggestion_id = _two_records_of_one_child(web_engine)
    officer = login("data_officer")
    page = client.get("/identity/suggestions", base_url=BASE).get_data(as_text=True)
    assert f"Suggestion {suggestion_id}" in page and "Sam Cole" in page
    response = post_form(
        client, f"/identity/suggestions/{suggestion_id}/confirm", {}, token_from="/identity/suggestions"
    )
    assert response.status_code == 302
    with web_engine.connect() as conn:
        status, decided_by = conn.execute(
            select(MatchSuggestion.status, MatchSuggestion.decided_by).where(
                MatchSuggestion.id == suggestion_id
            )
        ).one()
        merge = conn.execute(select(PersonMerge.method, PersonMerge.made_by)).one()
    assert (status, decided_by) == ("confirmed", officer.username)
    assert tuple(merge) == ("confirmed_suggestion", officer.username)
    assert "There are no suggestions waiting" in client.get("/identity/suggestions", base_url=BASE).get_data(
        as_text=True
    )


def test_search_shows_waiting_matches_to_those_who_decide_them(client, login, web_engine, make_user, app):
    _two_records_of_one_child(web_engine)
    login("data_officer")
    page = client.get("/children", query_string={"q": "sam cole"}, base_url=BASE).get_data(as_text=True)
    # One result for the possible child: the social-care record leads, the school's record under it.
    assert "1 child found" in page and page.count("Possible same child") == 1
    assert "2 records to review" in page and page.count("Sam Cole") == 2
    practitioner = app.test_client()
    make_user("pat", "practitioner", "Team A")
    from tests.webapp.conftest import sign_in

    sign_in(practitioner, "pat")
    page = practitioner.get("/children", query_string={"q": "sam cole"}, base_url=BASE).get_data(as_text=True)
    assert "Sam Cole" in page and "Possible same child" in page and "records to review" not in page
    assert "not in this record until a data officer joins them" in page


def test_data_officer_rejects_a_suggestion(client, login, web_engine):
    suggestion_id = _two_records_of_one_child(web_engine)
    login("data_officer")
    post_form(client, f"/identity/suggestions/{suggestion_id}/reject", {}, token_from="/identity/suggestions")
    with web_engine.connect() as conn:
        assert conn.execute(select(MatchSuggestion.status)).scalar_one() == "rejected"
        assert conn.execute(select(PersonMerge.id)).first() is None


def test_practitioner_cannot_decide_suggestions(client, login, web_engine):
    suggestion_id = _two_records_of_one_child(web_engine)
    login("practitioner", "Team A")
    response = post_form(client, f"/identity/suggestions/{suggestion_id}/confirm", {}, token_from="/children")
    assert response.status_code == 403
    with web_engine.connect() as conn:
        assert conn.execute(select(MatchSuggestion.status)).scalar_one() == "pending"


def test_admin_adds_a_user_and_sees_the_password_once(client, login, web_engine):
    login("admin")
    response = post_form(
        client, "/admin/users", {"username": "new-worker", "role": "practitioner", "team": "Team C"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "new-worker added" in page
    password = page.split('<code id="new-password">')[1].split("</code>")[0]
    with web_engine.begin() as conn:
        user = authenticate(conn, "new-worker", password)
    assert user is not None and (user.role.value, user.team) == ("practitioner", "Team C")
    assert password not in client.get("/admin/users", base_url=BASE).get_data(as_text=True)


def test_admin_allocates_children_on_the_web(client, login, web_engine, two_children):
    login("admin")
    response = post_form(client, "/admin/allocations", {"team": "Team A", "child_ids": "LA1, LA2"})
    assert response.status_code == 302
    page = client.get("/admin/allocations", base_url=BASE).get_data(as_text=True)
    assert "LA1" in page and "LA2" in page


def test_untrusted_text_is_escaped(client, login, web_engine):
    hostile = child(la_id="LAX", name='<script>alert("x")</script> Evans', dob=dt.date(2015, 1, 1))
    import_items(web_engine, [event(hostile, record_id="x1")], FileInfo("x.csv", "template"), actor="t")
    login("admin")
    page = client.get("/children", query_string={"q": "LAX"}, base_url=BASE).get_data(as_text=True)
    assert "Evans" in page
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page


def test_admin_resets_a_password_and_the_old_one_stops_working(client, login, make_user, web_engine):
    from tests.webapp.conftest import PASSWORD

    worker = make_user("worker", "practitioner", "Team A")
    login("admin")
    response = post_form(client, f"/admin/users/{worker.id}/password", {}, token_from=f"/admin/users/{worker.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "has a new password" in page
    password = page.split('<code id="new-password">')[1].split("</code>")[0]
    with web_engine.begin() as conn:
        assert authenticate(conn, "worker", PASSWORD) is None
        assert authenticate(conn, "worker", password) is not None


def test_admin_deactivates_a_user_whose_session_then_ends(app, make_user, login, web_engine):
    from tests.webapp.conftest import sign_in

    worker = make_user("worker", "practitioner", "Team A")
    worker_client = app.test_client()
    sign_in(worker_client, "worker")
    assert worker_client.get("/children", base_url=BASE).status_code == 200
    admin_client = app.test_client()
    admin = make_user("boss", "admin")
    sign_in(admin_client, admin.username)
    response = post_form(admin_client, f"/admin/users/{worker.id}", {"role": "practitioner", "team": "Team A"})
    assert response.status_code == 302  # "active" unticked
    assert worker_client.get("/children", base_url=BASE).status_code == 302
