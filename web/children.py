"""Finding a child, the child's record page (behind the access rules), and identity suggestions."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import Connection, select

from chronology.db.models import Person
from chronology.people import IdentityError, root_of
from chronology.plan_status import current_plans
from chronology.record import events_by_agency, load_child, log_access
from chronology.search import SearchResult, groups_of, search_children
from chronology.suggestion_groups import pending_groups, recent_decisions, sources_of
from chronology.users import Role
from services import identity
from web import access
from web.auth import current_user, roles_required
from web.db import engine
from web.forms import EmptyForm, ReasonForm, UndoForm
from web.query_params import SEARCH_PARAMS, reject_unknown
from web.suggestion_review import GROUPS_PER_PAGE, ReviewQuery

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
    """Pending suggestions as candidate groups (one possible child's records together), filterable."""
    query = ReviewQuery.from_args(request.args)
    with engine().connect() as conn:
        groups = pending_groups(conn)
        decisions = recent_decisions(conn)
    shown = query.apply(groups)
    pages = max(1, -(-len(shown) // GROUPS_PER_PAGE))
    page = min(query.page, pages)
    return render_template(
        "children/suggestions.html",
        groups=shown[(page - 1) * GROUPS_PER_PAGE : page * GROUPS_PER_PAGE],
        total_groups=len(groups),
        total_suggestions=sum(len(g.suggestions) for g in groups),
        shown_groups=len(shown),
        sources=sources_of(groups),
        query=query,
        page=page,
        pages=pages,
        decisions=decisions,
        form=EmptyForm(),
    ), (400 if query.errors else 200)


@bp.route("/identity/suggestions/decide", methods=["POST"])
@roles_required(*IDENTITY_DECIDERS)
def decide_suggestions() -> Any:
    """Confirm or reject every ticked suggestion at once; each can still be undone on its own."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    decision = request.form.get("decision", "")
    ids = [int(v) for v in request.form.getlist("suggestion") if v.isdigit()]
    whole = re.fullmatch(r"(confirm|reject)-group-(\d+)", decision)
    if whole:  # a group's own button: every suggestion the group holds now, not as the page showed it
        decision, anchor = whole.group(1), int(whole.group(2))
        with engine().connect() as conn:
            ids = [s.id for g in pending_groups(conn) if g.anchor == anchor for s in g.suggestions]
    back = _same_site(request.form.get("back")) or url_for("children.suggestions")
    if decision not in ("confirm", "reject") or not ids:
        flash("Tick at least one suggestion, then choose confirm or reject", "error")
        return redirect(back)
    outcome = identity.decide_many(engine(), ids, decision, current_user().username)
    if outcome.decided:
        done = "confirmed: each pair is now one child" if decision == "confirm" else "rejected: the records stay apart"
        flash(f"{len(outcome.decided)} {'suggestion' if len(outcome.decided) == 1 else 'suggestions'} {done}. "
              "Each can be undone under Decided recently.")
    if outcome.already_joined:
        flash(f"{len(outcome.already_joined)} more already joined by these decisions: nothing else to do for them")
    for _, message in outcome.refused:
        flash(message, "error")
    return redirect(back)


@bp.route("/identity/suggestions/<int:suggestion_id>/<decision>", methods=["POST"])
@roles_required(*IDENTITY_DECIDERS)
def decide_suggestion(suggestion_id: int, decision: str) -> Any:
    if decision not in ("confirm", "reject", "reopen"):
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    actor = current_user().username
    try:
        if decision == "confirm":
            merge_id, _ = identity.confirm(engine(), suggestion_id, actor)
            flash(f"Suggestion {suggestion_id} confirmed: the records are now one child (merge {merge_id})")
        elif decision == "reject":
            identity.reject(engine(), suggestion_id, actor)
            flash(f"Suggestion {suggestion_id} rejected: the records stay apart")
        else:
            identity.reopen(engine(), suggestion_id, actor)
            flash(f"Suggestion {suggestion_id} reopened: it waits for a decision again")
    except IdentityError as exc:
        flash(str(exc), "error")
    return redirect(_same_site(request.form.get("back")) or url_for("children.suggestions"))


@bp.route("/identity/merges/<int:merge_id>/undo", methods=["POST"])
@roles_required(*IDENTITY_DECIDERS)
def undo_merge(merge_id: int) -> Any:
    """Separate a wrongly confirmed join, with the reason kept (as `chronology people undo`)."""
    form = UndoForm()
    if not form.validate_on_submit():
        for message in form.reason.errors or ["The form had expired: reload the page and try again"]:
            flash(f"Merge {merge_id} was not undone: {message}", "error")
        return redirect(url_for("children.suggestions"))
    try:
        identity.undo(engine(), merge_id, current_user().username, (form.reason.data or "").strip())
        flash(f"Merge {merge_id} undone: the records are apart again and will not be suggested again")
    except IdentityError as exc:
        flash(str(exc), "error")
    return redirect(url_for("children.suggestions"))
