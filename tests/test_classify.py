"""The spec's "words the rules use": what is an incident, DA, a response, a father, the child's voice."""

from __future__ import annotations

import dataclasses

import pytest

from chronology.analysis.classify import (
    dash_level,
    is_da_incident,
    is_father_relationship,
    is_high_dash,
    is_incident,
    is_marac_referral,
    is_missed_appointment,
    is_response,
    records_child_voice,
)
from chronology.analysis.facts import HEALTH, POLICE, SOCIAL_CARE
from chronology.analysis.pattern_settings import PatternSettings, load_pattern_settings
from chronology.settings import load_config
from tests.fact_builders import ChildBuilder


def one(build) -> object:
    child = ChildBuilder()
    build(child)
    (fact,) = child.build().facts
    return fact


@pytest.mark.parametrize(
    ("build", "incident", "da"),
    [
        (lambda c: c.police_da("2021-01-01"), True, True),
        (lambda c: c.police_other("2021-01-01"), True, False),
        (lambda c: c.encompass("2021-01-01"), True, True),
        (lambda c: c.ae_injury("2021-01-01"), True, False),
        (lambda c: c.event("2021-01-01", "ae_attendance", agency=HEALTH), False, False),
        # the template importer: "A&E attendance; Injury"
        (
            lambda c: c.event(
                "2021-01-01", "ae_attendance", agency=HEALTH, categories=("A&E attendance", "Injury")
            ),
            True,
            False,
        ),
        (lambda c: c.school_concern("2021-01-01", "Physical injury"), True, False),
        (lambda c: c.school_concern("2021-01-01", "Self-harm"), True, False),
        (lambda c: c.school_concern("2021-01-01", "Behaviour"), False, False),
        (
            lambda c: c.event(
                "2021-01-01",
                "school_safeguarding_concern",
                agency="Education",
                categories=("Domestic abuse",),
                themes=("domestic_abuse",),
            ),
            True,
            True,
        ),
        # a GP's record of a disclosure of domestic abuse
        (
            lambda c: c.event("2021-01-01", "health_contact", agency=HEALTH, themes=("domestic_abuse",)),
            True,
            True,
        ),
        (
            lambda c: c.event("2021-01-01", "agency_record", agency="Housing", themes=("domestic_abuse",)),
            True,
            True,
        ),
        # responses are not incidents, even about domestic abuse
        (lambda c: c.marac("2021-01-01"), False, False),
        (
            lambda c: c.event(
                "2021-01-01",
                "agency_record",
                agency=POLICE,
                categories=("MARAC",),
                themes=("domestic_abuse",),
            ),
            False,
            False,
        ),
        (lambda c: c.event("2021-01-01", "assessment", themes=("domestic_abuse",)), False, False),
        (
            lambda c: c.event("2021-01-01", "agency_record", agency=SOCIAL_CARE, themes=("domestic_abuse",)),
            False,
            False,
        ),
        (lambda c: c.referral("2021-01-01"), False, False),
    ],
)
def test_incident_and_da(build, incident, da):
    fact = one(build)
    assert is_incident(fact) is incident
    assert is_da_incident(fact) is da


def test_responses_are_social_care_process_events():
    for kind in ("referral", "assessment", "section_47", "initial_cp_conference", "review_cp_conference"):
        assert is_response(one(lambda c, k=kind: c.event("2021-01-01", k))), kind
    assert not is_response(one(lambda c: c.core_group("2021-01-01")))
    assert not is_response(one(lambda c: c.marac("2021-01-01")))
    assert is_marac_referral(one(lambda c: c.marac("2021-01-01")))


def test_dash_level_from_attribute_or_category():
    assert dash_level(one(lambda c: c.police_da("2021-01-01", dash="high"))) == "high"
    template = one(
        lambda c: c.event("2021-01-01", "police_occurrence", agency=POLICE, categories=("DASH: high (16)",))
    )
    assert dash_level(template) == "high" and is_high_dash(template)
    assert not is_high_dash(one(lambda c: c.police_da("2021-01-01", dash="medium")))


def test_fathers_and_missed_appointments():
    assert all(is_father_relationship(r) for r in ("father", "Step-father", "mother's partner"))
    assert not any(is_father_relationship(r) for r in ("uncle", "mother", None))
    assert is_missed_appointment(one(lambda c: c.missed_appointment("2021-01-01")))


def test_childs_voice_from_the_field_or_a_template_category():
    assert records_child_voice(one(lambda c: c.visit("2021-01-01", voice=True)))
    assert records_child_voice(
        one(
            lambda c: c.event(
                "2021-01-01", "statutory_visit", categories=("Statutory visit", "Child seen alone")
            )
        )
    )
    assert not records_child_voice(
        one(lambda c: c.event("2021-01-01", "statutory_visit", categories=("Statutory visit",)))
    )


def test_words_come_from_config():
    settings = load_pattern_settings()
    words = dataclasses.replace(settings.words, serious_school_categories=("behaviour",))
    fact = one(lambda c: c.school_concern("2021-01-01", "Behaviour"))
    assert is_incident(fact, words) and not is_incident(fact)


def test_settings_refuse_a_missing_or_unknown_threshold():
    data = {
        key: dict(value) if isinstance(value, dict) else value
        for key, value in load_config("patterns").items()
    }
    data["da_escalation"] = {k: v for k, v in data["da_escalation"].items() if k != "min_incidents"}
    with pytest.raises(ValueError, match="missing min_incidents"):
        PatternSettings.from_mapping(data)
    data["da_escalation"] = {**load_config("patterns")["da_escalation"], "min_incidnets": 3}
    with pytest.raises(ValueError, match="unknown min_incidnets"):
        PatternSettings.from_mapping(data)
