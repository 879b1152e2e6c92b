"""Audit panels: the cohort, pseudonymised. Naming a child takes a reason (web/access.py).

The pattern pages (flags and their evidence) are added on this blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from chronology.record import log_access
from chronology.search import list_children
from chronology.users import Role
from web.auth import current_user, roles_required
from web.db import engine
from web.pseudonym import pseudonym

bp = Blueprint("audit", __name__, url_prefix="/audit")

AUDIT_ROLES = (Role.AUDITOR, Role.MANAGER, Role.ADMIN)


@bp.route("/")
@roles_required(*AUDIT_ROLES)
def index() -> Any:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with engine().begin() as conn:
        cohort = list_children(conn, page=page, page_size=current_app.config["SEARCH_PAGE_SIZE"])
        log_access(
            conn,
            actor=current_user().username,
            action="cohort",
            person_id=None,
            detail=f"pseudonymised cohort page {page} ({len(cohort.hits)} children)",
        )
    return render_template("audit/index.html", cohort=cohort, pseudonym=pseudonym)
