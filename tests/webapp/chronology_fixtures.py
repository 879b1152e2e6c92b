"""A small child for the chronology page tests (timeline, table, CSV, annotations)."""

from __future__ import annotations

import datetime as dt

import pytest

from chronology.events import PartialDate
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from chronology.users import allocate
from tests.factories import child, event


@pytest.fixture
def amy(web_engine) -> int:
    """Amy (LA1), allocated to Team A: police, health and two schools' events, one with a theme."""
    amy = child(la_id="LA1", name="Amy Jones", dob=dt.date(2015, 3, 14))
    items = [
        event(amy, record_id="p1", agency="Police", when=PartialDate(2021, 3, 4), categories=["Domestic abuse"]),
        event(amy, record_id="h1", agency="Health: A&E", summary="A&E attendance", when=PartialDate(2021, 3, 5)),
        event(amy, record_id="s1", agency="Education: Oak Lane Primary", summary="Came in hungry", when=PartialDate(2022, 1, 10)),
        event(amy, record_id="s2", agency="Education: Elm High", summary="Moved school", when=PartialDate(2023, 9, 1)),
    ]
    import_items(web_engine, items, FileInfo("fixture.csv", "template"), actor="t")
    with web_engine.begin() as conn:
        allocate(conn, "Team A", ["LA1"], "test-admin")
        return find_child(conn, "LA1")  # type: ignore[return-value]
