"""The audit panel: cohort and patterns from the URL, flags per child pseudonymised unless a reason
is given, evidence opening the child's timeline at the flag's dates, charts with their numbers, the
panel CSV of what the page shows, and the access log of all of it."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from chronology.analysis.flag_store import stored_children
from chronology.analysis.refresh import refresh_queued
from chronology.db.models import AccessLog, AuditFlag
from chronology.events import PartialDate
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from commands.audit_store import run_audit_store
from tests.factories import child, event
from tests.webapp.conftest import BASE, post_form
from web.pseudonym import pseudonym as _pseudonym

REASON = "Panel meeting on repeat plans, March"


def _on(subject, record: str, day: str, event_type: str, agency: str = "Children's social care", **changes):  # type: ignore[no-untyped-def]
    y, m, d = (int(p) for p in day.split("-"))
    base = event(subject, record_id=record, agency=agency, when=PartialDate(y, m, d))
    return dataclasses.replace(base, event_type=event_type, **changes)


@pytest.fixture
def panel(web_engine, database_url) -> dict[str, int]:
    """Amy: two child protection plans six months apart (a repeat plan); Ben: one plan; Cara: none.
    Imported through the store, then audited into the panel's store as ``chronology audit-store`` does."""
    amy = child(la_id="LA1", name="Amy Jones", dob=dt.date(2016, 5, 1))
    ben = child(la_id="LA2", name="Ben Smith", dob=dt.date(2012, 1, 1))
    cara = child(la_id="LA3", name="Cara Hill", dob=dt.date(2018, 1, 1))
    items = [
        _on(amy, "a1", "2019-03-01", "cp_plan_start"),
        _on(amy, "a2", "2020-03-01", "cp_plan_end"),
        _on(amy, "a3", "2020-05-10", "police_occurrence", "Police", categories=["Domestic abuse"]),
        _on(amy, "a4", "2020-09-01", "cp_plan_start"),
        _on(amy, "a5", "2021-06-01", "agency_record", "Health"),
        _on(ben, "b1", "2021-01-01", "cp_plan_start"),
        _on(ben, "b2", "2021-06-01", "cp_plan_end"),
        _on(cara, "c1", "2021-02-01", "agency_record", "Education: Oak Lane"),
    ]
    import_items(web_engine, items, FileInfo("fixture.csv", "template"), actor="t")
    refresh_queued(web_engine)  # what every import does once its file is in
    with web_engine.connect() as conn:
        return {la: find_child(conn, la) for la in ("LA1", "LA2", "LA3")}  # type: ignore[misc]


def pseudonym(person_id: int) -> str:
    from web import create_app

    with create_app(
        {"TESTING": True, "SECRET_KEY": "test-only-secret", "DATABASE_URL": "sqlite://"}
    ).app_context():
        return _pseudonym(person_id)


def _log(web_engine, action: str | None = None) -> list:
    with web_engine.connect() as conn:
        rows = list(conn.execute(select(AccessLog.__table__).order_by(AccessLog.id)))
    return [r for r in rows if action is None or r.action == action]


def page(client, **params) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = client.get("/audit/", base_url=BASE, query_string=params)
    return response.status_code, response.get_data(as_text=True)


def test_the_store_keeps_every_childs_flags_and_a_rerun_replaces_them(web_engine, database_url, panel):
    with web_engine.connect() as conn:
        stored = {s.child.person_id: s for s in stored_children(conn)}
        assert set(stored) == set(panel.values())
        assert [f.pattern for f in stored[panel["LA1"]].flags].count("repeat_cp_plan") == 1
        before = conn.execute(select(func.count()).select_from(AuditFlag)).scalar_one()
    run_audit_store(database_url, workers=1)
    with web_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditFlag)).scalar_one() == before


