"""Shareable addresses say what they do not understand: a parameter a page does not use (``?cohort=``
where the page takes ``preset=``) is refused with a page naming it and the ones the page accepts,
rather than silently showing something else than the link's sender saw."""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

SEARCH_PARAMS = ("q", "page")


class UnknownParameters(BadRequest):
    """A GET address with parameters the page does not take."""

    def __init__(self, unknown: list[str], accepted: Iterable[str]) -> None:
        self.unknown = unknown
        self.accepted = sorted(set(accepted))
        super().__init__(self.message())

    def message(self) -> str:
        named = ", ".join(f"‘{name}’" for name in self.unknown)
        noun = "parameter" if len(self.unknown) == 1 else "parameters"
        return (
            f"This address has the {noun} {named}, which this page does not use. "
            f"It accepts: {', '.join(self.accepted)}. Check the link, or choose again with the page's form."
        )


def reject_unknown(args: MultiDict[str, str], accepted: Iterable[str]) -> None:
    """Raise ``UnknownParameters`` when ``args`` has a name outside ``accepted``."""
    allowed = set(accepted)
    unknown = [name for name in dict.fromkeys(args.keys()) if name not in allowed]
    if unknown:
        raise UnknownParameters(unknown, allowed)
