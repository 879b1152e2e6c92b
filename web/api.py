"""The JSON API under /api/v1: the pages' data, with the same sign-in, roles, access rules and log.

Signed-in sessions only; an anonymous call gets 401 JSON (web/auth.py), a role outside the page's
roles 403 JSON. Every route but one is a GET that changes nothing. The exception is break-glass:
``POST /api/v1/children/<id>/break-glass`` with a JSON ``{"reason": ...}`` and the session's CSRF token
in the ``X-CSRFToken`` header (from ``GET /api/v1/csrf-token``; Flask-WTF checks every POST). It is
recorded in the access log and covers that child for the session's break-glass time, exactly as the
page's reason form does; the GET routes only read that grant. A ``reason`` on a GET is refused: a GET
can be sent by any link on any site, and its address lands in proxy logs and browser history.
The OpenAPI description (web/api_spec.py) is served at /api/v1/openapi.json.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Connection

from chronology.analysis.harm import harm_series
from chronology.analysis.load import load_child_facts
from chronology.analysis.patterns import find_flags, rule_info
from chronology.annotations import notes_for
from chronology.import_history import batch_issues, batch_skipped, get_batch, list_batches
from chronology.people import root_of
from chronology.plan_status import current_plans
from chronology.record import (
    ChildRecord,
    Entry,
    EntryQuery,
    agencies_of,
    count_entries,
    load_child,
    load_entries_where,
    read_child,
)
from chronology.search import groups_of
from web import access
from web.api_json import entry_json, flag_json, plan_json, row_json
from web.api_spec import openapi_document
from web.auth import current_user, roles_required
from web.children import SEARCHERS, _is_child, logged_search
from web.db import engine
from web.imports import IMPORTERS_ROLES
from web.timeline_filters import TimelineFilter, is_significant

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MIN_REASON = 10
MAX_REASON = 1000  # as the reason form
PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 1000


class ApiRefusal(Exception):
    """Answer with this status and message as JSON (raised from helpers, caught below)."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


@bp.errorhandler(ApiRefusal)
def _refused(error: ApiRefusal) -> Any:
    return jsonify(error=error.message, **error.extra), error.status


def _page_args() -> tuple[int, int]:
    page = request.args.get("page", 1, type=int)
    size = request.args.get("page_size", PAGE_SIZE_DEFAULT, type=int)
    if page < 1 or not 1 <= size <= PAGE_SIZE_MAX:
        raise ApiRefusal(400, f"page must be 1 or more and page_size between 1 and {PAGE_SIZE_MAX}")
    return page, size


def _open_child(conn: Connection, person_id: int, what: str) -> access.ChildAccess:
    """The access decision for this child (team, or a reason POSTed earlier); the view is logged."""
    user = current_user()
    if "reason" in request.args:
        raise ApiRefusal(
            400,
            "a reason is not taken as a query argument (a GET must not record a break-glass): POST it as "
            f'JSON {{"reason": ...}} to {_break_glass_url(person_id)} with the X-CSRFToken header, '
            "then call this again without reason",
            break_glass=_break_glass_url(person_id),
        )
    root = root_of(conn, person_id)
    if not _is_child(conn, root):
        raise ApiRefusal(404, "no such child")
    decision = access.decide(conn, user, root)
    if not decision.allowed:
        raise ApiRefusal(
            403,
            f"this child is not allocated to your team: POST a reason of at least {MIN_REASON} characters as "
            f'JSON {{"reason": ...}} to {_break_glass_url(root)} with the X-CSRFToken header (the token from '
            f"{url_for('api.csrf_token')}); it is recorded in the access log, then call this again",
            reason_required=True,
            break_glass=_break_glass_url(root),
        )
    access.log_view(conn, user, decision, f"API: {what}")
    return decision


def _break_glass_url(person_id: int) -> str:
    return url_for("api.break_glass", person_id=person_id)


@bp.route("/csrf-token")
def csrf_token() -> Any:
    """The session's CSRF token, for the X-CSRFToken header of a POST (another site cannot read it)."""
    return jsonify(csrf_token=generate_csrf())


