"""The timeline's first screen at a laptop's size (1366×768): every agency's lane labelled, counted and
in view, nothing clipped, the detail as a drawer, lanes that collapse, a colour key and an agency
filter that keeps the other agencies' reports of the same incident (dimmed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, insert

from chronology.analysis.facts import top_agency
from chronology.record import groups_t, load_child
from tests.browser.conftest import screenshot, sign_in, wait_for_timeline
from tests.browser.harness import World

LAPTOP = {"width": 1366, "height": 768}


def _open(page, world: World) -> dict:  # type: ignore[no-untyped-def]
    page.set_viewport_size(LAPTOP)
    sign_in(page, world.users["practitioner"])
    page.goto(f"/children/{world.featured}/timeline")
    assert wait_for_timeline(page) == "drawn"
    page.wait_for_timeout(300)  # vis-timeline settles its lane heights after the first draw
    return page.evaluate(f"fetch('/children/{world.featured}/timeline/data').then(r => r.json())")


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


@pytest.fixture
def shared_incident(world: World) -> Iterator[None]:
    """Two reports of one incident by different agencies, as the link graph stores a same-incident
    cluster (the small generated world has none): put back as they were afterwards."""
    with world.engine.begin() as conn:
        entries = load_child(conn, world.featured).entries
        picked = {}
        for entry in entries:
            if entry.date and top_agency(entry.agency) not in picked:
                picked[top_agency(entry.agency)] = entry
        pair = [picked[a] for a in sorted(picked)[:2]]
        before = {e.id: e.incident_cluster for e in pair}
        for entry in pair:
            conn.execute(delete(groups_t).where(groups_t.c.event_id == entry.id))
            conn.execute(insert(groups_t).values(event_id=entry.id, child_id=world.featured, incident_cluster="browser-test-incident"))
    yield
    with world.engine.begin() as conn:
        for event_id, cluster in before.items():
            conn.execute(delete(groups_t).where(groups_t.c.event_id == event_id))
            if cluster:
                conn.execute(insert(groups_t).values(event_id=event_id, child_id=world.featured, incident_cluster=cluster))


def test_the_agency_filter_dims_linked_reports_and_hides_the_rest(page, world: World, shared_incident: None) -> None:  # type: ignore[no-untyped-def]
    data = _open(page, world)
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


def test_events_of_one_agency_whose_summaries_start_alike_have_different_labels(page, world: World) -> None:  # type: ignore[no-untyped-def]
    """(The generated world's featured child has no police records; web tests cover police labels.)"""
    data = _open(page, world)
    with world.engine.connect() as conn:
        entries = [e for e in load_child(conn, world.featured).entries if e.date]
    starts: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for entry in entries:  # same agency, same first words, but not the same event type and summary
        starts[(top_agency(entry.agency), (entry.summary or "")[:12])][(entry.event_type, entry.summary or "")] = entry.id
    alike = next(list(ids.values()) for ids in starts.values() if len(ids) > 1)
    labels = {item["id"]: item["label"] for item in data["window"]["items"]}
    assert len({labels[i] for i in alike}) > 1, [labels[i] for i in alike]
    drawn = page.eval_on_selector_all("#timeline .app-item__text", "els => els.map(e => e.textContent)")
    assert any(labels[alike[0]] == text for text in drawn) or any(labels[alike[1]] == text for text in drawn)
