"""Words, not codes: on a generated native-format authority, no code from config/display_names.toml
reaches what a person reads (pages, the timeline's labels, the audit panel), and a code the table
does not know is shown readably."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from chronology.display_names import display, readable, source_system, systems, table
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from chronology.settings import load_config
from chronology.users import add_user
from tests.factories import child, event
from tests.webapp.conftest import BASE, PASSWORD, post_form, sign_in

PLANTED = {"unlisted_field_code": "Y", "dash_risk": "high", "children_present": "N"}


def visible_text(page: str) -> str:
    """What a person reads: the page without its scripts, styles and tags (attributes are not read)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def looks_like_code(kind: str, code: str) -> bool:
    """Codes a person would notice: snake_case, CamelCase, hyphenated or colon names, short capitals
    (EMO), or a lowercase short code (cp, fhir). Plain words (``location``, ``Year``) are left out,
    as are codes whose words are the code itself (UPN)."""
    if display(code, kind) == code:
        return False
    return bool(
        re.search(r"[_:\-]", code)
        or re.fullmatch(r"[A-Z]{2,4}", code)
        or re.search(r"[a-z][A-Z]", code)
        or (kind in ("plan_kinds", "source_systems", "agencies") and code.islower() and len(code) <= 4)
    )


def _beside(kind: str, code: str, said: str) -> list[str]:
    """Words a source may print with the code in brackets after them: ours, and the aliases in
    config/cohorts.toml [plan_categories] ("Multiple/not recommended (MUL)")."""
    words = [said]
    if kind == "plan_categories":
        for aliases in load_config("cohorts")["plan_categories"].values():
            if code in aliases:
                words += [a for a in aliases if a != code]
    return words


def codes_in(text: str) -> list[str]:
    found = []
    for kind, words in table().items():
        if kind == "values":
            continue
        for code, said in words.items():
            if not looks_like_code(kind, code):
                continue
            shown = text
            for words_said in _beside(kind, code, said):  # the words with the source's code beside them
                shown = shown.replace(f"{words_said} ({code})", words_said)
            if re.search(rf"(?<![\w\-]){re.escape(code)}(?![\w\-])", shown):
                found.append(f"{kind}.{code}")
    return found


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from commands.demo import _interesting_child
    from commands.store import open_store
    from generator import generate_authority
    from services.importing import ImportOptions, bring_up_to_date, import_file, plan
    from web import create_app

    work = tmp_path_factory.mktemp("display-names")
    out = work / "authority"
    generate_authority(out, children=12, seed=7, formats="native")
    url = f"sqlite:///{work / 'store.sqlite'}"
    engine = open_store(url)
    reports = [
        import_file(engine, item.path, item.importer, ImportOptions(), actor="t", refresh=False)
        for item in plan([out], None)
        if item.importer is not None
    ]
    bring_up_to_date(engine, reports)
    la_id = _interesting_child(Path(out))
    planted = dataclasses.replace(
        event(child(la_id="LAPLANT1", name="Pat Planted"), record_id="pl1", agency="Police", file="planted.csv"),
        attributes=dict(PLANTED),
    )
    import_items(engine, [planted], FileInfo("planted.csv", "template"), actor="t")
    with engine.begin() as conn:
        add_user(conn, "reader", "admin", None, PASSWORD)
        featured, plant = find_child(conn, la_id), find_child(conn, "LAPLANT1")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-only-secret", "DATABASE_URL": url})
    yield {"app": app, "featured": featured, "planted": plant}
    app.extensions["chronology_engine"].dispose()
    engine.dispose()


@pytest.fixture(scope="module")
def reader(authority: dict[str, Any]) -> FlaskClient:
    client = authority["app"].test_client()
    assert sign_in(client, "reader").status_code == 302
    for person_id in (authority["featured"], authority["planted"]):
        path = f"/children/{person_id}/reason"
        response = post_form(client, path, {"reason": "checking the words on the pages"})
        assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _get(client: FlaskClient, path: str) -> Any:
    response = client.get(path, base_url=BASE)
    assert response.status_code == 200, (path, response.status_code)
    return response


def test_unknown_codes_fall_back_to_readable_words() -> None:
    assert display("dash_risk") == "DASH risk level"
    assert display("EMO", "plan_categories") == "Emotional abuse"
    assert display("a_code_nobody_listed") == "A code nobody listed"
    assert readable("CINReferralDateNew") == "CIN referral date new"
    assert display("Y", "values") == "Yes" and display("maybe", "values") == "maybe"
    assert source_system("template:Education") == "Education"
    assert source_system("school-log:110001") == "Education"
    assert source_system("brand-new-system") == "Brand new system"
    assert systems(["fhir", "template:Education", "template:Health"]) == ["Health", "Education"]


def test_the_main_pages_show_no_code_from_the_table(authority: dict[str, Any], reader: FlaskClient) -> None:
    featured = authority["featured"]
    pages = [
        "/children?q=a",
        f"/children/{featured}",
        f"/children/{featured}/timeline",
        f"/children/{featured}/timeline/table",
        "/audit/",
        "/audit/?preset=bucks_2019",
        "/identity/suggestions",
    ]
    found = {path: codes_in(visible_text(_get(reader, path).get_data(as_text=True))) for path in pages}
    assert not any(found.values()), found


def test_the_timeline_labels_and_event_details_are_in_words(authority: dict[str, Any], reader: FlaskClient) -> None:
    featured = authority["featured"]
    data = _get(reader, f"/children/{featured}/timeline/data").get_json()
    context = _get(reader, f"/children/{featured}/timeline/context").get_json()
    assert context["plans"], "the featured child has plans"
    shown = [g["label"] for g in data["groups"]] + [i["label"] for i in data["window"]["items"]]
    shown += [p["label"] for p in context["plans"]] + [t for point in context["harm"] for t in point["themes"]]
    shown += [s for member in data["family"] for s in member["known_to"]]
    details = [_get(reader, f"/children/{featured}/timeline/events/{i['id']}").get_json() for i in data["window"]["items"]]
    for detail in details:
        shown += [detail["eventType"], detail["provenance"]["system"], *detail["themeWords"]]
        shown += [f["label"] for f in detail["fields"]] + [link["kind"] for link in detail["links"]]
    assert any(label == "DASH risk level" for label in shown)
    found = codes_in("\n".join(shown))
    assert not found, found
    event_page = _get(reader, f"/children/{featured}/events/{details[0]['id']}").get_data(as_text=True)
    assert not codes_in(visible_text(event_page))


def test_a_field_the_table_does_not_name_is_shown_readably(authority: dict[str, Any], reader: FlaskClient) -> None:
    planted = authority["planted"]
    data = _get(reader, f"/children/{planted}/timeline/data").get_json()
    (item,) = data["window"]["items"]
    detail = _get(reader, f"/children/{planted}/timeline/events/{item['id']}").get_json()
    fields = {f["label"]: f["value"] for f in detail["fields"]}
    assert fields == {"Unlisted field code": "Yes", "DASH risk level": "high", "Children present": "No"}
    assert detail["attributes"] == PLANTED  # kept as stored for machines
    page = visible_text(_get(reader, f"/children/{planted}/events/{item['id']}").get_data(as_text=True))
    assert "Unlisted field code" in page and "unlisted_field_code" not in page
    assert "Known to" not in page or "template:" not in page
