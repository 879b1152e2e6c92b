"""Signing in and out, and every route closed to anyone not signed in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from chronology.db.models import User
from tests.webapp.conftest import BASE, PASSWORD, post_form, sign_in
from web import create_app
from web.auth import PUBLIC_ENDPOINTS
from web.config import ConfigError


def test_sign_in_then_out(client, make_user):
    make_user("pat", "practitioner", "Team A")
    assert client.get("/children", base_url=BASE).status_code == 302

    response = sign_in(client, "pat")
    assert response.status_code == 302
    assert client.get("/children", base_url=BASE).status_code == 200

    response = post_form(client, "/logout", {}, token_from="/children")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/children", base_url=BASE).status_code == 302


def test_wrong_password_is_refused(client, make_user):
    make_user("pat", "practitioner", "Team A")
    response = sign_in(client, "pat", "not the password at all")
    assert response.status_code == 401
    assert "username or password is not right" in response.get_data(as_text=True)
    assert client.get("/children", base_url=BASE).status_code == 302


def test_deactivated_user_cannot_sign_in(client, make_user, web_engine):
    from sqlalchemy import update

    make_user("gone", "practitioner", "Team A")
    with web_engine.begin() as conn:
        conn.execute(update(User.__table__).values(active=False))
    assert sign_in(client, "gone").status_code == 401


def _example_url(rule) -> str:  # type: ignore[no-untyped-def]
    url = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument].__class__.__name__
        url = re.sub(rf"<[^>]*{argument}>", "1" if "Integer" in converter else "x", url)
    return url


def test_every_route_refuses_anonymous_users(app, client):
    """Iterates the app's real url_map: a route added without protection fails here."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, base_url=BASE)
            assert response.status_code in (302, 401, 400), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (method, url)
            if response.status_code == 400:  # CSRF refuses the POST before anything else happens
                assert method == "POST", url
            checked += 1
    assert checked >= 15


def test_anonymous_post_with_a_valid_token_still_needs_sign_in(app, client):
    """CSRF is not the only guard on POST routes: with a real token, sign-in is still required."""
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = post_form(client, _example_url(rule), {}, token_from="/login")
        if rule.rule.startswith("/api/"):  # the API answers 401 JSON, never a redirect
            assert response.status_code == 401 and response.is_json, rule.rule
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], rule.rule


def test_public_endpoints_are_only_sign_in_and_static_files():
    assert {"auth.login"} == {e for e in PUBLIC_ENDPOINTS if not e.endswith("static")}


def test_api_answers_401_not_a_redirect(client):
    response = client.get("/api/v1/children?q=x", base_url=BASE)
    assert response.status_code == 401 and response.is_json


def test_passwords_are_stored_hashed(make_user, web_engine):
    make_user("pat", "practitioner", "Team A")
    with web_engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert PASSWORD not in stored
    assert stored.startswith("$argon2id$")


def test_session_cookie_is_secure_httponly_samesite(client, make_user):
    make_user("pat", "practitioner", "Team A")
    response = sign_in(client, "pat")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_service_refuses_to_start_without_a_secret_key(monkeypatch, database_url):
    monkeypatch.delenv("CHRONOLOGY_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="CHRONOLOGY_SECRET_KEY"):
        create_app({"DATABASE_URL": database_url})
    monkeypatch.setenv("CHRONOLOGY_SECRET_KEY", "from-the-environment")
    assert create_app({"DATABASE_URL": database_url}).config["SECRET_KEY"] == "from-the-environment"


def test_insecure_cookies_only_when_the_environment_says_so(monkeypatch, database_url):
    monkeypatch.setenv("CHRONOLOGY_SECRET_KEY", "k")
    assert create_app({"DATABASE_URL": database_url}).config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("CHRONOLOGY_INSECURE_COOKIES", "1")
    assert create_app({"DATABASE_URL": database_url}).config["SESSION_COOKIE_SECURE"] is False


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(client, make_user):
    make_user("pat", "practitioner", "Team A")
    first = client.get("/children?q=amy", base_url=BASE)
    assert "next=" in first.headers["Location"]
    response = post_form(
        client,
        "/login?next=/children?q%3Damy",
        {"username": "pat", "password": PASSWORD},
        token_from="/login",
    )
    assert response.headers["Location"] == "/children?q=amy"
    post_form(client, "/logout", {}, token_from="/children")
    response = post_form(
        client, "/login?next=//evil.example/", {"username": "pat", "password": PASSWORD}, token_from="/login"
    )
    assert response.headers["Location"] == "/"


def test_each_role_lands_on_a_page_it_may_use(client, make_user):
    for role, team in [
        ("practitioner", "A"),
        ("manager", "A"),
        ("auditor", None),
        ("data_officer", None),
        ("admin", None),
    ]:
        make_user(f"u-{role}", role, team)
        landing = sign_in(client, f"u-{role}").headers["Location"]
        while True:
            response = client.get(landing, base_url=BASE)
            if response.status_code != 302:
                break
            landing = response.headers["Location"]
        assert response.status_code == 200, (role, landing)
        post_form(client, "/logout", {}, token_from=landing)


def test_a_session_ends_a_fixed_time_after_signing_in(app, client, make_user):
    import datetime as dt

    make_user("pat", "practitioner", "Team A")
    sign_in(client, "pat")
    assert client.get("/children", base_url=BASE).status_code == 200
    with client.session_transaction(base_url=BASE) as session:
        too_old = dt.datetime.now(dt.UTC) - app.permanent_session_lifetime - dt.timedelta(minutes=1)
        session["signed_in_at"] = too_old.isoformat()
    assert client.get("/children", base_url=BASE).status_code == 302
