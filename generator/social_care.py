"""Children's social care process: contacts, referrals, assessments, child protection plans, closures.

A plan is written as the whole statutory sequence (referral, assessment, strategy discussion,
section 47, initial conference, plan start, core groups, visits, reviews, plan end, step-down or
closure) so audit rules find real process around it. Whether each father takes part and whether
the child's voice is recorded are chosen per plan: those are the gaps audits look for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from generator import texts
from generator.model import Mention, Plan, WorldEvent
from generator.story import HEALTH, SOCIAL_CARE, Story
from generator.timeline import DAY, add_months, age_on, weekday_on_or_after

SOURCE = "Children's social care case record"
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def contact(
    story: Story, day: dt.date, source: str, concern: str, text: str, persons: list | None = None
) -> WorldEvent:
    """A contact to the front door that is not accepted as a referral (not a response)."""
    return story.add(
        SOCIAL_CARE,
        day,
        ("Contact", f"Source: {source}", concern),
        f"Contact from {source}: {text}",
        source="Children's social care front door (MASH)",
        persons=persons or [],
        action="No further action at contact stage",
    )


def referral(
    story: Story, day: dt.date, source: str, concern: str, text: str, persons: list | None = None
) -> WorldEvent:
    return story.add(
        SOCIAL_CARE,
        day,
        ("Referral", f"Source: {source}", concern),
        f"Referral from {source}: {text}",
        source="Children's social care front door (MASH)",
        persons=persons or [],
        action="Accepted as a referral; child and family assessment to start",
    )


def assessment(story: Story, day: dt.date, outcome: str, *, days: int = 30) -> WorldEvent:
    return story.add(
        SOCIAL_CARE,
        day,
        ("Assessment",),
        f"Child and family assessment started; completed with outcome: {outcome}",
        source=SOURCE,
        end_day=day + DAY * days,
        persons=[story.mention(story.rel("mother")), story.pro(story.staff.social_worker, "social worker")],
    )


def closure(story: Story, day: dt.date, reason: str) -> None:
    story.add(SOCIAL_CARE, day, ("Case closed", f"Reason: {reason}"), f"Case closed: {reason}", source=SOURCE)


def referral_nfa(story: Story, day: dt.date, source: str, concern: str, text: str) -> None:
    """A referral assessed and closed with no further action."""
    referral(story, day, source, concern, text, persons=[story.mention(story.rel("mother"))])
    assessment(story, day + DAY, "no further action; universal services", days=20)
    closure(story, day + DAY * 24, "No further action after assessment")


@dataclass(slots=True)
class PlanSpec:
    """How one child protection plan goes. Father policies by role: all, once or never."""

    start: dt.date
    end: dt.date | None
    category: str = "Emotional abuse"
    concern: str = "domestic abuse"
    fathers: dict[str, str] = field(default_factory=dict)
    voice: str = "full"  # full, none, early (none in the last 7 months), once
    referral_source: str | None = "Police"  # None: the referral was already recorded
    referral_day: dt.date | None = None
    step_down: bool = True
    number: int = 1


def cp_plan(story: Story, spec: PlanSpec) -> Plan:
    """Write a child protection plan and the process around it; returns the plan."""
    rng = story.rng
    s = spec.start
    last = spec.end or story.ctx.window.end
    sw = story.pro(story.staff.social_worker, "social worker")
    mother = story.mention(story.rel("mother"))
    r = spec.referral_day or s - DAY * rng.randint(40, 55)
    if spec.referral_source:
        referral(
            story,
            r,
            spec.referral_source,
            _concern_label(spec.concern),
            f"concerns about {spec.concern}",
            persons=[mother],
        )
    assessment(story, r + DAY, f"threshold met for section 47 ({spec.concern})", days=(s - r).days - 8)
    strategy = weekday_on_or_after(r + DAY * rng.randint(2, 4))
    story.add(
        SOCIAL_CARE,
        strategy,
        ("Strategy discussion",),
        "Strategy discussion: police, health and social care",
        source=SOURCE,
        persons=[sw, story.pro(story.staff.police_officer, "police"), _health_pro(story, strategy)],
    )
    story.add(
        SOCIAL_CARE, strategy, ("Section 47",), "Section 47 enquiry started", source=SOURCE, persons=[sw]
    )
    conference = [
        mother,
        *_fathers(story, spec, "conference"),
        sw,
        _health_pro(story, s),
        story.pro(story.staff.police_officer, "police"),
        *_school(story, s),
    ]
    story.add(
        SOCIAL_CARE,
        s,
        ("Initial child protection conference",),
        f"Initial child protection conference: threshold met; plan agreed ({spec.category})",
        source=SOURCE,
        time=dt.time(10, 0),
        persons=conference,
    )
    nth = ORDINALS[spec.number - 1] if spec.number <= len(ORDINALS) else f"{spec.number}th"
    story.add(
        SOCIAL_CARE,
        s,
        ("CP plan start", spec.category),
        f"Child protection plan started ({nth} plan). Category: {spec.category}. "
        f"Main concern: {spec.concern}.",
        source=SOURCE,
        time=dt.time(10, 0),
    )
    _core_groups(story, spec, s, last)
    _visits(story, spec, s, last)
    _health_contacts(story, s, last)
    _reviews(story, spec, s, last)
    plan = Plan("CP", s, spec.end, spec.category, spec.concern)
    story.record.plans.append(plan)
    if spec.end is not None:
        _after(story, spec)
    return plan


def _concern_label(concern: str) -> str:
    return concern[0].upper() + concern[1:]


def _health_pro(story: Story, day: dt.date) -> Mention:
    if age_on(story.dob, day) < 5:
        return story.pro(story.staff.health_visitor, "health visitor")
    return story.pro(story.staff.school_nurse, "school nurse")


def _school(story: Story, day: dt.date) -> list[Mention]:
    return [story.pro(story.staff.dsl, "designated safeguarding lead")] if story.at_school(day) else []


def _fathers(story: Story, spec: PlanSpec, occasion: str, n: int = 0) -> list[Mention]:
    """The fathers who take part in this plan event, by each one's policy."""
    found = []
    for rel in story.record.fathers():
        policy = spec.fathers.get(rel.role, "all")
        if (policy == "all" and (occasion != "core group" or n == 0 or story.rng.random() < 0.8)) or (
            policy == "once" and occasion == "core group" and n == 1
        ):
            found.append(story.mention(rel))
    return [m for m in found if m is not None]


