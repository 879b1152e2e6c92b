"""Routine background events every child has: health checks, GP visits, school attendance.

Incidents must not be the only rows. For children in a planted scenario (``quiet``) the routine
carries no incidents, missed appointments or referrals of its own, so the planted patterns are the
only ones; background children get at most one such event a year, too few to make any pattern.
"""

from __future__ import annotations

import datetime as dt

from generator import texts
from generator.names import HOSPITAL
from generator.story import EDUCATION, HEALTH, HOUSING, POLICE, SOCIAL_CARE, Story
from generator.timeline import DAY, add_months, age_on, birthday, reception_start, school_leaving

SPACING = 400  # days between one background child's incidents or missed appointments


def _when(story: Story, start: dt.date, end: dt.date) -> dt.date:
    span = (end - start).days
    return start + dt.timedelta(days=story.rng.randint(0, max(span, 0)))


def _clock(story: Story, first: int, last: int) -> dt.time:
    return dt.time(story.rng.randint(first, last), story.rng.choice((0, 10, 15, 20, 30, 40, 45, 50)))


def _parent(story: Story) -> list:
    """Who came with the child: mother, sometimes the father or partner who lives with them."""
    found = [story.mention(story.rel("mother"))]
    for rel in story.record.fathers():
        if rel.lives_with_child and story.rng.random() < 0.35:
            found.append(story.mention(rel))
    return found


def add_routine(story: Story, *, quiet: bool) -> None:
    _early_years(story)
    _health(story, quiet)
    _education(story)


def _early_years(story: Story) -> None:
    dob = story.dob
    hv = story.pro(story.staff.health_visitor, "health visitor")
    mother = story.mention(story.rel("mother"))
    steps = (
        (
            0,
            ("Midwifery", "Birth notification"),
            f"Birth notification: born at {HOSPITAL}, term, well",
            "Midwifery",
        ),
        (
            12,
            ("Health visitor contact", "New birth visit"),
            "New birth visit; feeding well, no concerns",
            "HV",
        ),
        (49, ("Health visitor contact", "6-8 week review"), "6-8 week review; growth on centile", "HV"),
        (56, ("Immunisation",), "8-week immunisations given", "GP"),
        (84, ("Immunisation",), "12-week immunisations given", "GP"),
        (112, ("Immunisation",), "16-week immunisations given", "GP"),
        (330, ("Health visitor contact", "1 year review"), "1 year review; development appropriate", "HV"),
        (372, ("Immunisation",), "1 year immunisations given", "GP"),
        (760, ("Health visitor contact", "2 year review"), "2-2.5 year review; speech emerging", "HV"),
        (1222, ("Immunisation",), "Pre-school booster given", "GP"),
    )
    for offset, labels, text, who in steps:
        day = dob + dt.timedelta(days=offset + story.rng.randint(0, 10))
        if who == "HV":
            source, persons = "Health visiting service", [hv, mother]
        elif who == "GP":
            source, persons = f"GP record, {story.staff.surgery}", [mother]
        else:
            source, persons = f"Maternity record, {HOSPITAL}", [mother]
        story.maybe_add(HEALTH, day, labels, text, source=source, persons=persons)