@bp.route("/children/<int:person_id>/break-glass", methods=["POST"])
def break_glass(person_id: int) -> Any:
    """Give a reason to open a child outside your team: logged, then the GET routes open the child.

    Flask-WTF has already refused the call unless it carried the session's CSRF token."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("reason"), str):
        raise ApiRefusal(400, 'send JSON {"reason": "..."} (Content-Type: application/json)')
    reason = body["reason"].strip()
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise ApiRefusal(400, f"give a reason of {MIN_REASON} to {MAX_REASON} characters")
    user = current_user()
    with engine().begin() as conn:
        root = root_of(conn, person_id)
        if not _is_child(conn, root):
            raise ApiRefusal(404, "no such child")
        until = access.grant(conn, user, root, reason, via=" through the API")
    return jsonify(person_id=root, reason=reason, until=until.isoformat()), 201


# --- children ------------------------------------------------------------------------------------------


@bp.route("/children")
@roles_required(*SEARCHERS)
def children() -> Any:
    """Children matching ``q`` (name, date of birth or identifier), a page at a time."""
    query = request.args.get("q", "").strip()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    if not query:
        raise ApiRefusal(400, "give q: a name, date of birth or identifier")
    result = logged_search(query, page, "API search for")
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
                "current_plan": {"kind": hit.plan.kind, "since": hit.plan.since.isoformat()}
                if hit.plan
                else None,
            }
            for hit in result.hits
        ],
    )


@bp.route("/children/<int:person_id>")
def child(person_id: int) -> Any:
    """Identity, family, plans and the periods each agency's data covers."""
    with engine().begin() as conn:
        decision = _open_child(conn, person_id, "child's record")
        root = decision.person_id
        record = load_child(conn, root, with_events=False)
        facts = load_child_facts(conn, root, links=False)
        plan = current_plans(conn, groups_of(conn, [root]))[root]
    return jsonify(
        person_id=root,
        name=record.name,
        dob=record.dob.iso() if record.dob else None,
        sex=record.sex,
        identifiers=record.identifiers,
        invalid_identifiers=[{"kind": k, "value": v, "problem": p} for k, v, p in record.invalid_identifiers],
        family=[
            {
                "name": member.name,
                "relationship": member.relationship,
                "person_ids": member.person_ids,
                "known_to": member.sources,
                "parental_responsibility": member.parental_responsibility,
                "lives_with_child": member.lives_with_child,
            }
            for member in record.family
        ],
        current_plan={"kind": plan.kind, "since": plan.since.isoformat()} if plan else None,
        plans=[plan_json(p) for p in facts.plans],
        coverage=[
            {"agency": c.agency, "from": c.start.isoformat(), "to": c.end.isoformat()}
            for c in record.coverage
        ],
        access={"basis": decision.basis, "reason": decision.reason},
    )


