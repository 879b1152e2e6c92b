"""Benchmark: is one child one person across agencies? Identity quality of a native-format import.

Generates a synthetic authority in every agency's native format (``generate_authority(...,
formats="native")``), imports every file into a fresh SQLite database through the real importers,
then compares the person groups with the truth. The truth is the generator's world, rebuilt with
``generator.world.iter_families`` from the same seed and window, so background children (not in
``ground-truth.json``) are measured too. Each imported source person is tied to one world person by
what its agency wrote about it:

- LA child ID, UPN (as written, mistypes included via the world's ``mistyped`` list), NHS number
  (likewise), police nominal ID (``NM`` + world person digits), the social care person ID (world
  person ID, or the LA child ID for the authority's children), the FHIR ``fullUrl`` (name-based
  UUIDs of ``Patient/<id>``, ``Patient/<child>-<mistyped NHS>`` and ``RelatedPerson/<child>-<id>``);
- people named only in an event (``<child row>/<name>``): by name within that child's family.

Measured: (a) after the deterministic joins only: children that are one group, split children and
the source systems of their pieces, groups mixing two world people (must be 0); (b) the pending
name + date of birth suggestions: precision and recall against the split pairs; (c) after confirming
exactly the correct suggestions and rejecting the rest (a data officer with the truth): children
that are one person holding every valid LA child ID, UPN, NHS number and police nominal ID any
agency gave; and mothers, fathers and mothers' partners across health, police and social care.

Run: ``python bench/identity_quality.py [--children 300] [--seed 7] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, select  # noqa: E402

from chronology.db.models import Person, PersonIdentifier  # noqa: E402
from chronology.people import (  # noqa: E402
    IdentityError,
    MergeForest,
    confirm_suggestion,
    list_suggestions,
    name_key,
    reject_suggestion,
)

START, END = dt.date(2016, 4, 1), dt.date(2025, 3, 31)
GIVEN_KINDS = ("la_child_id", "upn", "nhs_number", "police_nominal_id")
ACTOR = "identity-bench"


@dataclass(slots=True)
class WorldPerson:
    pid: str
    name: str
    dob: dt.date
    family: int
    la_child_id: str | None = None  # set for the authority's children
    roles: set[str] = field(default_factory=set)  # roles towards some child (mother, father...)


@dataclass(slots=True)
class Truth:
    people: dict[str, WorldPerson]
    by_identifier: dict[tuple[str, str], str]  # (kind, value as stored) -> world person ID
    family_names: dict[int, dict[str, str]]  # family -> name key -> world person ID
    children: list[str]  # world IDs of the authority's children
    social_care: set[str]  # children with any social care event
    by_name_dob: dict[tuple[str, dt.date], str]  # for records that carry no identifier at all


def build_truth(seed: int, children: int, start: dt.date = START, end: dt.date = END) -> Truth:
    """Every person of the generated world and every identifier an agency could have written for them."""
    from generator.timeline import Window
    from generator.world import iter_families
    from generator.writers.fhir_json import full_url
    from generator.writers.police_csv import nominal_id

    people: dict[str, WorldPerson] = {}
    ids: dict[tuple[str, str], str] = {}
    family_names: dict[int, dict[str, str]] = defaultdict(dict)
    kids: list[str] = []
    social: set[str] = set()

    def put(kind: str, value: str | None, pid: str) -> None:
        if value:
            key = (kind, value.strip().upper() if kind in ("upn", "former_upn") else value.strip())
            if ids.setdefault(key, pid) != pid:
                raise AssertionError(f"world identifier {key} names two people")

    for family in iter_families(seed=seed, children=children, window=Window(start, end)):
        for person in [*family.people, *(r.child for r in family.children)]:
            people.setdefault(
                person.person_id, WorldPerson(person.person_id, person.name, person.dob, family.index)
            )
            family_names[family.index][name_key(person.name) or ""] = person.person_id
            put("nhs_number", person.nhs_number, person.person_id)
            put("police_nominal_id", nominal_id(person.person_id, person.name), person.person_id)
            put("source_person_id", person.person_id, person.person_id)
            put("fhir", full_url("Patient", person.person_id), person.person_id)
        for record in family.children:
            child = record.child
            pid = child.person_id
            people[pid].la_child_id = record.la_child_id
            kids.append(pid)
            if any(e.agency == "Children's Social Care" for e in record.events):
                social.add(pid)
            put("la_child_id", record.la_child_id, pid)
            put("source_person_id", record.la_child_id, pid)
            put("upn", record.upn, pid)
            for m in record.mistyped:
                put(m.field, m.written, pid)
                if m.field == "nhs_number":
                    put("fhir", full_url("Patient", f"{pid}-{m.written}"), pid)
            for rel in record.relations:
                people.setdefault(
                    rel.person.person_id,
                    WorldPerson(rel.person.person_id, rel.person.name, rel.person.dob, family.index),
                ).roles.add(rel.role)
                family_names[family.index].setdefault(name_key(rel.person.name) or "", rel.person.person_id)
                put("fhir", full_url("RelatedPerson", f"{pid}-{rel.person.person_id}"), rel.person.person_id)
    by_name_dob: dict[tuple[str, dt.date], str] = {}
    for person in people.values():
        by_name_dob.setdefault((name_key(person.name) or "", person.dob), person.pid)
    return Truth(people, ids, family_names, kids, social, by_name_dob)


@dataclass(slots=True)
class SourcePerson:
    id: int
    source_system: str
    is_child: bool
    name: str | None
    dob: dt.date | None
    identifiers: list[tuple[str, str, str, bool]]  # kind, scope, value, valid
    truth: str | None = None
    conflict: set[str] = field(default_factory=set)  # >1 world person named by its identifiers


def load_source_people(engine: Engine) -> dict[int, SourcePerson]:
    persons, idents = Person.__table__, PersonIdentifier.__table__
    with engine.connect() as conn:
        out = {
            r.id: SourcePerson(r.id, r.source_system, bool(r.is_child), r.display_name, r.dob, [])
            for r in conn.execute(
                select(
                    persons.c.id,
                    persons.c.source_system,
                    persons.c.is_child,
                    persons.c.display_name,
                    persons.c.dob,
                )
            )
        }
        for r in conn.execute(
            select(idents.c.person_id, idents.c.kind, idents.c.scope, idents.c.value, idents.c.valid)
        ):
            out[r.person_id].identifiers.append((r.kind, r.scope, r.value, bool(r.valid)))
    return out


def attach_truth(people: dict[int, SourcePerson], truth: Truth) -> None:
    """Tie each source person to the world person its identifiers (or, failing those, its name) name."""
    local: list[tuple[SourcePerson, int, str]] = []
    for sp in people.values():
        found: set[str] = set()
        for kind, scope, value, _valid in sp.identifiers:
            if kind == "source_person_id" and scope == "fhir:fullUrl":
                key = ("fhir", value)
            elif kind == "source_person_id" and "/" in value:  # "<child row>/<name key>": an event mention
                row, _, key_name = value.partition("/")
                local.append((sp, int(row), key_name))
                continue
            elif kind == "former_upn":
                key = ("upn", value.upper())
            else:
                key = (kind, value.upper() if kind == "upn" else value)
            pid = truth.by_identifier.get(key)
            if pid:
                found.add(pid)
        if len(found) > 1:
            sp.conflict = found
        sp.truth = min(found) if found else None
        if sp.truth is None and not sp.identifiers and sp.name and sp.dob:
            sp.truth = truth.by_name_dob.get((name_key(sp.name) or "", sp.dob))
    for sp, row, key_name in local:
        owner = people.get(row)
        if sp.truth or owner is None or owner.truth is None:
            continue
        sp.truth = truth.family_names[truth.people[owner.truth].family].get(key_name)


def groups_of(engine: Engine, ids: Iterable[int]) -> dict[int, int]:
    """Source person -> the root of its current group."""
    with engine.connect() as conn:
        forest = MergeForest(conn)
    return {i: forest.root(i) for i in ids}


@dataclass(slots=True)
class Snapshot:
    """Children and groups, as the store has them now."""

    pieces: dict[str, dict[int, set[str]]]  # world child -> group root -> source systems
    mixed: list[tuple[int, set[str]]]  # groups holding rows of two world people
    row_conflicts: list[SourcePerson]
    untied: int  # source people tied to no world person (practitioners named in case notes ...)
    roots: dict[int, int]


def snapshot(engine: Engine, people: dict[int, SourcePerson], truth: Truth) -> Snapshot:
    roots = groups_of(engine, people)
    by_group: dict[int, set[str]] = defaultdict(set)
    pieces: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for sp in people.values():
        if sp.truth is None:
            continue
        by_group[roots[sp.id]].add(sp.truth)
        if truth.people[sp.truth].la_child_id:
            pieces[sp.truth][roots[sp.id]].add(sp.source_system)
    mixed = [(g, who) for g, who in by_group.items() if len(who) > 1]
    conflicts = [sp for sp in people.values() if sp.conflict]
    untied = sum(1 for sp in people.values() if sp.truth is None)
    return Snapshot(pieces, mixed, conflicts, untied, roots)


def given_identifiers(people: dict[int, SourcePerson]) -> dict[str, set[tuple[str, str]]]:
    """World person -> every valid LA child ID, UPN, NHS number and nominal ID some agency gave."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for sp in people.values():
        if sp.truth:
            for kind, _scope, value, valid in sp.identifiers:
                if valid and kind in GIVEN_KINDS:
                    out[sp.truth].add((kind, value))
    return out


