"""Incidents as agencies record them: police occurrences, Operation Encompass, A&E, school concerns.

A domestic abuse incident is one police occurrence at night and, around it, the school's
Operation Encompass record the next school morning (quoting the police reference), the A&E
visit that night and the contact or referral to social care, each recorded by its own agency.
"""

from __future__ import annotations

import datetime as dt

from generator import social_care, texts
from generator.model import Decoy, Relation, Report, SharedIncident, WorldEvent
from generator.names import HOSPITAL
from generator.story import EDUCATION, HEALTH, POLICE, PROBATION, SOCIAL_CARE, SUBSTANCE, Story
from generator.timeline import DAY, school_mornings_after, weekday_on_or_after

DASH_SCORES = {"standard": (3, 7), "medium": (8, 13), "high": (14, 20)}
ACTS = {
    "standard": ("verbal argument overheard by neighbours; no injuries", "argument over money; no injuries"),
    "medium": (
        "pushed {victim} against a wall and damaged a door",
        "threw a mug at {victim}; bruising to arm",
        "threatened {victim} and took her phone",
    ),
    "high": (
        "{victim} reports being grabbed by the throat; visible marks to neck",
        "{victim} punched repeatedly; threats to kill made",
    ),
}
OUTCOMES = {
    "standard": "Words of advice; no offences disclosed",
    "medium": "Suspect left the address; crime recorded",
    "high": "Suspect arrested; victim referred to IDVA",
}
ENCOMPASS_TIME = (8, 30, 9, 10)


def _time(story: Story, hours: tuple[int, ...]) -> dt.time:
    return dt.time(story.rng.choice(hours), story.rng.randrange(0, 60, 5))


def domestic_abuse(
    story: Story,
    day: dt.date,
    *,
    suspect: Relation,
    victim: Relation,
    risk: str = "medium",
    encompass: bool = True,
    to_ae: bool = False,
    follow_up: str | None = "contact",
    decoy: bool = False,
) -> tuple[WorldEvent, WorldEvent | None]:
    """A police domestic abuse occurrence at night and the records other agencies made of it.

    ``follow_up`` is the social care record it prompts: "contact", "referral" or None (when the
    child already has a social worker). Returns the police record and the social care record.
    """
    rng = story.rng
    time = _time(story, (19, 20, 21, 22, 23, 0, 1))
    ref = story.ctx.registry.police_reference(day)
    score = rng.randint(*DASH_SCORES[risk])
    crime = risk != "standard"
    act = rng.choice(ACTS[risk]).format(victim=victim.person.forenames)
    v = story.mention(victim, "victim")
    s = story.mention(suspect, "suspect")
    child = story.record.child.forenames
    text = (
        f"Domestic {'crime' if crime else 'incident'} at home address: {suspect.person.name} ({suspect.role}) "
        f"{act}. {child} present in the house. Occurrence {ref}"
    )
    story.note_incident(day)
    police = story.add(
        POLICE,
        day,
        (
            "Police occurrence",
            "Domestic crime" if crime else "Domestic incident",
            "Domestic abuse",
            f"DASH: {risk} ({score})",
        ),
        text,
        source=f"Police occurrence {ref}",
        time=time,
        reference=ref,
        record_id=f"{ref}/1",
        persons=[v, s],
        action=f"{OUTCOMES[risk]}; DASH completed ({risk}, {score}/27)",
        impact="Child exposed to domestic abuse at home",
    )
    shared = SharedIncident(
        ref, day, time, "domestic abuse", [Report(POLICE, police.record_id, "police occurrence")]
    )
    moment = dt.datetime.combine(day, time)
    morning = school_mornings_after(moment)
    if encompass and story.at_school(morning) and story.in_scope(morning):
        school = story.school_name(morning)
        note = story.add(
            EDUCATION,
            morning,
            ("Operation Encompass", "Domestic abuse"),
            f"Operation Encompass notification from police (ref {ref}): domestic incident at home "
            f"last night, {child} present. DSL informed; class teacher asked to monitor",
            source=f"{school} safeguarding log",
            time=_time(story, (8,)),
            reference=ref,
            persons=[story.pro(story.staff.dsl, "designated safeguarding lead")],
            action="Key adult check-in offered",
        )
        shared.reports.append(Report(EDUCATION, note.record_id, "Operation Encompass"))
        if decoy:
            _decoy(story, morning, ref, EDUCATION)
    if to_ae:
        arrival = moment + dt.timedelta(minutes=rng.randint(40, 150))
        if story.in_scope(arrival.date()):
            ae = story.add(
                HEALTH,
                arrival.date(),
                ("A&E attendance", "Injury"),
                f"Brought in by {victim.person.forenames} ({victim.role}) after an incident at home: "
                f"small bruise to forehead, says {child} was caught in an argument. Safeguarding form completed",
                source=f"Emergency Department, {HOSPITAL}",
                time=arrival.time().replace(second=0, microsecond=0),
                end_day=(arrival + dt.timedelta(hours=3)).date(),
                end_time=(arrival + dt.timedelta(hours=3)).time(),
                persons=[story.mention(victim)],
                action="Discharged home with mother; health visitor informed",
            )
            shared.reports.append(Report(HEALTH, ae.record_id, "A&E attendance"))
    if decoy and story.in_scope(day):
        _decoy(story, day, ref, HEALTH)
    sc: WorldEvent | None = None
    if follow_up is not None:
        when = day + DAY * rng.randint(1, 2)
        if follow_up == "referral":
            sc = social_care.referral(
                story,
                when,
                "Police",
                "Domestic abuse",
                f"Police notification of domestic abuse (occurrence {ref})",
                persons=[story.mention(victim)],
            )
            shared.reports.append(Report(SOCIAL_CARE, sc.record_id, "referral"))
        else:
            sc = social_care.contact(
                story,
                when,
                "Police",
                "Domestic abuse",
                f"Police notification of domestic abuse (occurrence {ref}); "
                "information shared with health visitor/school; NFA",
                persons=[story.mention(victim)],
            )
            shared.reports.append(Report(SOCIAL_CARE, sc.record_id, "contact"))
    if len(shared.reports) > 1:
        story.record.shared_incidents.append(shared)
    return police, sc