def _health(story: Story, quiet: bool) -> None:
    rng = story.rng
    window = story.ctx.window
    first = max(window.start, story.dob)
    last = min(window.end, birthday(story.dob, 18) - DAY)
    last_incident = dt.date.min
    last_missed = dt.date.min
    year_start = first
    while year_start <= last:
        year_end = min(add_months(year_start, 12) - DAY, last)
        age = age_on(story.dob, year_start)
        for _ in range(rng.choice((1, 2, 3, 4) if age < 5 else (0, 1, 1, 2, 3))):
            _gp_visit(story, _when(story, year_start, year_end))
        if age >= 2:
            for half in (0, 6):
                first_day = add_months(year_start, half)
                day = _when(story, first_day, min(add_months(first_day, 6) - DAY, year_end))
                text = "Routine dental check; no decay"
                story.maybe_add(HEALTH, day, ("Dental check",), text, source="Community dental service")
        if rng.random() < 0.15:
            day = _when(story, year_start, year_end)
            story.maybe_add(
                HEALTH,
                day,
                ("A&E attendance", "Illness"),
                rng.choice(texts.AE_ILLNESS),
                source=f"Emergency Department, {HOSPITAL}",
                time=_clock(story, 8, 21),
                persons=_parent(story),
            )
        if not quiet and rng.random() < 0.12:
            day = _when(story, year_start, year_end)
            if (day - last_incident).days > SPACING and story.in_scope(day) and story.incident_free(day):
                story.note_incident(day)
                last_incident = day
                story.add(
                    HEALTH,
                    day,
                    ("A&E attendance", "Injury"),
                    rng.choice(texts.ACCIDENTAL_INJURY),
                    source=f"Emergency Department, {HOSPITAL}",
                    time=_clock(story, 9, 20),
                    persons=_parent(story),
                    action="Discharged home; no safeguarding concerns",
                )
        if not quiet and rng.random() < 0.08:
            day = _when(story, year_start, year_end)
            if (day - last_missed).days > SPACING and story.in_scope(day):
                last_missed = day
                clinic = rng.choice(texts.WNB_CLINICS)
                story.add(
                    HEALTH,
                    day,
                    ("Was not brought", clinic),
                    f"{clinic} appointment: child was not brought",
                    source=f"Outpatients, {HOSPITAL}",
                    action="New appointment sent",
                )
        year_start = add_months(year_start, 12)
    for years, text in (
        (5, "Reception height and weight; hearing screen passed"),
        (10, "Year 6 measurement"),
    ):
        day = dt.date(story.dob.year + years + (1 if story.dob.month >= 9 else 0), 11, 15)
        story.maybe_add(HEALTH, day, ("School nurse contact",), text, source="School nursing service")


def _gp_visit(story: Story, day: dt.date) -> None:
    rng = story.rng
    roll = rng.random()
    precision, uncertain, note = "day", False, ""
    if roll < 0.02:
        precision, note = "month", " (entered retrospectively; day not recorded)"
    elif roll < 0.035:
        uncertain, note = True, " (date uncertain)"
    story.maybe_add(
        HEALTH,
        day,
        ("GP consultation",),
        rng.choice(texts.MINOR_ILLNESS) + note,
        source=f"GP record, {story.staff.surgery}",
        persons=_parent(story),
        precision=precision,
        uncertain=uncertain,
    )


def _education(story: Story) -> None:
    if story.record.upn is None:
        return
    rng = story.rng
    start = reception_start(story.dob)
    leave = school_leaving(story.dob)
    story.maybe_add(
        EDUCATION,
        start,
        ("Admission",),
        f"Started in Reception at {story.school_name(start)}",
        source=f"{story.school_name(start)} admissions register",
    )
    secondary = dt.date(start.year + 7, 9, 3)
    story.maybe_add(
        EDUCATION,
        secondary,
        ("Admission",),
        f"Transferred to Year 7 at {story.school_name(secondary)}",
        source=f"{story.school_name(secondary)} admissions register",
    )
    for year in range(start.year, leave.year):
        for term, day in (
            ("Autumn 1", dt.date(year, 10, 23)),
            ("Autumn 2", dt.date(year, 12, 18)),
            ("Spring 1", dt.date(year + 1, 2, 14)),
            ("Spring 2", dt.date(year + 1, 3, 29)),
            ("Summer 1", dt.date(year + 1, 5, 24)),
            ("Summer 2", dt.date(year + 1, 7, 19)),
        ):
            day = day - dt.timedelta(days=rng.randint(0, 3))
            while day.weekday() >= 5:
                day -= DAY
            pct = min(100.0, round(rng.gauss(95.0, 3.2), 1))
            labels = ("Attendance", "Persistent absence") if pct < 90 else ("Attendance",)
            text = f"{term} half-term attendance {pct}%"
            story.maybe_add(
                EDUCATION, day, labels, text, source=f"{story.school_name(day)} attendance register"
            )
        for month, term in ((12, "Autumn"), (4, "Spring"), (7, "Summer")):
            day = dt.date(year + (month < 9), month, rng.randint(1, 12))
            if day.weekday() < 5:
                story.maybe_add(
                    EDUCATION,
                    day,
                    ("Progress report",),
                    f"{term} term progress report: {rng.choice(texts.PROGRESS)}",
                    source=story.school_name(day),
                )
        evening = dt.date(year, 11, rng.randint(3, 26))
        if evening.weekday() < 5:
            story.maybe_add(
                EDUCATION,
                evening,
                ("Parents' evening",),
                "Parents' evening attended; progress in line with peers",
                source=story.school_name(evening),
                persons=_parent(story),
            )
        if rng.random() < 0.3:
            day = dt.date(year + 1, rng.randint(1, 6), rng.randint(1, 28))
            if day.weekday() < 5:
                story.maybe_add(
                    EDUCATION, day, ("Behaviour",), rng.choice(texts.BEHAVIOUR), source=story.school_name(day)
                )


