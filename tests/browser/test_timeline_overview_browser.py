"""The timeline's first screen at a laptop's size (1366×768): every agency's lane labelled, counted and
in view, nothing clipped, the detail as a drawer, lanes that collapse, a colour key and an agency
filter that keeps the other agencies' reports of the same incident (dimmed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

import pytest

from chronology.analysis.facts import top_agency
from chronology.events import PartialDate, Reference, ReferenceRole
from chronology.record import load_child
from tests.browser.conftest import screenshot, sign_in, wait_for_timeline
from tests.browser.harness import World, import_team_a_child
from tests.factories import child, event

LAPTOP = {"width": 1366, "height": 768}


def _open(page, world: World, person: int | None = None) -> dict:  # type: ignore[no-untyped-def]
    person = person or world.featured
    page.set_viewport_size(LAPTOP)
    sign_in(page, world.users["practitioner"])
    page.goto(f"/children/{person}/timeline")
    assert wait_for_timeline(page) == "drawn"
    page.wait_for_timeout(300)  # vis-timeline settles its lane heights after the first draw
    return page.evaluate(f"fetch('/children/{person}/timeline/data').then(r => r.json())")


def _agency_lanes(page) -> list[dict]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "#timeline .vis-panel.vis-left .vis-label.app-lane",
        """els => els.map(e => { const r = e.getBoundingClientRect();
            return {name: e.querySelector('.app-lane__label').textContent,
                    count: (e.querySelector('.app-lane__count') || {}).textContent || '',
                    top: r.top, bottom: r.bottom, height: r.height}; })""",
    )


def test_first_screen_shows_every_lane_labelled_and_counted_without_clipping(page, world: World) -> None:  # type: ignore[no-untyped-def]
    data = _open(page, world)
    labels = page.eval_on_selector_all("#timeline .vis-panel.vis-left .vis-label", "els => els.map(e => e.textContent.trim())")
    assert labels and all(labels), labels  # every lane, services included, has words
    lanes = _agency_lanes(page)
    with world.engine.connect() as conn:
        entries = [e for e in load_child(conn, world.featured).entries if e.date is not None]
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        counts[top_agency(entry.agency)] += 1
    assert {lane["name"] for lane in lanes} == set(counts)
    for lane in lanes:
        assert lane["count"] == f" — {counts[lane['name']]} events", lane
        assert lane["top"] >= 0 and lane["bottom"] <= LAPTOP["height"], lane  # in view on the first screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("#timeline").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"]
    assert page.locator("#event-drawer").is_hidden()  # no empty detail column before an event is chosen
    assert len(data["groups"]) == len(labels)
    screenshot(page, "timeline-overview")


def test_the_detail_is_a_drawer_opened_by_an_event_and_closed_by_escape(page, world: World) -> None:  # type: ignore[no-untyped-def]
    _open(page, world)
    assert page.locator("#event-drawer").is_hidden()
    page.locator(".vis-item.app-item").first.click()
    page.wait_for_selector("#detail-provenance")
    assert page.locator("#event-drawer").is_visible()
    assert page.evaluate("document.activeElement.closest('#event-drawer') !== null")  # focus moved to it
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "timeline-overview-drawer")
    page.keyboard.press("Escape")
    assert page.locator("#event-drawer").is_hidden()
    assert page.evaluate("document.activeElement.id") == "timeline"


def test_a_lane_collapses_to_its_count_and_says_so(page, world: World) -> None:  # type: ignore[no-untyped-def]
    _open(page, world)
    lane = next(lane for lane in _agency_lanes(page) if lane["name"] == "Education")
    items = page.locator("#timeline .vis-item.app-item, #timeline .vis-item.vis-cluster").count()
    before = lane["height"]
    toggle = page.locator("button[data-lane='Education']")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    page.wait_for_timeout(200)
    assert toggle.get_attribute("aria-expanded") == "false"
    collapsed = next(lane for lane in _agency_lanes(page) if lane["name"] == "Education")
    assert collapsed["count"] == lane["count"]
    assert "events" in collapsed["count"] and collapsed["height"] < before  # one line: its name and count
    assert page.locator("#timeline .vis-item.app-item, #timeline .vis-item.vis-cluster").count() < items
    assert "Education lane collapsed" in page.inner_text("#lanes-status")
    toggle.click()
    page.wait_for_timeout(200)
    assert toggle.get_attribute("aria-expanded") == "true"
    assert next(lane for lane in _agency_lanes(page) if lane["name"] == "Education")["height"] > collapsed["height"]


def test_the_colour_key_names_every_agency_in_its_items_colour(page, world: World) -> None:  # type: ignore[no-untyped-def]
    _open(page, world)
    keyed = page.eval_on_selector_all("#agency-key li", "els => els.map(e => e.getAttribute('data-agency'))")
    assert sorted(keyed) == sorted(lane["name"] for lane in _agency_lanes(page))
    for index, agency in enumerate(keyed):
        swatch = page.locator("#agency-key li .app-legend__swatch").nth(index)
        colour = swatch.evaluate("e => getComputedStyle(e).backgroundColor")
        number = swatch.get_attribute("class").rsplit("-", 1)[1]
        edges = page.eval_on_selector_all(
            f"#timeline .vis-item.app-agency-{number}", "els => els.map(e => getComputedStyle(e).borderLeftColor)"
        )
        assert edges and set(edges) == {colour}, agency


LA_ID = "LAOVERVIEW1"
SAME_START = "Domestic crime at home address: "


@pytest.fixture(scope="module")
def incident_child(world: World) -> Iterator[int]:
    """A child of Team A: two police occurrences whose summaries open alike (one the school was told of
    through Operation Encompass: the same incident), and social care and health events not linked."""
    subject = child(la_id=LA_ID, name="Olly Overview", dob=dt.date(2013, 5, 5))

    def typed(record: str, agency: str, day: PartialDate, summary: str, event_type: str, **more):  # type: ignore[no-untyped-def]
        made = event(subject, record_id=record, agency=agency, when=day, summary=summary)
        return dataclasses.replace(made, event_type=event_type, **more)

    def police(ref: str, day: PartialDate, role: str, dash: str, summary: str):  # type: ignore[no-untyped-def]
        return typed(ref, "Police", day, SAME_START + summary, "police_occurrence",
                     categories=["Domestic crime", "DA", f"DASH {dash}"],
                     attributes={"nominal_role": role, "dash_risk": dash},
                     references=[Reference("police_occurrence", ref, ReferenceRole.OWN, "occurrence_ref")])

    items = [
        police("OR-21-000888", PartialDate(2021, 3, 1), "Victim", "high", "argument in the kitchen"),
        police("OR-21-000999", PartialDate(2021, 9, 1), "Child present", "standard", "argument in the kitchen"),
        typed("ov-e1", "Education: Oak Lane Primary", PartialDate(2021, 3, 2),
              "Operation Encompass notification (ref OR-21-000888)", "operation_encompass"),
        typed("ov-c1", "Children's Social Care", PartialDate(2021, 5, 4), "Home visit, child seen", "agency_record"),
        typed("ov-h1", "Health: GP", PartialDate(2021, 6, 7), "GP consultation, cough", "health_contact"),
    ]
    yield import_team_a_child(world.engine, LA_ID, items, "overview.csv")


def test_the_agency_filter_dims_linked_reports_and_hides_the_rest(page, world: World, incident_child: int) -> None:  # type: ignore[no-untyped-def]
    data = _open(page, world, incident_child)
    items = data["window"]["items"]
    by_cluster: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.get("cluster"):
            by_cluster[item["cluster"]].add(item["agency"])
    shared = sorted(agency for agencies in by_cluster.values() if len(agencies) > 1 for agency in agencies)
    assert shared, "the featured child needs an incident reported by two agencies"
    chosen = shared[0]
    linked = {c for c, agencies in by_cluster.items() if chosen in agencies}
    dimmed = [i for i in items if i["agency"] != chosen and i.get("cluster") in linked]
    hidden = [i for i in items if i["agency"] != chosen and i.get("cluster") not in linked]
    assert dimmed and hidden
    position = page.eval_on_selector_all("#agency-key li", "els => els.map(e => e.getAttribute('data-agency'))").index(chosen)
    page.locator("#agency-key li input").nth(position).check()
    page.wait_for_timeout(300)
    shown = page.evaluate(
        """() => [...document.querySelectorAll('#timeline .vis-item.app-item:not(.vis-dot)')].map(e => ({
            dimmed: e.classList.contains('app-item--dimmed'), text: e.textContent}))"""
    )
    assert sum(s["dimmed"] for s in shown) == len(dimmed)
    assert all("linked report of the same incident" in s["text"] for s in shown if s["dimmed"])
    assert len(shown) <= len(items) - len(hidden)  # fewer when vis-timeline draws close ones as a numbered box
    assert page.locator("#timeline .vis-item.app-item--dimmed").first.evaluate("e => getComputedStyle(e).borderStyle").startswith("dashed")
    screenshot(page, "timeline-overview-filtered")
    page.locator("#agency-key li input").nth(position).uncheck()
    page.wait_for_timeout(300)
    assert page.locator("#timeline .vis-item.app-item--dimmed").count() == 0


def test_two_police_events_whose_summaries_start_alike_have_different_labels(page, world: World, incident_child: int) -> None:  # type: ignore[no-untyped-def]
    data = _open(page, world, incident_child)
    police = [i for i in data["window"]["items"] if i["agency"] == "Police"]
    assert len(police) == 2
    labels = [i["label"] for i in police]
    assert labels[0] != labels[1] and not any(label.startswith(SAME_START.strip()) for label in labels)
    assert labels[0].startswith("Domestic crime · victim · DASH high")
    assert labels[1].startswith("Domestic crime · present · DASH standard")
    drawn = page.eval_on_selector_all("#timeline .app-item__text", "els => els.map(e => e.textContent)")
    assert set(labels) <= set(drawn)


DENSE_LA_ID = "LA-OVERVIEW-DENSE"
DENSE_AGENCIES = [
    ("Children's Social Care", "agency_record", "Home visit, child seen"),
    ("Education: Oak Lane Primary", "agency_record", "Attendance concern"),
    ("Education: Elm High", "agency_record", "Late to school"),
    ("Health: GP", "health_contact", "GP consultation"),
    ("Health: Health visitor", "health_contact", "Health visitor contact"),
    ("Police", "police_occurrence", "Concern for welfare"),
]


@pytest.fixture(scope="module")
def dense_child(world: World) -> Iterator[int]:
    """A child of Team A with many events close together in every agency: at full stack its lanes run far
    below a laptop's screen (as a native authority's busiest children do)."""
    subject = child(la_id=DENSE_LA_ID, name="Dana Dense", dob=dt.date(2012, 1, 9))
    items = []
    for agency_index, (agency, event_type, summary) in enumerate(DENSE_AGENCIES):
        for n in range(30):
            day = dt.date(2016, 1, 1) + dt.timedelta(days=(n * 97 + agency_index * 13) % 2900)
            made = event(subject, record_id=f"dense-{agency_index}-{n}", agency=agency,
                         when=PartialDate(day.year, day.month, day.day), summary=f"{summary} {n}")
            items.append(dataclasses.replace(made, event_type=event_type))
    yield import_team_a_child(world.engine, DENSE_LA_ID, items, "dense.csv")


def test_a_busy_childs_every_lane_is_on_the_first_screen(page, world: World, dense_child: int) -> None:  # type: ignore[no-untyped-def]
    _open(page, world, dense_child)
    lanes = _agency_lanes(page)
    assert {lane["name"] for lane in lanes} == {"Children's social care", "Education", "Health", "Police"}
    for lane in lanes:
        assert lane["bottom"] <= LAPTOP["height"], lane  # grouped or folded until every agency is in view
    box = page.locator("#timeline").bounding_box()
    assert box["y"] + box["height"] <= LAPTOP["height"]
    shown = page.locator(".vis-item.app-item").count() + page.locator(".vis-item.vis-cluster").count()
    assert shown > 0
    folded = page.locator("#agency-key button[aria-expanded=false]").count()
    note = page.locator("#lanes-fitted")
    if folded:  # a lane folded to fit says so, and its Expand button opens it again
        assert note.is_visible() and "start folded to their counts" in note.inner_text()
    else:
        assert note.is_hidden()
    screenshot(page, "timeline-overview-busy-child")
