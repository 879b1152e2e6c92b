"""The child's timeline, table and CSV: one filter for all three, access rules and logging, details."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from chronology.db.models import AccessLog
from tests.webapp.chronology_fixtures import amy  # noqa: F401  (fixture)
from tests.webapp.conftest import BASE


def _log(web_engine) -> list:
    with web_engine.connect() as conn:
        return list(conn.execute(select(AccessLog.__table__).order_by(AccessLog.id)))


def _items(data: dict) -> list[dict]:
    return data["window"]["items"]


def _said(item: dict, summary: str) -> bool:
    """The item's label ends with the summary's words (it leads with the type, role and DASH level)."""
    return item["label"].endswith(summary)


def _detail(client, child_id: int, event_id: int) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/children/{child_id}/timeline/events/{event_id}", base_url=BASE)
    assert response.status_code == 200
    return response.get_json()


def test_timeline_data_has_agency_lanes_with_services_nested(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    data = client.get(f"/children/{amy}/timeline/data", base_url=BASE).get_json()
    tops = {g["label"]: g for g in data["groups"] if "agency" in g}
    assert set(tops) == {"Police", "Health", "Education"}
    assert {g["label"]: g["count"] for g in tops.values()} == {"Police": 1, "Health": 1, "Education": 2}
    assert "nestedGroups" not in tops["Police"]  # one service that is the agency itself: one lane
    assert tops["Education"]["nestedGroups"] == [
        "service:Education: Elm High",
        "service:Education: Oak Lane Primary",
    ]
    school = next(i for i in data["window"]["items"] if _said(i, "Came in hungry"))
    assert school["group"] == "service:Education: Oak Lane Primary"
    assert school["age"] == "6y 9m"
    assert "events" not in data and not {"summary", "provenance", "attributes"} & set(school)  # short items
    detail = _detail(client, amy, school["id"])
    assert detail["provenance"]["file"] == "police.csv" and detail["provenance"]["record"] == "s1"


def test_filters_are_shared_by_timeline_table_and_csv(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    query = "agency=Education&from=2022-01-01&to=2022-12-31"
    data = client.get(f"/children/{amy}/timeline/data?{query}", base_url=BASE).get_json()
    assert [_said(i, "Came in hungry") for i in _items(data)] == [True]
    table = client.get(f"/children/{amy}/timeline/table?{query}", base_url=BASE).get_data(as_text=True)
    assert "Came in hungry" in table and "Moved school" not in table and "A&amp;E attendance" not in table
    assert "Showing 1 of 4 events" in table and (data["shown"], data["total"]) == (1, 4)
    page = client.get(f"/children/{amy}/timeline?{query}", base_url=BASE).get_data(as_text=True)
    assert f"/children/{amy}/timeline.csv?agency=Education&amp;from=2022-01-01&amp;to=2022-12-31" in page
    response = client.get(f"/children/{amy}/timeline.csv?{query}", base_url=BASE)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["summary"] for r in rows] == ["Came in hungry"]


def test_csv_export_is_logged_as_an_export(client, login, web_engine, amy):  # noqa: F811
    user = login("practitioner", "Team A")
    client.get(f"/children/{amy}/timeline.csv?agency=Police", base_url=BASE)
    [entry] = [e for e in _log(web_engine) if e.action == "export"]
    assert entry.actor == user.username and entry.person_id == amy and "agency Police" in entry.detail


def test_bad_date_filter_is_reported_not_applied(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    page = client.get(f"/children/{amy}/timeline/table?from=31/12/2022", base_url=BASE).get_data(as_text=True)
    assert "Date from must be a real date" in page and "Showing 4 of 4 events" in page


def test_another_teams_practitioner_is_sent_to_give_a_reason(client, login, web_engine, amy):  # noqa: F811
    login("practitioner", "Team B")
    for path in ("timeline", "timeline/table", "timeline.csv"):
        response = client.get(f"/children/{amy}/{path}", base_url=BASE)
        assert response.status_code == 302 and f"/children/{amy}/reason" in response.headers["Location"]
    assert client.get(f"/children/{amy}/timeline/data", base_url=BASE).status_code == 403
    assert not [e for e in _log(web_engine) if e.action in ("view", "export")]


def test_timeline_views_are_logged(client, login, web_engine, amy):  # noqa: F811
    login("practitioner", "Team A")
    client.get(f"/children/{amy}/timeline", base_url=BASE)
    client.get(f"/children/{amy}/timeline/data", base_url=BASE)
    details = [e.detail for e in _log(web_engine) if e.action == "view"]
    assert details[0].startswith("timeline page") and details[1].startswith("timeline data")


def test_timeline_page_has_no_inline_script(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    page = client.get(f"/children/{amy}/timeline", base_url=BASE).get_data(as_text=True)
    assert "<script>" not in page and "<script " in page
    assert all("src=" in tag for tag in page.split("<script")[1:])


def test_vendor_files_come_from_the_installed_packages(client, login, amy):  # noqa: F811
    login("practitioner", "Team A")
    response = client.get("/vendor/vis-timeline-graph2d.min.js", base_url=BASE)
    assert response.status_code == 200 and b"Timeline" in response.data
    assert client.get("/vendor/package.json", base_url=BASE).status_code == 404


def test_theme_and_person_filters(client, login, web_engine, amy):  # noqa: F811
    import datetime as dt

    from chronology.events import PartialDate, PersonRef
    from chronology.ingest import FileInfo, import_items
    from tests.factories import child, event

    subject = child(la_id="LA1", name="Amy Jones", dob=dt.date(2015, 3, 14))
    mark = PersonRef(name="Mark Jones", role="father")
    items = [event(subject, record_id="p9", agency="Police", when=PartialDate(2022, 6, 1), persons=[mark],
                   summary="Father arrested at home")]
    import_items(web_engine, items, FileInfo("more.csv", "template"), actor="t")
    login("practitioner", "Team A")
    data = client.get(f"/children/{amy}/timeline/data", base_url=BASE).get_json()
    themes = {i["id"]: _detail(client, amy, i["id"])["themes"] for i in _items(data)}
    theme = next(listed for listed in themes.values() if listed)[0]
    by_theme = client.get(f"/children/{amy}/timeline/data?theme={theme}", base_url=BASE).get_json()
    assert 0 < len(_items(by_theme)) < len(_items(data))
    assert all(theme in themes[i["id"]] for i in _items(by_theme))
    father = next(f for f in data["family"] if f["name"] == "Mark Jones")
    by_person = client.get(f"/children/{amy}/timeline/data?person={father['key']}", base_url=BASE).get_json()
    assert [_said(i, "Father arrested at home") for i in _items(by_person)] == [True]
    page = client.get(f"/children/{amy}/timeline?person={father['key']}", base_url=BASE).get_data(as_text=True)
    assert f'<option value="{father["key"]}" selected>Mark Jones (father)</option>' in page
    # the filter form offers each agency and theme the child's events have, once
    offered = {(name, value) for name, value in re.findall(r'name="(agency|theme)" type="checkbox" value="([^"]*)"', page)}
    assert offered == {("agency", "Education"), ("agency", "Health"), ("agency", "Police")} | {
        ("theme", t) for listed in themes.values() for t in listed}
    assert page.count(f'name="theme" type="checkbox" value="{theme}"') == 1


def test_plans_are_background_bands_and_an_incident_cluster_is_labelled_with_its_links(client, login, web_engine, amy):  # noqa: F811
    import dataclasses
    import datetime as dt

    from chronology.events import PartialDate, Reference, ReferenceRole
    from chronology.ingest import FileInfo, import_items
    from tests.factories import child, event

    subject = child(la_id="LA1", name="Amy Jones", dob=dt.date(2015, 3, 14))
    items = [
        dataclasses.replace(event(subject, record_id="c1", agency="Children's Social Care", when=PartialDate(2021, 4, 1),
                                  summary="Child protection plan starts"), event_type="cp_plan_start"),
        dataclasses.replace(event(subject, record_id="OR-21-000123", agency="Police", when=PartialDate(2021, 6, 1),
                                  summary="Domestic incident OR-21-000123"), event_type="police_occurrence",
                            references=[Reference("police_occurrence", "OR-21-000123", ReferenceRole.OWN, "occurrence_ref")]),
        dataclasses.replace(event(subject, record_id="e7", agency="Education: Oak Lane Primary", when=PartialDate(2021, 6, 2),
                                  summary="Operation Encompass notification (ref OR-21-000123)"), event_type="operation_encompass"),
    ]
    import_items(web_engine, items, FileInfo("more.csv", "template"), actor="t")
    login("practitioner", "Team A")
    data = client.get(f"/children/{amy}/timeline/data", base_url=BASE).get_json()
    context = client.get(f"/children/{amy}/timeline/context", base_url=BASE).get_json()
    [plan] = context["plans"]
    assert plan["kind"] == "cp" and plan["start"] == "2021-04-01" and plan["label"].startswith("Child protection plan 1")
    clustered = [i for i in _items(data) if i.get("cluster")]  # only incidents reported more than once
    assert any(_said(i, "Domestic incident OR-21-000123") for i in clustered)
    assert any(_said(i, "Operation Encompass notification · (ref OR-21-000123)") for i in clustered)
    ours = [i for i in clustered if "OR-21-000123" in i["label"]]
    assert len(ours) == 2 and len({i["cluster"] for i in ours}) == 1 and all("app-cluster-" in i["className"] for i in ours)
    school = next(i for i in clustered if i["label"].startswith("Operation Encompass"))
    [link] = [x for x in _detail(client, amy, school["id"])["links"] if x["otherSummary"] == "Domestic incident OR-21-000123"]
    assert link["reason"] and link["kind"]
    assert context["harm"] and max(point["index"] for point in context["harm"]) > 0


def test_event_detail_comes_on_demand_and_each_view_is_logged(client, login, web_engine, amy):  # noqa: F811
    login("practitioner", "Team A")
    [item, *_] = _items(client.get(f"/children/{amy}/timeline/data", base_url=BASE).get_json())
    assert _detail(client, amy, item["id"])["summary"]
    assert any(e.detail.startswith(f"event {item['id']} on the timeline") for e in _log(web_engine) if e.action == "view")
    assert client.get(f"/children/{amy}/timeline/events/999999", base_url=BASE).status_code == 404


def test_event_detail_is_refused_without_allocation_or_reason(client, login, web_engine, amy):  # noqa: F811
    login("practitioner", "Team B")
    with web_engine.connect() as conn:
        from chronology.db.models import Event

        event_id = conn.execute(select(Event.id)).scalars().first()
    assert client.get(f"/children/{amy}/timeline/events/{event_id}", base_url=BASE).status_code == 403
    assert client.get(f"/children/{amy}/timeline/context", base_url=BASE).status_code == 403
    assert not [e for e in _log(web_engine) if e.action == "view"]


def test_a_crowded_window_comes_as_counts_that_add_up_and_a_narrow_one_as_every_item(client, login, web_engine, amy, monkeypatch):  # noqa: F811
    import web.timeline_payload as payload

    monkeypatch.setattr(payload, "ITEM_LIMIT", 2)
    login("practitioner", "Team A")
    whole = client.get(f"/children/{amy}/timeline/data", base_url=BASE).get_json()["window"]
    assert whole["items"] == [] and sum(c["count"] for c in whole["counts"]) == whole["events"] == 4
    month = client.get(f"/children/{amy}/timeline/data?start=2022-01-01&end=2022-01-31", base_url=BASE).get_json()
    assert [_said(i, "Came in hungry") for i in month["items"]] == [True] and month["counts"] == []


def _more(web_engine, *events) -> None:  # type: ignore[no-untyped-def]
    from chronology.ingest import FileInfo, import_items

    import_items(web_engine, list(events), FileInfo("more.csv", "template"), actor="t")


def _amy():  # type: ignore[no-untyped-def]
    import datetime as dt

    from tests.factories import child

    return child(la_id="LA1", name="Amy Jones", dob=dt.date(2015, 3, 14))


def test_every_event_is_reachable_window_by_window_however_crowded(client, login, web_engine, amy, monkeypatch):  # noqa: F811
    """Counted events are only placed (not read whole), yet zooming in reaches each of them: a range
    event in every window it spans, a month-dated one on its first day, an undated one in no window."""
    import dataclasses
    import datetime as dt

    import web.timeline_payload as payload
    from chronology.events import PartialDate
    from tests.factories import event

    _more(
        web_engine,
        dataclasses.replace(event(_amy(), record_id="r1", agency="Children's Social Care", when=PartialDate(2021, 11, 20),
                                  summary="Respite stay"), end=PartialDate(2022, 2, 3)),
        event(_amy(), record_id="m1", agency="Health: GP", when=PartialDate(2022, 1), summary="GP letter, month only"),
        event(_amy(), record_id="u1", agency="Health: GP", when=None, summary="Undated letter"),
    )
    monkeypatch.setattr(payload, "ITEM_LIMIT", 3)  # no month holds more; the whole record does
    login("practitioner", "Team A")
    data = client.get(f"/children/{amy}/timeline/data", base_url=BASE).get_json()
    assert (data["shown"], data["total"], data["undated"]) == (7, 7, 1) and data["window"]["items"] == []
    assert data["extent"] == {"start": "2021-03-04", "end": "2023-09-01"}  # the range's end is inside
    seen: dict[str, set[str]] = {}
    month = dt.date(2021, 1, 1)
    while month <= dt.date(2023, 12, 1):
        after = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        window = client.get(
            f"/children/{amy}/timeline/data?start={month}&end={after - dt.timedelta(days=1)}", base_url=BASE
        ).get_json()
        assert window["counts"] == [] and len(window["items"]) == window["events"]
        for item in window["items"]:
            seen.setdefault(item["label"].rsplit(" · ", 1)[-1], set()).add(month.isoformat()[:7])
        month = after
    assert seen["Respite stay"] == {"2021-11", "2021-12", "2022-01", "2022-02"}
    assert seen["GP letter, month only"] == {"2022-01"}
    assert "Undated letter" not in seen and len(seen) == 6
    december = client.get(f"/children/{amy}/timeline/data?start=2021-12-01&end=2021-12-31", base_url=BASE).get_json()
    [respite] = december["items"]
    assert respite["type"] == "range" and respite["end"] == "2022-02-03" and respite["age"] == "6y 8m"


def test_an_incident_keeps_its_name_whatever_the_filters_and_window(client, login, web_engine, amy):  # noqa: F811
    """Incidents are numbered over the whole record, so a filtered or zoomed view names them as the whole does
    (agency and date filters are applied in SQL, significance in Python: both paths)."""
    import dataclasses

    from chronology.events import PartialDate, Reference, ReferenceRole
    from tests.factories import event

    def incident(ref: str, day: PartialDate, school_day: PartialDate):  # type: ignore[no-untyped-def]
        police = dataclasses.replace(
            event(_amy(), record_id=ref, agency="Police", when=day, summary=f"Domestic incident {ref}"),
            event_type="police_occurrence", references=[Reference("police_occurrence", ref, ReferenceRole.OWN, "occurrence_ref")])
        school = dataclasses.replace(
            event(_amy(), record_id=f"e-{ref}", agency="Education: Oak Lane Primary", when=school_day,
                  summary=f"Operation Encompass notification (ref {ref})"), event_type="operation_encompass")
        return police, school

    _more(web_engine, *incident("OR-21-000123", PartialDate(2021, 6, 1), PartialDate(2021, 6, 2)),
          *incident("OR-22-000456", PartialDate(2022, 6, 1), PartialDate(2022, 6, 2)))
    login("practitioner", "Team A")

    def names(query: str) -> dict[tuple[str, str], str]:
        found = _items(client.get(f"/children/{amy}/timeline/data?{query}", base_url=BASE).get_json())
        return {(i["agency"], i["start"][:4]): i["cluster"] for i in found if i.get("cluster")}

    whole = names("")
    assert whole == {("Police", "2021"): "Incident 1", ("Education", "2021"): "Incident 1",
                     ("Police", "2022"): "Incident 2", ("Education", "2022"): "Incident 2"}
    assert names("agency=Education&from=2022-01-01") == {("Education", "2022"): "Incident 2"}  # in SQL
    assert names("significance=not_significant&agency=Police&from=2022-01-01") == {("Police", "2022"): "Incident 2"}
    window = client.get(f"/children/{amy}/timeline/data?start=2022-06-01&end=2022-06-30", base_url=BASE).get_json()
    assert {(i["agency"], i.get("cluster")) for i in window["items"]} == {("Police", "Incident 2"), ("Education", "Incident 2")}


def test_each_view_reads_the_child_once(client, login, web_engine, amy, monkeypatch):  # noqa: F811
    """Identity, family and coverage are read once per request: the analysis is handed the record the
    route read (``load_child_facts(..., record=...)``) instead of reading the child again. Counted where
    every read of a child goes (``load_children`` reads the families), however it was imported. (The import's
    analysis is rebuilt first: a child still waiting for it is rebuilt, which reads them, on each read.)"""
    import chronology.record as record_module
    from chronology.analysis.refresh import refresh_queued

    refresh_queued(web_engine, workers=1)
    login("practitioner", "Team A")
    data = client.get(f"/children/{amy}/timeline/data", base_url=BASE).get_json()
    event_id = _items(data)[0]["id"]
    reads: list[object] = []
    original = record_module.load_families

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(record_module, "load_families", counted)
    for path in ("timeline", "timeline/data", "timeline/context", f"timeline/events/{event_id}", "timeline/table",
                 "timeline.csv", "timeline.docx", f"events/{event_id}"):
        reads.clear()
        response = client.get(f"/children/{amy}/{path}", base_url=BASE)
        assert response.status_code == 200, path
        assert len(reads) == 1, f"{path} read the child {len(reads)} times"