def _core_groups(story: Story, spec: PlanSpec, start: dt.date, last: dt.date) -> None:
    rng = story.rng
    day = weekday_on_or_after(start + DAY * rng.randint(10, 14))
    n = 0
    while day < last - DAY * 5:
        persons = [
            story.mention(story.rel("mother")),
            *_fathers(story, spec, "core group", n),
            story.pro(story.staff.social_worker, "social worker"),
            _health_pro(story, day),
            *_school(story, day),
        ]
        story.add(
            SOCIAL_CARE,
            day,
            ("Core group",),
            "Core group meeting: plan reviewed, actions updated",
            source=SOURCE,
            time=dt.time(14, 0),
            persons=persons,
        )
        n += 1
        day = weekday_on_or_after(day + DAY * rng.randint(35, 49))


def _visits(story: Story, spec: PlanSpec, start: dt.date, last: dt.date) -> None:
    rng = story.rng
    days = []
    day = weekday_on_or_after(start + DAY * rng.randint(3, 8))
    while day < last - DAY * 2:
        days.append(day)
        day = weekday_on_or_after(day + DAY * rng.randint(20, 35))
    alone_at: set[int] = set()
    if spec.voice == "full":
        alone_at = {i for i in range(len(days)) if i % 2 == 0}
    elif spec.voice == "early" and spec.end is not None:
        cutoff = add_months(spec.end, -7)
        alone_at = {i for i, d in enumerate(days) if d < cutoff and i % 2 == 0}
    elif spec.voice == "once" and spec.end is not None and days:
        target = spec.end - DAY * 150
        alone_at = {min(range(len(days)), key=lambda i: abs((days[i] - target).days))}
    for i, day in enumerate(days):
        _visit(story, day, alone=i in alone_at)


def _visit(story: Story, day: dt.date, *, alone: bool) -> None:
    rng = story.rng
    sw = story.pro(story.staff.social_worker, "social worker")
    mother = story.mention(story.rel("mother"))
    if not alone:
        story.add(
            SOCIAL_CARE,
            day,
            ("Statutory visit", "Child seen"),
            rng.choice(texts.SEEN_WITH_PARENT),
            source=SOURCE,
            persons=[sw, mother],
            impact="No change in presentation noted",
        )
        return
    age = age_on(story.dob, day)
    if age < 3:
        story.add(
            SOCIAL_CARE,
            day,
            ("Statutory visit", "Child seen alone"),
            f"Child seen alone: {rng.choice(texts.BABY_OBSERVATION)}",
            source=SOURCE,
            persons=[sw, mother],
        )
        return
    quotes = texts.VOICE_YOUNG if age < 8 else texts.VOICE_OLDER
    story.add(
        SOCIAL_CARE,
        day,
        ("Statutory visit", "Child seen alone"),
        "Child seen alone in their bedroom; talked about home and school",
        source=SOURCE,
        persons=[sw, mother],
        voice=rng.choice(quotes),
    )


