"""A child's chronology: the interactive timeline, its data, the table view, the CSV export and
the event pages where practitioners annotate. Every route goes through web/access.py and leaves an
access-log entry; the timeline, table and CSV share one filter so they always show the same events.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from sqlalchemy import Connection, Text, cast, or_, select

from chronology.analysis.facts import ChildFacts, Link, top_agency
from chronology.analysis.load import load_child_facts
from chronology.annotations import AnnotationError, Kind, Note, add_note, notes_for
from chronology.db.models import Event, EventLink, Person
from chronology.people import root_of
from chronology.record import (
    ChildRecord,
    Entry,
    EntryQuery,
    Placement,
    agencies_of,
    count_entries,
    load_brief_entries_among,
    load_child,
    load_entries_to_filter,
    load_entries_where,
    load_placements,
    placement_of,
    read_child,
)
from chronology.settings import PROJECT_ROOT
from chronology.users import TEAM_ROLES
from exporters.chronology_csv import write_chronology
from exporters.chronology_docx import DocumentContext, write_chronology_docx
from exporters.pseudonymise import Pseudonymiser
from web import access
from web.auth import current_user
from web.db import engine
from web.timeline_filters import SIGNIFICANCE_CHOICES, TimelineFilter, is_significant, person_key
from web.timeline_forms import AnnotationForm
from web.timeline_payload import (
    ClusterLabels,
    ItemsOf,
    cluster_of,
    context_payload,
    event_detail,
    items,
    links_by_event,
    timeline_payload,
    window_payload,
)
from web.timeline_window import Window

bp = Blueprint("timeline", __name__)

# vis-timeline's "peer" build and its two peers, served from the installed npm packages. The
# "standalone" build is not used: it injects <style> elements, which the Content-Security-Policy refuses.
VENDOR_FILES = {
    "moment.min.js": "moment/min/moment.min.js",
    "vis-data.min.js": "vis-data/peer/umd/vis-data.min.js",
    "vis-timeline-graph2d.min.js": "vis-timeline/peer/umd/vis-timeline-graph2d.min.js",
    "vis-timeline-graph2d.min.css": "vis-timeline/styles/vis-timeline-graph2d.min.css",
}


@bp.route("/vendor/<name>")
def vendor(name: str) -> Any:
    relative = VENDOR_FILES.get(name)
    if relative is None:
        abort(404)
    node_modules = current_app.config.get("NODE_MODULES_DIR") or str(PROJECT_ROOT / "node_modules")
    return send_from_directory(node_modules, relative, max_age=3600)


@dataclass(slots=True)
class Chronology:
    """One child's record as a request sees it: the filtered events and their annotations."""

    record: ChildRecord
    decision: access.ChildAccess
    filters: TimelineFilter
    notes: dict[int, list[Note]]
    shown: list[Entry]


def _child_root(conn: Connection, person_id: int) -> int:
    root = root_of(conn, person_id)
    if root != person_id or not conn.execute(select(Person.is_child).where(Person.id == root)).scalar():
        abort(404)
    return root


def _open(conn: Connection, person_id: int) -> access.ChildAccess:
    decision = access.decide(conn, current_user(), _child_root(conn, person_id))
    return decision


def _chronology(conn: Connection, decision: access.ChildAccess, also: tuple[str, ...] = ()) -> Chronology:
    record = load_child(conn, decision.person_id)
    notes = notes_for(conn, [entry.id for entry in record.entries])
    filters = TimelineFilter.from_args(request.args, also=also)
    return Chronology(record, decision, filters, notes, filters.select(record.entries, notes, record.family))


def _refused(person_id: int) -> Any:
    return access.ask_for_reason(person_id)


@bp.route("/children/<int:person_id>/timeline")
def page(person_id: int) -> Any:
    with engine().begin() as conn:
        decision = _open(conn, person_id)
        if not decision.allowed:
            return _refused(person_id)
        # The page is the frame only (the events come with its data request), so it opens fast.
        record = load_child(conn, decision.person_id, with_events=False)
        filters = TimelineFilter.from_args(request.args)
        agencies, themes = _choices(conn, record.members)
        access.log_view(conn, current_user(), decision, f"timeline page ({filters.describe()})")
    chronology = Chronology(record, decision, filters, {}, [])
    context = _page_context(chronology) | {"agencies": agencies, "themes": themes, "shown": None, "total": None}
    return render_template("timeline/timeline.html", **context)