def test_audit_store_command(database_url, panel, monkeypatch):
    from commands.main import cli

    monkeypatch.setenv("CHRONOLOGY_DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["audit-store", "--workers", "1"], catch_exceptions=False)
    assert result.exit_code == 0 and "for 3 children" in result.output


def test_auditor_sees_flags_by_pseudonym_with_evidence_links_and_the_view_is_logged(
    client, login, web_engine, panel
):
    user = login("auditor")
    status, html = page(client)
    assert status == 200
    amy = panel["LA1"]
    assert pseudonym(amy) in html
    assert "Amy Jones" not in html and "LA1" not in html and "Ben Smith" not in html
    assert "Child protection plan repeated" in html or "repeat" in html.lower()
    assert f'href="/children/{amy}/timeline?from=2020-03-01&amp;to=2020-09-01"' in html
    [entry] = _log(web_engine, "cohort")
    assert entry.actor == user.username and entry.person_id is None and "pseudonymised" in entry.detail
    assert not _log(web_engine, "view")


def test_cohort_and_patterns_come_from_the_url_and_are_shown_back(client, login, panel):
    login("auditor")
    amy, ben = pseudonym(panel["LA1"]), pseudonym(panel["LA2"])
    status, html = page(client, preset="south_glos_2025")
    assert status == 200 and amy in html and "2 child protection plans" in html
    assert 'value="south_glos_2025" selected' in html
    assert "<strong>1</strong> children in the cohort" in html  # Ben has one plan, Cara none
    status, html = page(client, pattern="da_escalation")
    assert amy not in html and ben not in html and 'value="da_escalation" checked' in html
    status, html = page(client, age_min="3", age_max="5", age_on="2020-01-01")
    assert "<strong>1</strong> children in the cohort" in html and amy in html  # Amy was 3, Cara 2 and Ben 7
    status, html = page(client, agency="Police")
    assert "<strong>1</strong> children in the cohort" in html
    status, html = page(client, age_min="five")
    assert status == 400 and "must be a whole number" in html
    status, html = page(client, age_min="9", age_max="3")
    assert status == 400 and "above its maximum" in html


def test_names_need_a_reason_which_is_logged_with_every_child_named(client, login, web_engine, panel):
    user = login("auditor")
    refused = post_form(client, "/audit/names", {"reason": ""}, token_from="/audit/")
    assert refused.status_code == 302
    assert "Amy Jones" not in page(client)[1]
    post_form(client, "/audit/names?next=/audit/", {"reason": REASON}, token_from="/audit/")
    html = page(client)[1]
    assert "Amy Jones (LA1)" in html and REASON in html
    [glass] = _log(web_engine, "break-glass")
    assert (glass.actor, glass.person_id, glass.reason) == (user.username, None, REASON)
    views = _log(web_engine, "view")
    with web_engine.connect() as conn:
        flagged = {s.child.person_id for s in stored_children(conn) if s.flags}
    assert panel["LA1"] in flagged and panel["LA3"] not in flagged
    assert {(v.person_id, v.reason) for v in views} == {(p, REASON) for p in flagged}  # the children named


def _csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_panel_csv_is_what_the_page_shows_and_each_child_exported_is_logged(
    client, login, web_engine, panel
):
    user = login("manager", "Team A")
    amy = panel["LA1"]
    response = client.get("/audit/panel.csv?pattern=repeat_cp_plan", base_url=BASE)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _csv(response)
    assert [(r["child_id"], r["pattern"], r["evidence_from"], r["evidence_to"]) for r in rows] == [
        (pseudonym(amy), "repeat_cp_plan", "2020-03-01", "2020-09-01")
    ]
    exported = _log(web_engine, "export")
    assert [(e.actor, e.person_id, e.reason) for e in exported] == [(user.username, amy, None)]

    post_form(client, "/audit/names", {"reason": REASON}, token_from="/audit/")
    rows = _csv(client.get("/audit/panel.csv?pattern=repeat_cp_plan", base_url=BASE))
    assert [r["child_id"] for r in rows] == ["LA1"]
    assert _log(web_engine, "export")[-1].reason == REASON


def test_charts_are_svg_with_their_numbers_in_tables(client, login, panel):
    login("admin")
    html = page(client)[1]
    assert html.count('role="img"') == 5 and "<script>" not in html and "style=" not in html
    for title in (
        "Plan lengths",
        "Gaps between plans",
        "Incidents before, during and after plans",
        "Patterns by frequency",
        "DA incidents per month",
    ):
        assert f"{title} in numbers" in html


def test_chart_numbers(web_engine, panel):
    from chronology.analysis.cohorts import CohortFilter
    from chronology.analysis.cohorts import select as cohort_select
    from web.audit_charts import CohortChild, incidents_around_plans, plan_gaps, plan_lengths

    with web_engine.connect() as conn:
        children = [
            CohortChild(s, m, tuple(s.flags))
            for s in stored_children(conn)
            if (m := cohort_select(s.child, s.flags, CohortFilter()))
        ]
    gaps = {bar.label: bar.value for bar in plan_gaps(children, CohortFilter()).bars}
    assert gaps["6 to 11 months"] == 1 and sum(gaps.values()) == 1  # Amy: 2020-03-01 to 2020-09-01
    lengths = {bar.label: bar.value for bar in plan_lengths(children, CohortFilter()).bars}
    assert lengths["12 to 17 months"] >= 1 and lengths["3 to 5 months"] == 1  # Amy's first; Ben's 5 months
    around = [bar.value for bar in incidents_around_plans(children, CohortFilter()).bars]
    # Amy's police incident: 10 weeks after her first plan ended, 16 weeks before her second began
    assert around == [1, 0, 1]


def test_roles(client, login, panel):
    login("practitioner", "Team A")
    assert client.get("/audit/", base_url=BASE).status_code == 403
    assert client.get("/audit/panel.csv", base_url=BASE).status_code == 403


def test_an_auditor_follows_a_flag_to_its_evidence_after_giving_a_reason(client, login, web_engine, panel):
    login("auditor")
    amy = panel["LA1"]
    link = f"/children/{amy}/timeline?from=2020-03-01&to=2020-09-01"
    assert link.replace("&", "&amp;") in page(client)[1]
    asked = client.get(link, base_url=BASE)
    assert asked.status_code == 302 and f"/children/{amy}/reason" in asked.headers["Location"]
    granted = post_form(client, asked.headers["Location"], {"reason": "Panel evidence for the repeat plan"})
    assert granted.status_code == 302 and granted.headers["Location"] == link
    timeline = client.get(link, base_url=BASE)
    assert timeline.status_code == 200 and "Amy Jones" in timeline.get_data(as_text=True)


def test_the_panel_says_while_an_import_is_still_being_brought_up_to_date(client, login, web_engine, panel):
    login("auditor")
    assert "still being brought up to date" not in page(client)[1]
    late = child(la_id="LA4", name="Dan Late", dob=dt.date(2019, 1, 1))
    import_items(  # the file is in; its refresh has not run yet
        web_engine,
        [_on(late, "d1", "2022-01-01", "agency_record")],
        FileInfo("late.csv", "template"),
        actor="t",
    )
    html = page(client)[1]
    assert "The records of 1 person are still being brought up to date" in html
    assert "1 of 4 children have not been audited yet" in html
    assert "<code>" not in html  # no command-line instructions for a panel member
    refresh_queued(web_engine)
    html = page(client)[1]
    assert "still being brought up to date" not in html and "not been audited yet" not in html