@dataclass(slots=True)
class SuggestionScore:
    pending: int
    correct: list[int]
    wrong: list[int]
    unknown: list[int]  # a side tied to no world person
    split_pairs: int
    suggested_pairs: int


def score_suggestions(
    engine: Engine, people: dict[int, SourcePerson], truth: Truth, snap: Snapshot
) -> SuggestionScore:
    roots = groups_of(engine, people)
    group_truth: dict[int, set[str]] = defaultdict(set)
    for sp in people.values():
        if sp.truth:
            group_truth[roots[sp.id]].add(sp.truth)
    with engine.connect() as conn:
        pending = list_suggestions(conn)
    correct, wrong, unknown = [], [], []
    suggested: set[frozenset[int]] = set()
    for s in pending:
        a, b = roots.get(s.person_a, s.person_a), roots.get(s.person_b, s.person_b)
        ta, tb = group_truth.get(a, set()), group_truth.get(b, set())
        if not ta or not tb:
            unknown.append(s.id)
        elif len(ta) == 1 and ta == tb:
            correct.append(s.id)
            suggested.add(frozenset((a, b)))
        else:
            wrong.append(s.id)
    split_pairs = hit = 0
    for groups in snap.pieces.values():
        for a, b in combinations(sorted(groups), 2):
            split_pairs += 1
            hit += frozenset((a, b)) in suggested
    return SuggestionScore(len(pending), correct, wrong, unknown, split_pairs, hit)


