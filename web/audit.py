"""The audit panel: a cohort's flags per child, each opening its evidence on the child's timeline;
charts of what panels count; the panel CSV of exactly what the page shows.

It reads the flags kept up to date after every import and identity decision (chronology/analysis/flag_store.py), so a page
answers without running the patterns for every child. Children are shown by pseudonym; naming them
takes a reason, recorded in the access log, which then covers this session for a while (like
break-glass for one child). Opening a child's evidence goes through the child's own access rules.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import Connection, func, select

from chronology.analysis.cohorts import presets
from chronology.analysis.cohorts import select as cohort_select
from chronology.analysis.facts import Flag
from chronology.analysis.flag_store import stored_children
from chronology.analysis.patterns import rule_info
from chronology.analysis_queue import queue_size
from chronology.db.models import Person
from chronology.record import load_child, log_access
from chronology.search import list_children
from chronology.users import Role
from chronology.vocabulary import themes
from exporters.audit_csv import write_audit
from web.audit_charts import CohortChild, all_charts
from web.audit_charts import settings as panel_settings
from web.audit_query import AGENCIES, NUMBERS, PanelQuery, cohort_words, plan_category_choices, read_query
from web.audit_rates import cap_months, cohort_rates, spreads
from web.auth import current_user, roles_required
from web.db import engine
from web.forms import EmptyForm, ReasonForm
from web.pseudonym import pseudonym

bp = Blueprint("audit", __name__, url_prefix="/audit")

AUDIT_ROLES = (Role.AUDITOR, Role.MANAGER, Role.ADMIN)
NAMES_KEY = "audit_names"


@dataclass(slots=True)
class PanelResult:
    children: list[CohortChild]  # in the cohort, in child order
    stored: int  # children in the store
    everyone: int  # children in the database
    computed_at: dt.datetime | None  # the newest snapshot
    waiting: int  # persons whose children's analysis is still being brought up to date

    @property
    def flagged(self) -> list[CohortChild]:
        return [child for child in self.children if child.flags]


def _names_reason() -> str | None:
    """The reason given for naming children on the panel, while it still covers this session."""
    grant = session.get(NAMES_KEY)
    if not grant or dt.datetime.fromisoformat(grant["until"]) < dt.datetime.now(dt.UTC):
        return None
    return str(grant["reason"])


def _run(conn: Connection, query: PanelQuery) -> PanelResult:
    children, stored, latest = [], 0, None
    for item in stored_children(conn):
        stored += 1
        made = _utc(item.computed_at)
        latest = max(latest, made) if latest else made
        match = cohort_select(item.child, item.flags, query.cohort)
        if match is None:
            continue
        shown = tuple(f for f in item.flags if not query.patterns or f.pattern in query.patterns)
        children.append(CohortChild(item, match, shown))
    everyone = conn.execute(
        select(func.count()).where(Person.is_child.is_(True), Person.merged_into_id.is_(None))
    ).scalar_one()
    return PanelResult(children, stored, int(everyone), latest, queue_size(conn))


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back stored times without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _question(query: PanelQuery) -> str:
    return f"{query.cohort.describe()}; patterns {', '.join(query.patterns) or 'all'}"


def evidence_url(person_id: int, flag: Flag) -> str:
    """The child's timeline at the flag's dates (the child's record page where there is no timeline)."""
    dates = {"from": flag.evidence_from.isoformat(), "to": flag.evidence_to.isoformat()}
    if "timeline.page" in current_app.view_functions:
        return url_for("timeline.page", person_id=person_id, **dates)
    return url_for("children.child", person_id=person_id, **dates)


def event_url(person_id: int, event_id: int) -> str | None:
    if "timeline.event" in current_app.view_functions:
        return url_for("timeline.event", person_id=person_id, event_id=event_id)
    return None


@bp.route("/")
@roles_required(*AUDIT_ROLES)
def index() -> Any:
    query = read_query(request.args)
    reason = _names_reason()
    titles = {info.code: info.title for info in rule_info()}
    result, page_children, names, page, pages = None, [], {}, 1, 1
    if not query.errors:
        per_page = int(panel_settings()["table"]["children_per_page"])
        with engine().begin() as conn:
            result = _run(conn, query)
            flagged = result.flagged
            pages = max(1, -(-len(flagged) // per_page))
            page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
            page_children = flagged[(page - 1) * per_page : page * per_page]
            user = current_user()
            if reason is not None:
                names = {c.stored.child.person_id: _name(conn, c) for c in page_children}
                for child in page_children:
                    log_access(
                        conn,
                        actor=user.username,
                        action="view",
                        person_id=child.stored.child.person_id,
                        detail=f"named on the audit panel with {len(child.flags)} flag(s) ({_question(query)})",
                        reason=reason,
                    )
            log_access(
                conn,
                actor=user.username,
                action="cohort",
                person_id=None,
                detail=(
                    f"audit panel page {page} ({_question(query)}): {len(result.children)} children in the cohort, "
                    f"{len(flagged)} with flags, {'named' if reason else 'pseudonymised'}"
                ),
                reason=reason,
            )
    status = 400 if query.errors else 200
    rates = cohort_rates(result.children, query.cohort) if result else []
    return render_template(
        "audit/panel.html",
        query=query,
        result=result,
        rows=page_children,
        names=names,
        reason=reason,
        page=page,
        pages=pages,
        charts=all_charts(result.children, query.cohort, titles) if result else [],
        rates=[r for r in rates if r.person_id in {c.stored.child.person_id for c in page_children}],
        spreads=spreads(rates),
        rate_cap=cap_months(),
        rules=rule_info(),
        titles=titles,
        presets=_presets(),
        agencies=AGENCIES,
        categories=plan_category_choices(),
        numbers=NUMBERS,
        themes=_themes(),
        pseudonym=pseudonym,
        evidence_url=evidence_url,
        cohort_words=cohort_words,
        event_url=event_url,
        reason_form=ReasonForm(),
    ), status


def _name(conn: Connection, child: CohortChild) -> str:
    record = load_child(conn, child.stored.child.person_id, with_events=False)
    la_id = child.stored.child.la_child_id
    return f"{record.name or '(name not recorded)'}{f' ({la_id})' if la_id else ''}"


def _presets() -> list[tuple[str, str]]:
    return [(name, str(data.get("title", name))) for name, data in sorted(presets().items())]


def _themes() -> list[tuple[str, str]]:
    return sorted(themes().items())


@bp.route("/panel.csv")
@roles_required(*AUDIT_ROLES)
def export() -> Any:
    """The panel CSV: one row per flag the page shows (every page of it), pseudonymised unless named."""
    query = read_query(request.args)
    if query.errors:
        return redirect(url_for("audit.index", **query.args()))
    reason = _names_reason()
    user = current_user()
    handle = io.StringIO()
    with engine().begin() as conn:
        result = _run(conn, query)
        flagged = result.flagged
        rows = write_audit(
            handle,
            ((_csv_child_id(child, reason), flag) for child in flagged for flag in child.flags),
        )
        for child in flagged:
            log_access(
                conn,
                actor=user.username,
                action="export",
                person_id=child.stored.child.person_id,
                detail=(
                    f"audit panel CSV ({_question(query)}): {len(child.flags)} flag(s) for this child, "
                    f"{'named' if reason else 'pseudonymised'}; {rows} rows in all"
                ),
                reason=reason,
            )
    stamp = dt.date.today().isoformat()
    return Response(
        "\ufeff" + handle.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-panel-{stamp}.csv"'},
    )


def _csv_child_id(child: CohortChild, reason: str | None) -> str:
    person_id = child.stored.child.person_id
    if reason is None:
        return pseudonym(person_id)
    return child.stored.child.la_child_id or f"person-{person_id}"


@bp.route("/names", methods=["POST"])
@roles_required(*AUDIT_ROLES)
def names() -> Any:
    """Name the children on the panel for a while, after a reason that goes into the access log."""
    form = ReasonForm()
    back = _same_site(request.args.get("next")) or url_for("audit.index")
    if not form.validate_on_submit():
        return redirect(back)
    reason = (form.reason.data or "").strip()
    user = current_user()
    with engine().begin() as conn:
        log_access(
            conn,
            actor=user.username,
            action="break-glass",
            person_id=None,
            detail=f"{user.role.value} asked to see children's names on the audit panel",
            reason=reason,
        )
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=current_app.config["BREAK_GLASS_MINUTES"])
    session[NAMES_KEY] = {"reason": reason, "until": until.isoformat()}
    return redirect(back)


@bp.route("/names/stop", methods=["POST"])
@roles_required(*AUDIT_ROLES)
def stop_names() -> Any:
    if EmptyForm().validate_on_submit():
        session.pop(NAMES_KEY, None)
    return redirect(_same_site(request.args.get("next")) or url_for("audit.index"))


def _same_site(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/children")
@roles_required(*AUDIT_ROLES)
def cohort() -> Any:
    """Every child, pseudonymised, a page at a time."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with engine().begin() as conn:
        listing = list_children(conn, page=page, page_size=current_app.config["SEARCH_PAGE_SIZE"])
        log_access(
            conn,
            actor=current_user().username,
            action="cohort",
            person_id=None,
            detail=f"pseudonymised cohort page {page} ({len(listing.hits)} children)",
        )
    return render_template("audit/index.html", cohort=listing, pseudonym=pseudonym)
