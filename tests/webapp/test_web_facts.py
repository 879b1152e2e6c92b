"""The child's page marks identity facts that disagree, each value with its source (issue 14)."""

from __future__ import annotations

from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from chronology.users import allocate
from importers.base import ImportOptions
from importers.ssda903 import SSDA903Importer
from tests.webapp.conftest import BASE


def _child_page(client, login, web_engine, tmp_path, header: str) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "header.csv"
    path.write_text(header, encoding="utf-8")
    items = SSDA903Importer().read(path, ImportOptions())
    import_items(web_engine, items, FileInfo(path.name, "ssda903"), actor="t")
    with web_engine.begin() as conn:
        allocate(conn, "Team A", ["7001"], "test-admin")
        child_id = find_child(conn, "7001")
    login("practitioner", "Team A")
    response = client.get(f"/children/{child_id}", base_url=BASE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_child_page_marks_facts_that_disagree_with_their_sources(client, login, web_engine, tmp_path):
    page = _child_page(
        client,
        login,
        web_engine,
        tmp_path,
        "CHILD,SEX,DOB,ETHNIC\n7001,2,11/07/2015,WBRI\n7001,2,03/02/2014,WBRI\n7001,1,<b>x</b>,WBRI\n",
    )
    assert "data-facts-disagree" in page and "Facts disagree" in page
    assert "2015-07-11 (header.csv row 2)" in page and "2014-02-03 (header.csv row 3)" in page
    assert "F (header.csv row 2)" in page and "M (header.csv row 4)" in page
    assert "<b>x</b>" not in page  # nothing a file says reaches the page as markup


def test_child_page_has_no_marker_when_the_facts_agree(client, login, web_engine, tmp_path):
    page = _child_page(
        client, login, web_engine, tmp_path, "CHILD,SEX,DOB,ETHNIC\n7001,2,11/07/2015,WBRI\n7001,2,11/07/2015,WBRI\n"
    )
    assert "data-facts-disagree" not in page and "2015-07-11" in page
