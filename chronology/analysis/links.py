"""The link graph of one child's events: which reports are one incident, what led to what, what repeats.

Nodes are events (``Fact`` ids); edges are typed and explained ``Link``s:

- ``same_incident``: reports of one incident by different agencies (a police reference quoted by
  another agency; an A&E injury attendance hours after a police occurrence; a social care contact or
  referral from the police days after it; domestic abuse recorded by two agencies the same day about
  the same victim).
- ``led_to``: incident -> contact -> referral -> assessment -> section 47 -> conference -> plan.
- ``same_person``: incidents naming the same victim or suspect.
- ``follows``: an incident repeating a risk theme of an earlier one.

Every rule looks for candidates in a time-sorted sweep within its window (``config/links.toml``),
never over all pairs, so a child with thousands of events costs n log n, not n squared. Connected
components of ``same_incident`` edges are incident clusters; of all edges, episodes. Their ids are
derived from the events in them (earliest day and the smallest natural key), never from a counter,
so rebuilding the graph gives the same ids.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import networkx as nx

from chronology.analysis.classify import DOMESTIC_ABUSE, is_da_incident, is_incident
from chronology.analysis.facts import POLICE, SOCIAL_CARE, ChildFacts, Fact, Involved, Link
from chronology.settings import load_config

SAME_INCIDENT = "same_incident"
LED_TO = "led_to"
SAME_PERSON = "same_person"
FOLLOWS = "follows"
KINDS = (SAME_INCIDENT, LED_TO, SAME_PERSON, FOLLOWS)

# Social care records that report an incident to the authority (rather than respond to it).
REPORTING_TYPES = frozenset({"contact", "referral"})


@dataclass(slots=True)
class LinkGraph:
    """The graph's edges and the groups they make, as the store and ``ChildFacts`` hold them."""

    links: list[Link] = field(default_factory=list)
    clusters: dict[int, str] = field(default_factory=dict)  # event id -> incident cluster id
    episodes: dict[int, str] = field(default_factory=dict)  # event id -> episode id
    unmatched: dict[int, tuple[str, ...]] = field(default_factory=dict)  # event id -> references


@cache
def settings() -> dict[str, Any]:
    return load_config("links")


# --- reading a fact -----------------------------------------------------------------------------------


def _moment(fact: Fact) -> dt.datetime:
    assert fact.day is not None
    return dt.datetime.combine(fact.day, fact.time or dt.time.min)


def _is_police_record(fact: Fact) -> bool:
    return fact.event_type == "police_occurrence" and fact.top_agency == POLICE


def own_reference(fact: Fact) -> str | None:
    """The occurrence reference a police occurrence carries, as written (for the reasons shown)."""
    if fact.event_type != "police_occurrence":
        return None
    own = next((ref.value for ref in fact.references if ref.own), None)
    if own is None and _is_police_record(fact):
        own = next(iter(quoted_references(fact).values()), None)
    return own


def own_tokens(fact: Fact) -> frozenset[str]:
    """The tokens of a police occurrence's own references (occurrence and crime numbers).

    A police record that carries none of its own but names a police reference (a police row on the
    chronology template: "Occurrence OR-22-000123 ...") is the occurrence it names.
    """
    if fact.event_type != "police_occurrence":
        return frozenset()
    if fact.own_tokens or not _is_police_record(fact):
        return fact.own_tokens
    return frozenset(quoted_references(fact))


def police_kinds() -> frozenset[str]:
    return frozenset(settings()["references"]["police_kinds"])


def quoted_references(fact: Fact) -> dict[str, str]:
    """Police references the record quotes: token -> the reference as written (first seen)."""
    kinds = police_kinds()
    found: dict[str, str] = {}
    for ref in fact.quoted:
        if ref.kind in kinds and ref.token:
            found.setdefault(ref.token, ref.value)
    return found


def from_police(fact: Fact) -> bool:
    """A contact or referral the police made (the importer read its referral source)."""
    return fact.referring_agency == POLICE


def _people_in(fact: Fact, roles: Iterable[str]) -> dict[int, str]:
    wanted = {r.lower() for r in roles}
    return {
        p.person_id: p.name or "unnamed"
        for p in fact.persons
        if p.person_id is not None and p.role and p.role.lower() in wanted
    }


def _not_after(first: Fact, later: Fact) -> bool:
    """``first`` happened no later than ``later`` (by the clock when both have a time, else by day)."""
    if first.time is not None and later.time is not None:
        return _moment(first) <= _moment(later)
    assert first.day is not None and later.day is not None
    return first.day <= later.day