def _choices(conn: Connection, members: list[int]) -> tuple[list[str], list[str]]:
    """The agencies and risk themes of the child's events, for the filter form."""
    events = Event.__table__
    mine = events.c.subject_id.in_(members)
    stored = conn.execute(select(events.c.agency).where(mine).distinct()).scalars()
    # each distinct list of themes (as text: PostgreSQL's json has no equality), not every event's
    listed = conn.execute(select(cast(events.c.themes, Text)).where(mine).distinct()).scalars()
    agencies = sorted({top_agency(agency) for agency in stored})
    themes = sorted({theme for text in listed if text for theme in json.loads(text) or ()})
    return agencies, themes


def _json(payload: dict[str, Any]) -> Response:
    # Compact and unsorted: key sorting is wasted on a script.
    return Response(json.dumps(payload, separators=(",", ":"), ensure_ascii=False), mimetype="application/json")


def _open_json(conn: Connection, person_id: int) -> access.ChildAccess | None:
    decision = _open(conn, person_id)
    return decision if decision.allowed else None


REFUSED_JSON = {"error": "give a reason to open this record first"}


def _placed_chronology(
    conn: Connection, record: ChildRecord, filters: TimelineFilter, window: Window
) -> tuple[list[Placement], int, ItemsOf]:
    """The events the filters keep, placed; how many the record holds; how to draw some as items.

    With no filters, or agency and date ones, SQL applies them and the events are only placed: thousands
    cost one light read, and only the few a window draws are read again to label. Theme, significance
    and person filters read the events (for a person, whole) and filter them as the table does. Either
    way incidents are numbered over the whole record, as the table numbers them.
    """
    if not filters.exact_in_sql:
        return _filtered_in_python(conn, record, filters, window)
    query = _sql_part(conn, record, filters)
    placed = load_placements(conn, record, query)
    narrowed = filters.active  # by agency or date: the record's total and incidents need the rest too
    total = count_entries(conn, record, EntryQuery()) if narrowed else len(placed)

    def items_of(ids: list[int]) -> list[dict[str, Any]]:
        if not ids:
            return []
        every = load_placements(conn, record, EntryQuery()) if narrowed else placed
        clusters = ClusterLabels.of([p.cluster for p in every])
        entries = load_brief_entries_among(conn, record, ids, query, window.start, window.end)
        return items(entries, notes_for(conn, ids), clusters)

    return placed, total, items_of


def _sql_part(conn: Connection, record: ChildRecord, filters: TimelineFilter) -> EntryQuery:
    """The filters' agencies and dates as SQL applies them (exactly, the same events ``select`` keeps)."""
    return filters.entry_query(agencies_of(conn, record.members) if filters.agencies else ())


def _filtered_in_python(
    conn: Connection, record: ChildRecord, filters: TimelineFilter, window: Window
) -> tuple[list[Placement], int, ItemsOf]:
    if filters.person:
        entries = load_entries_where(conn, record, EntryQuery())  # whole: the filter reads their people
    else:
        entries = load_entries_to_filter(conn, record, EntryQuery(), themes=bool(filters.themes))
    notes = notes_for(conn, [entry.id for entry in entries])
    clusters = ClusterLabels.of([entry.incident_cluster for entry in entries])
    shown = filters.select(entries, notes, record.family)
    whole = {entry.id: entry for entry in shown} if filters.person else None

    def items_of(ids: list[int]) -> list[dict[str, Any]]:
        if whole is not None:
            return items([whole[i] for i in ids], notes, clusters)
        query = _sql_part(conn, record, filters)
        return items(load_brief_entries_among(conn, record, ids, query, window.start, window.end), notes, clusters)

    return [placement_of(entry) for entry in shown], len(entries), items_of


@bp.route("/children/<int:person_id>/timeline/data")
def data(person_id: int) -> Any:
    """The timeline's JSON for the page's script: with ``start``/``end``, only that window's events
    (items, or counts per lane per period when there are too many); without, the frame too."""
    window = Window.from_args(request.args)
    with engine().begin() as conn:
        decision = _open_json(conn, person_id)
        if decision is None:
            return jsonify(REFUSED_JSON), 403
        record = read_child(conn, decision.person_id)
        filters = TimelineFilter.from_args(request.args, also=("start", "end"))
        placed, total, items_of = _placed_chronology(conn, record, filters, window)
        if window.asked:
            payload = window_payload([p for p in placed if p.first is not None], window, items_of)
        else:
            payload = timeline_payload(record, placed, total, window, items_of)
        what = filters.describe() + (f"; {window.describe()}" if window.asked else "")
        access.log_view(conn, current_user(), decision, f"timeline data ({what})")
    return _json(payload)


