"""The JSON API. Same sign-in, roles and access log as the pages; answers 401 rather than redirecting."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from chronology.record import log_access
from chronology.search import search_children
from web.auth import current_user, roles_required
from web.children import SEARCHERS
from web.db import engine

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/children")
@roles_required(*SEARCHERS)
def children() -> Any:
    """Children matching ``q`` (name, date of birth or identifier), a page at a time."""
    query = request.args.get("q", "").strip()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    if not query:
        return jsonify(error="give q: a name, date of birth or identifier"), 400
    with engine().begin() as conn:
        result = search_children(
            conn,
            query,
            page=page,
            page_size=current_app.config["SEARCH_PAGE_SIZE"],
            max_matches=current_app.config["SEARCH_MAX_MATCHES"],
        )
        log_access(
            conn,
            actor=current_user().username,
            action="search",
            person_id=None,
            detail=f"API search for {query!r}: {result.total} children",
        )
    return jsonify(
        query=result.query,
        total=result.total,
        page=result.page,
        pages=result.pages,
        too_many=result.too_many,
        children=[
            {
                "person_id": hit.person_id,
                "name": hit.name,
                "dob": hit.dob.iso() if hit.dob else None,
                "age": hit.age,
                "identifiers": hit.identifiers,
                "agencies": hit.agencies,
                "current_plan": {"kind": hit.plan.kind, "since": hit.plan.since.isoformat()} if hit.plan else None,
            }
            for hit in result.hits
        ],
    )
