"""Finding a child, the child's record page (behind the access rules), and identity suggestions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import Connection, select

from chronology.db.models import Person
from chronology.people import IdentityError, list_suggestions, root_of
from chronology.plan_status import current_plans
from chronology.record import events_by_agency, load_child, log_access
from chronology.search import SearchResult, groups_of, search_children
from chronology.users import Role
from services import identity
from web import access
from web.auth import current_user, roles_required
from web.db import engine
from web.forms import EmptyForm, ReasonForm
from web.query_params import SEARCH_PARAMS, reject_unknown
from web.suggestions import suggestion_details

bp = Blueprint("children", __name__)

SEARCHERS = (Role.PRACTITIONER, Role.MANAGER, Role.DATA_OFFICER, Role.ADMIN)
IDENTITY_DECIDERS = (Role.DATA_OFFICER, Role.ADMIN)


@bp.route("/")
def home() -> Any:
    user = current_user()
    if user.role == Role.DATA_OFFICER:
        return redirect(url_for("imports.upload"))
    if user.role == Role.AUDITOR:
        return redirect(url_for("audit.index"))
    return redirect(url_for("children.search"))


@bp.route("/children")
@roles_required(*SEARCHERS)
def search() -> Any:
    reject_unknown(request.args, SEARCH_PARAMS)
    query = request.args.get("q", "").strip()
    page = request.args.get("page", 1, type=int) or 1
    result = logged_search(query, page, "searched for") if query else None
    return render_template("children/search.html", query=query, result=result)


def logged_search(query: str, page: int, said: str) -> SearchResult:
    """Run a search and log it: a search shows names and dates of birth, so who looked for whom is kept."""
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
            detail=f"{said} {query!r}: {result.total} children",
        )
    return result


@bp.route("/children/<int:person_id>")
def child(person_id: int) -> Any:
    user = current_user()
    with engine().begin() as conn:
        root = root_of(conn, person_id)
        if root != person_id:  # the record was joined into another: show it under its root
            return redirect(url_for("children.child", person_id=root))
        if not _is_child(conn, root):
            abort(404)
        decision = access.decide(conn, user, root)
        if not decision.allowed:
            return access.ask_for_reason(root)
        record = load_child(conn, root)
        plan = current_plans(conn, groups_of(conn, [root]))[root]
        access.log_view(conn, user, decision, "child's record page")
    return render_template(
        "children/child.html",
        record=record,
        access=decision,
        plan=plan,
        agencies=sorted(events_by_agency(record).items()),
    )


def _is_child(conn: Connection, person_id: int) -> bool:
    return bool(conn.execute(select(Person.is_child).where(Person.id == person_id)).scalar())


@bp.route("/children/<int:person_id>/reason", methods=["GET", "POST"])
def reason(person_id: int) -> Any:
    user = current_user()
    form = ReasonForm()
    with engine().begin() as conn:
        if root_of(conn, person_id) != person_id or not _is_child(conn, person_id):
            abort(404)
        if form.validate_on_submit():
            access.grant(conn, user, person_id, (form.reason.data or "").strip())
            return redirect(_same_site(request.args.get("next")) or url_for("children.child", person_id=person_id))
    status = 400 if request.method == "POST" else 200
    return render_template("children/reason.html", form=form, person_id=person_id), status


def _same_site(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/identity/suggestions")
@roles_required(*IDENTITY_DECIDERS)
def suggestions() -> Any:
    with engine().connect() as conn:
        pending = list_suggestions(conn, "pending")
        details = suggestion_details(conn, pending[:100])
    return render_template(
        "children/suggestions.html", details=details, total=len(pending), form=EmptyForm()
    )


@bp.route("/identity/suggestions/<int:suggestion_id>/<decision>", methods=["POST"])
@roles_required(*IDENTITY_DECIDERS)
def decide_suggestion(suggestion_id: int, decision: str) -> Any:
    if decision not in ("confirm", "reject"):
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    actor = current_user().username
    try:
        if decision == "confirm":
            merge_id, _ = identity.confirm(engine(), suggestion_id, actor)
            flash(f"Suggestion {suggestion_id} confirmed: the records are now one child (merge {merge_id})")
        else:
            identity.reject(engine(), suggestion_id, actor)
            flash(f"Suggestion {suggestion_id} rejected: the records stay apart")
    except IdentityError as exc:
        flash(str(exc), "error")
    return redirect(url_for("children.suggestions"))