def act_as_officer(engine: Engine, score: SuggestionScore) -> tuple[int, int]:
    """Confirm exactly the correct suggestions, reject the wrong ones; (confirmed, already one)."""
    confirmed = already = 0
    with engine.begin() as conn:
        for sid in score.correct:
            try:
                confirm_suggestion(conn, sid, ACTOR)
                confirmed += 1
            except IdentityError:
                already += 1
        for sid in score.wrong:
            reject_suggestion(conn, sid, ACTOR)
    return confirmed, already


def import_directory(engine: Engine, directory: Path) -> None:
    from commands.importing import import_file, plan
    from importers.base import ImportOptions

    for item in plan([directory], None):
        if item.importer is not None:
            import_file(engine, item.path, item.importer, ImportOptions(), actor=ACTOR, show_progress=False)


@dataclass(slots=True)
class Run:
    truth: Truth
    people: dict[int, SourcePerson]
    before: Snapshot
    suggestions: SuggestionScore
    after: Snapshot
    confirmed: int
    given: dict[str, set[tuple[str, str]]]


def run(engine: Engine, out_dir: Path, *, children: int, seed: int) -> Run:
    """Generate, import, measure, act on the suggestions, measure again."""
    from generator.authority import generate_authority

    generate_authority(out_dir, children=children, seed=seed, start=START, end=END, formats="native")
    import_directory(engine, out_dir)
    truth = build_truth(seed, children)
    people = load_source_people(engine)
    attach_truth(people, truth)
    before = snapshot(engine, people, truth)
    score = score_suggestions(engine, people, truth, before)
    confirmed, _ = act_as_officer(engine, score)
    after = snapshot(engine, people, truth)
    return Run(truth, people, before, score, after, confirmed, given_identifiers(people))


def _split_kinds(snap: Snapshot) -> Counter[str]:
    """For split children: which source systems each piece holds, as 'A + B | C'."""
    out: Counter[str] = Counter()
    for groups in snap.pieces.values():
        if len(groups) > 1:
            parts = sorted(" + ".join(sorted(_short(s) for s in sources)) for sources in groups.values())
            out[" | ".join(parts)] += 1
    return out


def _short(source_system: str) -> str:
    return source_system.split(":")[0] if source_system.startswith("school-log") else source_system


def one_and_complete(result: Run, snap: Snapshot, roots: dict[int, int]) -> tuple[int, int, list[str]]:
    """Children that are one group, of those the ones holding every given identifier, and the rest."""
    held: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for sp in result.people.values():
        for kind, _scope, value, valid in sp.identifiers:
            if valid and kind in GIVEN_KINDS:
                held[roots[sp.id]].add((kind, value))
    one = complete = 0
    incomplete = []
    for child, groups in snap.pieces.items():
        if len(groups) != 1:
            continue
        one += 1
        (root,) = groups
        if result.given[child] <= held[root]:
            complete += 1
        else:
            incomplete.append(child)
    return one, complete, incomplete


MOTHER_ROLES = ("mother",)
FATHER_ROLES = ("father", "step-father", "mother's partner")


