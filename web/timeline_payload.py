"""The timeline's data as JSON: lanes, short items (or counts), plan periods, harm index, an event's detail.

Built from the same record, filters and annotations as the table and the CSV, so what is drawn is
what is listed and exported. Items carry short fields only; an event's whole record is its detail,
fetched when it is opened. Every string is data for ``textContent`` in the browser, never markup.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chronology.analysis.facts import ChildFacts, Link, top_agency
from chronology.analysis.harm import harm_series
from chronology.annotations import Note
from chronology.display_names import display, plan_label, systems
from chronology.events import PartialDate
from chronology.record import ChildRecord, Entry, Placement, age_at
from web.timeline_filters import is_significant, person_key
from web.timeline_labels import item_label
from web.timeline_window import ITEM_LIMIT, Window, counts, extent, period_for

CLUSTER_COLOURS = 8  # CSS classes app-cluster-0..7; the label, not the colour, is what identifies a cluster
AGENCY_COLOURS = 6  # CSS classes app-agency-0..5: an item's edge and its lane's key swatch; the lane names it


@dataclass(frozen=True, slots=True)
class ClusterLabels:
    """Short names ("Incident 3") for incident clusters of two or more reports, in order of first event.

    The link graph puts every incident in a cluster; one reported by a single agency needs no label.
    """

    names: Mapping[str, str]
    colours: Mapping[str, int]

    @classmethod
    def of(cls, clusters: Sequence[str | None]) -> ClusterLabels:
        sizes = Counter(cluster for cluster in clusters if cluster)
        names: dict[str, str] = {}
        colours: dict[str, int] = {}
        for cluster in clusters:
            if cluster and sizes[cluster] > 1 and cluster not in names:
                colours[cluster] = len(names) % CLUSTER_COLOURS
                names[cluster] = f"Incident {len(names) + 1}"
        return cls(names, colours)


def cluster_of(entry: Entry, facts: ChildFacts | None) -> str | None:
    """The event's incident cluster: as stored with the link graph, else as the analysis found it."""
    return entry.incident_cluster or (facts.clusters.get(entry.id) if facts else None)


def links_by_event(links: Sequence[Link]) -> dict[int, list[Link]]:
    found: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        found[link.a].append(link)
        found[link.b].append(link)
    return found


# The drawn items of the events with these ids (in the chronology's order): only the few events a
# window draws are read in full enough to label; the thousands it counts are only placed.
ItemsOf = Callable[[list[int]], list[dict[str, Any]]]


def timeline_payload(
    record: ChildRecord, placed: Sequence[Placement], total: int, window: Window, items_of: ItemsOf
) -> dict[str, Any]:
    """The timeline's frame (child, lanes, counts, extent, family) and the first window's events;
    ``placed`` are the events the filters keep, ``total`` how many the record holds."""
    shown = [p for p in placed if p.first is not None]
    first_last = extent(shown)
    return {
        "child": {
            "id": record.person_id,
            "name": record.name,
            "dob": record.dob.iso() if record.dob else None,
        },
        "groups": lanes(shown),
        "undated": len(placed) - len(shown),
        "shown": len(placed),
        "total": total,
        "extent": {"start": first_last[0].isoformat(), "end": first_last[1].isoformat()} if first_last else None,
        "family": [
            {"key": person_key(m), "name": m.name, "relationship": m.relationship, "known_to": systems(m.sources)}
            for m in record.family
        ],
        "window": window_payload(shown, window, items_of),
    }


def window_payload(shown: Sequence[Placement], window: Window, items_of: ItemsOf) -> dict[str, Any]:
    """The dated events in the window as short items or, beyond ``ITEM_LIMIT``, counts per lane per period."""
    inside = [p for p in shown if window.holds(p)]
    answer: dict[str, Any] = {
        "start": window.start.isoformat() if window.start else None,
        "end": window.end.isoformat() if window.end else None,
        "events": len(inside),
    }
    if len(inside) <= ITEM_LIMIT:
        return answer | {"items": items_of([p.id for p in inside]), "counts": []}
    first, last = extent(inside)  # type: ignore[misc]
    period = period_for(window.start or first, window.end or last)
    return answer | {"items": [], "counts": counts(inside, period), "period": period}


