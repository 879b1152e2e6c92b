"""Colour is never the only signal, shown in a real browser: every drawn plan band is labelled with
its plan, and every event of a multi-agency incident carries its "◆ Incident N" badge beside the
cluster colour."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator

import pytest

from chronology.display_names import display
from chronology.events import PartialDate, Reference, ReferenceRole
from tests.browser.conftest import screenshot, sign_in, wait_for_timeline
from tests.browser.harness import World, import_team_a_child
from tests.factories import child, event

LA_ID = "LACOLOUR1"
POLICE_REF = "OR-21-000777"


@pytest.fixture(scope="module")
def incident_child(world: World) -> Iterator[int]:
    """A child of Team A with a CP plan then a CIN plan, and one incident reported by police and school."""
    subject = child(la_id=LA_ID, name="Cara Colour", dob=dt.date(2014, 2, 2))

    def typed(record: str, agency: str, day: PartialDate, summary: str, event_type: str):  # type: ignore[no-untyped-def]
        return dataclasses.replace(event(subject, record_id=record, agency=agency, when=day, summary=summary),
                                   event_type=event_type)

    items = [
        typed("c1", "Children's Social Care", PartialDate(2021, 1, 4), "Child protection plan starts", "cp_plan_start"),
        dataclasses.replace(  # the police importer gives the occurrence its own reference
            typed(POLICE_REF, "Police", PartialDate(2021, 3, 1), f"Domestic incident {POLICE_REF}", "police_occurrence"),
            references=[Reference("police_occurrence", POLICE_REF, ReferenceRole.OWN, "occurrence_ref")],
        ),
        typed("e1", "Education: Oak Lane Primary", PartialDate(2021, 3, 2),
              f"Operation Encompass notification (ref {POLICE_REF})", "operation_encompass"),
        typed("c2", "Children's Social Care", PartialDate(2021, 6, 30), "Child protection plan ends", "cp_plan_end"),
        typed("c3", "Children's Social Care", PartialDate(2021, 6, 30), "Child in need plan starts", "cin_plan_start"),
        typed("c4", "Children's Social Care", PartialDate(2021, 12, 1), "Child in need plan ends", "cin_plan_end"),
    ]
    yield import_team_a_child(world.engine, LA_ID, items, "colour-signals.csv")


def _drawn(page, selector: str, inner: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        selector, f"els => els.map(e => [e.className, (e.querySelector('{inner}') || {{}}).textContent || ''])"
    )


def test_plan_bands_and_incident_clusters_carry_words_as_well_as_colour(page, world: World, incident_child: int) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, world.users["practitioner"])
    page.goto(f"/children/{incident_child}/timeline")
    assert wait_for_timeline(page) == "drawn"

    bands = _drawn(page, "#timeline .vis-item.vis-background.app-plan", ".app-plan__label")
    kinds = set()
    for class_name, label in bands:
        kind = re.search(r"app-plan--(\w+)", class_name).group(1)  # type: ignore[union-attr]
        assert label.startswith(display(kind, "plan_kinds")), (class_name, label)
        kinds.add(kind)
    assert kinds == {"cp", "cin"}

    badges = _drawn(page, "#timeline .vis-item.app-cluster:not(.vis-dot)", ".app-item__cluster")
    assert len(badges) == 2  # the police report and the school's notification of the same incident
    for class_name, badge in badges:
        assert re.search(r"\bapp-cluster-\d+\b", class_name)
        assert badge == "◆ Incident 1"
    minor = page.eval_on_selector_all("#harm .vis-y-axis.vis-minor", "els => els.map(e => getComputedStyle(e).color)")
    assert minor and set(minor) == {"rgb(80, 90, 95)"}  # the harm graph's numbers, readable (timeline.css)
    screenshot(page, "timeline-plans-and-incident")
