"""Negative controls: children built to sit just on the wrong side of one pattern's threshold.

An audit rule that fires for these is too loose; one that misses the planted children is too
tight. Each scenario names the one pattern it must not trigger and why.
"""

from __future__ import annotations

import datetime as dt

from generator import incidents, social_care
from generator.people import MOTHER_ALONE, PARTNER
from generator.scenarios.base import Scenario, between, couple, da, da_referral, days
from generator.social_care import PlanSpec, cp_plan
from generator.story import Story
from generator.timeline import add_months


def _welfare_check(story: Story, day: dt.date) -> None:
    incidents.concern_for_welfare(
        story, day, "Call from neighbour about a raised voice; officers attended, all well"
    )


def _da_plan(story: Story, start: dt.date, length: int, **spec: object) -> dt.date:
    """A DA incident, the referral it prompts and a plan of ``length`` days; returns the plan's end."""
    referral = da_referral(story, start - days(between(story, 44, 50)))
    end = start + days(length)
    cp_plan(story, PlanSpec(start, end, referral_source=None, referral_day=referral, **spec))  # type: ignore[arg-type]
    return end


def two_da_incidents(story: Story, start: dt.date) -> None:
    da(story, start, follow_up="contact", decoy=True)
    referral = da_referral(story, start + days(between(story, 120, 200)))
    social_care.assessment(
        story, referral + days(1), "no further action; domestic abuse service engaged", days=20
    )
    social_care.closure(story, referral + days(25), "No further action after assessment")


def plans_25_months_apart(story: Story, start: dt.date) -> None:
    end = _da_plan(story, start, between(story, 300, 400), step_down=False)
    _da_plan(story, add_months(end, 25) + days(between(story, 5, 20)), between(story, 300, 400), number=2)


def plans_4_months_apart(story: Story, start: dt.date) -> None:
    end = _da_plan(story, start, between(story, 300, 400), step_down=False)
    _da_plan(story, add_months(end, 4) + days(between(story, 5, 20)), between(story, 300, 400), number=2)


def one_incident_after_end(story: Story, start: dt.date) -> None:
    end = _da_plan(story, start, between(story, 270, 400))
    _welfare_check(story, start + days(60))
    da(story, end + days(between(story, 55, 65)), follow_up="contact")
    da(story, add_months(end, 7) + days(between(story, 5, 15)), follow_up="contact")


def incident_100_days_before_end(story: Story, start: dt.date) -> None:
    length = between(story, 300, 400)
    end = _da_plan(story, start, length)
    da(story, end - days(between(story, 100, 115)), follow_up=None)


def marac_then_13_months(story: Story, start: dt.date) -> None:
    victim, suspect = couple(story)
    police, referral = incidents.domestic_abuse(
        story, start, victim=victim, suspect=suspect, risk="high", follow_up="referral"
    )
    marac = start + days(2)
    incidents.marac_referral(story, marac, police, victim, suspect)
    assert referral is not None
    social_care.assessment(story, referral.day + days(1), "child in need plan")
    social_care.cin_plan(story, referral.day + days(30), referral.day + days(200), "domestic abuse")
    da(story, add_months(marac, 13) + days(between(story, 5, 20)), follow_up="contact")


def referrals_13_months_apart(story: Story, start: dt.date) -> None:
    social_care.referral_nfa(story, start, "Schools", "Neglect", "child often late and unkempt")
    social_care.referral_nfa(
        story,
        add_months(start, 13) + days(between(story, 3, 20)),
        "Health",
        "Neglect",
        "missed dental treatment",
    )


def father_at_one_core_group(story: Story, start: dt.date) -> None:
    _da_plan(story, start, between(story, 300, 450), fathers={"father": "once"})
    _welfare_check(story, start + days(90))


def voice_once_near_end(story: Story, start: dt.date) -> None:
    _da_plan(story, start, between(story, 365, 500), voice="once")
    _welfare_check(story, start + days(90))


def police_once_before_plan(story: Story, start: dt.date) -> None:
    da(story, add_months(start, -16), follow_up="contact")
    _da_plan(story, start, between(story, 240, 400))


def short_plan_police_silent(story: Story, start: dt.date) -> None:
    da(story, start - days(between(story, 190, 210)), follow_up="contact")
    _da_plan(story, start, between(story, 140, 170))


def substance_misuse_13_months_later(story: Story, start: dt.date) -> None:
    _, suspect = couple(story)
    da(story, start, follow_up="contact")
    incidents.parental_mental_health(story, start + days(between(story, 50, 70)))
    first = add_months(start, 12) + days(between(story, 20, 30))
    for n in range(4):
        text = "assessment: alcohol misuse" if n == 0 else "key work session attended"
        incidents.substance_misuse(story, first + days(30 * n), suspect, text)


def missed_13_months_apart(story: Story, start: dt.date) -> None:
    incidents.missed_appointment(story, start)
    incidents.missed_appointment(story, add_months(start, 12) + days(between(story, 10, 40)))


