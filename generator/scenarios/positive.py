"""Scenarios that plant audit patterns, drawn from what the two seed audits found by hand.

Young children on plans for domestic abuse whose fathers are never seen; repeat plans with short
gaps; domestic abuse falling during a plan and rising once it ends; incidents seen in isolation.
"""

from __future__ import annotations

import datetime as dt

from generator import incidents, social_care
from generator.people import MOTHER_ALONE, PARTNER, STEPFATHER
from generator.scenarios.base import Scenario, between, couple, da, da_referral, days
from generator.social_care import PlanSpec, cp_plan
from generator.story import ScenarioError, Story
from generator.timeline import add_months


def _welfare_check(story: Story, day: dt.date) -> None:
    incidents.concern_for_welfare(
        story,
        day,
        "Call from neighbour about shouting; officers attended, no offences disclosed, children safe",
    )


def bucks_invisible_father(story: Story, start: dt.date) -> None:
    """Under-5 on a 13-22 month DA plan: father never involved, child never seen alone, police silent."""
    end = start + days(between(story, 400, 680))
    da(story, start - days(between(story, 280, 320)), follow_up="contact")
    referral = da_referral(story, start - days(between(story, 44, 52)), to_ae=True, decoy=True)
    cp_plan(
        story,
        PlanSpec(
            start, end, fathers={"father": "never"}, voice="none", referral_source=None, referral_day=referral
        ),
    )


