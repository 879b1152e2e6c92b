"""The web service under the Flask test client, on the same migrated test databases as the store
tests. Cookies are Secure, so the client speaks https; CSRF stays switched on, and every form is
posted with the token its page gave (``post_form``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from chronology.ingest import FileInfo, import_items
from chronology.users import UserView, add_user
from tests.factories import child, event
from web import create_app

BASE = "https://localhost"
PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    application = create_app(
        {"TESTING": True, "SECRET_KEY": "test-only-secret", "DATABASE_URL": database_url}
    )
    yield application
    application.extensions["chronology_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def web_engine(app: Flask) -> Engine:
    return app.extensions["chronology_engine"]


@pytest.fixture
def make_user(web_engine: Engine) -> Callable[..., UserView]:
    def make(username: str, role: str, team: str | None = None, password: str = PASSWORD) -> UserView:
        with web_engine.begin() as conn:
            return add_user(conn, username, role, team, password)

    return make


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path, base_url=BASE)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def post_form(client: FlaskClient, path: str, data: dict, *, token_from: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """POST as a browser would: with the CSRF token from the form's page, and a same-site Referer."""
    data = {**data, "csrf_token": csrf_token(client, token_from or path)}
    return client.post(path, data=data, base_url=BASE, headers={"Referer": f"{BASE}/"}, **kwargs)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return post_form(client, "/login", {"username": username, "password": password})


@pytest.fixture
def login(client: FlaskClient, make_user: Callable[..., UserView]) -> Callable[..., UserView]:
    """Make a user with this role and sign the test client in as them."""

    def do(role: str, team: str | None = None, username: str | None = None) -> UserView:
        user = make_user(username or f"{role}-user", role, team)
        response = sign_in(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def two_children(web_engine: Engine) -> dict[str, int]:
    """Two children imported through the real store: LA1 (Amy Jones) and LA2 (Ben Smith)."""
    import datetime as dt

    from chronology.record import find_child

    amy = child(la_id="LA1", name="Amy Jones", dob=dt.date(2015, 3, 14))
    ben = child(la_id="LA2", name="Ben Smith", dob=dt.date(2016, 7, 1))
    items = [
        event(amy, record_id="a1", agency="Police"),
        event(amy, record_id="a2", agency="Health", summary="A&E attendance"),
        event(ben, record_id="b1", agency="Education", summary="Disclosure at school"),
    ]
    import_items(web_engine, items, FileInfo("fixture.csv", "template"), actor="t")
    with web_engine.connect() as conn:
        return {"LA1": find_child(conn, "LA1"), "LA2": find_child(conn, "LA2")}  # type: ignore[dict-item]
