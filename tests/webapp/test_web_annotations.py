"""Annotations: attributed, dated, kept apart from the agency's record, shown and exported."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select

from chronology.db.models import AccessLog, Event
from tests.webapp.chronology_fixtures import amy  # noqa: F401  (fixture)
from tests.webapp.conftest import BASE, post_form


def _event_id(client, child_id: int, summary: str) -> int:
    data = client.get(f"/children/{child_id}/timeline/data", base_url=BASE).get_json()
    return next(i["id"] for i in data["window"]["items"] if i["label"].endswith(summary))


def test_practitioner_annotates_and_the_agency_record_is_untouched(client, login, web_engine, amy):  # noqa: F811
    user = login("practitioner", "Team A")
    event_id = _event_id(client, amy, "Came in hungry")
    with web_engine.connect() as conn:
        before = conn.execute(select(Event.__table__).where(Event.id == event_id)).one()
    path = f"/children/{amy}/events/{event_id}"
    response = post_form(
        client, path, {"significance": "yes", "analysis": "Third report of hunger", "impact": "Missing meals"}
    )
    assert response.status_code == 302
    page = client.get(path, base_url=BASE).get_data(as_text=True)
    assert "Third report of hunger" in page and f"by {user.username}" in page and "Missing meals" in page
    with web_engine.connect() as conn:
        after = conn.execute(select(Event.__table__).where(Event.id == event_id)).one()
        log = [e for e in conn.execute(select(AccessLog.__table__)) if e.action == "annotate"]
    assert before == after  # what the school recorded is never altered
    assert len(log) == 1 and log[0].actor == user.username

    detail = client.get(f"/children/{amy}/timeline/events/{event_id}", base_url=BASE).get_json()
    assert [n["kind"] for n in detail["annotations"]] == ["significance", "analysis", "impact"]
    assert detail["significant"] is True and detail["significantRecorded"] is False
    table = client.get(f"/children/{amy}/timeline/table", base_url=BASE).get_data(as_text=True)
    assert f"[annotation by {user.username} on {dt.datetime.now(dt.UTC).date().isoformat()}] analysis: Third report of hunger" in table


def test_annotations_go_into_the_csv_analysis_column_after_the_agencys(client, login, amy):  # noqa: F811
    user = login("practitioner", "Team A")
    event_id = _event_id(client, amy, "Came in hungry")
    post_form(client, f"/children/{amy}/events/{event_id}", {"significance": "no", "comment": "Seen by nurse since"})
    text = client.get(f"/children/{amy}/timeline.csv", base_url=BASE).get_data(as_text=True).lstrip("\ufeff")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["summary"] == "Came in hungry")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert row["analysis"].splitlines() == [
        f"[annotation by {user.username} on {today}] marked not significant",
        f"[annotation by {user.username} on {today}] comment: Seen by nurse since",
    ]
    assert row["significant"] == "N"  # the agency's own flag, as recorded


def test_significance_filter_follows_the_latest_judgement(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    event_id = _event_id(client, amy, "Moved school")
    path = f"/children/{amy}/events/{event_id}"
    post_form(client, path, {"significance": "yes"})
    data = client.get(f"/children/{amy}/timeline/data?significance=significant", base_url=BASE).get_json()
    assert [i["label"].endswith("Moved school") for i in data["window"]["items"]] == [True]
    post_form(client, path, {"significance": "no"})
    data = client.get(f"/children/{amy}/timeline/data?significance=significant", base_url=BASE).get_json()
    assert data["window"]["items"] == []


def test_empty_annotation_and_missing_csrf_are_refused(client, login, web_engine, amy):  # noqa: F811
    login("practitioner", "Team A")
    event_id = _event_id(client, amy, "Moved school")
    path = f"/children/{amy}/events/{event_id}"
    assert post_form(client, path, {"significance": "", "analysis": "  "}).status_code == 400
    no_token = client.post(path, data={"analysis": "x"}, base_url=BASE, headers={"Referer": f"{BASE}/"})
    assert no_token.status_code == 400
    with web_engine.connect() as conn:
        assert not [e for e in conn.execute(select(AccessLog.__table__)) if e.action == "annotate"]


def test_an_event_of_another_child_cannot_be_annotated_through_this_child(client, login, web_engine, amy, two_children):  # noqa: F811
    login("practitioner", "Team A")
    ben_data = client.get(f"/children/{two_children['LA2']}/timeline/data", base_url=BASE)
    assert ben_data.status_code == 403
    with web_engine.connect() as conn:
        ben_event = conn.execute(select(Event.id).where(Event.summary == "Disclosure at school")).scalar()
    response = client.get(f"/children/{amy}/events/{ben_event}", base_url=BASE)
    assert response.status_code == 404


def test_auditor_reads_but_does_not_annotate(client, login, amy):  # noqa: F811
    login("auditor")
    client_reason = post_form(client, f"/children/{amy}/reason", {"reason": "Panel review of this case"})
    assert client_reason.status_code == 302
    event_id = _event_id(client, amy, "Moved school")
    path = f"/children/{amy}/events/{event_id}"
    assert "Only practitioners and managers annotate" in client.get(path, base_url=BASE).get_data(as_text=True)
    token_page = client.get(f"/children/{amy}/reason", base_url=BASE).get_data(as_text=True)
    assert "csrf_token" in token_page
    from tests.webapp.conftest import TOKEN

    token = TOKEN.search(token_page).group(1)  # type: ignore[union-attr]
    refused = client.post(path, data={"csrf_token": token, "comment": "x"}, base_url=BASE, headers={"Referer": f"{BASE}/"})
    assert refused.status_code == 403