def _days(first: Fact, later: Fact) -> int:
    assert first.day is not None and later.day is not None
    return (later.day - first.day).days


def _after(days: int) -> str:
    return "the same day as" if days == 0 else ("1 day after" if days == 1 else f"{days} days after")


# --- the sweep ------------------------------------------------------------------------------------------


class Timeline:
    """Dated facts sorted by day and time, with a window search (bisect) for earlier ones."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        self.facts = sorted((f for f in facts if f.day is not None), key=lambda f: (_moment(f), f.id))
        self.days = [f.day for f in self.facts]

    def before(self, fact: Fact, days: int, *, after: bool = False) -> Iterator[Fact]:
        """Facts from ``days`` days before ``fact`` up to its day (and up to ``days`` after, if asked)."""
        assert fact.day is not None
        low = bisect.bisect_left(self.days, fact.day - dt.timedelta(days=days))
        high = bisect.bisect_right(self.days, fact.day + dt.timedelta(days=days if after else 0))
        for other in self.facts[low:high]:
            if other.id != fact.id:
                yield other


def _sorted(facts: Iterable[Fact], test: Callable[[Fact], bool]) -> Timeline:
    return Timeline(f for f in facts if test(f))


# --- rules ----------------------------------------------------------------------------------------------


def _pair(a: Fact, b: Fact, kind: str, reason: str) -> Link:
    first, second = sorted((a, b), key=lambda f: (f.day or dt.date.max, f.time or dt.time.min, f.id))
    return Link(first.id, second.id, kind, reason)


def occurrences_by_token(dated: Sequence[Fact]) -> dict[str, list[Fact]]:
    """Each police occurrence under every token of its own references, in time order."""
    occurrences: dict[str, list[Fact]] = {}
    for fact in dated:
        for token in sorted(own_tokens(fact)):
            occurrences.setdefault(token, []).append(fact)
    return occurrences


def quoted_reference_links(dated: Sequence[Fact]) -> Iterator[Link]:
    """Another agency's record quoting a police occurrence's reference (matched as a token)."""
    window = settings()["references"]["window_days"]
    occurrences = occurrences_by_token(dated)
    for group in occurrences.values():  # one occurrence recorded twice (e.g. two nominals)
        for a, b in itertools.pairwise(group):
            yield _pair(a, b, SAME_INCIDENT, f"the same police occurrence {own_reference(a)}")
    for fact in dated:
        if fact.event_type == "police_occurrence":
            continue
        for token, written in sorted(quoted_references(fact).items()):
            for police in occurrences.get(token, ()):
                if abs(_days(police, fact)) > window:
                    continue
                reports = is_incident(fact) or fact.event_type in REPORTING_TYPES
                kind = SAME_INCIDENT if reports else LED_TO
                who = fact.top_agency.lower() if fact.top_agency != SOCIAL_CARE else "children's social care"
                yield _pair(
                    police, fact, kind, f"police reference {written} quoted by {who} ({fact.event_type})"
                )


def unmatched_references(facts: Iterable[Fact]) -> dict[int, tuple[str, ...]]:
    """Event id -> the police references it quotes that no police record of the child carries.

    Kept and shown, never guessed into a link: the occurrence may be another child's, not yet
    imported, or mistyped.
    """
    facts = list(facts)
    held = {token for fact in facts if fact.top_agency == POLICE for token in fact.own_tokens | own_tokens(fact)}
    missing: dict[int, tuple[str, ...]] = {}
    for fact in facts:
        refs = [written for token, written in quoted_references(fact).items() if token not in held]
        if refs:
            missing[fact.id] = tuple(refs)
    return missing


def ae_after_police_links(police: Timeline, dated: Sequence[Fact]) -> Iterator[Link]:
    """An A&E attendance for injury within hours of a police occurrence."""
    hours = settings()["same_incident"]["ae_after_police_hours"]
    span = dt.timedelta(hours=hours)
    for ae in dated:
        if ae.event_type != "ae_attendance" or not is_incident(ae):
            continue
        for occ in police.before(ae, max(1, -(-hours // 24))):
            if ae.time is not None and occ.time is not None:
                gap = _moment(ae) - _moment(occ)
                if not dt.timedelta(0) <= gap <= span:
                    continue
                said = f"{int(gap.total_seconds() // 3600)}h{int(gap.total_seconds() % 3600 // 60):02d}m"
                yield _pair(occ, ae, SAME_INCIDENT, f"A&E injury attendance {said} after police occurrence")
            elif _days(occ, ae) <= 1:
                ref = own_reference(occ) or "without reference"
                yield _pair(
                    occ,
                    ae,
                    SAME_INCIDENT,
                    f"A&E injury attendance {_after(_days(occ, ae))} police occurrence {ref}",
                )


def police_to_social_care_links(police: Timeline, dated: Sequence[Fact]) -> Iterator[Link]:
    """A contact or referral from the police a few days after an occurrence (the nearest one)."""
    days = settings()["same_incident"]["police_to_social_care_days"]
    for fact in dated:
        if fact.event_type not in REPORTING_TYPES or not from_police(fact):
            continue
        if quoted_references(fact):  # quoting a reference: that rule decides, not proximity
            continue
        earlier = [occ for occ in police.before(fact, days) if occ.day is not None and occ.day <= fact.day]
        if earlier:
            occ = earlier[-1]
            ref = own_reference(occ) or "without reference"
            yield _pair(
                occ,
                fact,
                SAME_INCIDENT,
                f"{fact.event_type} from the police {_after(_days(occ, fact))} occurrence {ref}",
            )


def same_victim_links(da: Timeline) -> Iterator[Link]:
    """Domestic abuse recorded by two agencies on the same day, naming the same victim."""
    conf = settings()["same_incident"]
    for fact in da.facts:
        victims = _people_in(fact, conf["victim_roles"])
        if not victims:
            continue
        for other in da.before(fact, conf["same_victim_days"]):
            if other.top_agency == fact.top_agency:
                continue
            shared = victims.keys() & _people_in(other, conf["victim_roles"]).keys()
            if shared:
                name = victims[min(shared)]
                yield _pair(other, fact, SAME_INCIDENT, f"same day, same victim ({name}), domestic abuse")


def encounter_links(dated: Sequence[Fact]) -> Iterator[Link]:
    """A diagnosis recorded in an A&E attendance for injury belongs to that attendance's incident."""
    attendances = {
        f.encounter: f for f in dated if f.event_type == "ae_attendance" and is_incident(f) and f.encounter
    }
    if not attendances:
        return
    for fact in dated:
        if fact.event_type in ("health_condition", "health_observation", "procedure") and fact.encounter:
            encounter = attendances.get(fact.encounter)
            if encounter is not None and encounter.id != fact.id:
                yield _pair(
                    encounter, fact, SAME_INCIDENT, f"{fact.event_type} recorded at the A&E attendance"
                )