def items(entries: Sequence[Entry], notes: Mapping[int, Sequence[Note]], clusters: ClusterLabels) -> list[dict[str, Any]]:
    """The events as the timeline draws them, each with its notes' marks and incident name."""
    return [_item(entry, notes.get(entry.id, ()), clusters) for entry in entries]


def context_payload(record: ChildRecord, facts: ChildFacts) -> dict[str, Any]:
    """Plan bands and the harm index: drawn once, beside the events, from the child's analysis."""
    return {"plans": [_plan(plan, record, facts) for plan in facts.plans], "harm": harm_points(facts)}


def lanes(entries: Sequence[Placement]) -> list[dict[str, Any]]:
    """One lane per top agency, named in words with its event count and key colour, its services
    (e.g. each school) as nested lanes; every lane has a label, whatever the source wrote."""
    counted = Counter(entry.agency for entry in entries)
    services: dict[str, set[str]] = defaultdict(set)
    for name in counted:
        services[top_agency(name)].add(name)
    groups: list[dict[str, Any]] = []
    for colour, agency in enumerate(sorted(services)):
        nested = sorted(services[agency])
        words = agency_words(agency)
        lane = {
            "id": f"agency:{agency}",
            "label": words,
            "agency": agency,
            "count": sum(counted[name] for name in nested),
            "colour": colour % AGENCY_COLOURS,
            "className": f"app-lane app-lane--{_slug(agency)}",
        }
        if len(nested) == 1 and _service_words(nested[0], words).lower() == words.lower():
            # one service that is the agency itself: one lane, not a lane holding a copy of itself
            groups.append(lane | {"id": f"service:{nested[0]}"})
            continue
        groups.append(lane | {"nestedGroups": [f"service:{name}" for name in nested], "showNested": True})
        for name in nested:
            groups.append(
                {
                    "id": f"service:{name}",
                    "label": _service_words(name, words),
                    "count": counted[name],
                    "treeLevel": 2,
                    "className": "app-service",
                }
            )
    return groups


def _service_words(name: str, agency_words: str) -> str:
    label = name.split(":", 1)[1].strip() if ":" in name else name
    return label or agency_words


def agency_words(agency: str) -> str:
    """A lane's name as a person reads it: the config's words for a code, never an empty label."""
    return display(agency, "agencies") if agency.strip() else "Agency not recorded"


def _slug(agency: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in agency.lower())[:40]


def _moment(entry: Entry) -> str:
    day = entry.date.earliest()  # type: ignore[union-attr]
    if entry.time:
        return dt.datetime.combine(day, entry.time).isoformat()
    return day.isoformat()


def _item(entry: Entry, notes: Sequence[Note], clusters: ClusterLabels) -> dict[str, Any]:
    """One event as the timeline draws it: short fields only; the rest comes when it is opened."""
    cluster = entry.incident_cluster
    significant = is_significant(entry, notes)
    item: dict[str, Any] = {
        "id": entry.id,
        "group": f"service:{entry.agency}",
        "start": _moment(entry),
        "label": item_label(entry.event_type, entry.summary, entry.categories, entry.attributes),
        "agency": top_agency(entry.agency),
        "age": entry.age_at_event,
        "className": "app-item" + (" app-item--significant" if significant else ""),
    }
    if significant:
        item["significant"] = True
    if notes:
        item["annotated"] = True
    if entry.end is not None and entry.end.latest() > entry.date.earliest():  # type: ignore[union-attr]
        item["end"] = entry.end.latest().isoformat()
        item["type"] = "range"
    if cluster in clusters.names:
        item["cluster"] = clusters.names[cluster]
        item["className"] += f" app-cluster app-cluster-{clusters.colours[cluster]}"
    return item


