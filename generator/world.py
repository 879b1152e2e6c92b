"""The authority's families, generated one at a time so any number of children streams in flat memory.

Each family has its own random stream (seeded from the run's seed and the family's number), so
a seed always gives the same families. Two in every five families are planted: they take the
next scenario of ``CYCLE`` that fits the window and have one child known to the authority; the
rest are background households of one to three children with routine records only.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from generator import names
from generator.model import Family
from generator.oracle import evaluate, fact_from_event
from generator.people import HouseholdBuilder, pick_kind
from generator.registry import Registry
from generator.routine import add_household_background, add_routine
from generator.scenarios import CYCLE, Scenario
from generator.story import Context, ScenarioError, Staff, Story
from generator.timeline import Window, add_months, birthday

PLANTED_SLOTS = (0, 2)  # family index modulo 5


def _staff(rng: random.Random) -> Staff:
    def anyone() -> str:
        return f"{rng.choice(names.WOMEN + names.MEN)} {rng.choice(names.STAFF_SURNAMES)}"

    return Staff(
        social_worker=anyone(),
        health_visitor=anyone(),
        school_nurse=anyone(),
        police_officer=anyone(),
        dsl=anyone(),
        probation_officer=anyone(),
        surgery=rng.choice(names.SURGERIES),
        primary=rng.choice(names.PRIMARY_SCHOOLS),
        secondary=rng.choice(names.SECONDARY_SCHOOLS),
    )


def iter_families(*, seed: int, children: int, window: Window) -> Iterator[Family]:
    """Yield families until exactly ``children`` children are known to the authority."""
    registry = Registry()
    # A short window leaves out the scenarios whose story does not fit in it.
    cycle = [s for s in CYCLE if s.before + s.after <= window.months()]
    made = 0
    index = 0
    planted = 0
    while made < children:
        rng = random.Random(f"{seed}/family/{index}")
        ctx = Context(rng, registry, window, _staff(rng))
        if cycle and index % 5 in PLANTED_SLOTS:
            family = _planted(ctx, index, cycle[planted % len(cycle)])
            planted += 1
        else:
            family = _background(ctx, index, children - made)
        made += len(family.children)
        index += 1
        yield family


def _background(ctx: Context, index: int, room: int) -> Family:
    rng = ctx.rng
    window = ctx.window
    count = min(room, rng.choices((1, 2, 3), (50, 35, 15))[0])
    span = (window.end - dt.timedelta(days=60) - birthday(window.start, -13)).days
    dobs = [birthday(window.start, -13) + dt.timedelta(days=rng.randint(0, span))]
    while len(dobs) < count:
        nxt = dobs[-1] + dt.timedelta(days=rng.randint(450, 2200))
        if nxt > window.end - dt.timedelta(days=30):
            break
        dobs.append(nxt)
    people, records = HouseholdBuilder(rng, ctx.registry, window).build(pick_kind(rng), dobs)
    stories = [Story(ctx, record) for record in records]
    for story in stories:
        add_routine(story, quiet=False)
    add_household_background(stories)
    for story in stories:
        story.finish()
    return Family(index, people, records)


def _planted(ctx: Context, index: int, scenario: Scenario) -> Family:
    rng = ctx.rng
    window = ctx.window
    low = add_months(window.start, scenario.before)
    high = add_months(window.end, -scenario.after)
    if high < low:
        raise ValueError(f"the data window is too short for scenario {scenario.name}")
    anchor = low + dt.timedelta(days=rng.randint(0, (high - low).days))
    age = rng.randint(*scenario.age)
    dob = birthday(anchor, -age) - dt.timedelta(days=rng.randint(0, 360))
    born_by = add_months(anchor, -scenario.before)  # the child is born before the story starts
    if dob > born_by:
        dob = born_by - dt.timedelta(days=rng.randint(10, 200))
    builder = HouseholdBuilder(rng, ctx.registry, window)
    people, records = builder.build(scenario.household, [dob], extra_half_sibling=rng.random() < 0.3)
    record = records[0]
    story = Story(ctx, record)
    add_routine(story, quiet=True)
    scenario.tell(story, anchor)
    story.finish()
    record.scenario = scenario.name
    record.planted = scenario.planted
    record.must_not = scenario.must_not
    found = evaluate([fact_from_event(e) for e in record.events], window.end).found
    missing = [code for code in scenario.planted if code not in found]
    wrong = [code for code, _ in scenario.must_not if code in found]
    if missing or wrong:
        raise ScenarioError(
            f"scenario {scenario.name} (family {index}, anchor {anchor}): planted but absent {missing}, "
            f"fires but must not {wrong}"
        )
    record.patterns = found
    return Family(index, people, records)