def add_household_background(stories: list[Story]) -> None:
    """Rare shared events for a background household: housing, a welfare check, a parent's GP care.

    None of them makes a pattern: at most one incident, one contact, no domestic abuse.
    """
    lead = stories[0]
    rng = lead.rng
    window = lead.ctx.window
    if rng.random() < 0.04:
        day = _when(lead, window.start, window.end)
        for n, label, text in (
            (0, "Housing register application", "Family applied to the housing register (overcrowding)"),
            (120, "Housing assessment", "Housing needs assessment completed; band C"),
            (400, "Housing offer", "Offer of two-bedroom flat accepted"),
        ):
            when = day + dt.timedelta(days=n + rng.randint(0, 30))
            for story in stories:
                story.maybe_add(
                    HOUSING,
                    when,
                    (label,),
                    text,
                    source="Housing options team",
                    persons=[story.mention(story.rel("mother"))],
                )
    if rng.random() < 0.05:
        day = _when(lead, window.start, window.end)
        text = rng.choice(texts.MOTHER_LOW_MOOD)
        for story in stories:
            story.maybe_add(
                HEALTH,
                day,
                ("GP consultation", "Parental mental health"),
                f"Mother seen by GP: {text}",
                source=f"GP record, {story.staff.surgery}",
                persons=[story.mention(story.rel("mother"))],
            )
    if rng.random() < 0.03:
        day = _when(lead, window.start, window.end)
        ref = lead.ctx.registry.police_reference(day)
        time = _clock(lead, 17, 22)  # one occurrence, one time: every sibling's record of it agrees
        link = 0
        for story in stories:
            if story.in_scope(day) and story.incident_free(day):
                link += 1
                story.note_incident(day)
                story.add(
                    POLICE,
                    day,
                    ("Police occurrence", "Concern for welfare"),
                    f"Concern for welfare call from neighbour (children heard crying); officers attended, "
                    f"children safe and well, no offences. Occurrence {ref}",
                    source=f"Police occurrence {ref}",
                    time=time,
                    reference=ref,
                    record_id=f"{ref}/{link}",
                    persons=[story.mention(story.rel("mother"))],
                )
    if rng.random() < 0.05:
        day = _when(lead, window.start, window.end)
        source = rng.choice(("Health", "Schools", "Family member"))
        for story in stories:
            story.maybe_add(
                SOCIAL_CARE,
                day,
                ("Contact", f"Source: {source}"),
                f"Contact from {source.lower()}: request for parenting support; signposted to early help; NFA",
                source="Children's social care front door",
                persons=[story.mention(story.rel("mother"))],
            )