def _health_contacts(story: Story, start: dt.date, last: dt.date) -> None:
    day = start + DAY * story.rng.randint(12, 20)
    while day < last:
        if age_on(story.dob, day) < 5:
            labels, text, who = (
                ("Health visitor contact", "Child protection plan"),
                "Enhanced health visitor contact",
                "HV",
            )
        else:
            labels, text, who = (
                ("School nurse contact", "Child protection plan"),
                "School nurse review under CP plan",
                "SN",
            )
        story.add(
            HEALTH,
            day,
            labels,
            f"{text}; growth and development checked",
            source="Health visiting service" if who == "HV" else "School nursing service",
            persons=[_health_pro(story, day), story.mention(story.rel("mother"))],
        )
        day += DAY * story.rng.randint(55, 80)


def _reviews(story: Story, spec: PlanSpec, start: dt.date, last: dt.date) -> None:
    day = weekday_on_or_after(add_months(start, 3))
    while day < last - DAY * 20:
        _review(story, spec, day, "plan to continue")
        day = weekday_on_or_after(add_months(day, 6))
    if spec.end is not None:
        _review(story, spec, spec.end, "plan ended")
        story.add(
            SOCIAL_CARE,
            spec.end,
            ("CP plan end", spec.category),
            f"Child protection plan ended. Category: {spec.category}.",
            source=SOURCE,
            time=dt.time(10, 0),
        )


def _review(story: Story, spec: PlanSpec, day: dt.date, outcome: str) -> None:
    persons = [
        story.mention(story.rel("mother")),
        *_fathers(story, spec, "conference"),
        story.pro(story.staff.social_worker, "social worker"),
        _health_pro(story, day),
        *_school(story, day),
    ]
    story.add(
        SOCIAL_CARE,
        day,
        ("Review child protection conference",),
        f"Review child protection conference: {outcome}",
        source=SOURCE,
        time=dt.time(10, 0),
        persons=persons,
    )


def _after(story: Story, spec: PlanSpec) -> None:
    assert spec.end is not None
    rng = story.rng
    window_end = story.ctx.window.end
    if spec.step_down:
        persons = [
            story.mention(story.rel("mother")),
            *_fathers(story, spec, "conference"),
            story.pro(story.staff.social_worker, "social worker"),
        ]
        story.add(
            SOCIAL_CARE,
            spec.end,
            ("CIN plan start",),
            "Stepped down to a child in need plan",
            source=SOURCE,
            time=dt.time(11, 0),
            persons=persons,
        )
        cin_end = spec.end + DAY * rng.randint(90, 150)
        if cin_end <= window_end and story.in_scope(cin_end):
            story.add(SOCIAL_CARE, cin_end, ("CIN plan end",), "Child in need plan ended", source=SOURCE)
            closure(story, cin_end, "Child in need plan completed")
            story.record.plans.append(Plan("CIN", spec.end, cin_end))
        else:
            story.record.plans.append(Plan("CIN", spec.end, None))
    else:
        day = spec.end + DAY * rng.randint(7, 21)
        if day <= window_end and story.in_scope(day):
            closure(story, day, "Child protection plan ended; no further social care involvement")


def cin_plan(story: Story, start: dt.date, end: dt.date | None, text: str) -> None:
    """A child in need plan (not a child protection plan) with visits at its start and end."""
    persons = [story.mention(story.rel("mother")), story.pro(story.staff.social_worker, "social worker")]
    story.add(
        SOCIAL_CARE,
        start,
        ("CIN plan start",),
        f"Child in need plan started: {text}",
        source=SOURCE,
        persons=persons,
    )
    day = start + DAY * 30
    while day < (end or story.ctx.window.end):
        story.add(
            SOCIAL_CARE,
            weekday_on_or_after(day),
            ("Home visit",),
            "Child in need visit; plan reviewed with mother",
            source=SOURCE,
            persons=persons,
        )
        day += DAY * story.rng.randint(40, 60)
    if end is not None:
        story.add(SOCIAL_CARE, end, ("CIN plan end",), "Child in need plan ended", source=SOURCE)
        closure(story, end, "Child in need plan completed")
    story.record.plans.append(Plan("CIN", start, end))
