"""Police occurrence references in other forces' shapes, and as other agencies copy them by hand.

The world numbers occurrences ``OR-19-004512``. A varied authority's force writes each one in one
real-looking shape (``OCC19/004512``, ``47/004512/19``, ``TVP-2019-0004512``, ``CC2019/04512``),
and every agency that quotes it writes the same letters and digits with its own case and
separators (``occ19 004512``, ``OCC 19/004512``): the token (letters and digits, upper case) is
the force's own, which is all the import spec and ``chronology.references`` promise to join on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from generator.variation.choice import pick

WORLD_REFERENCE = re.compile(r"\bOR-(\d{2})-(\d{6})\b")

Shape = Callable[[int, int], str]
SHAPES: dict[str, Shape] = {
    "occ": lambda yy, serial: f"OCC{yy:02d}/{serial:06d}",
    "force-number": lambda yy, serial: f"47/{serial:06d}/{yy:02d}",
    "tvp": lambda yy, serial: f"TVP-{2000 + yy}-{serial:07d}",
    "cc": lambda yy, serial: f"CC{2000 + yy}/{serial:05d}",
}
_RUN = re.compile(r"[A-Za-z]+|[0-9]+")


def force_shape(seed: int) -> str:
    """The shape the authority's force numbers its occurrences in (one force per authority)."""
    return pick(sorted(SHAPES), seed, "force shape")


def canonical(world_ref: str, shape: str) -> str:
    """The force's own writing of a world reference (``OR-19-004512`` -> ``OCC19/004512``)."""
    match = WORLD_REFERENCE.fullmatch(world_ref)
    if match is None:
        raise ValueError(f"not a world reference: {world_ref!r}")
    return SHAPES[shape](int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True, slots=True)
class Copying:
    """How one agency's staff copy a reference: case, and what goes between its letters and digits.

    ``after_prefix`` stands between a letter prefix and the digits, ``between`` between digit
    groups. Free text keeps a mark between digit groups (a reader, and the text finder, would
    otherwise take ``47 004512 19`` as three numbers); a column may hold anything.
    """

    case: str  # upper | lower | title
    after_prefix: str
    between: str

    def write(self, ref: str) -> str:
        runs = _RUN.findall(ref)
        out = ""
        for i, run in enumerate(runs):
            if i:
                out += self.after_prefix if runs[i - 1].isalpha() else self.between
            out += _cased(run, self.case, first=i == 0)
        return out


def _cased(run: str, case: str, *, first: bool) -> str:
    if not run.isalpha():
        return run
    if case == "lower":
        return run.lower()
    if case == "title" and first:
        return run.capitalize()
    return run.upper()


COLUMN_COPYINGS = tuple(
    Copying(case, after, between)
    for case in ("upper", "lower", "title")
    for after in ("", " ", "/", "-")
    for between in ("/", " ", "-", ".", "")
)
TEXT_COPYINGS = tuple(
    Copying(case, after, between)
    for case in ("upper", "lower", "title")
    for after in ("", " ", "-")
    for between in ("/", "-", ".")
)


def copying(seed: int, where: str, *, in_text: bool) -> Copying:
    """How the file ``where`` copies references (one habit per file, as one system's users share it)."""
    return pick(TEXT_COPYINGS if in_text else COLUMN_COPYINGS, seed, "copying", where, in_text)


def rewrite(text: str, shape: str, copy: Copying | None = None) -> str:
    """``text`` with every world reference in the force's shape, copied by ``copy`` when given."""

    def one(match: re.Match[str]) -> str:
        ref = canonical(match.group(0), shape)
        return copy.write(ref) if copy is not None else ref

    return WORLD_REFERENCE.sub(one, text)
