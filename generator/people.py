"""Building a household: mother, fathers and partners, grandparents and the children.

Half-siblings in one household have different fathers, so each child's relations are worked out
separately: the man who is one child's father is another child's step-father or mother's partner.
"""

from __future__ import annotations

import datetime as dt
import random

from generator import names
from generator.model import ChildRecord, Person, Relation
from generator.registry import Registry
from generator.timeline import Window, add_months, reception_start

# Household kinds: who lives with the children.
PARENTS = "parents"  # mother and the children's father
MOTHER_ALONE = "mother_alone"  # father known, living elsewhere
PARTNER = "partner"  # father elsewhere; mother's partner lives in
STEPFATHER = "stepfather"  # father elsewhere; mother married to a step-father
FATHER_UNKNOWN = "father_unknown"
KINDS = (PARENTS, MOTHER_ALONE, PARTNER, STEPFATHER, FATHER_UNKNOWN)
KIND_WEIGHTS = (45, 25, 15, 10, 5)


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


class HouseholdBuilder:
    """Makes the people of one household with identifiers unique across the authority."""

    def __init__(self, rng: random.Random, registry: Registry, window: Window) -> None:
        self.rng = rng
        self.registry = registry
        self.window = window

    def adult(self, sex: str, dob: dt.date, surname: str | None = None, older: bool = False) -> Person:
        rng = self.rng
        if older:
            forenames = rng.choice(names.OLDER_WOMEN if sex == "F" else names.OLDER_MEN)
        else:
            forenames = rng.choice(names.WOMEN if sex == "F" else names.MEN)
        return Person(
            person_id=self.registry.person_id(),
            forenames=forenames,
            surname=surname or rng.choice(names.SURNAMES),
            dob=dob,
            sex=sex,
            nhs_number=self.registry.nhs_number(rng),
        )

    def child(self, dob: dt.date, surname: str) -> Person:
        rng = self.rng
        sex = rng.choice("FM")
        pool = names.GIRLS if sex == "F" else names.BOYS
        forenames = rng.choice(pool)
        for _ in range(50):
            if self.registry.claim_child_name(f"{forenames} {surname}", dob):
                break
            forenames = rng.choice(pool)
        else:  # every name taken on this day: a second forename makes the child distinct
            forenames = f"{forenames} {rng.choice(pool)}"
            self.registry.claim_child_name(f"{forenames} {surname}", dob)
        return Person(self.registry.person_id(), forenames, surname, dob, sex, self.registry.nhs_number(rng))

    def upn_for(self, dob: dt.date) -> str | None:
        """A UPN for children who start school before the data ends."""
        start = reception_start(dob)
        return self.registry.upn(self.rng, start.year) if start <= self.window.end else None

    def build(
        self, kind: str, child_dobs: list[dt.date], *, extra_half_sibling: bool = False
    ) -> tuple[list[Person], list[ChildRecord]]:
        """People and children (oldest first) of one household of the given kind."""
        rng = self.rng
        dobs = sorted(child_dobs)
        first = dobs[0]
        mother = self.adult("F", first - _days(rng, 18 * 365, 34 * 365))
        father = None if kind == FATHER_UNKNOWN else self.adult("M", mother.dob - _days(rng, -700, 2500))
        partner = None
        since = None
        if kind in (PARTNER, STEPFATHER):
            partner = self.adult("M", mother.dob - _days(rng, -900, 2500))
            since = dobs[-1] - _days(rng, 300, 900) if len(dobs) > 1 else first + _days(rng, 100, 1200)
        people = [p for p in (mother, father, partner) if p is not None]

        fathers: list[Person | None] = []
        for n, dob in enumerate(dobs):
            youngest = n == len(dobs) - 1 and n > 0
            fathers.append(partner if partner and youngest and since and since < dob else father)
        family_surname = father.surname if kind == PARENTS and father else mother.surname

        grandparents = self._grandparents(mother, father)
        people += grandparents
        half_sibling = None
        if extra_half_sibling:
            half_sibling = self.child(add_months(first, -rng.randint(60, 96)), mother.surname)
            people.append(half_sibling)

        kids = []
        for dob, own_father in zip(dobs, fathers, strict=True):
            surname = own_father.surname if own_father is partner and partner else family_surname
            kids.append(self.child(dob, surname))
        records = []
        for n, kid in enumerate(kids):
            rels = [Relation(mother, "mother", True, True)]
            own = fathers[n]
            if own is not None:
                rels.append(Relation(own, "father", own is partner or kind == PARENTS, True))
            if partner is not None and own is not partner:
                role = "step-father" if kind == STEPFATHER else "mother's partner"
                rels.append(Relation(partner, role, True, False, since))
            for m, other in enumerate(kids):
                if m != n:
                    same = fathers[m] is own and own is not None
                    rels.append(Relation(other, "sibling" if same else "half-sibling", True, False))
            if half_sibling is not None:
                rels.append(Relation(half_sibling, "half-sibling", False, False))
            rels += [Relation(gp, "grandparent", False, False) for gp in grandparents]
            la_id = self.registry.la_child_id()
            records.append(ChildRecord(kid, la_id, self.upn_for(kid.dob), rels))
        return people, records

    def _grandparents(self, mother: Person, father: Person | None) -> list[Person]:
        rng = self.rng
        found = []
        if rng.random() < 0.6:
            found.append(self.adult("F", mother.dob - _days(rng, 7000, 11000), mother.surname, older=True))
        if rng.random() < 0.25:
            found.append(self.adult("M", mother.dob - _days(rng, 7000, 12000), mother.surname, older=True))
        if father is not None and rng.random() < 0.25:
            found.append(self.adult("F", father.dob - _days(rng, 7000, 11000), father.surname, older=True))
        return found


def pick_kind(rng: random.Random) -> str:
    return rng.choices(KINDS, KIND_WEIGHTS)[0]
