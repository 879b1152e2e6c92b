"""Error pages in the service's own layout (and JSON for the API)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from web.query_params import UnknownParameters

MESSAGES = {
    400: ("The form could not be used", "Go back, reload the page and try again."),
    401: ("Sign in first", "You need to sign in to use this service."),
    403: ("You cannot see this page", "Your role does not include this page. Ask your manager if you need it."),
    404: ("Page not found", "Check the address, or start again from the search page."),
    405: ("That cannot be done here", "Go back and use the page's buttons."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
}


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        return _page(400, "The form had expired or was not sent from this service. Reload the page and try again.")

    @app.errorhandler(UnknownParameters)
    def _unknown_parameters(error: UnknownParameters) -> Any:
        if request.path.startswith("/api/") or request.path.endswith(("/data", "/context")):
            return jsonify(error=error.message(), unknown=error.unknown, accepted=error.accepted), 400
        return render_template(
            "error.html", code=400, title="This address has something the page does not use", advice=error.message()
        ), 400

    @app.errorhandler(413)
    def _too_large(error: HTTPException) -> Any:
        limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return _page(413, f"The file is larger than this service accepts ({limit_mb} MB). Split it, or ask an administrator.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        return _page(error.code or 500, None)


def _page(code: int, detail: str | None) -> Any:
    title, advice = MESSAGES.get(code, ("Something went wrong", "Try again later."))
    if code == 413:
        title = "The file is too large"
    if request.path.startswith("/api/"):
        return jsonify(error=detail or title), code
    return render_template("error.html", code=code, title=title, advice=detail or advice), code