def led_to_links(timeline: Timeline, clusters: dict[int, str]) -> Iterator[Link]:
    """Each response step follows the nearest earlier step that can lead to it, within its window.

    A record that is itself a report of an incident (in its cluster) is not led to by another one.
    """
    for step in settings()["led_to"]["steps"]:
        sources = set(step["from"])

        def can_lead(other: Fact, sources: set[str] = sources) -> bool:
            return other.event_type in sources or ("incident" in sources and is_incident(other))

        for fact in timeline.facts:
            if fact.event_type != step["to"]:
                continue
            if fact.id in clusters and "incident" in sources:
                continue
            earlier = [
                other
                for other in timeline.before(fact, step["days"])
                if _not_after(other, fact)
                and can_lead(other)
                and clusters.get(other.id, -1) != clusters.get(fact.id)
            ]
            if earlier:
                cause = earlier[-1]
                label = "incident" if is_incident(cause) else cause.event_type.replace("_", " ")
                yield _pair(
                    cause,
                    fact,
                    LED_TO,
                    f"{fact.event_type.replace('_', ' ')} {_after(_days(cause, fact))} the {label} "
                    f"of {cause.day}",
                )


def same_person_links(incidents: list[Fact]) -> Iterator[Link]:
    """Each incident to the previous incident naming the same victim or suspect, within the window."""
    conf = settings()["same_person"]
    last_seen: dict[int, Fact] = {}
    for fact in incidents:
        assert fact.day is not None
        for person_id, name in sorted(_people_in(fact, conf["roles"]).items()):
            role = next(p.role for p in fact.persons if p.person_id == person_id)
            previous = last_seen.get(person_id)
            if previous is not None and _days(previous, fact) <= conf["window_days"]:
                yield _pair(previous, fact, SAME_PERSON, f"{name} named again ({role}), as on {previous.day}")
            last_seen[person_id] = fact