def bucks_partner_unseen(story: Story, start: dt.date) -> None:
    """Under-5 DA plan: the birth father attends, the mother's partner (the suspect) never does;
    plan closed weeks after a new incident."""
    end = start + days(between(story, 400, 680))
    da(story, start - days(between(story, 190, 210)), follow_up="contact")
    referral = da_referral(story, start - days(between(story, 44, 52)), to_ae=True)
    cp_plan(
        story,
        PlanSpec(
            start, end, fathers={"mother's partner": "never"}, referral_source=None, referral_day=referral
        ),
    )
    _welfare_check(story, start + days((end - start).days * 2 // 5))
    da(story, end - days(between(story, 30, 60)), follow_up=None)


def bucks_good_practice(story: Story, start: dt.date) -> None:
    """Under-5 DA plan with fathers and the child's voice present; two missed appointments before it."""
    end = start + days(between(story, 400, 680))
    incidents.missed_appointment(story, start - days(between(story, 140, 160)))
    incidents.missed_appointment(story, start - days(between(story, 60, 75)))
    referral = da_referral(story, start - days(between(story, 44, 52)))
    cp_plan(story, PlanSpec(start, end, referral_source=None, referral_day=referral))
    da(story, start + days(between(story, 80, 100)), risk="standard", follow_up=None)


def repeat_many_plans(story: Story, start: dt.date) -> None:
    """Four or five plans: 2-month, 10-month and 26-month gaps, DA rising after every ending."""
    count = story.rng.choice((4, 5))
    gaps = [60, 300, 790, 60][: count - 1]
    categories = ("Emotional abuse", "Neglect", "Emotional abuse", "Multiple", "Emotional abuse")
    da(story, start - days(between(story, 140, 160)), follow_up="contact")
    referral = da_referral(story, start - days(between(story, 44, 50)))
    for n in range(count):
        length = between(story, 270, 330)
        last = n == count - 1
        end = None if last else start + days(length)
        cp_plan(
            story,
            PlanSpec(
                start,
                end,
                category=categories[n],
                referral_source=None,
                referral_day=referral,
                number=n + 1,
                step_down=False,
            ),
        )
        da(story, start + days(between(story, 55, 65)), follow_up=None)
        if end is None:
            break
        gap = gaps[n] + between(story, -5, 10)
        nxt = end + days(gap)
        if gap < 100:
            referral = da_referral(story, end + days(between(story, 8, 12)))
            da(story, end + days(between(story, 28, 34)), follow_up=None)
        else:
            da(story, end + days(between(story, 35, 60)), follow_up="contact")
            da(story, end + days(between(story, 105, 140)), follow_up="contact")
            referral = da_referral(story, nxt - days(between(story, 44, 50)))
        start = nxt
    if start > story.ctx.window.end:
        raise ScenarioError("repeat plans ran past the end of the data")


def repeat_three_plans(story: Story, start: dt.date) -> None:
    """Three plans (gaps 9 and 20 months): DA rises after the first; the second closes 6 weeks after
    a high-risk incident and MARAC referral; the third is still open."""
    victim, suspect = couple(story)
    referral = da_referral(story, start - days(between(story, 44, 50)))
    end1 = start + days(between(story, 300, 360))
    cp_plan(story, PlanSpec(start, end1, referral_source=None, referral_day=referral))
    da(story, start + days(between(story, 55, 65)), follow_up=None)
    da(story, end1 + days(between(story, 25, 35)), follow_up="contact")
    da(story, end1 + days(between(story, 95, 110)), follow_up="contact")
    start2 = end1 + days(between(story, 265, 285))
    referral = da_referral(story, start2 - days(between(story, 44, 50)))
    end2 = start2 + days(between(story, 300, 360))
    cp_plan(
        story,
        PlanSpec(start2, end2, category="Multiple", referral_source=None, referral_day=referral, number=2),
    )
    police, _ = incidents.domestic_abuse(
        story,
        end2 - days(between(story, 40, 50)),
        victim=victim,
        suspect=suspect,
        risk="high",
        follow_up=None,
    )
    incidents.marac_referral(story, police.day + days(2), police, victim, suspect)
    start3 = end2 + days(between(story, 590, 610))
    referral = da_referral(story, start3 - days(between(story, 44, 50)))
    cp_plan(story, PlanSpec(start3, None, referral_source=None, referral_day=referral, number=3))
    _welfare_check(story, start3 + days(20))


def repeat_after_long_gap(story: Story, start: dt.date) -> None:
    """A neglect plan, then 28-34 months later a DA plan where the child's voice fades out."""
    incidents.school_concern(
        story,
        start - days(between(story, 55, 65)),
        "Neglect",
        "Child arrived hungry and in the same clothes all week; DSL informed",
    )
    end1 = start + days(between(story, 240, 300))
    cp_plan(story, PlanSpec(start, end1, category="Neglect", concern="neglect", referral_source="Schools"))
    start2 = add_months(end1, between(story, 28, 34))
    referral = da_referral(story, start2 - days(between(story, 44, 50)))
    end2 = start2 + days(between(story, 420, 540))
    cp_plan(
        story, PlanSpec(start2, end2, voice="early", referral_source=None, referral_day=referral, number=2)
    )
    _welfare_check(story, start2 + days(100))


def repeat_short_gap(story: Story, start: dt.date) -> None:
    """Two plans two months apart; the step-father is never part of the second."""
    referral = da_referral(story, start - days(between(story, 44, 50)))
    end1 = start + days(between(story, 300, 400))
    cp_plan(story, PlanSpec(start, end1, referral_source=None, referral_day=referral, step_down=False))
    da(story, start + days(between(story, 60, 70)), follow_up=None)
    referral = da_referral(story, end1 + days(between(story, 18, 24)))
    start2 = end1 + days(between(story, 55, 80))
    cp_plan(
        story,
        PlanSpec(
            start2,
            start2 + days(between(story, 400, 600)),
            fathers={"step-father": "never"},
            referral_source=None,
            referral_day=referral,
            number=2,
        ),
    )
    _welfare_check(story, start2 + days(120))


def escalation_marac(story: Story, start: dt.date) -> None:
    """Three DA incidents in 8 months, two high risk: MARAC, then a repeat against the same victim."""
    victim, suspect = couple(story)
    da(story, start, follow_up="contact")
    second, referral = incidents.domestic_abuse(
        story,
        start + days(between(story, 60, 80)),
        victim=victim,
        suspect=suspect,
        risk="high",
        to_ae=True,
        follow_up="referral",
    )
    incidents.marac_referral(story, second.day + days(2), second, victim, suspect)
    assert referral is not None
    social_care.assessment(story, referral.day + days(1), "child in need plan")
    cin_start = referral.day + days(35)
    third, _ = incidents.domestic_abuse(
        story,
        second.day + days(between(story, 140, 160)),
        victim=victim,
        suspect=suspect,
        risk="high",
        follow_up=None,
    )
    incidents.marac_referral(story, third.day + days(2), third, victim, suspect)
    social_care.cin_plan(story, cin_start, cin_start + days(between(story, 260, 300)), "domestic abuse")


def escalation_isolated(story: Story, start: dt.date) -> None:
    """Three DA incidents in under five months, each closed at contact; a plan only after the fourth."""
    da(story, start, follow_up="contact")
    da(story, start + days(between(story, 55, 65)), follow_up="contact", decoy=True)
    da(story, start + days(between(story, 130, 150)), follow_up="contact")
    referral = da_referral(story, start + days(between(story, 290, 310)))
    plan_start = referral + days(between(story, 40, 48))
    cp_plan(
        story,
        PlanSpec(
            plan_start,
            plan_start + days(between(story, 270, 360)),
            referral_source=None,
            referral_day=referral,
        ),
    )
    _welfare_check(story, plan_start + days(100))


def toxic_trio(story: Story, start: dt.date) -> None:
    """Domestic abuse, the mother's depression and the father's drug and alcohol use within months."""
    _victim, suspect = couple(story)
    da(story, start, follow_up="contact")
    incidents.parental_mental_health(story, start + days(between(story, 35, 45)))
    day = start + days(between(story, 95, 105))
    incidents.substance_misuse(story, day, suspect, "assessment: daily cannabis and heavy weekend drinking")
    while day < start + days(280):
        day += days(between(story, 28, 40))
        incidents.substance_misuse(story, day, suspect, "key work session attended; reducing use")
    referral = start + days(between(story, 125, 135))
    social_care.referral(
        story,
        referral,
        "Health",
        "Parental mental health",
        "GP concerned about mother's mental health and father's substance misuse",
    )
    social_care.assessment(story, referral + days(1), "child in need plan")
    social_care.cin_plan(
        story, referral + days(40), referral + days(between(story, 260, 300)), "cumulative harm"
    )


def toxic_trio_plan(story: Story, start: dt.date) -> None:
    """The same three risks leading to a child protection plan under category Multiple."""
    _victim, suspect = couple(story)
    incidents.parental_mental_health(story, start - days(between(story, 200, 220)))
    for n in range(4):
        text = "assessment: alcohol dependence" if n == 0 else "appointment attended; relapse reported"
        incidents.substance_misuse(story, start - days(180 - 30 * n), suspect, text)
    referral = da_referral(story, start - days(between(story, 44, 50)))
    end = start + days(between(story, 300, 420))
    cp_plan(
        story,
        PlanSpec(
            start,
            end,
            category="Multiple",
            concern="domestic abuse, parental mental health and parental substance misuse",
            referral_source=None,
            referral_day=referral,
        ),
    )
    for n in range(3):
        incidents.substance_misuse(story, start + days(40 + 60 * n), suspect, "key work session attended")
    _welfare_check(story, start + days(90))


def missed_appointments(story: Story, start: dt.date) -> None:
    """Three missed appointments in seven months, poor home conditions, then a neglect plan."""
    for offset in (0, between(story, 75, 85), between(story, 195, 205)):
        incidents.missed_appointment(story, start + days(offset))
    hv = start + days(between(story, 210, 215))
    story.add(
        "Health",
        hv,
        ("Health visitor contact", "Neglect"),
        f"Home visit: {story.rng.choice(('home conditions poor', 'child underweight, no food in the house'))}",
        source="Health visiting service",
        persons=[story.mention(story.rel("mother"))],
    )
    plan_start = start + days(between(story, 270, 280))
    cp_plan(
        story,
        PlanSpec(
            plan_start,
            plan_start + days(between(story, 200, 300)),
            category="Neglect",
            concern="neglect",
            referral_source="Health",
            referral_day=start + days(230),
        ),
    )


def isolated_mixed(story: Story, start: dt.date) -> None:
    """A welfare check, an A&E injury and a bruise seen at school within four months; nobody refers."""
    _welfare_check(story, start)
    incidents.ae_injury(
        story, start + days(between(story, 45, 55)), "Bruise to cheek; says fell against radiator"
    )
    incidents.school_concern(
        story,
        start + days(between(story, 105, 115)),
        "Physical injury",
        "Bruising to upper arm noticed in PE; child says she fell",
    )


def isolated_da(story: Story, start: dt.date) -> None:
    """Two DA incidents known to police and school, an A&E visit between them; each closed at contact."""
    da(story, start, follow_up="contact", decoy=True)
    incidents.ae_injury(story, start + days(between(story, 55, 65)), "Fell downstairs at home; bruised back")
    da(story, start + days(between(story, 130, 150)), follow_up="contact")


def re_referred(story: Story, start: dt.date) -> None:
    """Two neglect referrals months apart, each closed after assessment."""
    social_care.referral_nfa(story, start, "Schools", "Neglect", "child often hungry and unkempt")
    social_care.referral_nfa(
        story,
        start + days(between(story, 150, 300)),
        "Health",
        "Neglect",
        "missed immunisations and untreated dental decay",
    )


def closed_after_recent(story: Story, start: dt.date) -> None:
    """Plan closed two months after a high-risk incident; the same victim attacked again after it."""
    victim, suspect = couple(story)
    referral = da_referral(story, start - days(between(story, 44, 50)))
    end = start + days(between(story, 270, 420))
    cp_plan(story, PlanSpec(start, end, referral_source=None, referral_day=referral))
    _welfare_check(story, start + days(60))
    police, _ = incidents.domestic_abuse(
        story, end - days(between(story, 50, 70)), victim=victim, suspect=suspect, risk="high", follow_up=None
    )
    incidents.marac_referral(story, police.day + days(2), police, victim, suspect)
    da(story, end + days(between(story, 95, 110)), follow_up="contact")


def rise_after_end(story: Story, start: dt.date) -> None:
    """Quiet during the plan; two DA incidents in the four months after it ends."""
    referral = da_referral(story, start - days(between(story, 44, 50)))
    end = start + days(between(story, 240, 420))
    cp_plan(story, PlanSpec(start, end, referral_source=None, referral_day=referral))
    _welfare_check(story, start + days(40))
    da(story, end + days(between(story, 35, 45)), follow_up="contact")
    da(story, end + days(between(story, 115, 125)), follow_up="contact")


def silent_probation(story: Story, start: dt.date) -> None:
    """The father's probation officer saw him monthly before the plan and recorded nothing during it."""
    father = story.rel("father")
    assert father is not None
    day = start - days(330)
    while day < start - days(40):
        incidents.probation(story, day, father, "supervision appointment attended; relationships programme")
        day += days(between(story, 25, 35))
    incidents.probation(story, start - days(20), father, "community order completed; case closed")
    referral = da_referral(story, start - days(between(story, 44, 50)))
    end = start + days(between(story, 270, 400))
    cp_plan(story, PlanSpec(start, end, referral_source=None, referral_day=referral))
    _welfare_check(story, start + days((end - start).days // 2))


def voice_fades(story: Story, start: dt.date) -> None:
    """The child is seen alone early in a long plan, never in its last seven months."""
    referral = da_referral(story, start - days(between(story, 44, 50)))
    end = start + days(between(story, 450, 600))
    cp_plan(story, PlanSpec(start, end, voice="early", referral_source=None, referral_day=referral))
    _welfare_check(story, start + days(100))


POSITIVE = (
    Scenario(
        "bucks_invisible_father",
        bucks_invisible_father,
        ("father_not_in_plan", "child_voice_not_recorded", "agency_silent_during_plan"),
        age=(0, 4),
        after=28,
    ),
    Scenario(
        "repeat_many_plans",
        repeat_many_plans,
        (
            "repeat_cp_plan",
            "repeat_cp_plan_within_2_years",
            "short_gap_between_plans",
            "incidents_rise_after_plan_end",
        ),
        household=PARTNER,
        age=(1, 4),
        before=8,
        after=88,
    ),
    Scenario(
        "escalation_marac",
        escalation_marac,
        ("da_escalation", "repeat_marac"),
        household=PARTNER,
        age=(3, 10),
        before=1,
        after=16,
    ),
    Scenario(
        "bucks_partner_unseen",
        bucks_partner_unseen,
        ("father_not_in_plan", "plan_closed_despite_recent_incidents"),
        household=PARTNER,
        after=28,
    ),
    Scenario(
        "isolated_mixed",
        isolated_mixed,
        ("incidents_in_isolation",),
        household=MOTHER_ALONE,
        age=(5, 12),
        before=1,
        after=6,
    ),
    Scenario("toxic_trio", toxic_trio, ("multiple_risk_factors",), age=(1, 9), before=1, after=16),
    Scenario(
        "repeat_three_plans",
        repeat_three_plans,
        (
            "repeat_cp_plan",
            "repeat_cp_plan_within_2_years",
            "incidents_rise_after_plan_end",
            "plan_closed_despite_recent_incidents",
        ),
        age=(2, 7),
        before=3,
        after=60,
    ),
    Scenario("bucks_good_practice", bucks_good_practice, ("was_not_brought",), after=28),
    Scenario(
        "escalation_isolated",
        escalation_isolated,
        ("da_escalation", "incidents_in_isolation"),
        age=(5, 10),
        before=1,
        after=30,
    ),
    Scenario(
        "re_referred",
        re_referred,
        ("re_referral_within_12_months",),
        household=MOTHER_ALONE,
        age=(2, 12),
        before=1,
        after=12,
    ),
    Scenario(
        "closed_after_recent",
        closed_after_recent,
        ("plan_closed_despite_recent_incidents", "repeat_marac"),
        household=STEPFATHER,
        age=(1, 10),
        after=24,
    ),
    Scenario(
        "repeat_after_long_gap",
        repeat_after_long_gap,
        ("repeat_cp_plan", "child_voice_not_recorded"),
        household=MOTHER_ALONE,
        age=(5, 8),
        before=3,
        after=66,
    ),
    Scenario(
        "missed_appointments",
        missed_appointments,
        ("was_not_brought",),
        household=MOTHER_ALONE,
        age=(0, 3),
        before=1,
        after=26,
    ),
    Scenario("isolated_da", isolated_da, ("incidents_in_isolation",), age=(5, 10), before=1, after=6),
    Scenario(
        "rise_after_end",
        rise_after_end,
        ("incidents_rise_after_plan_end",),
        household=PARTNER,
        age=(2, 10),
        after=20,
    ),
    Scenario("silent_probation", silent_probation, ("agency_silent_during_plan",), age=(1, 12), after=20),
    Scenario(
        "repeat_short_gap",
        repeat_short_gap,
        ("repeat_cp_plan", "repeat_cp_plan_within_2_years", "short_gap_between_plans", "father_not_in_plan"),
        household=STEPFATHER,
        age=(0, 6),
        after=42,
    ),
    Scenario("toxic_trio_plan", toxic_trio_plan, ("multiple_risk_factors",), age=(1, 10), after=20),
    Scenario("voice_fades", voice_fades, ("child_voice_not_recorded",), age=(4, 10), after=26),
)