@bp.route("/children/<int:person_id>/chronology")
def chronology(person_id: int) -> Any:
    """The child's events, oldest first, filtered exactly as the timeline is, a page at a time."""
    wanted = TimelineFilter.from_args(request.args, also=("page", "page_size", "reason"))
    if wanted.errors:
        raise ApiRefusal(400, "; ".join(wanted.errors))
    page, size = _page_args()
    with engine().begin() as conn:
        decision = _open_child(conn, person_id, f"chronology page {page} ({wanted.describe()})")
        record = read_child(conn, decision.person_id)
        total, events = _chronology_page(conn, record, wanted, page, size)
        notes = notes_for(conn, [entry.id for entry in events])
    return jsonify(
        person_id=decision.person_id,
        filters=wanted.query(),
        total=total,
        page=page,
        page_size=size,
        pages=max(1, -(-total // size)),
        events=[entry_json(e, notes.get(e.id, []), is_significant(e, notes.get(e.id, ()))) for e in events],
    )


def _chronology_page(
    conn: Connection, record: ChildRecord, wanted: TimelineFilter, page: int, size: int
) -> tuple[int, list[Entry]]:
    """(events the filter keeps, this page of them): counted and sliced in SQL when SQL can filter
    exactly; else the SQL-filtered candidates are read brief, filtered here, and only the page in full."""
    query = wanted.entry_query(agencies_of(conn, record.members))
    start = (page - 1) * size
    if wanted.exact_in_sql:
        total = count_entries(conn, record, query)
        return total, load_entries_where(conn, record, replace(query, limit=size, offset=start))
    # people are matched on their resolved mentions, which brief entries do not carry
    candidates = load_entries_where(conn, record, query, brief=not wanted.person)
    notes = notes_for(conn, [e.id for e in candidates]) if wanted.significance else {}
    shown = wanted.select(candidates, notes, record.family)
    ids = tuple(e.id for e in shown[start : start + size])
    return len(shown), load_entries_where(conn, record, EntryQuery(ids=ids)) if ids else []


@bp.route("/children/<int:person_id>/links")
def links(person_id: int) -> Any:
    """The child's link graph: each link with its reason, and each event's incident cluster and episode."""
    with engine().begin() as conn:
        decision = _open_child(conn, person_id, "links between events")
        facts = load_child_facts(conn, decision.person_id)
    return jsonify(
        person_id=decision.person_id,
        links=[
            {"from": link.a, "to": link.b, "kind": link.kind, "reason": link.reason} for link in facts.links
        ],
        clusters={str(k): v for k, v in sorted(facts.clusters.items())},
        episodes={str(k): v for k, v in sorted(facts.episodes.items())},
    )


@bp.route("/children/<int:person_id>/flags")
def flags(person_id: int) -> Any:
    """The audit patterns found for the child, each with its evidence events and dates."""
    with engine().begin() as conn:
        decision = _open_child(conn, person_id, "audit flags")
        facts = load_child_facts(conn, decision.person_id)
    titles = {info.code: info.title for info in rule_info()}
    found = find_flags(facts)
    return jsonify(
        person_id=decision.person_id,
        as_of=facts.as_of.isoformat() if facts.as_of else None,
        flags=[flag_json(f, titles.get(f.pattern)) for f in found],
    )


@bp.route("/children/<int:person_id>/harm")
def harm(person_id: int) -> Any:
    """The cumulative-harm index at each month's end, and every contribution that moves it."""
    with engine().begin() as conn:
        decision = _open_child(conn, person_id, "cumulative harm index")
        facts = load_child_facts(conn, decision.person_id)
    return jsonify(harm_series(facts).as_dict())  # exactly what ``chronology harm --json`` prints


# --- imports -------------------------------------------------------------------------------------------


@bp.route("/imports")
@roles_required(*IMPORTERS_ROLES)
def imports() -> Any:
    """Every import's report, newest first."""
    page, size = _page_args()
    with engine().connect() as conn:
        rows, total = list_batches(conn, limit=size, offset=(page - 1) * size)
    return jsonify(total=total, page=page, page_size=size, imports=[row_json(r) for r in rows])


@bp.route("/imports/<int:batch_id>")
@roles_required(*IMPORTERS_ROLES)
def import_report(batch_id: int) -> Any:
    """One import's report with its rejected rows and warnings (``kind`` picks one), a page at a time."""
    kind = request.args.get("kind")
    if kind not in (None, "rejected", "warning"):
        raise ApiRefusal(400, "kind must be rejected or warning")
    page, size = _page_args()
    with engine().connect() as conn:
        batch = get_batch(conn, batch_id)
        if batch is None:
            abort(404)
        issues, total = batch_issues(conn, batch_id, kind=kind, limit=size, offset=(page - 1) * size)
        skipped = batch_skipped(conn, batch_id)
    return jsonify(
        report=row_json(batch),
        total=total,
        page=page,
        page_size=size,
        issues=[row_json(i) for i in issues],
        skipped=[{"what": s.what, "reason": s.reason, "path": s.path} for s in skipped],
    )


# --- the description -----------------------------------------------------------------------------------


@bp.route("/openapi.json")
def openapi() -> Any:
    """This API's OpenAPI 3.1 description."""
    return jsonify(openapi_document())