def _decoy(story: Story, day: dt.date, ref: str, agency: str) -> None:
    """A routine record the same day as an incident: it shares a date, not a story."""
    if agency == HEALTH:
        event = story.add(
            HEALTH,
            day,
            ("GP consultation",),
            story.rng.choice(texts.MINOR_ILLNESS),
            source=f"GP record, {story.staff.surgery}",
            time=dt.time(10, story.rng.randrange(0, 60, 5)),
            persons=[story.mention(story.rel("mother"))],
        )
        why = "routine GP appointment on the day of the police occurrence"
    else:
        event = story.add(
            EDUCATION,
            day,
            ("Achievement",),
            "Certificate for reading in celebration assembly",
            source=story.school_name(day),
            time=dt.time(14, 45),
        )
        why = "routine school record on the day of the Operation Encompass notification"
    story.record.decoys.append(Decoy(agency, event.record_id, day, ref, why))


def marac_referral(
    story: Story, day: dt.date, police: WorldEvent, victim: Relation, suspect: Relation
) -> None:
    """Police refer a high-risk victim to MARAC (a response, not a new incident)."""
    dash = next(label for label in police.labels if label.startswith("DASH:"))
    story.add(
        POLICE,
        day,
        ("MARAC referral", dash),
        f"Referral to MARAC for {victim.person.name} ({victim.role}) following high-risk DASH assessment, "
        f"occurrence {police.reference}",
        source="Police public protection unit",
        reference=police.reference,
        persons=[story.mention(victim, "victim"), story.mention(suspect, "suspect")],
    )


def concern_for_welfare(story: Story, day: dt.date, text: str) -> None:
    ref = story.ctx.registry.police_reference(day)
    story.note_incident(day)
    story.add(
        POLICE,
        day,
        ("Police occurrence", "Concern for welfare"),
        f"{text}. Occurrence {ref}",
        source=f"Police occurrence {ref}",
        time=_time(story, (15, 16, 17, 18)),
        reference=ref,
        record_id=f"{ref}/1",
        persons=[story.mention(story.rel("mother"))],
    )


def ae_injury(story: Story, day: dt.date, text: str) -> None:
    story.note_incident(day)
    story.add(
        HEALTH,
        day,
        ("A&E attendance", "Injury"),
        text,
        source=f"Emergency Department, {HOSPITAL}",
        time=_time(story, (10, 13, 16, 18)),
        persons=[story.mention(story.rel("mother"))],
        action="Discharged home",
    )


def school_concern(story: Story, day: dt.date, category: str, text: str, voice: str | None = None) -> dt.date:
    """A school safeguarding log entry in a serious category (an incident) on the next school day."""
    day = weekday_on_or_after(day)
    story.note_incident(day)
    story.add(
        EDUCATION,
        day,
        ("Safeguarding concern", category),
        text,
        source=f"{story.school_name(day)} safeguarding log",
        time=_time(story, (9, 11, 13)),
        voice=voice,
        action="DSL informed; parent spoken to at collection",
        persons=[story.pro(story.staff.dsl, "designated safeguarding lead")],
    )
    return day


def missed_appointment(story: Story, day: dt.date) -> None:
    clinic = story.rng.choice(texts.WNB_CLINICS)
    story.add(
        HEALTH,
        day,
        ("Was not brought", clinic),
        f"{clinic} appointment: child was not brought; no contact from family",
        source=f"Outpatients, {HOSPITAL}",
        action="GP and health visitor informed; new appointment sent",
    )


def parental_mental_health(story: Story, day: dt.date) -> None:
    mother = story.rel("mother")
    assert mother is not None
    story.add(
        HEALTH,
        day,
        ("GP consultation", "Parental mental health"),
        f"Mother seen by GP: {story.rng.choice(texts.MOTHER_LOW_MOOD)}",
        source=f"GP record, {story.staff.surgery}",
        persons=[story.mention(mother)],
    )


def substance_misuse(story: Story, day: dt.date, adult: Relation, text: str) -> None:
    story.add(
        SUBSTANCE,
        day,
        ("Substance misuse service", "Parental substance misuse"),
        f"{adult.person.name} ({adult.role}): {text}",
        source="Community drug and alcohol service",
        persons=[story.mention(adult)],
    )


def probation(story: Story, day: dt.date, adult: Relation, text: str) -> None:
    story.add(
        PROBATION,
        day,
        ("Probation supervision",),
        f"{adult.person.name} ({adult.role}): {text}",
        source="Probation service case record",
        persons=[story.mention(adult), story.pro(story.staff.probation_officer, "probation officer")],
    )
