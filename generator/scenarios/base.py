"""What a planted scenario is, and the small helpers the stories share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from generator import incidents
from generator.model import Relation
from generator.people import PARENTS
from generator.story import ScenarioError, Story
from generator.timeline import DAY


@dataclass(frozen=True, slots=True)
class Scenario:
    """A child's story built to show (``planted``) or just miss (``must_not``) audit patterns.

    ``tell(story, anchor)`` writes the events around the anchor date (usually the first plan's
    start); ``before``/``after`` are the months of story either side of it, ``age`` the child's
    age range in completed years at the anchor.
    """

    name: str
    tell: Callable[[Story, dt.date], None]
    planted: tuple[str, ...] = ()
    must_not: tuple[tuple[str, str], ...] = ()
    household: str = PARENTS
    age: tuple[int, int] = (0, 5)
    before: int = 12
    after: int = 24


def days(n: int) -> dt.timedelta:
    return DAY * n


def couple(story: Story) -> tuple[Relation, Relation]:
    """(victim, suspect): the mother, and the man she lives with (or the children's father)."""
    mother = story.rel("mother")
    suspect = next((r for r in story.record.fathers() if r.lives_with_child and r.role != "father"), None)
    suspect = suspect or story.rel("father")
    if mother is None or suspect is None:
        raise ScenarioError("domestic abuse scenario needs a mother and a father or partner")
    return mother, suspect


def da(story: Story, day: dt.date, **kw: object) -> dt.date | None:
    """A domestic abuse incident between the couple; returns the day of the social care record."""
    victim, suspect = couple(story)
    _, follow = incidents.domestic_abuse(story, day, victim=victim, suspect=suspect, **kw)  # type: ignore[arg-type]
    return follow.day if follow is not None else None


def da_referral(story: Story, day: dt.date, **kw: object) -> dt.date:
    """A domestic abuse incident that police refer to social care; returns the referral day."""
    referral = da(story, day, follow_up="referral", **kw)
    assert referral is not None
    return referral


def between(story: Story, low: int, high: int) -> int:
    return story.rng.randint(low, high)