def adults_across_agencies(
    result: Run, roots: dict[int, int], roles: tuple[str, ...]
) -> dict[str, dict[str, set[int]]]:
    """World adults with one of ``roles`` towards some child, known to 2+ of health, police and
    social care: world person -> agency -> the groups its records are in."""
    by_adult: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for sp in result.people.values():
        if sp.truth and result.truth.people[sp.truth].roles & set(roles):
            agency = _agency(sp.source_system)
            if agency:
                by_adult[sp.truth][agency].add(roots[sp.id])
    return {pid: agencies for pid, agencies in by_adult.items() if len(agencies) >= 2}


def adults(result: Run, roots: dict[int, int], roles: tuple[str, ...]) -> Counter[str]:
    """Adults known to 2+ of health, police and social care: one person or split, by agency set."""
    out: Counter[str] = Counter()
    for agencies in adults_across_agencies(result, roots, roles).values():
        label = " + ".join(sorted(agencies))
        all_groups = set().union(*agencies.values())
        out[f"{label}: {'one person' if len(all_groups) == 1 else 'split'}"] += 1
    return out


def _agency(source_system: str) -> str | None:
    return {"fhir": "health", "police": "police", "social-care": "social care"}.get(source_system)


def report(result: Run, engine: Engine) -> str:
    truth, before, after, s = result.truth, result.before, result.after, result.suggestions
    known = [c for c in truth.children if c in before.pieces]
    lines = [f"children in the world: {len(truth.children)}; known to some imported file: {len(known)}"]
    lines.append(f"source people: {len(result.people)}; tied to no world person: {before.untied}")

    def table(title: str, snap: Snapshot) -> None:
        one = sum(1 for c in known if len(snap.pieces[c]) == 1)
        split = len(known) - one
        csc = [c for c in known if c in truth.social_care]
        csc_one = sum(1 for c in csc if len(snap.pieces[c]) == 1)
        lines.extend(
            [
                "",
                title,
                f"  {'children one person group':45} {one:6} / {len(known)}",
                f"  {'children split over 2+ groups':45} {split:6}",
                f"  {'  of which with social care involvement':45} {len(csc) - csc_one:6} / {len(csc)}",
                f"  {'groups mixing two world people (must be 0)':45} {len(snap.mixed):6}",
                f"  {'source rows naming two world people':45} {len(snap.row_conflicts):6}",
            ]
        )

    table("(a) after deterministic joins only", before)
    lines.append("  split children by the pieces' source systems (piece | piece ...):")
    for label, n in _split_kinds(before).most_common():
        lines.append(f"    {n:5}  {label}")
    precision = len(s.correct) / s.pending if s.pending else 1.0
    recall = s.suggested_pairs / s.split_pairs if s.split_pairs else 1.0
    lines.extend(
        [
            "",
            "(b) pending name + date of birth suggestions",
            f"  {'pending':45} {s.pending:6}",
            f"  {'correct (same world person)':45} {len(s.correct):6}",
            f"  {'wrong (different people)':45} {len(s.wrong):6}",
            f"  {'a side tied to no world person':45} {len(s.unknown):6}",
            f"  {'precision':45} {precision:6.1%}",
            f"  {'split pairs (group pairs of one child)':45} {s.split_pairs:6}",
            f"  {'split pairs suggested':45} {s.suggested_pairs:6}",
            f"  {'recall (pairs)':45} {recall:6.1%}",
        ]
    )
    table(f"(c) after confirming the {len(s.correct)} correct and rejecting the {len(s.wrong)} wrong", after)
    roots = after.roots
    _one, complete, incomplete = one_and_complete(result, after, roots)
    csc_done = sum(
        1 for c in known if c in truth.social_care and len(after.pieces[c]) == 1 and c not in incomplete
    )
    lines.append(f"  {'one person holding every given identifier':45} {complete:6} / {len(known)}")
    lines.append(
        f"  {'  with social care involvement':45} {csc_done:6} / {sum(1 for c in known if c in truth.social_care)}"
    )
    lines.append("  still split, by the pieces' source systems:")
    for label, n in _split_kinds(after).most_common():
        lines.append(f"    {n:5}  {label}")
    for who, roles in (("mothers", MOTHER_ROLES), ("fathers and mothers' partners", FATHER_ROLES)):
        for when, snap in (("before", before), ("after", after)):
            lines.extend(["", f"{who} known to 2+ of health (FHIR), police and social care, {when} (c):"])
            for label, n in sorted(adults(result, snap.roots, roles).items()):
                lines.append(f"    {n:5}  {label}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="directory for the files and database")
    args = parser.parse_args(argv)
    from chronology.db.engine import make_engine, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        where = args.out or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        db = where / "identity.sqlite3"
        db.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
        upgrade(url)
        engine = make_engine(url)
        result = run(engine, where / "authority", children=args.children, seed=args.seed)
        print(f"identity quality: {args.children} children, seed {args.seed}, native formats\n")
        print(report(result, engine))
        engine.dispose()


if __name__ == "__main__":
    main()
