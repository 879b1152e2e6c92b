"""The identity review page's address: which candidate groups a data officer asked to see.

The address is the view (so a colleague can be sent "the Health fragments scored 0.9 and over"); an
unknown or malformed parameter is refused with a message rather than silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from chronology.suggestion_groups import SuggestionGroup, filter_groups

ACCEPTED = ("q", "source", "min_score", "record", "page")
GROUPS_PER_PAGE = 20


@dataclass(slots=True)
class ReviewQuery:
    text: str = ""
    source: str = ""
    min_score: float = 0.0
    record: int | None = None  # only the group holding this record (from a search result)
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> ReviewQuery:
        query = cls(text=args.get("q", "").strip(), source=args.get("source", "").strip())
        unknown = sorted(set(args) - set(ACCEPTED))
        if unknown:
            query.errors.append(
                f"This address has {', '.join(unknown)}, which this page does not use: it takes "
                + ", ".join(ACCEPTED)
            )
        raw = args.get("min_score", "").strip()
        if raw:
            try:
                query.min_score = float(raw)
            except ValueError:
                query.errors.append("Lowest score must be a number between 0 and 1, for example 0.8")
            if not 0.0 <= query.min_score <= 1.0:
                query.errors.append("Lowest score must be between 0 and 1")
                query.min_score = 0.0
        for name in ("record", "page"):
            raw = args.get(name, "").strip()
            if raw:
                if not raw.isdigit() or int(raw) < 1:
                    query.errors.append(f"{name} must be a whole number")
                else:
                    setattr(query, name, int(raw))
        return query

    def apply(self, groups: list[SuggestionGroup]) -> list[SuggestionGroup]:
        kept = filter_groups(groups, text=self.text, source=self.source, min_score=self.min_score)
        if self.record is not None:
            kept = [g for g in kept if any(r.hit.person_id == self.record for r in g.records)]
        return kept

    def args(self) -> dict[str, str]:
        """The filters as address arguments, for paging links."""
        values = {"q": self.text, "source": self.source, "min_score": str(self.min_score) if self.min_score else ""}
        if self.record is not None:
            values["record"] = str(self.record)
        return {k: v for k, v in values.items() if v}