@bp.route("/children/<int:person_id>/timeline/context")
def context(person_id: int) -> Any:
    """Plan bands and the cumulative-harm index, from the child's analysis (fetched beside the events)."""
    with engine().begin() as conn:
        decision = _open_json(conn, person_id)
        if decision is None:
            return jsonify(REFUSED_JSON), 403
        # Read without events (the analysis reads them as facts), once: for the analysis and for the
        # date of birth at its precision (ages marked "~" when partial).
        record = load_child(conn, decision.person_id, with_events=False)
        facts = load_child_facts(conn, decision.person_id, record=record)
        access.log_view(conn, current_user(), decision, "timeline plans and harm index")
    return _json(context_payload(record, facts))


@bp.route("/children/<int:person_id>/timeline/events/<int:event_id>")
def detail(person_id: int, event_id: int) -> Any:
    """One event's whole record for the timeline's detail panel, read when the event is opened."""
    with engine().begin() as conn:
        decision = _open_json(conn, person_id)
        if decision is None:
            return jsonify(REFUSED_JSON), 403
        record = read_child(conn, decision.person_id)
        found = load_entries_where(conn, record, EntryQuery(ids=(event_id,)))
        if not found:
            abort(404)
        links = stored_links(conn, record.person_id, event_id)
        # incidents numbered over the whole record (placed only); the linked events read brief
        clusters = ClusterLabels.of([p.cluster for p in load_placements(conn, record, EntryQuery())])
        others = tuple({link.a for link in links} | {link.b for link in links})
        by_id = {e.id: e for e in load_entries_where(conn, record, EntryQuery(ids=others), brief=True)} if others else {}
        notes = notes_for(conn, [event_id])
        access.log_view(conn, current_user(), decision, f"event {event_id} on the timeline")
    return _json(event_detail(found[0], notes.get(event_id, []), links, by_id, clusters, None))


def stored_links(conn: Connection, child_id: int, event_id: int) -> list[Link]:
    """The event's links in the child's stored graph (kept current: reading a record refreshes it)."""
    links = EventLink.__table__
    rows = conn.execute(
        select(links.c.event_a_id, links.c.event_b_id, links.c.kind, links.c.reason)
        .where(links.c.child_id == child_id, or_(links.c.event_a_id == event_id, links.c.event_b_id == event_id))
        .order_by(links.c.event_a_id, links.c.event_b_id, links.c.id)
    )
    return [Link(int(a), int(b), kind, reason) for a, b, kind, reason in rows]


@bp.route("/children/<int:person_id>/timeline/table")
def table(person_id: int) -> Any:
    with engine().begin() as conn:
        decision = _open(conn, person_id)
        if not decision.allowed:
            return _refused(person_id)
        chronology = _chronology(conn, decision)
        facts = load_child_facts(conn, decision.person_id, record=chronology.record)
        access.log_view(conn, current_user(), decision, f"chronology table ({chronology.filters.describe()})")
    clusters = ClusterLabels.of([cluster_of(e, facts) for e in chronology.record.entries])
    rows = [_row(entry, chronology.notes.get(entry.id, []), clusters, facts) for entry in chronology.shown]
    return render_template("timeline/table.html", rows=rows, **_page_context(chronology))


def _row(entry: Entry, notes: list[Note], clusters: ClusterLabels, facts: ChildFacts) -> dict[str, Any]:
    cluster = cluster_of(entry, facts)
    return {
        "entry": entry,
        "notes": notes,
        "significant": is_significant(entry, notes),
        "cluster": clusters.names.get(cluster) if cluster else None,
    }


