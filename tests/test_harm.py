"""The cumulative-harm index: what raises it, how it fades, what lowers it, and what counts once."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from chronology.analysis.harm import event_points, harm_on, harm_series, load_harm_settings, month_ends
from tests.fact_builders import child_facts, da_incident, fact, plan

SETTINGS = load_harm_settings()
NO_INCIDENT_FREE = dataclasses.replace(SETTINGS, incident_free_share=0.0)
AS_OF = dt.date(2024, 6, 30)


def test_several_moderate_incidents_across_agencies_outweigh_one_severe_incident_long_ago():
    # Three standard-risk domestic abuse incidents in ten weeks, known to police, a school and a GP.
    recent = child_facts(
        [
            da_incident("2024-03-02", dash="standard"),
            fact(
                "2024-04-10",
                "school_safeguarding_concern",
                categories=("Domestic abuse",),
                themes=("domestic_abuse",),
            ),
            fact(
                "2024-05-12",
                "agency_record",
                agency="Health: GP practice",
                themes=("domestic_abuse",),
                summary="Mother disclosed domestic abuse to the GP",
            ),
        ],
        as_of=AS_OF,
    )
    # One high-risk incident in which the child was hurt and taken to A&E, three years earlier.
    severe = da_incident("2021-05-01", dash="high", themes=("domestic_abuse", "physical_abuse"), id=900)
    injury = fact("2021-05-01", "ae_attendance", attributes={"injury": "yes"}, id=901)
    long_ago = child_facts([severe, injury], clusters={900: "c1", 901: "c1"}, as_of=AS_OF)

    assert harm_on(recent, AS_OF, SETTINGS).index > harm_on(long_ago, AS_OF, SETTINGS).index
    # on its own day the severe incident weighed more than the three moderate ones together:
    # it is time, not a smaller weight, that puts it below them now
    three_together = sum(event_points(f, SETTINGS) for f in recent.facts)
    assert harm_on(long_ago, dt.date(2021, 5, 1), SETTINGS).index > three_together
    # and the three agencies are each named among the contributors
    assert {c.agencies for c in harm_series(recent, SETTINGS).contributions if c.kind == "harm"} == {
        ("Police",),
        ("Education",),
        ("Health",),
    }


def test_an_incident_fades_by_half_every_half_life():
    child = child_facts([da_incident("2022-01-01")], as_of=AS_OF)
    day = dt.date(2022, 1, 1)
    full = harm_on(child, day, SETTINGS).harm
    assert full == pytest.approx(SETTINGS.points["police_occurrence"])
    half_life = dt.timedelta(days=SETTINGS.half_life_days)
    assert harm_on(child, day + half_life, SETTINGS).harm == pytest.approx(full / 2)
    assert harm_on(child, day + 2 * half_life, SETTINGS).harm == pytest.approx(full / 4)
    # nothing before it happened
    assert harm_on(child, day - dt.timedelta(days=1), SETTINGS).index == 0


def test_dash_risk_and_theme_multiply_an_events_points():
    standard = harm_on(
        child_facts([da_incident("2022-01-01", dash="standard")]), dt.date(2022, 1, 1), SETTINGS
    )
    high = harm_on(child_facts([da_incident("2022-01-01", dash="high")]), dt.date(2022, 1, 1), SETTINGS)
    assert high.harm == pytest.approx(standard.harm * SETTINGS.dash["high"])
    # a "DASH high" category (a template or MARAC record) counts the same as the police field
    by_category = fact(
        "2022-01-01",
        "agency_record",
        agency="Health: GP",
        themes=("domestic_abuse",),
        categories=("DASH: high",),
    )
    assert harm_on(child_facts([by_category]), dt.date(2022, 1, 1), SETTINGS).harm == pytest.approx(
        SETTINGS.points["agency_record"] * SETTINGS.dash["high"]
    )


def test_a_cluster_of_reports_of_one_incident_counts_once_at_its_heaviest_report():
    police = da_incident("2023-02-01", dash="medium", id=101)
    school = fact("2023-02-02", "operation_encompass", themes=("domestic_abuse",), id=102)
    apart = child_facts([police, school], as_of=AS_OF)
    together = child_facts([police, school], clusters={101: "i1", 102: "i1"}, as_of=AS_OF)
    day = dt.date(2023, 2, 2)
    separate = harm_on(apart, day, SETTINGS).harm
    once = harm_on(together, day, SETTINGS)
    police_points = SETTINGS.points["police_occurrence"] * SETTINGS.dash["medium"]
    assert once.harm == pytest.approx(police_points * 0.5 ** (1 / SETTINGS.half_life_days))
    assert separate > once.harm
    assert once.events == (101, 102)


def test_several_risk_themes_at_once_add_points_and_are_counted():
    day = dt.date(2023, 6, 1)
    trio = child_facts(
        [
            da_incident("2023-01-10"),
            fact("2023-02-20", "assessment", themes=("parental_mental_health",), categories=("4B",)),
            fact(
                "2023-04-02",
                "agency_record",
                agency="Substance misuse service",
                themes=("parental_substance_misuse",),
            ),
        ]
    )
    point = harm_on(trio, day, SETTINGS)
    assert point.active_themes == ("domestic_abuse", "parental_mental_health", "parental_substance_misuse")
    assert point.theme_points == pytest.approx(2 * SETTINGS.points_per_extra_theme)
    # a year after the last evidence no theme is active any more
    later = harm_on(trio, dt.date(2024, 4, 3), SETTINGS)
    assert later.active_themes == () and later.theme_points == 0


def test_a_plans_category_is_not_a_theme_of_its_own():
    child = child_facts(
        [da_incident("2023-01-10"), fact("2023-03-01", "cp_plan_start", themes=("emotional_abuse",))]
    )
    assert harm_on(child, dt.date(2023, 4, 1), SETTINGS).active_themes == ("domestic_abuse",)


def test_a_step_down_and_a_completed_plan_take_a_share_off_what_happened_before():
    incidents = [da_incident("2022-09-05"), da_incident("2022-10-10")]
    cp = plan("2022-11-01", "2023-01-15", "cp")
    cin = plan("2023-01-15", "2023-03-20", "cin")
    without = harm_on(child_facts(incidents, plans=[cp], as_of=AS_OF), dt.date(2023, 4, 1), NO_INCIDENT_FREE)
    stepped = harm_on(
        child_facts(incidents, plans=[cp, cin], as_of=AS_OF), dt.date(2023, 4, 1), NO_INCIDENT_FREE
    )
    assert without.strengths == 0  # a plan that simply ended, not stepped down, is no turning point here
    kept = (1 - SETTINGS.step_down_share) * (1 - SETTINGS.plan_completed_share)
    assert stepped.harm == pytest.approx(without.harm)
    assert stepped.index == pytest.approx(without.harm * kept)
    assert stepped.index < without.index


def test_a_new_incident_after_a_turning_point_counts_in_full():
    cp, cin = plan("2022-03-01", "2023-01-15", "cp"), plan("2023-01-15", None, "cin")
    before = da_incident("2022-02-01")
    after = da_incident("2023-02-01", dash="high")
    child = child_facts([before, after], plans=[cp, cin], as_of=AS_OF)
    point = harm_on(child, dt.date(2023, 2, 1), NO_INCIDENT_FREE)
    old_value = SETTINGS.points["police_occurrence"] * 0.5 ** (365 / SETTINGS.half_life_days)
    assert point.strengths == pytest.approx(old_value * SETTINGS.step_down_share)
    assert point.index >= SETTINGS.points["police_occurrence"] * SETTINGS.dash["high"]


def test_a_child_in_need_plan_that_escalates_is_not_progress():
    cin = plan("2022-01-01", "2022-06-01", "cin")
    escalated = child_facts([da_incident("2021-12-01")], plans=[cin, plan("2022-06-01", None, "cp")])
    completed = child_facts([da_incident("2021-12-01")], plans=[cin])
    day = dt.date(2022, 6, 10)
    assert harm_on(escalated, day, NO_INCIDENT_FREE).strengths == 0
    assert harm_on(completed, day, NO_INCIDENT_FREE).strengths > 0


def test_incident_free_periods_lower_the_index_and_a_new_incident_restarts_the_count():
    quiet = child_facts([da_incident("2022-01-01")], as_of=AS_OF)
    day = dt.date(2022, 1, 1) + dt.timedelta(days=SETTINGS.incident_free_days + 1)
    point = harm_on(quiet, day, SETTINGS)
    assert point.index == pytest.approx(point.harm * (1 - SETTINGS.incident_free_share))
    # two periods take two shares
    day2 = dt.date(2022, 1, 1) + dt.timedelta(days=2 * SETTINGS.incident_free_days + 1)
    point2 = harm_on(quiet, day2, SETTINGS)
    assert point2.index == pytest.approx(point2.harm * (1 - SETTINGS.incident_free_share) ** 2)
    # before a full period has passed, no credit
    early = dt.date(2022, 1, 1) + dt.timedelta(days=SETTINGS.incident_free_days - 1)
    assert harm_on(quiet, early, SETTINGS).strengths == 0
    # an incident inside the period means the period never completed
    busy = child_facts([da_incident("2022-01-01"), da_incident("2022-05-01")], as_of=AS_OF)
    assert harm_on(busy, day, SETTINGS).strengths == 0


def test_silence_after_an_agencys_data_stops_is_not_an_incident_free_period():
    day = dt.date(2022, 1, 1) + dt.timedelta(days=SETTINGS.incident_free_days + 1)
    police_covered = child_facts([da_incident("2022-01-01")], as_of=AS_OF)
    police_covered.coverage = {"Police": (dt.date(2016, 1, 1), dt.date(2024, 1, 1))}
    police_stops = child_facts([da_incident("2022-01-01")], as_of=AS_OF)
    police_stops.coverage = {"Police": (dt.date(2016, 1, 1), dt.date(2022, 3, 31))}
    assert harm_on(police_covered, day, SETTINGS).strengths > 0
    assert harm_on(police_stops, day, SETTINGS).strengths == 0
    # an agency that reported nothing for this child does not matter
    school_stops = child_facts([da_incident("2022-01-01")], as_of=AS_OF)
    school_stops.coverage = {"Education": (dt.date(2016, 1, 1), dt.date(2022, 3, 31))}
    assert harm_on(school_stops, day, SETTINGS).strengths > 0


def test_the_series_has_a_point_per_month_to_the_reference_date_with_its_contributors():
    first, second = da_incident("2023-01-15", id=7), da_incident("2023-03-03", id=8)
    series = harm_series(child_facts([first, second], as_of="2023-05-20"), SETTINGS)
    assert [p.day for p in series.points] == [
        dt.date(2023, 1, 31),
        dt.date(2023, 2, 28),
        dt.date(2023, 3, 31),
        dt.date(2023, 4, 30),
        dt.date(2023, 5, 20),
    ]
    assert series.points[0].events == (7,)
    assert series.points[2].events == (7, 8)
    assert series.points[2].index > series.points[1].index  # the second incident raised it
    assert series.points[3].index < series.points[2].index  # then it fades
    as_json = series.as_dict()
    assert as_json["points"][2]["active_theme_count"] == 1
    assert as_json["contributions"][0]["events"] == [7]


def test_no_dated_events_means_no_series():
    assert harm_series(child_facts([fact(None)]), SETTINGS).points == ()


def test_month_ends_cross_years_and_stop_at_the_last_day():
    assert month_ends(dt.date(2023, 12, 5), dt.date(2024, 2, 10)) == [
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 10),
    ]


def test_weights_come_from_config(tmp_path, monkeypatch):
    from chronology import settings as settings_module
    from chronology.settings import config_dir

    text = (
        (config_dir() / "harm.toml")
        .read_text(encoding="utf-8")
        .replace("police_occurrence = 2.0", "police_occurrence = 5.0")
    )
    (tmp_path / "harm.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("CHRONOLOGY_CONFIG_DIR", str(tmp_path))
    settings_module.load_config.cache_clear()
    try:
        assert load_harm_settings().points["police_occurrence"] == 5.0
        point = harm_on(child_facts([da_incident("2022-01-01")]), dt.date(2022, 1, 1))
        assert point.harm == pytest.approx(5.0)
    finally:
        settings_module.load_config.cache_clear()
