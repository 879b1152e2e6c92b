"""CSRF, the sign-in rate limit, and the security headers on every response."""

from __future__ import annotations

from tests.webapp.conftest import BASE, PASSWORD, csrf_token, sign_in


def test_a_form_posted_without_its_csrf_token_is_refused(client, make_user):
    make_user("pat", "practitioner", "Team A")
    response = client.post(
        "/login",
        data={"username": "pat", "password": PASSWORD},
        base_url=BASE,
        headers={"Referer": f"{BASE}/"},
    )
    assert response.status_code == 400
    assert client.get("/children", base_url=BASE).status_code == 302  # not signed in


def test_a_form_posted_with_a_forged_token_is_refused(client, make_user):
    make_user("pat", "practitioner", "Team A")
    csrf_token(client, "/login")  # the session has a real token; the post carries another
    response = client.post(
        "/login",
        data={"username": "pat", "password": PASSWORD, "csrf_token": "forged"},
        base_url=BASE,
        headers={"Referer": f"{BASE}/"},
    )
    assert response.status_code == 400


def test_sign_out_needs_the_token_too(client, login):
    login("practitioner", "Team A")
    response = client.post("/logout", base_url=BASE, headers={"Referer": f"{BASE}/"})
    assert response.status_code == 400
    assert client.get("/children", base_url=BASE).status_code == 200  # still signed in


def test_failed_sign_ins_are_limited_per_username(app, client, make_user):
    make_user("pat", "practitioner", "Team A")
    limit = app.config["LOGIN_MAX_FAILURES_PER_USERNAME"]
    for _ in range(limit):
        assert sign_in(client, "pat", "wrong password!").status_code == 401
    blocked = sign_in(client, "pat", PASSWORD)  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.get_data(as_text=True)
    assert sign_in(client, "pat", PASSWORD).status_code == 429


def test_failed_sign_ins_are_limited_per_address(app, client, make_user):
    app.extensions["login_throttle"].limits["ip"] = 3
    make_user("pat", "practitioner", "Team A")
    for name in ("a", "b", "c"):  # different usernames, one address
        assert sign_in(client, name, "wrong password!").status_code == 401
    assert sign_in(client, "pat", PASSWORD).status_code == 429


def test_the_limit_lifts_after_the_window():
    from web.ratelimit import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(window_seconds=60, per_username=2, per_ip=100, clock=lambda: now[0])
    throttle.failed("pat", "1.1.1.1")
    throttle.failed("PAT", "1.1.1.1")
    assert throttle.blocked("pat", "2.2.2.2")  # per username, whatever the address or case
    now[0] = 61.0
    assert not throttle.blocked("pat", "2.2.2.2")


def test_content_security_policy_allows_no_inline_script_or_style(client, login):
    for path in ("/login",):
        policy = client.get(path, base_url=BASE).headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
    login("practitioner", "Team A")
    response = client.get("/children", base_url=BASE)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_pages_have_no_inline_script_or_style(client, login):
    login("admin", None)
    for path in ("/children", "/admin/users", "/admin/access-log", "/imports/", "/identity/suggestions"):
        html = client.get(path, base_url=BASE).get_data(as_text=True)
        assert "<script>" not in html and "<style" not in html and " style=" not in html, path
        assert '<script type="module" src=' in html


def test_govuk_frontend_is_served_from_the_installed_package(client):
    css = client.get("/govuk/govuk-frontend.min.css", base_url=BASE)
    assert css.status_code == 200 and b".govuk-" in css.data
    js = client.get("/govuk/govuk-frontend.min.js", base_url=BASE)
    assert js.status_code == 200 and b"initAll" in js.data
    assert client.get("/static/app.js", base_url=BASE).status_code == 200


def test_no_template_marks_data_as_safe():
    """Autoescape is the only guard against hostile text in agency records: nothing bypasses it."""
    from pathlib import Path

    import web

    templates = Path(web.__file__).parent / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if "|safe" in path.read_text().replace(" ", "") or "autoescape false" in path.read_text()
    ]
    assert offenders == []


def test_referrer_policy_lets_the_https_csrf_check_see_our_own_forms(client, login):
    """Over https Flask-WTF refuses a form POST without a same-site Referer; "no-referrer" would make
    browsers send none and break every form. "same-origin" sends it to us only."""
    login("practitioner", "Team A")
    assert client.get("/children", base_url=BASE).headers["Referrer-Policy"] == "same-origin"
    from tests.webapp.conftest import csrf_token

    token = csrf_token(client, "/children")
    refused = client.post("/logout", data={"csrf_token": token}, base_url=BASE)  # as a no-referrer browser
    assert refused.status_code == 400
    accepted = client.post("/logout", data={"csrf_token": token}, base_url=BASE, headers={"Referer": f"{BASE}/children"})
    assert accepted.status_code == 302