def isolated_but_referred(story: Story, start: dt.date) -> None:
    _welfare_check(story, start)
    incidents.ae_injury(story, start + days(between(story, 45, 55)), "Burn to hand; says touched the oven")
    third = incidents.school_concern(
        story,
        start + days(between(story, 105, 115)),
        "Physical injury",
        "Bruise on the back of the leg seen in PE",
    )
    referral = third + days(between(story, 20, 28))
    social_care.referral_nfa(story, referral, "Schools", "Physical abuse", "three injuries in four months")


def cp_then_cin(story: Story, start: dt.date) -> None:
    end = _da_plan(story, start, between(story, 300, 400))
    later = add_months(end, 14)
    social_care.referral(story, later - days(40), "Schools", "Neglect", "poor attendance and hygiene")
    social_care.assessment(story, later - days(39), "child in need plan")
    social_care.cin_plan(story, later, later + days(between(story, 150, 200)), "neglect")


NEGATIVE = (
    Scenario(
        "nc_two_da_incidents",
        two_da_incidents,
        must_not=(("da_escalation", "exactly 2 DA incidents within 12 months; the rule needs 3"),),
        age=(3, 12),
        before=1,
        after=9,
    ),
    Scenario(
        "nc_plans_25_months_apart",
        plans_25_months_apart,
        ("repeat_cp_plan",),
        must_not=(("repeat_cp_plan_within_2_years", "second plan starts 25 months after the first ended"),),
        household=MOTHER_ALONE,
        after=60,
    ),
    Scenario(
        "nc_plans_4_months_apart",
        plans_4_months_apart,
        ("repeat_cp_plan", "repeat_cp_plan_within_2_years"),
        must_not=(("short_gap_between_plans", "second plan starts 4 months after the first ended"),),
        after=38,
    ),
    Scenario(
        "nc_one_incident_after_end",
        one_incident_after_end,
        must_not=(
            (
                "incidents_rise_after_plan_end",
                "1 DA incident in the 6 months after the plan; the 2nd at 7 months",
            ),
        ),
        household=PARTNER,
        age=(1, 9),
        after=22,
    ),
    Scenario(
        "nc_incident_100_days_before_end",
        incident_100_days_before_end,
        must_not=(
            (
                "plan_closed_despite_recent_incidents",
                "last DA incident 100 or more days before the plan ended",
            ),
        ),
        age=(1, 9),
        after=20,
    ),
    Scenario(
        "nc_marac_then_13_months",
        marac_then_13_months,
        must_not=(
            ("repeat_marac", "next DA incident against the victim 13 months after the MARAC referral"),
        ),
        household=PARTNER,
        age=(2, 10),
        before=1,
        after=15,
    ),
    Scenario(
        "nc_referrals_13_months_apart",
        referrals_13_months_apart,
        must_not=(("re_referral_within_12_months", "second referral 13 months after the first"),),
        household=MOTHER_ALONE,
        age=(2, 12),
        before=1,
        after=16,
    ),
    Scenario(
        "nc_father_at_one_core_group",
        father_at_one_core_group,
        must_not=(("father_not_in_plan", "the father attended one core group during the plan"),),
        age=(0, 8),
        after=22,
    ),
    Scenario(
        "nc_voice_once_near_end",
        voice_once_near_end,
        must_not=(
            ("child_voice_not_recorded", "child seen alone once, about 5 months before the plan ended"),
        ),
        age=(3, 10),
        after=23,
    ),
    Scenario(
        "nc_police_once_before_plan",
        police_once_before_plan,
        must_not=(
            ("agency_silent_during_plan", "police recorded 1 event in the 12 months before the plan, not 2"),
        ),
        age=(1, 10),
        before=18,
        after=20,
    ),
    Scenario(
        "nc_short_plan_police_silent",
        short_plan_police_silent,
        must_not=(("agency_silent_during_plan", "police silent, but the plan lasted under 6 months"),),
        age=(1, 10),
        after=12,
    ),
    Scenario(
        "nc_substance_misuse_13_months_later",
        substance_misuse_13_months_later,
        must_not=(
            ("multiple_risk_factors", "substance misuse first recorded 13 months after the domestic abuse"),
        ),
        age=(1, 10),
        before=1,
        after=18,
    ),
    Scenario(
        "nc_missed_13_months_apart",
        missed_13_months_apart,
        must_not=(("was_not_brought", "2 missed appointments 13 months apart"),),
        household=MOTHER_ALONE,
        age=(0, 10),
        before=1,
        after=15,
    ),
    Scenario(
        "nc_isolated_but_referred",
        isolated_but_referred,
        must_not=(("incidents_in_isolation", "school referred 20-28 days after the third incident"),),
        household=MOTHER_ALONE,
        age=(5, 12),
        before=1,
        after=7,
    ),
    Scenario(
        "nc_cp_then_cin",
        cp_then_cin,
        must_not=(("repeat_cp_plan", "the later plan is a child in need plan, not child protection"),),
        age=(0, 8),
        after=36,
    ),
)