def follows_links(anchors: list[tuple[Fact, frozenset[str]]]) -> Iterator[Link]:
    """Each incident to the previous incident with a risk theme in common, within the window."""
    window = settings()["follows"]["window_days"]
    last_seen: dict[str, Fact] = {}
    for fact, themes in anchors:
        linked: set[int] = set()
        for theme in sorted(themes):
            previous = last_seen.get(theme)
            if previous is not None and previous.id not in linked and _days(previous, fact) <= window:
                linked.add(previous.id)
                words = "domestic abuse" if theme == DOMESTIC_ABUSE else theme.replace("_", " ")
                yield _pair(
                    previous,
                    fact,
                    FOLLOWS,
                    f"{words} again, {_days(previous, fact)} days after {previous.day}",
                )
            last_seen[theme] = fact


# --- the graph ------------------------------------------------------------------------------------------


def build_links(child: ChildFacts) -> LinkGraph:
    """Every link between the child's events, with incident clusters and episodes."""
    dated = [f for f in child.facts if f.day is not None]
    timeline = Timeline(dated)
    police = _sorted(dated, lambda f: f.event_type == "police_occurrence")
    links = _unique(
        [
            *quoted_reference_links(timeline.facts),
            *ae_after_police_links(police, timeline.facts),
            *police_to_social_care_links(police, timeline.facts),
            *same_victim_links(_sorted(dated, is_da_incident)),
            *encounter_links(timeline.facts),
        ]
    )
    by_id = {f.id: f for f in child.facts}
    incident_graph = nx.Graph()
    incident_graph.add_nodes_from(f.id for f in dated if is_incident(f))
    incident_graph.add_edges_from((link.a, link.b) for link in links if link.kind == SAME_INCIDENT)
    clusters = _group_ids(incident_graph, by_id, "IC")
    members: dict[str, list[Fact]] = {}
    for event_id, cluster in clusters.items():
        members.setdefault(cluster, []).append(by_id[event_id])
    links += _unique(led_to_links(timeline, clusters), seen=links)
    anchors = _cluster_anchors(members)
    links += _unique(same_person_links([f for f, _ in anchors]), seen=links, clusters=clusters)
    links += _unique(follows_links(anchors), seen=links, clusters=clusters)
    whole = nx.Graph()
    whole.add_nodes_from(incident_graph.nodes)
    whole.add_edges_from((link.a, link.b) for link in links)
    episodes = _group_ids(whole, by_id, "EP")
    links.sort(key=lambda link: (link.a, link.b, KINDS.index(link.kind)))
    return LinkGraph(links, clusters, episodes, unmatched_references(child.facts))


def _unique(
    found: Iterable[Link], *, seen: Iterable[Link] = (), clusters: dict[int, str] | None = None
) -> list[Link]:
    """One edge per pair of events (the first rule's reason), none inside one incident cluster."""
    taken = {(link.a, link.b) for link in seen}
    out: list[Link] = []
    for link in found:
        if (link.a, link.b) in taken or link.a == link.b:
            continue
        if clusters and link.a in clusters and clusters.get(link.b) == clusters[link.a]:
            continue
        taken.add((link.a, link.b))
        out.append(link)
    return out


def _cluster_anchors(members: dict[str, list[Fact]]) -> list[tuple[Fact, frozenset[str]]]:
    """Each incident cluster once: its earliest incident, with every person and theme of the cluster."""
    anchors: list[tuple[Fact, frozenset[str]]] = []
    for facts in members.values():
        incidents = [f for f in facts if is_incident(f)] or facts
        first = min(incidents, key=lambda f: (_moment(f), f.id))
        persons = tuple(p for f in incidents for p in f.persons)
        themes = frozenset(t for f in incidents for t in f.themes)
        anchors.append((_with_persons(first, persons), themes))
    anchors.sort(key=lambda item: (_moment(item[0]), item[0].id))
    return anchors


def _with_persons(fact: Fact, persons: tuple[Involved, ...]) -> Fact:
    return replace(fact, persons=persons)


def _group_ids(graph: nx.Graph, by_id: dict[int, Fact], prefix: str) -> dict[int, str]:
    """A stable id for each connected component: its earliest day and a digest of its smallest key."""
    ids: dict[int, str] = {}
    for component in nx.connected_components(graph):
        facts = [by_id[event_id] for event_id in component]
        first_day = min(f.day for f in facts if f.day is not None)
        key = min(f.natural_key or f"event:{f.id}" for f in facts)
        digest = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
        group_id = f"{prefix}-{first_day.isoformat()}-{digest}"
        for event_id in component:
            ids[event_id] = group_id
    return ids