def event_detail(
    entry: Entry,
    notes: Sequence[Note],
    links: Sequence[Link],
    by_id: Mapping[int, Entry],
    clusters: ClusterLabels,
    facts: ChildFacts | None,
) -> dict[str, Any]:
    """Everything the source said about the event, where it came from, who was there and what it links to."""
    cluster = cluster_of(entry, facts)
    return {
        "id": entry.id,
        "start": _moment(entry) if entry.date else None,
        "date": entry.date.marked() if entry.date else (entry.date_text or "date not known"),
        "time": entry.time.strftime("%H:%M") if entry.time else None,
        "end": entry.end.marked() if entry.end else None,
        "age": entry.age_at_event,
        "agency": entry.agency,
        "source": entry.source,
        "eventType": display(entry.event_type, "event_types"),
        "categories": entry.categories,
        "themes": entry.themes,  # codes, as the filters take them
        "themeWords": [display(theme, "themes") for theme in entry.themes],
        "summary": entry.summary,
        "impactOnChild": entry.impact_on_child,
        "actionOutcome": entry.action_outcome,
        "analysis": entry.analysis,
        "significantRecorded": entry.significant,
        "significant": is_significant(entry, notes),
        "childVoice": entry.child_voice,
        "childSeenAlone": entry.child_seen_alone,
        "persons": [
            {"display": p.display, "role": p.role, "relationship": p.relationship, "ambiguous": p.ambiguous}
            for p in entry.persons
        ],
        "attributes": {str(k): _text(v) for k, v in sorted(entry.attributes.items())},  # as stored, for machines
        "fields": [  # the same, as a person reads them
            {"label": display(k, "fields"), "value": display(_text(v), "values")} for k, v in sorted(entry.attributes.items())
        ],
        "references": entry.references_in_words(),
        "provenance": {
            "system": systems([entry.source_system])[0],
            "file": entry.source_file,
            "row": entry.source_row,
            "sheet": entry.source_sheet,
            "path": entry.source_path,
            "record": entry.source_record_id,
            "batch": entry.batch_id,
        },
        "cluster": clusters.names.get(cluster) if cluster else None,
        "episode": entry.episode or (facts.episodes.get(entry.id) if facts else None),
        "links": [_link(link, entry.id, by_id) for link in links],
        "annotations": [note.as_dict() for note in notes],
    }


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _link(link: Link, event_id: int, by_id: Mapping[int, Entry]) -> dict[str, Any]:
    other_id = link.b if link.a == event_id else link.a
    other = by_id.get(other_id)
    return {
        "other": other_id,
        "kind": display(link.kind, "fields"),
        "direction": "to" if link.a == event_id else "from",
        "reason": link.reason,
        "otherDate": other.date.marked() if other and other.date else None,
        "otherAgency": other.agency if other else None,
        "otherSummary": other.summary if other else None,
    }


def _plan(plan: Any, record: ChildRecord, facts: ChildFacts) -> dict[str, Any]:
    end = plan.end or facts.as_of
    label = plan_label(plan.kind, plan.number, plan.category)
    return {
        "kind": plan.kind,
        "label": label + ("" if plan.end else " — open"),
        "start": plan.start.isoformat(),
        "end": end.isoformat() if end else None,
        "startAge": age_at(record.dob, _partial(plan.start)),
    }


def _partial(day: dt.date) -> PartialDate:
    return PartialDate.from_date(day)


def harm_points(facts: ChildFacts) -> list[dict[str, Any]]:
    """The cumulative-harm index at each month end, for the chart under the timeline."""
    series = harm_series(facts)
    return [{"date": p.day.isoformat(), "index": round(p.index, 2), "themes": [display(t, "themes") for t in p.active_themes]} for p in series.points]
