"""Sessions kept in the store, so they can be ended: a copied cookie, replayed from another browser,
stops working after sign-out, deactivation, a password change and an administrator's "end sessions"."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from chronology.db.models import WebSession
from chronology.sessions import id_hash
from tests.webapp.conftest import BASE, post_form, sign_in

COOKIE = "chronology_session"


def cookie_of(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE, domain="localhost")
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app, value: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    """Another browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value, domain="localhost")
    return thief


def assert_signed_out(thief: FlaskClient) -> None:
    page = thief.get("/children", base_url=BASE)
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    api = thief.get("/api/v1/children?q=Jones", base_url=BASE)
    assert api.status_code == 401 and api.is_json


def assert_signed_in(thief: FlaskClient) -> None:
    assert thief.get("/children", base_url=BASE).status_code == 200


@pytest.fixture
def pat(app, make_user):  # type: ignore[no-untyped-def]
    """Pat, signed in; the test gets Pat's browser and a copy of its cookie, proven to work."""
    user = make_user("pat", "practitioner", "Team A")
    browser = app.test_client()
    assert sign_in(browser, "pat").status_code == 302
    value = cookie_of(browser)
    assert_signed_in(replay(app, value))  # a copy works while the session lives
    return user, browser, value


@pytest.fixture
def admin(app, make_user):  # type: ignore[no-untyped-def]
    make_user("ada", "admin")
    browser = app.test_client()
    assert sign_in(browser, "ada").status_code == 302
    return browser


def test_the_cookie_holds_only_a_random_id_and_the_store_only_its_hash(pat, web_engine):
    user, _, value = pat
    assert len(value) >= 40 and "." not in value  # not a signed cookie carrying data
    with web_engine.connect() as conn:
        rows = list(conn.execute(select(WebSession.__table__).where(WebSession.user_id == user.id)))
    assert [r.id_hash for r in rows] == [id_hash(value)]
    assert value not in rows[0].id_hash and value not in rows[0].data


def test_signing_out_ends_the_copied_cookie(app, pat):
    _, browser, value = pat
    assert post_form(browser, "/logout", {}, token_from="/children").status_code == 302
    assert_signed_out(replay(app, value))


def test_deactivation_ends_the_copied_cookie_even_once_reactivated(app, pat, admin):
    user, _, value = pat
    edit = f"/admin/users/{user.id}"
    assert post_form(admin, edit, {"role": "practitioner", "team": "Team A"}).status_code == 302  # unticked
    assert_signed_out(replay(app, value))
    assert post_form(admin, edit, {"role": "practitioner", "team": "Team A", "active": "y"}).status_code == 302
    assert_signed_out(replay(app, value))


def test_a_password_change_ends_the_copied_cookie(app, pat, admin):
    user, _, value = pat
    made = post_form(admin, f"/admin/users/{user.id}/password", {}, token_from=f"/admin/users/{user.id}")
    assert made.status_code == 200
    assert_signed_out(replay(app, value))
    assert_signed_in(admin)  # the administrator's own session is untouched


def test_a_password_set_from_the_command_line_ends_sessions_too(app, pat, web_engine):
    from chronology.users import set_password

    _, _, value = pat
    with web_engine.begin() as conn:
        set_password(conn, "pat", "another long password")
    assert_signed_out(replay(app, value))


def test_an_administrator_ends_one_users_sessions(app, pat, admin, make_user):
    user, browser, value = pat
    make_user("sam", "practitioner", "Team A")
    sam = app.test_client()
    sign_in(sam, "sam")
    listing = admin.get("/admin/users", base_url=BASE).get_data(as_text=True)
    assert f"/admin/users/{user.id}/sessions/end" in listing and "End everyone" in listing

    ended = post_form(admin, f"/admin/users/{user.id}/sessions/end", {}, token_from="/admin/users")
    assert ended.status_code == 302
    assert "1 sessions of pat ended" in admin.get("/admin/users", base_url=BASE).get_data(as_text=True)
    assert_signed_out(replay(app, value))
    assert_signed_out(browser)  # the original too
    assert_signed_in(sam)  # nobody else's
    assert_signed_in(admin)


def test_an_administrator_ends_everyones_sessions_their_own_too(app, pat, admin):
    _, _, value = pat
    admin_copy = cookie_of(admin)
    ended = post_form(admin, "/admin/sessions/end", {}, token_from="/admin/users")
    assert ended.status_code == 302 and ended.headers["Location"].endswith("/login")
    assert "sessions have ended, yours too" in admin.get("/login", base_url=BASE).get_data(as_text=True)
    assert_signed_out(replay(app, value))
    assert_signed_out(replay(app, admin_copy))
    assert_signed_out(admin)


def test_ending_sessions_needs_an_administrator_and_the_csrf_token(app, pat, admin, web_engine):
    user, browser, value = pat
    for path in (f"/admin/users/{user.id}/sessions/end", "/admin/sessions/end"):
        forged = admin.post(path, base_url=BASE, headers={"Referer": f"{BASE}/"})
        assert forged.status_code == 400
        assert post_form(browser, path, {}, token_from="/children").status_code == 403
    assert_signed_in(replay(app, value))


def test_an_id_made_up_before_signing_in_is_never_adopted(app, make_user):
    make_user("pat", "practitioner", "Team A")
    browser = app.test_client()
    browser.set_cookie(COOKIE, "chosen-by-an-attacker", domain="localhost")
    browser.get("/login", base_url=BASE)
    anonymous = cookie_of(browser)
    assert anonymous != "chosen-by-an-attacker"
    sign_in(browser, "pat")
    assert cookie_of(browser) != anonymous  # signing in starts a new id: one known before is useless
    assert_signed_out(replay(app, anonymous))


def test_a_session_row_expires_a_fixed_time_after_signing_in(app, pat, web_engine):
    import datetime as dt

    user, _, _ = pat
    with web_engine.connect() as conn:
        row = conn.execute(select(WebSession.__table__).where(WebSession.user_id == user.id)).one()
    lasts = row.expires_at.replace(tzinfo=None) - row.created_at.replace(tzinfo=None)
    assert abs(lasts - app.permanent_session_lifetime) < dt.timedelta(seconds=5)
