"""One child across agencies: deterministic joins by trusted identifiers, suggestions for the rest,
and every join recorded and undoable."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from chronology.db.models import PersonIdentifier, PersonMerge
from chronology.events import Identifier, IdentifierKind, PersonRef
from chronology.identifiers import make_nhs_number, make_upn
from chronology.ingest import FileInfo, import_items
from chronology.people import (
    IdentityError,
    confirm_suggestion,
    list_suggestions,
    reject_suggestion,
    undo_merge,
)
from chronology.record import find_child, load_child
from tests.factories import child, event

RNG = random.Random(5)
NHS_A, NHS_B = make_nhs_number(RNG), make_nhs_number(RNG)
UPN_A = make_upn(RNG)
BAD_NHS = NHS_A[:9] + str((int(NHS_A[9]) + 1) % 10)  # wrong check digit
DOB = dt.date(2017, 5, 2)


def load(engine, items, name="f.csv"):
    return import_items(engine, items, FileInfo(name, "template"), actor="officer")


def members(engine, identifier):
    with engine.connect() as conn:
        person = find_child(conn, identifier)
        return None if person is None else load_child(conn, person)


def test_valid_nhs_number_joins_police_health_and_social_care(engine):
    load(engine, [event(child(nhs=NHS_A), agency="Police", record_id="P1")], "police.csv")
    load(engine, [event(child(nhs=NHS_A, la_id="LA7"), agency="Childrens social care", record_id="S1")])
    load(engine, [event(child(upn=UPN_A, la_id="LA7"), agency="School", record_id="E1")])
    record = members(engine, "LA7")
    assert len(record.members) == 3
    assert {e.agency for e in record.entries} == {"Police", "Childrens social care", "School"}
    assert record.identifiers[IdentifierKind.NHS_NUMBER] == [NHS_A]
    assert record.identifiers[IdentifierKind.UPN] == [UPN_A]
    with engine.connect() as conn:
        methods = sorted(m.method for m in conn.execute(select(PersonMerge.__table__)))
    assert methods == ["la_child_id", "nhs_number"]
    # every identifier of the child finds the same record
    assert members(engine, NHS_A).person_id == members(engine, UPN_A).person_id == record.person_id


def test_invalid_nhs_number_is_kept_flagged_and_never_joins(engine):
    load(engine, [event(child(nhs=BAD_NHS, name="Amy Lee", dob=DOB), agency="Police", record_id="P1")])
    load(engine, [event(child(nhs=BAD_NHS, la_id="LA9"), agency="Social care", record_id="S1")])
    with engine.connect() as conn:
        idents = conn.execute(
            select(PersonIdentifier.__table__).where(PersonIdentifier.kind == "nhs_number")
        ).all()
        merges = conn.execute(select(PersonMerge.__table__)).all()
    assert len(idents) == 2 and not any(i.valid for i in idents)
    assert all("check digit" in i.problem for i in idents)
    assert merges == []
    record = members(engine, "LA9")
    assert len(record.members) == 1
    assert record.invalid_identifiers[0][:2] == ("nhs_number", BAD_NHS)


def test_upn_matches_former_upn(engine):
    former = PersonRef(
        identifiers=[
            Identifier(IdentifierKind.FORMER_UPN, UPN_A),
            Identifier(IdentifierKind.LA_CHILD_ID, "LA3"),
        ]
    )
    load(engine, [event(former, agency="Social care", record_id="S1")])
    load(engine, [event(child(upn=UPN_A.lower()), agency="School", record_id="E1")])
    assert len(members(engine, "LA3").members) == 2


def test_name_and_date_of_birth_only_suggest_then_confirm_joins_and_undo_separates(engine):
    load(engine, [event(child(la_id="LA1", name="Kai Smith", dob=DOB), agency="Social care", record_id="S1")])
    report = load(engine, [event(child(name="Kai  SMITH", dob=DOB), agency="Housing", record_id="H1")])
    assert report.suggestions == 1 and report.merges == 0
    assert len(members(engine, "LA1").members) == 1
    with engine.begin() as conn:
        [suggestion] = list_suggestions(conn)
        assert "same date of birth 2017-05-02" in suggestion.reason
        merge_id = confirm_suggestion(conn, suggestion.id, "manager1")
    assert {e.agency for e in members(engine, "LA1").entries} == {"Social care", "Housing"}
    with engine.begin() as conn:
        with pytest.raises(IdentityError):
            confirm_suggestion(conn, suggestion.id, "manager1")
        undo_merge(conn, merge_id, "manager1", "different child, same name")
        merge = conn.execute(select(PersonMerge.__table__).where(PersonMerge.id == merge_id)).one()
    assert merge.undone_by == "manager1" and merge.undo_reason == "different child, same name"
    assert {e.agency for e in members(engine, "LA1").entries} == {"Social care"}
    # a re-import neither re-joins nor re-suggests what a person separated
    again = load(engine, [event(child(name="Kai Smith", dob=DOB), agency="Housing", record_id="H2")])
    assert again.suggestions == 0
    assert len(members(engine, "LA1").members) == 1


def test_undone_deterministic_merge_is_not_redone_by_reimport(engine):
    load(engine, [event(child(nhs=NHS_A, la_id="LA1"), agency="Social care", record_id="S1")])
    load(engine, [event(child(nhs=NHS_A), agency="Health", record_id="H1")])
    with engine.begin() as conn:
        [merge] = conn.execute(select(PersonMerge.__table__)).all()
        undo_merge(conn, merge.id, "officer", "health record is a sibling: NHS number mistyped")
    load(engine, [event(child(nhs=NHS_A), agency="Health", record_id="H2")])
    load(engine, [event(child(nhs=NHS_A, la_id="LA1"), agency="Social care", record_id="S2")])
    assert {e.agency for e in members(engine, "LA1").entries} == {"Social care"}


def test_rejected_suggestion_stays_apart(engine):
    load(engine, [event(child(la_id="LA1", name="Jo Bloggs", dob=DOB), agency="Social care", record_id="S1")])
    load(engine, [event(child(name="Jo Bloggs", dob=DOB), agency="Probation", record_id="X1")])
    with engine.begin() as conn:
        [suggestion] = list_suggestions(conn)
        reject_suggestion(conn, suggestion.id, "officer")
        assert list_suggestions(conn) == []
        assert [s.id for s in list_suggestions(conn, "rejected")] == [suggestion.id]
    assert len(members(engine, "LA1").members) == 1


def test_conflicting_nhs_numbers_are_not_joined_by_a_shared_la_id(engine):
    load(engine, [event(child(nhs=NHS_A, la_id="LA1"), agency="Social care", record_id="S1")])
    report = load(engine, [event(child(nhs=NHS_B, la_id="LA1"), agency="Health", record_id="H1")])
    assert report.merges == 0
    with engine.connect() as conn:
        [suggestion] = list_suggestions(conn)
    assert "different NHS numbers" in suggestion.reason


def test_confirming_a_join_of_two_nhs_numbers_is_refused(engine):
    # a shared LA child ID between two NHS numbers: suggested, not joined (above); a person cannot join them either
    load(engine, [event(child(nhs=NHS_A, la_id="LA1"), agency="Social care", record_id="S1")])
    load(engine, [event(child(nhs=NHS_B, la_id="LA1"), agency="Health", record_id="H1")])
    # name + date of birth between two other NHS numbers: the same refusal
    nhs_c, nhs_d = make_nhs_number(random.Random(8)), make_nhs_number(random.Random(9))
    load(engine, [event(child(nhs=nhs_c, name="Kai Smith", dob=DOB), agency="Police", record_id="P1")])
    load(engine, [event(child(nhs=nhs_d, name="Kai Smith", dob=DOB), agency="School", record_id="E1")])
    with engine.begin() as conn:
        pending = list_suggestions(conn)
        assert len(pending) == 2
        named = set()
        for suggestion in pending:
            with pytest.raises(IdentityError) as refused:
                confirm_suggestion(conn, suggestion.id, "manager1")
            message = str(refused.value)
            assert "different valid NHS numbers" in message
            named |= {n for n in (NHS_A, NHS_B, nhs_c, nhs_d) if n in message}
        assert named == {NHS_A, NHS_B, nhs_c, nhs_d}
        assert [s.id for s in list_suggestions(conn)] == [s.id for s in pending]  # still to decide
        assert conn.execute(select(PersonMerge.__table__)).all() == [], "nothing was joined"
    assert members(engine, NHS_A).person_id != members(engine, NHS_B).person_id
    assert members(engine, nhs_c).person_id != members(engine, nhs_d).person_id


def test_an_invalid_nhs_number_does_not_block_a_confirmed_join(engine):
    load(engine, [event(child(nhs=NHS_A, name="Amy Lee", dob=DOB), agency="Police", record_id="P1")])
    load(engine, [event(child(nhs=BAD_NHS, name="Amy Lee", dob=DOB), agency="School", record_id="E1")])
    with engine.begin() as conn:
        [suggestion] = list_suggestions(conn)
        confirm_suggestion(conn, suggestion.id, "manager1")
    assert members(engine, NHS_A).person_id == members(engine, BAD_NHS).person_id


def test_a_record_named_later_is_suggested_then(engine):
    # social care first knew the child by LA child ID alone; a later import names them
    load(engine, [event(child(la_id="LA1"), agency="Social care", record_id="S1", system="social-care")])
    load(engine, [event(child(name="Kai Smith", dob=DOB), agency="Health", record_id="H1")])
    named = event(child(la_id="LA1", name="Kai Smith", dob=DOB), record_id="S2", system="social-care")
    report = load(engine, [named])
    assert report.new_people == 0 and report.suggestions == 1


def test_different_name_same_dob_is_not_suggested(engine):
    load(engine, [event(child(la_id="LA1", name="Kai Smith", dob=DOB), agency="Social care", record_id="S1")])
    report = load(engine, [event(child(name="Maya Patel", dob=DOB), agency="Housing", record_id="H1")])
    assert report.suggestions == 0


def test_adults_are_people_with_their_relationship_and_dad_is_never_ambiguous(engine):
    mum, dad, step = (
        PersonRef(name=n, role=r)
        for n, r in [("Sara Jones", "mother"), ("Mark Jones", "father"), ("Lee Brown", "step-father")]
    )
    subject = child(la_id="LA1", name="Kai Jones", dob=DOB)
    load(
        engine,
        [
            event(subject, record_id="1", persons=[mum, dad, step]),
            event(subject, record_id="2", persons=[PersonRef(name="Dad", role="father")]),
            event(subject, record_id="3", persons=[PersonRef(name="Mark Jones", role="father")]),
        ],
    )
    record = members(engine, "LA1")
    assert [m.label() for m in record.family] == [
        "Sara Jones (mother)",
        "Mark Jones (father)",
        "Lee Brown (step-father)",
    ]
    by_record = {e.source_record_id: e for e in record.entries}
    assert [p.display for p in by_record["2"].persons] == ["Mark Jones (father)"]
    # a second, different father makes "Dad" ambiguous, and the chronology says so
    load(engine, [event(subject, record_id="4", persons=[PersonRef(name="Paul Green", role="father")])])
    record = members(engine, "LA1")
    mention = {e.source_record_id: e for e in record.entries}["2"].persons[0]
    assert mention.ambiguous
    assert "Mark Jones (father)" in mention.display and "Paul Green (father)" in mention.display


def test_a_person_first_seen_by_id_only_gets_their_name_later(engine):
    father_by_id = PersonRef(
        role="father", identifiers=[Identifier(IdentifierKind.SOURCE_PERSON_ID, "P123", "social-care")]
    )
    load(engine, [event(child(la_id="LA1"), record_id="S1", system="social-care", persons=[father_by_id])])
    named = PersonRef(
        name="Mark Jones",
        role="father",
        identifiers=[Identifier(IdentifierKind.SOURCE_PERSON_ID, "P123", "social-care")],
    )
    load(engine, [event(child(la_id="LA1"), record_id="S2", system="social-care", persons=[named])])
    record = members(engine, "LA1")
    assert [m.label() for m in record.family] == ["Mark Jones (father)"]


def test_resolver_cache_forgets_the_oldest_but_never_answers_wrongly(engine, monkeypatch):
    import chronology.people as people

    monkeypatch.setattr(people, "RESOLVER_CACHE_SIZE", 2)
    rows = [event(child(la_id=f"LA{i % 5}"), record_id=str(i)) for i in range(20)]
    report = load(engine, rows)
    assert report.events_imported == 20 and report.new_people == 5
    for i in range(5):
        assert len(members(engine, f"LA{i}").entries) == 4
