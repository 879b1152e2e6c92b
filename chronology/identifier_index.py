"""Who holds an identifier, as one import transaction knows it: asked for a batch of rows at once.

Resolving a record's person needs every stored holder of each of its identifiers. Asking the
database once per record made identity the slowest part of an import; here the holders of a whole
batch's identifiers are read with one query per kind and chunk of values, and what the import
writes itself is added as it is written (the resolver is the only writer of identifiers in its
transaction), so a person created by this import is found again without asking. The index is
bounded (least recently used first out): a forgotten identifier costs one query, never a wrong
answer, and memory stays flat however many people a file names.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from chronology.db.chunks import chunks
from chronology.db.models import Person, PersonIdentifier

persons_t = Person.__table__
identifiers_t = PersonIdentifier.__table__

Key = tuple[tuple[str, ...], str, str]  # (kinds that match each other, scope, value)
VALUES_PER_QUERY = 500


@dataclass(frozen=True, slots=True)
class Holder:
    """One stored (or about to be stored) identifier of a person, with what matching needs of them."""

    person_id: int
    kind: str
    scope: str
    value: str
    valid: bool
    source_system: str
    is_child: bool


class IdentifierIndex:
    """Holders by identifier for one transaction. An entry, once read, is the complete list."""

    def __init__(
        self, conn: Connection, group_of: Callable[[str], tuple[str, ...]], size: int, before_read: Callable[[], None]
    ) -> None:
        self.conn = conn
        self.group_of = group_of
        self.size = size
        self.before_read = before_read  # writes identifiers still buffered, so a read sees them
        self._held: OrderedDict[Key, list[Holder]] = OrderedDict()

    def key(self, kind: str, scope: str, value: str) -> Key:
        return (self.group_of(kind), scope, value)

    def holders(self, keys: Iterable[Key]) -> list[Holder]:
        """Every holder of any of ``keys`` (read now if not known), ordered by person."""
        wanted = list(dict.fromkeys(keys))
        self.fetch(wanted)
        found: dict[tuple[int, str, str, str], Holder] = {}
        for key in wanted:
            entry = self._held.get(key)
            if entry is None:  # forgotten while reading this very list: ask again, alone
                self.fetch([key])
                entry = self._held.get(key, [])
            self._held.move_to_end(key)
            for holder in entry:
                found[(holder.person_id, holder.kind, holder.scope, holder.value)] = holder
        return sorted(found.values(), key=lambda h: h.person_id)

    def fetch(self, keys: Iterable[Key]) -> None:
        """Read the holders of the keys not already known, one query per kind group and chunk."""
        missing: dict[tuple[tuple[str, ...], str], set[str]] = {}
        for key in keys:
            if key not in self._held:
                kinds, scope, value = key
                missing.setdefault((kinds, scope), set()).add(value)
        if not missing:
            return
        self.before_read()
        by_kinds: dict[tuple[str, ...], set[str]] = {}
        for (kinds, _scope), values in missing.items():
            by_kinds.setdefault(kinds, set()).update(values)
        read: dict[Key, list[Holder]] = {
            (kinds, scope, value): [] for (kinds, scope), values in missing.items() for value in values
        }
        for kinds, values in by_kinds.items():
            for part in chunks(sorted(values), VALUES_PER_QUERY):
                query = (
                    select(
                        identifiers_t.c.person_id,
                        identifiers_t.c.kind,
                        identifiers_t.c.scope,
                        identifiers_t.c.value,
                        identifiers_t.c.valid,
                        identifiers_t.c.source_system,
                        persons_t.c.is_child,
                    )
                    .join(persons_t, persons_t.c.id == identifiers_t.c.person_id)
                    .where(identifiers_t.c.kind.in_(kinds), identifiers_t.c.value.in_(part))
                )
                for row in self.conn.execute(query):
                    entry = read.get((kinds, row.scope, row.value))
                    if entry is not None:
                        entry.append(
                            Holder(
                                int(row.person_id),
                                row.kind,
                                row.scope,
                                row.value,
                                bool(row.valid),
                                row.source_system,
                                bool(row.is_child),
                            )
                        )
        for key, entry in read.items():
            self._held[key] = entry
        while len(self._held) > self.size:
            self._held.popitem(last=False)

    def add(self, holder: Holder) -> None:
        """An identifier the import is writing: known at once to an entry already read (one not read
        is read from the database when asked, after the buffered writes are made)."""
        entry = self._held.get(self.key(holder.kind, holder.scope, holder.value))
        if entry is not None:
            entry.append(holder)
