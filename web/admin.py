"""Administrators: users and their roles, children's allocation to teams, and the access log."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from chronology.access_history import read_access_log
from chronology.sessions import end_all_sessions, end_user_sessions, live_sessions_by_user
from chronology.users import (
    Role,
    UserError,
    add_user,
    allocate,
    allocations,
    deallocate,
    generate_password,
    get_user,
    list_users,
    set_password,
    update_user,
)
from web.auth import current_user, roles_required
from web.db import engine
from web.forms import AllocateForm, EditUserForm, EmptyForm, NewUserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 100


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users() -> Any:
    form = NewUserForm()
    if form.validate_on_submit():
        password = generate_password()
        try:
            with engine().begin() as conn:
                user = add_user(conn, form.username.data or "", form.role.data or "", form.team.data or None, password)
        except UserError as exc:
            form.username.errors = [*form.username.errors, str(exc)]
        else:
            # Shown on this one response only: the service keeps no copy it could show again.
            return render_template("admin/user_created.html", user=user, password=password)
    with engine().connect() as conn:
        everyone = list_users(conn)
        live = live_sessions_by_user(conn)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/users.html", form=form, users=everyone, live=live, end_form=EmptyForm()), status


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@roles_required(Role.ADMIN)
def end_sessions(user_id: int) -> Any:
    """Sign one user out everywhere (a lost laptop, a cookie that may have been copied)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    with engine().begin() as conn:
        user = get_user(conn, user_id)
        if user is None:
            abort(404)
        ended = end_user_sessions(conn, user_id)
    if user.id == current_user().id:
        return _signed_out_yourself(f"Your {ended} sessions have ended, this one too. Sign in again.")
    flash(f"{ended} sessions of {user.username} ended: they must sign in again")
    return redirect(url_for("admin.users"))


@bp.route("/sessions/end", methods=["POST"])
@roles_required(Role.ADMIN)
def end_everyones_sessions() -> Any:
    """Sign everyone out, this administrator too (after a suspected breach, or a key change)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    with engine().begin() as conn:
        ended = end_all_sessions(conn)
    return _signed_out_yourself(f"All {ended} sessions have ended, yours too. Sign in again.")


def _signed_out_yourself(message: str) -> Any:
    """This session's row is gone already; a new anonymous one carries the message to the sign-in page."""
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    flash(message)
    return redirect(url_for("auth.login"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int) -> Any:
    with engine().connect() as conn:
        user = get_user(conn, user_id)
    if user is None:
        abort(404)
    form = EditUserForm(data={"role": user.role.value, "team": user.team, "active": user.active})
    if form.validate_on_submit():
        if user.id == current_user().id and (not form.active.data or form.role.data != Role.ADMIN.value):
            form.role.errors = [*form.role.errors, "You cannot remove your own administrator access"]
        else:
            try:
                with engine().begin() as conn:
                    update_user(
                        conn, user_id, role=form.role.data or "", team=form.team.data or None, active=bool(form.active.data)
                    )
            except UserError as exc:
                form.role.errors = [*form.role.errors, str(exc)]
            else:
                flash(f"{user.username} updated")
                return redirect(url_for("admin.users"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/edit_user.html", form=form, user=user, reset_form=EmptyForm()), status


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> Any:
    """A new password, made here and shown once (for a user who has forgotten theirs)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    with engine().begin() as conn:
        user = get_user(conn, user_id)
        if user is None:
            abort(404)
        password = generate_password()
        set_password(conn, user.username, password)
    return render_template("admin/user_created.html", user=user, password=password, reset=True)


@bp.route("/allocations", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def team_allocations() -> Any:
    form = AllocateForm()
    if form.validate_on_submit():
        ids = [part for part in re.split(r"[\s,;]+", form.child_ids.data or "") if part]
        with engine().begin() as conn:
            added = allocate(conn, form.team.data or "", ids, current_user().username)
        flash(f"{added} children allocated to {form.team.data}")
        return redirect(url_for("admin.team_allocations"))
    with engine().connect() as conn:
        rows = allocations(conn)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/allocations.html", form=form, rows=rows, remove_form=EmptyForm()), status


@bp.route("/allocations/remove", methods=["POST"])
@roles_required(Role.ADMIN)
def remove_allocation() -> Any:
    if not EmptyForm().validate_on_submit():
        abort(400)
    team, child_id = request.form.get("team", ""), request.form.get("la_child_id", "")
    with engine().begin() as conn:
        removed = deallocate(conn, team, child_id)
    flash(f"{child_id} is no longer allocated to {team}" if removed else "That allocation was already gone")
    return redirect(url_for("admin.team_allocations"))


@bp.route("/access-log")
@roles_required(Role.ADMIN)
def access_log() -> Any:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    actor = request.args.get("actor", "").strip() or None
    action = request.args.get("action", "").strip() or None
    person_id = request.args.get("person_id", type=int)
    with engine().connect() as conn:
        rows, total = read_access_log(
            conn, actor=actor, person_id=person_id, action=action, limit=PAGE, offset=(page - 1) * PAGE
        )
    return render_template(
        "admin/access_log.html",
        rows=rows,
        total=total,
        page=page,
        pages=-(-total // PAGE) or 1,
        filters={"actor": actor or "", "action": action or "", "person_id": person_id or ""},
    )
