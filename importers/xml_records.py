"""What the XML importers (CIN census, Common Transfer File) share once ``xml_safety`` has parsed.

Both read a national return as a stream of records (a child, a pupil), report text typed outside
any element, identify the person by UPN and former UPN, and keep a block no event could be made
from as a rejected row. Doing that here makes the two formats say the same thing in the same
words. A support module, not a plugin: it registers nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from chronology.events import Identifier, IdentifierKind, ImportItem, ImportWarning, PersonRef, RejectedRow
from chronology.identifiers import normalise_upn, upn_problem
from importers.xml_safety import StrayText, XmlNode, XmlRecord, read_records

UPN_ELEMENTS = (("UPN", IdentifierKind.UPN), ("FormerUPN", IdentifierKind.FORMER_UPN))


def shorten(text: str, limit: int = 60) -> str:
    """Text quoted in a message: spaces collapsed, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_xml_file(path: Path) -> bool:
    """The first test of ``can_read``: an existing file named ``.xml``."""
    return path.suffix.lower() == ".xml" and path.is_file()


@dataclass(frozen=True, slots=True)
class XmlFormat:
    """Where one XML format keeps its records: what ``read_records`` is asked for."""

    root: str  # the root element the format must have
    what: str  # completes "<file> is not …" when the root is another
    patterns: tuple[str, ...]  # paths of the records (the header and the repeated record)
    indexed: frozenset[str]  # element names whose paths always show their position


def format_records(path: Path, max_bytes: int, fmt: XmlFormat) -> Iterator[XmlRecord | ImportWarning]:
    """The format's records in file order; text lying loose between them becomes a warning."""
    for item in read_records(
        path,
        patterns=fmt.patterns,
        max_bytes=max_bytes,
        expected_root=fmt.root,
        what=fmt.what,
        indexed=fmt.indexed,
    ):
        if isinstance(item, StrayText):
            yield ImportWarning(
                path.name,
                None,
                None,
                f"stray text '{shorten(item.text)}' (line {item.line}) is not inside any element, so it was not read",
                item.path,
            )
        else:
            yield item


class RecordReader:
    """One record (a child, a pupil) being turned into items; every warning names its XML path."""

    def __init__(self, file_name: str, node: XmlNode, path: str) -> None:
        self.file_name = file_name
        self.node = node
        self.path = path
        self.items: list[ImportItem] = []
        self.events = 0
        self.subject = PersonRef()
        self.attributes: dict[str, str] = {}

    def warn(self, path: str, field_name: str | None, message: str) -> None:
        self.items.append(ImportWarning(self.file_name, None, field_name, message, path))

    def reject(self, path: str, field_name: str, reason: str, raw: dict[str, str]) -> None:
        """Keep a block no event could be made from as a rejected row, with its values as written."""
        self.items.append(RejectedRow(self.file_name, None, field_name, reason, raw or None, path))

    def report_stray_text(self, nodes: Iterable[tuple[XmlNode, str]], advice: str = "") -> None:
        """Warn about text typed between the elements of each (node, path): it was not read."""
        for node, path in nodes:
            for text, after in node.stray_text():
                where = f"after <{after}>" if after else "before its first element"
                self.warn(
                    path,
                    after,
                    f"stray text '{shorten(text)}' inside <{node.name}> {where} is not inside any "
                    f"element, so it was not read; check the export{advice}",
                )

    def upn_identifiers(self, value_of: Callable[[str], str | None], base: str) -> list[Identifier]:
        """UPN and former UPN as given; one failing its check letter is kept with a warning."""
        identifiers: list[Identifier] = []
        for name, kind in UPN_ELEMENTS:
            value = value_of(name)
            if not value:
                continue
            identifiers.append(Identifier(kind, normalise_upn(value)))
            if problem := upn_problem(value):
                label = "UPN" if name == "UPN" else "former UPN"
                self.warn(
                    f"{base}/{name}",
                    name,
                    f"{label} '{value}' is not valid: {problem}; kept, but never used to match records",
                )
        return identifiers
