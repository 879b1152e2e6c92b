"""Who may open which child's record, and the access log entry every opening leaves.

Policy (README "Who may see what"):
- practitioners and managers open the children allocated to their team;
- anyone else's child, and any child for auditors, data officers and admins, only after giving a
  reason ("break-glass"), recorded in the access log; the reason then covers that child for
  ``BREAK_GLASS_MINUTES`` of the same session, and every view in that time is logged with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, redirect, request, session, url_for
from sqlalchemy import Connection
from werkzeug.wrappers import Response

from chronology.record import log_access
from chronology.search import groups_of
from chronology.users import TEAM_ROLES, UserView, teams_of_child

GRANTS_KEY = "break_glass"


@dataclass(frozen=True, slots=True)
class ChildAccess:
    person_id: int
    allowed: bool
    basis: str  # in words, for the page and the log
    reason: str | None = None  # the break-glass reason covering this view, if any


def decide(conn: Connection, user: UserView, person_id: int) -> ChildAccess:
    """Whether ``user`` may open the child whose merge root is ``person_id`` right now."""
    if user.role in TEAM_ROLES and user.team:
        members = groups_of(conn, [person_id]).get(person_id, [person_id])
        if user.team in teams_of_child(conn, members):
            return ChildAccess(person_id, True, f"allocated to {user.team}")
    reason = _granted_reason(person_id)
    if reason is not None:
        return ChildAccess(person_id, True, "reason given", reason)
    return ChildAccess(person_id, False, "not allocated to your team")


def _granted_reason(person_id: int) -> str | None:
    grant = session.get(GRANTS_KEY, {}).get(str(person_id))
    if not grant:
        return None
    if dt.datetime.fromisoformat(grant["until"]) < dt.datetime.now(dt.UTC):
        return None
    return str(grant["reason"])


def grant(conn: Connection, user: UserView, person_id: int, reason: str, via: str = "") -> dt.datetime:
    """Record a break-glass reason in the access log and let this session open the child (until the
    time returned). Only ever called from a POST that carried its CSRF token: a link clicked on
    another site must not be able to write a reason under the user's name."""
    log_access(
        conn,
        actor=user.username,
        action="break-glass",
        person_id=person_id,
        detail=f"{user.role.value} opened a record outside their allocation{via}",
        reason=reason,
    )
    minutes = current_app.config["BREAK_GLASS_MINUTES"]
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    grants = dict(session.get(GRANTS_KEY, {}))
    grants[str(person_id)] = {"reason": reason, "until": until.isoformat()}
    session[GRANTS_KEY] = grants
    return until


def ask_for_reason(person_id: int) -> Response:
    """Send the user to give a reason, then back to the page they asked for."""
    return redirect(url_for("children.reason", person_id=person_id, next=request.full_path.rstrip("?")))


def log_view(conn: Connection, user: UserView, access: ChildAccess, detail: str, action: str = "view") -> None:
    """Every view and export of a child's record: who, when (the log's clock), what, why."""
    log_access(
        conn,
        actor=user.username,
        action=action,
        person_id=access.person_id,
        detail=f"{detail} ({access.basis})",
        reason=access.reason,
    )
