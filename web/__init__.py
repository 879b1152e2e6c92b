"""The web service: an application factory with one blueprint per area.

``create_app()`` reads its settings from the environment (web/config.py); tests pass overrides.
Every route needs a signed-in user unless it is listed in ``web.auth.PUBLIC_ENDPOINTS``.

A page that shows or exports a child's record follows ``web.children.child``:

    root = root_of(conn, person_id)                  # address children by their merge root
    decision = access.decide(conn, current_user(), root)
    if not decision.allowed:
        return access.ask_for_reason(root)           # break-glass, then back to this page
    ...                                              # load and show the record
    access.log_view(conn, user, decision, "timeline", action="view" or "export")

Roles are checked with ``@roles_required(...)`` (web/auth.py); forms come from web/forms.py
(CSRF is on for every POST; a JSON POST sends the token in the ``X-CSRFToken`` header).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from chronology.db.engine import make_engine
from chronology.display_names import display, systems
from web import admin, api, audit, auth, children, errors, imports, security, timeline
from web.config import from_environment
from web.ratelimit import LoginThrottle
from web.sessions import DatabaseSessionInterface

csrf = CSRFProtect()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(from_environment(overrides))
    app.extensions["chronology_engine"] = make_engine(app.config["DATABASE_URL"])
    app.session_interface = DatabaseSessionInterface()  # sessions in the store, so they can be ended
    app.extensions["login_throttle"] = LoginThrottle(
        window_seconds=app.config["LOGIN_WINDOW_SECONDS"],
        per_username=app.config["LOGIN_MAX_FAILURES_PER_USERNAME"],
        per_ip=app.config["LOGIN_MAX_FAILURES_PER_IP"],
    )
    proxies = int(os.environ.get("CHRONOLOGY_TRUSTED_PROXIES", "0"))
    if proxies:  # behind a reverse proxy: take the client address it reports, and no more hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    app.jinja_env.filters["display"] = display  # codes in words: {{ code | display('plan_kinds') }}
    app.jinja_env.filters["systems"] = systems
    csrf.init_app(app)
    app.register_blueprint(_frontend_assets(Path(app.config["FRONTEND_DIR"])))
    for module in (auth, children, timeline, audit, imports, api, admin):
        app.register_blueprint(module.bp)
    errors.register(app)
    security.register(app)
    auth.register(app)
    return app


def _frontend_assets(frontend_dir: Path) -> Blueprint:
    """GOV.UK Frontend's CSS, JS and images, served from the installed npm package (never copied).

    Only images are exposed under /assets: the GOV.UK fonts are licensed for GOV.UK services alone.
    Pages use the CSS built from web/scss/ (Arial, no @font-face), so they never ask for the fonts.
    """
    bp = Blueprint("govuk", __name__, static_folder=str(frontend_dir), static_url_path="/govuk")
    images = Blueprint(
        "govuk_images", __name__, static_folder=str(frontend_dir / "assets" / "images"), static_url_path="/assets/images"
    )
    bp.register_blueprint(images)
    return bp