@bp.route("/children/<int:person_id>/timeline.csv")
def export_csv(person_id: int) -> Any:
    """The CSV of exactly what the filters show; annotations follow the agency's analysis."""
    with engine().begin() as conn:
        decision = _open(conn, person_id)
        if not decision.allowed:
            return _refused(person_id)
        chronology = _chronology(conn, decision)
        access.log_view(
            conn,
            current_user(),
            decision,
            f"chronology CSV, {len(chronology.shown)} events ({chronology.filters.describe()})",
            action="export",
        )
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM, so Excel reads UTF-8
    write_chronology(buffer, chronology.record, chronology.shown, chronology.notes)
    name = (chronology.record.name or "child").replace(" ", "-")
    safe = "".join(ch for ch in name if ch.isalnum() or ch == "-")[:60] or "child"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="chronology-{safe}.csv"'},
    )


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/children/<int:person_id>/timeline.docx")
def export_docx(person_id: int) -> Any:
    """A Word document of exactly what the filters show, for a conference or a review panel;
    ``pseudonymise=1`` replaces names and identifiers with glossary labels. Logged as an export."""
    pseudonymise = request.args.get("pseudonymise") == "1"
    with engine().begin() as conn:
        decision = _open(conn, person_id)
        if not decision.allowed:
            return _refused(person_id)
        chronology = _chronology(conn, decision, also=("pseudonymise",))
        facts = load_child_facts(conn, decision.person_id, record=chronology.record)
        kind = "pseudonymised Word document" if pseudonymise else "Word document"
        access.log_view(
            conn,
            current_user(),
            decision,
            f"chronology {kind}, {len(chronology.shown)} events ({chronology.filters.describe()})",
            action="export",
        )
    clusters = ClusterLabels.of([cluster_of(e, facts) for e in chronology.record.entries])
    incidents = {
        e.id: clusters.names[c] for e in chronology.shown if (c := cluster_of(e, facts)) in clusters.names
    }
    significant = {e.id: is_significant(e, chronology.notes.get(e.id, [])) for e in chronology.shown}
    pseudonymiser = Pseudonymiser.for_record(chronology.record, chronology.shown) if pseudonymise else None
    context = DocumentContext(chronology.filters.describe(), current_user().username, dt.datetime.now())
    buffer = io.BytesIO()
    write_chronology_docx(
        buffer,
        chronology.record,
        chronology.shown,
        chronology.notes,
        context,
        significant=significant,
        incidents=incidents,
        pseudonymiser=pseudonymiser,
    )
    if pseudonymiser:
        name = "pseudonymised"
    else:
        name = "".join(ch for ch in (chronology.record.name or "child").replace(" ", "-") if ch.isalnum() or ch == "-")
    return Response(
        buffer.getvalue(),
        mimetype=DOCX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="chronology-{name[:60] or "child"}.docx"'},
    )


@bp.route("/children/<int:person_id>/events/<int:event_id>", methods=["GET", "POST"])
def event(person_id: int, event_id: int) -> Any:
    """One event in full, its annotations, and (for practitioners and managers) the form to add one."""
    user = current_user()
    form = AnnotationForm()
    may_annotate = user.role in TEAM_ROLES
    with engine().begin() as conn:
        decision = _open(conn, person_id)
        if not decision.allowed:
            return _refused(person_id)
        record = load_child(conn, decision.person_id)
        entry = next((e for e in record.entries if e.id == event_id), None)
        if entry is None:
            abort(404)
        if request.method == "POST":
            if not may_annotate:
                abort(403)
            if form.validate_on_submit() and not form.is_empty():
                try:
                    _save_notes(conn, form, record, event_id, user.username)
                except AnnotationError as exc:
                    flash(str(exc), "error")
                else:
                    access.log_view(conn, user, decision, f"annotated event {event_id}", action="annotate")
                    flash("Your annotation is saved beside the agency's record")
                    return redirect(url_for("timeline.event", person_id=person_id, event_id=event_id))
            elif form.is_empty():
                form.significance.errors = ["Make a judgement or write a note"]
        facts = load_child_facts(conn, decision.person_id, record=record)
        notes = notes_for(conn, [e.id for e in record.entries])
        access.log_view(conn, user, decision, f"event {event_id} in full")
    clusters = ClusterLabels.of([cluster_of(e, facts) for e in record.entries])
    detail = event_detail(
        entry,
        notes.get(event_id, []),
        links_by_event(facts.links).get(event_id, []),
        {e.id: e for e in record.entries},
        clusters,
        facts,
    )
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "timeline/event.html", record=record, access=decision, detail=detail, form=form, may_annotate=may_annotate
        ),
        status,
    )


def _save_notes(conn: Connection, form: AnnotationForm, record: ChildRecord, event_id: int, author: str) -> None:
    common = {"child_person_id": record.person_id, "members": record.members, "event_id": event_id, "author": author}
    if form.significance.data in ("yes", "no"):
        add_note(conn, kind=Kind.SIGNIFICANCE, text="", significant=form.significance.data == "yes", **common)
    for kind, field in ((Kind.ANALYSIS, form.analysis), (Kind.IMPACT, form.impact), (Kind.COMMENT, form.comment)):
        if field.data and field.data.strip():
            add_note(conn, kind=kind, text=field.data, **common)


def _page_context(chronology: Chronology) -> dict[str, Any]:
    record = chronology.record
    return {
        "record": record,
        "access": chronology.decision,
        "filters": chronology.filters,
        "query": chronology.filters.query(),
        "shown": len(chronology.shown),
        "total": len(record.entries),
        "agencies": sorted({top_agency(e.agency) for e in record.entries}),
        "themes": sorted({t for e in record.entries for t in e.themes}),
        "significance_choices": SIGNIFICANCE_CHOICES,
        "people": [(person_key(m), f"{m.name} ({m.relationship})") for m in record.family],
    }
