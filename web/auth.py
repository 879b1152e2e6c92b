"""Signing in and out, and the rule that every page needs a signed-in user.

The check runs before every request (``require_login``), so a route added later is protected
without remembering a decorator; only ``PUBLIC_ENDPOINTS`` are open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from chronology.users import Role, UserView, authenticate, get_user
from web.db import engine
from web.forms import EmptyForm, LoginForm

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "govuk.static", "govuk.govuk_images.static"})

F = TypeVar("F", bound=Callable[..., Any])


def register(app: Flask) -> None:
    app.before_request(require_login)

    @app.context_processor
    def _user_context() -> dict[str, Any]:
        return {"current_user": g.get("user"), "Role": Role}


def require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS and request.endpoint != "auth.login":
        return None  # static files: no need to read the user
    g.user = _signed_in_user()
    if g.user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.endpoint is None:  # no such page: a 404 says nothing about the data
        return None
    if request.path.startswith("/api/"):
        return jsonify(error="sign in first"), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def _signed_in_user() -> UserView | None:
    user_id = session.get("user_id")
    if user_id is None:
        return None
    signed_in_at = dt.datetime.fromisoformat(session.get("signed_in_at", "1970-01-01T00:00:00+00:00"))
    if dt.datetime.now(dt.UTC) - signed_in_at > current_app.permanent_session_lifetime:
        session.clear()  # however active, a session lasts no longer than this after signing in
        return None
    with engine().connect() as conn:
        user = get_user(conn, int(user_id))
    if user is None or not user.active:  # deactivated since signing in: the session ends now
        session.clear()
        return None
    return user


def current_user() -> UserView:
    user = g.get("user")
    if user is None:  # require_login makes this unreachable for protected endpoints
        abort(401)
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Refuse (403) anyone whose role is not one of ``roles``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never another host) after signing in."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("children.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if g.get("user") is not None:
        return redirect(url_for("children.home"))
    form = LoginForm()
    throttle = current_app.extensions["login_throttle"]
    status = 200
    if form.validate_on_submit():
        username, address = form.username.data or "", _client_address()
        if throttle.blocked(username, address):
            minutes = max(1, current_app.config["LOGIN_WINDOW_SECONDS"] // 60)
            form.form_errors.append(f"Too many failed sign-in attempts. Wait {minutes} minutes and try again.")
            return render_template("auth/login.html", form=form), 429
        with engine().begin() as conn:
            user = authenticate(conn, username, form.password.data or "")
        if user is not None:
            throttle.succeeded(username)
            session.clear()  # a new session, under a new id, for the signed-in user (no fixation)
            session.regenerate()
            session["user_id"] = user.id
            session["signed_in_at"] = dt.datetime.now(dt.UTC).isoformat()
            return redirect(_safe_next(request.args.get("next")))
        throttle.failed(username, address)
        form.form_errors.append("The username or password is not right")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    session.clear()  # the stored session is ended: a copy of the cookie opens nothing
    session.regenerate()
    flash("You have signed out")
    return redirect(url_for("auth.login"))
