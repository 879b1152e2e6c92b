"""Identity suggestions reviewed as possible children: grouped, filtered, decided in bulk, each
decision undoable; and search showing one result per possible child."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from chronology.db.models import MatchSuggestion, Person, PersonMerge
from chronology.ingest import FileInfo, import_items
from tests.factories import child, event
from tests.webapp.conftest import BASE, post_form

SAM_BORN = dt.date(2014, 5, 2)


def _record(web_engine, name: str, born: dt.date, agency: str, system: str, file: str, **ids) -> None:  # type: ignore[no-untyped-def]
    subject = child(name=name, dob=born, **ids)
    import_items(web_engine, [event(subject, record_id=file, agency=agency, system=system, file=file)],
                 FileInfo(file, "template"), actor="t")


@pytest.fixture
def fragments(web_engine) -> dict[str, int]:
    """Sam Cole in social care (LA7), a school and health, none sharing an identifier; and a second,
    unrelated pair (Ola Ade in police and health)."""
    _record(web_engine, "Sam Cole", SAM_BORN, "Children's social care", "template:Children's social care", "csc.csv", la_id="LA7")
    _record(web_engine, "Sam Cole", SAM_BORN, "Education: Oak Lane", "template:Education", "school.csv")
    _record(web_engine, "Sam Cole", SAM_BORN, "Health", "fhir", "health.csv")
    _record(web_engine, "Ola Ade", dt.date(2016, 1, 9), "Police", "template:Police", "police.csv")
    _record(web_engine, "Ola Ade", dt.date(2016, 1, 9), "Health", "fhir", "gp.csv")
    with web_engine.connect() as conn:
        people = {row.source_system + ":" + (row.display_name or ""): row.id for row in conn.execute(select(Person.__table__))}
    return people


def _pending(web_engine) -> list:
    with web_engine.connect() as conn:
        return conn.execute(select(MatchSuggestion.__table__).where(MatchSuggestion.status == "pending")).all()


def _children(web_engine) -> int:
    with web_engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(Person.__table__).where(Person.merged_into_id.is_(None), Person.is_child.is_(True))
        ).scalar_one()


def _groups(page: str) -> list[str]:
    return re.findall(r'data-group="(\d+)"', page)


def _decide(client, data: dict, back: str = "/identity/suggestions"):  # type: ignore[no-untyped-def]
    return post_form(client, "/identity/suggestions/decide", {"back": back, **data}, token_from=back)


def test_suggestions_are_grouped_into_possible_children_with_evidence_side_by_side(client, login, web_engine, fragments):
    login("data_officer")
    page = client.get("/identity/suggestions", base_url=BASE).get_data(as_text=True)
    assert len(_groups(page)) == 2
    sam = page[page.index("Possible child: 3 records"):]
    sam = sam[: sam.index("govuk-summary-card\"", 10) if "govuk-summary-card\"" in sam[10:] else len(sam)]
    for words in ("Sam Cole", "Children&#39;s social care", "Education: Oak Lane", "Health", "LA7"):
        assert words in sam, words
    assert "Possible child: 2 records" in page  # Ola's pair is its own group
    assert f"{len(_pending(web_engine))} suggestions in 2 groups waiting" in page


def test_filters_narrow_the_groups_and_unknown_parameters_are_refused(client, login, fragments):
    login("data_officer")
    page = client.get("/identity/suggestions?q=ade", base_url=BASE).get_data(as_text=True)
    assert len(_groups(page)) == 1 and "Ola Ade" in page and "Sam Cole" not in page
    page = client.get("/identity/suggestions?source=template:Education", base_url=BASE).get_data(as_text=True)
    assert len(_groups(page)) == 1 and "Sam Cole" in page
    page = client.get("/identity/suggestions?min_score=1.01", base_url=BASE)
    assert page.status_code == 400 and "Lowest score must be between 0 and 1" in page.get_data(as_text=True)
    page = client.get("/identity/suggestions?cohort=x", base_url=BASE)
    assert page.status_code == 400 and "This address has cohort, which this page does not use" in page.get_data(as_text=True)


def test_a_group_is_confirmed_at_once_and_search_then_shows_one_child(client, login, web_engine, fragments):
    login("data_officer")
    before = _children(web_engine)
    page = client.get("/identity/suggestions?q=cole", base_url=BASE).get_data(as_text=True)
    [anchor] = _groups(page)
    response = _decide(client, {"decision": f"confirm-group-{anchor}"})
    assert response.status_code == 302
    assert _children(web_engine) == before - 2  # three records of Sam are one child now
    assert [s.person_a_id for s in _pending(web_engine)]  # Ola's pair still waits
    page = client.get("/children", query_string={"q": "cole"}, base_url=BASE).get_data(as_text=True)
    assert "1 child found" in page and "Possible same child" not in page
    with web_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PersonMerge.__table__)).scalar_one() >= 2


def test_ticked_suggestions_are_rejected_together_and_a_rejection_can_be_reopened(client, login, web_engine, fragments):
    login("data_officer")
    ids = [s.id for s in _pending(web_engine)]
    _decide(client, {"decision": "reject", "suggestion": [str(i) for i in ids]})
    assert _pending(web_engine) == []
    page = client.get("/identity/suggestions", base_url=BASE).get_data(as_text=True)
    assert "There are no suggestions waiting" in page and page.count("Reopen<span") == len(ids)
    post_form(client, f"/identity/suggestions/{ids[0]}/reopen", {}, token_from="/identity/suggestions")
    assert [s.id for s in _pending(web_engine)] == [ids[0]]


def test_a_confirmed_join_is_undone_from_the_page_with_a_reason(client, login, web_engine, fragments):
    login("data_officer")
    before = _children(web_engine)
    first = _pending(web_engine)[0]
    _decide(client, {"decision": "confirm", "suggestion": [str(first.id)]})
    assert _children(web_engine) == before - 1
    with web_engine.connect() as conn:
        merge_id = conn.execute(select(MatchSuggestion.merge_id).where(MatchSuggestion.id == first.id)).scalar_one()
    undo = f"/identity/merges/{merge_id}/undo"
    post_form(client, undo, {"reason": "short"}, token_from="/identity/suggestions")
    assert _children(web_engine) == before - 1  # a reason of at least 10 characters is needed
    post_form(client, undo, {"reason": "Different mothers on the birth records"}, token_from="/identity/suggestions")
    assert _children(web_engine) == before
    with web_engine.connect() as conn:
        merge = conn.execute(select(PersonMerge.__table__).where(PersonMerge.id == merge_id)).one()
    assert merge.undo_reason == "Different mothers on the birth records" and merge.undone_by


def test_bulk_decisions_need_the_csrf_token_and_the_role(client, login, web_engine, fragments):
    login("data_officer")
    ids = [str(s.id) for s in _pending(web_engine)]
    response = client.post("/identity/suggestions/decide", data={"decision": "reject", "suggestion": ids},
                           base_url=BASE, headers={"Referer": f"{BASE}/"})
    assert response.status_code == 400 and len(_pending(web_engine)) == len(ids)
    post_form(client, "/logout", {}, token_from="/identity/suggestions")
    login("practitioner", "Team A", username="pat")
    response = _decide(client, {"decision": "reject", "suggestion": ids}, back="/children")
    assert response.status_code == 403 and len(_pending(web_engine)) == len(ids)


def test_search_shows_fragments_under_one_result_for_everyone(client, login, fragments):
    login("practitioner", "Team A")
    page = client.get("/children", query_string={"q": "cole 02/05/2014"}, base_url=BASE).get_data(as_text=True)
    assert "1 child found" in page and page.count("Possible same child") == 1
    assert "3 records not yet joined" in page
    lead = page[page.index("<tbody"):page.index("Possible same child")]
    assert "Sam Cole" in lead  # the record most agencies know leads; the others are listed under it
    assert page.count("Sam Cole") == 3 and "known to Health" in page
