"""Reading XML exports safely and one record at a time.

National returns (the CIN census, Common Transfer Files) are XML files that can hold thousands of
children. This module is the only way importers read XML, so that every XML format gets the same
protections and the same plain-English errors:

* No entity is ever expanded and no DTD or other file is ever loaded, locally or from the network.
  A DOCTYPE that declares entities (the "billion laughs" and "quadratic blow-up" tricks that make
  a small file expand to gigabytes, or external entities such as ``SYSTEM "file:///etc/passwd"``
  that would copy another file into the import) or that points at an external DTD is refused
  with an :class:`~chronology.events.ImportFileError` naming the file and line. A plain
  ``<!DOCTYPE Message>`` with nothing in it is harmless and allowed.
* Files larger than ``max_bytes`` are refused before any parsing.
* Malformed or truncated XML raises ImportFileError with the line and column and a sentence that
  says what is wrong, rather than the parser's jargon.
* Records (the elements at the paths an importer asks for, e.g. ``Message/Children/Child``) are
  built one at a time and handed over as a small tree of :class:`XmlNode`; once the importer
  moves on the record is dropped, so memory stays flat however many records a file holds.
* Element names are compared without their namespace, so a file that puts its elements in a
  namespace reads like one that does not.

It is built directly on the expat parser (``pyexpat``) with every DTD hook refusing, rather than
on ``xml.etree``, so that each element knows the line it starts on for error messages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from chronology.events import ImportFileError

__all__ = [
    "MAX_DEPTH",
    "StrayText",
    "XmlNode",
    "XmlRecord",
    "check_size",
    "count_elements",
    "local_name",
    "read_records",
    "sniff",
    "xs_boolean",
    "xs_date_text",
]

CHUNK_BYTES = 64 * 1024
MAX_DEPTH = 256  # real exports nest a dozen deep; thousands deep is an attack or a broken file
_NS_SEPARATOR = "}"
_QUOTE_LIMIT = 60

# What the parser's own messages mean, in words a data officer can act on.
_EXPLAINED = {
    "no element found": "the file ends before the XML is complete (is it empty or cut short?)",
    "unclosed token": "the file ends in the middle of a tag (is it cut short?)",
    "mismatched tag": "an element is closed with the wrong end tag, e.g. <A> … </B>",
    "not well-formed (invalid token)": (
        "there is a character where XML does not allow one (for example a stray '<' or '&', or a "
        "line that is not XML at all)"
    ),
    "undefined entity": "an '&' starts a reference that is not defined (a plain & must be written &amp;)",
    "junk after document element": "there is more after the end of the document's last element",
    "syntax error": "the text is not XML",
    "unclosed CDATA section": "a CDATA section is never closed (is the file cut short?)",
    "partial character": "the file ends part-way through a character (is it cut short?)",
    "XML declaration not well-formed": "the <?xml …?> declaration on the first line is malformed",
    "unknown encoding": "the <?xml …?> declaration names an encoding this tool cannot read",
    "encoding specified in XML declaration is incorrect": (
        "the bytes are not in the encoding that the <?xml …?> declaration names"
    ),
    "XML or text declaration not at start of entity": (
        "the <?xml …?> declaration is not at the very start of the file"
    ),
    "duplicate attribute": "an element has the same attribute twice",
    "unbound prefix": "an element name uses a namespace prefix that is never declared",
}


def local_name(tag: str) -> str:
    """The element name without its namespace (``{urn:x}Child`` or ``x:Child`` -> ``Child``)."""
    if tag.startswith("{"):
        tag = tag.rsplit("}", 1)[-1]
    return tag.rsplit(":", 1)[-1]


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return f"'{text}'"


@dataclass(slots=True, eq=False)
class XmlNode:
    """One element of a record: its name, attributes, text and children, and where it starts."""

    name: str  # local name, namespace removed
    tag: str  # as parsed, ``{uri}name`` when the element is in a namespace
    attrib: dict[str, str]
    line: int
    column: int
    index: int = 1  # position among siblings with the same name, from 1
    children: list[XmlNode] = field(default_factory=list)
    text: str = ""  # text before the first child (all of it for a leaf)
    tail: str = ""  # text after this element's end tag, up to the next sibling or the parent's end
    _parts: list[str] = field(default_factory=list, repr=False)

    def child(self, name: str) -> XmlNode | None:
        """The first child with this local name, or None."""
        return next((node for node in self.children if node.name == name), None)

    def children_named(self, name: str) -> list[XmlNode]:
        return [node for node in self.children if node.name == name]

    def value(self, name: str) -> str | None:
        """The stripped text of the first child with this name; None when there is no such child."""
        node = self.child(name)
        return node.text.strip() if node is not None else None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def count(self, name: str) -> int:
        return sum(1 for node in self.children if node.name == name)

    def segment(self, parent: XmlNode | None = None, indexed: Collection[str] = ()) -> str:
        """This element's step in a path: ``Name[n]`` when the name repeats (or is in ``indexed``)."""
        repeated = parent is not None and parent.count(self.name) > 1
        return f"{self.name}[{self.index}]" if self.name in indexed or repeated else self.name

    def with_paths(self, path: str, indexed: Collection[str] = ()) -> Iterator[tuple[XmlNode, str]]:
        """Each child with its own path under ``path`` (indexes shown where a name repeats)."""
        totals = Counter(node.name for node in self.children)
        for node in self.children:
            shown = node.name in indexed or totals[node.name] > 1
            yield node, f"{path}/{node.name}[{node.index}]" if shown else f"{path}/{node.name}"

    def stray_text(self) -> list[tuple[str, str | None]]:
        """Text sitting between this element's children rather than inside one of them.

        Returns (text, name of the element it follows, or None when it comes first). A leaf has
        none: its text is its value.
        """
        if self.is_leaf:
            return []
        found: list[tuple[str, str | None]] = []
        if self.text.strip():
            found.append((self.text.strip(), None))
        found.extend((node.tail.strip(), node.name) for node in self.children if node.tail.strip())
        return found

    def flatten(self, prefix: str = "") -> dict[str, str]:
        """Every value below this element keyed by its element path without positions
        (``Disabilities/Disability``); repeated values joined by '; '. Used to keep a block's
        fields verbatim as attributes."""
        values: dict[str, list[str]] = {}
        self._collect(prefix, values)
        return {key: "; ".join(parts) for key, parts in values.items()}

    def _collect(self, base: str, values: dict[str, list[str]]) -> None:
        for child in self.children:
            key = f"{base}{child.name}"
            if child.is_leaf:
                if child.text.strip():
                    values.setdefault(key, []).append(child.text.strip())
            else:
                child._collect(f"{key}/", values)

    def _flush_text(self) -> None:
        """Give the text read since the last child ended (or since the start tag) its place.

        Called when a child starts and at the end tag: it is this element's ``text`` when no
        child came before it, otherwise the previous child's ``tail``.
        """
        joined = "".join(self._parts)
        self._parts = []
        if self.children:
            self.children[-1].tail += joined
        else:
            self.text += joined


@dataclass(frozen=True, slots=True)
class XmlRecord:
    """A whole element at one of the paths asked for, or an element outside them all.

    ``pattern`` is the path it matched (``Message/Children/Child``), or None for an element the
    importer did not ask for and that is not on the way to one (the importer decides whether to
    warn about it). ``path`` locates it in the file: ``Message/Children/Child[3]``.
    """

    pattern: str | None
    path: str
    node: XmlNode


@dataclass(frozen=True, slots=True)
class StrayText:
    """Text found directly inside a container element (between records), which no record holds."""

    path: str
    text: str
    line: int


_XS_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T[0-9:.]+)?(?:Z|[+-]\d{2}:\d{2})?")
_XS_TRUE = frozenset({"true", "1"})
_XS_FALSE = frozenset({"false", "0"})


def xs_date_text(text: str) -> str | None:
    """The ``YYYY-MM-DD`` part of an XML Schema date or dateTime (``2022-03-31``,
    ``2022-03-31Z``, ``2022-03-31T10:00:00+01:00``); None for anything else."""
    match = _XS_DATE.fullmatch(text.strip())
    return match.group(1) if match else None


def xs_boolean(text: str) -> bool | None:
    """An XML Schema boolean (true/false/1/0, any case, as DfE files write them); None otherwise."""
    value = text.strip().lower()
    if value in _XS_TRUE:
        return True
    if value in _XS_FALSE:
        return False
    return None


def check_size(path: Path, max_bytes: int) -> int:
    """The file's size in bytes; ImportFileError when it is missing, unreadable or too large."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise ImportFileError(
            f"{path.name} is {size:,} bytes, more than the {max_bytes:,}-byte limit for one import; "
            "split the file or ask for the limit to be raised"
        )
    if size == 0:
        raise ImportFileError(f"{path.name} is empty: there is no XML in it")
    return size


class _Refused(Exception):
    """Raised inside a parser callback to stop at once; carries the finished message."""


def _new_parser(file_name: str) -> expat.XMLParserType:
    """An expat parser on which every way into a DTD, entity or external file is refused."""
    parser = expat.ParserCreate(namespace_separator=_NS_SEPARATOR)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True

    def where() -> str:
        return f"{file_name}, line {parser.CurrentLineNumber}"

    def doctype(name: str, system_id: str | None, public_id: str | None, has_subset: bool) -> None:
        if system_id or public_id:
            raise _Refused(
                f"{where()}: the DOCTYPE refers to an external DTD ({_quote(system_id or public_id or '')}). "
                "This tool never loads DTDs or other files named inside an import, so the file is "
                "refused; export it again without a DOCTYPE line"
            )

    def entity(name: str, is_parameter: bool, value: str | None, *args: object) -> None:
        raise _Refused(
            f"{where()}: the file declares an XML entity ('{name}') in its DOCTYPE. Entities can "
            "make a small file expand to gigabytes or copy in other files from this computer or "
            "the network, so files that declare them are refused; export the file again without a "
            "DOCTYPE section"
        )

    def unparsed(name: str, *args: object) -> None:
        entity(name, False, None)

    def external(context: str | None, base: str | None, system_id: str | None, public_id: str | None) -> int:
        raise _Refused(
            f"{where()}: the file refers to an external entity ({_quote(system_id or '')}); it is "
            "refused because this tool never reads other files or the network during an import"
        )

    def skipped(name: str, is_parameter: bool) -> None:
        raise _Refused(f"{where()}: the file uses an entity ('{name}') that is not defined; it is refused")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = unparsed
    parser.ExternalEntityRefHandler = external
    parser.SkippedEntityHandler = skipped
    return parser


def _syntax_error(file_name: str, exc: expat.ExpatError) -> ImportFileError:
    raw = expat.ErrorString(exc.code) if exc.code else str(exc)
    explained = _EXPLAINED.get(raw, raw)
    return ImportFileError(
        f"{file_name}, line {exc.lineno}, column {exc.offset + 1}: the file is not well-formed XML: "
        f"{explained}; nothing was imported from it"
    )


def _matches(names: Sequence[str], pattern: Sequence[str]) -> bool:
    return len(names) == len(pattern) and all(p in ("*", n) for n, p in zip(names, pattern, strict=True))


def _is_prefix(names: Sequence[str], pattern: Sequence[str]) -> bool:
    return len(names) < len(pattern) and all(
        p in ("*", n) for n, p in zip(names, pattern[: len(names)], strict=True)
    )


class _Builder:
    """Expat callbacks: builds records below the asked-for paths, keeps nothing above them."""

    def __init__(
        self,
        file_name: str,
        patterns: Sequence[str],
        expected_root: str | None,
        what: str,
        indexed: Collection[str],
    ) -> None:
        self.file_name = file_name
        self.indexed = frozenset(indexed)
        self.patterns = [(pattern, tuple(pattern.split("/"))) for pattern in patterns]
        self.expected_root = expected_root
        self.what = what
        self.stack: list[XmlNode] = []  # open elements, root first
        self.segments: list[str] = []  # path steps of the open elements
        self.counts: list[dict[str, int]] = [{}]  # child-name counters of each open container
        self.record_depth: int | None = None  # depth of the record being built, if any
        self.record_pattern: str | None = None
        self.ready: list[XmlRecord | StrayText] = []
        self.root_seen = False
        self.parser: expat.XMLParserType | None = None

    def attach(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters

    def _line(self) -> tuple[int, int]:
        assert self.parser is not None
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = local_name(_clark(tag))
        line, column = self._line()
        self._check_root(name)
        if len(self.stack) >= MAX_DEPTH:
            raise _Refused(
                f"{self.file_name}, line {line}: elements are nested more than {MAX_DEPTH} deep; "
                "no real export is, so the file is refused"
            )
        counts = self.counts[-1]
        counts[name] = counts.get(name, 0) + 1
        node = XmlNode(name, _clark(tag), dict(attrib), line, column, counts[name])
        if self.record_depth is not None:  # inside a record: keep the whole subtree
            parent = self.stack[-1]
            parent._flush_text()
            parent.children.append(node)
            self._push(node, name)
            return
        names = [*self._names(), name]
        pattern = next((text for text, parts in self.patterns if _matches(names, parts)), None)
        on_the_way = any(_is_prefix(names, parts) for _, parts in self.patterns)
        if pattern is not None or not on_the_way:
            self.record_depth = len(self.stack)
            self.record_pattern = pattern
        shown = f"{name}[{node.index}]" if name in self.indexed or node.index > 1 else name
        self._push(node, shown)

    def _check_root(self, name: str) -> None:
        if self.root_seen:
            return
        self.root_seen = True
        if self.expected_root and name != self.expected_root:
            raise _Refused(
                f"{self.file_name} is not {self.what}: its first element is <{name}>, where "
                f"<{self.expected_root}> was expected"
            )

    def _push(self, node: XmlNode, segment: str) -> None:
        self.stack.append(node)
        self.counts.append({})
        self.segments.append(segment)

    def _names(self) -> list[str]:
        return [node.name for node in self.stack]

    def end(self, tag: str) -> None:
        node = self.stack.pop()
        self.counts.pop()
        segment = self.segments.pop()
        node._flush_text()
        depth = len(self.stack)
        if self.record_depth is not None and depth == self.record_depth:
            path = "/".join([*self.segments, segment])
            self.ready.append(XmlRecord(self.record_pattern, path, node))
            self.record_depth = None
            self.record_pattern = None

    def characters(self, data: str) -> None:
        if not self.stack:
            return
        if self.record_depth is not None:
            self.stack[-1]._parts.append(data)
        elif data.strip():
            line, _ = self._line()
            self.ready.append(StrayText("/".join(self.segments), data.strip(), line))


def _clark(tag: str) -> str:
    """``uri}name`` as expat gives it -> ``{uri}name`` as ElementTree writes it."""
    return "{" + tag if _NS_SEPARATOR in tag else tag


def read_records(
    path: Path,
    *,
    patterns: Sequence[str],
    max_bytes: int,
    expected_root: str | None = None,
    what: str = "the expected kind of XML file",
    indexed: Collection[str] = (),
) -> Iterator[XmlRecord | StrayText]:
    """Stream the records at ``patterns`` (``Root/Container/Record``; ``*`` matches any name).

    Yields each record once its end tag is read, in file order, plus any element that is neither
    a record nor on the way to one (``pattern`` None) and any text lying loose in a container
    (:class:`StrayText`). ``expected_root`` names the root element this format must have; ``what``
    completes "<file> is not …" when it has another (e.g. "a CIN census file"). Paths show an
    element's position (``Child[3]``) when its name is in ``indexed`` or it is not the first of its
    name.

    Raises ImportFileError for a missing, empty, oversized, unsafe or malformed file. Records
    yielded before a late error are still yielded: the store rolls the whole file back.
    """
    check_size(path, max_bytes)
    builder = _Builder(path.name, patterns, expected_root, what, indexed)
    parser = _new_parser(path.name)
    builder.attach(parser)
    read = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                read += len(chunk)
                if read > max_bytes:
                    raise ImportFileError(
                        f"{path.name} grew past the {max_bytes:,}-byte limit while it was being read"
                    )
                _feed(parser, chunk, False, path.name)
                yield from _drain(builder)
            _feed(parser, b"", True, path.name)
            yield from _drain(builder)
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc


def _feed(parser: expat.XMLParserType, chunk: bytes, final: bool, file_name: str) -> None:
    try:
        parser.Parse(chunk, final)
    except _Refused as exc:
        raise ImportFileError(str(exc)) from None
    except expat.ExpatError as exc:
        raise _syntax_error(file_name, exc) from None
    except RecursionError:
        raise ImportFileError(f"{file_name}: the XML is nested too deeply to read") from None


def _drain(builder: _Builder) -> Iterator[XmlRecord | StrayText]:
    ready, builder.ready = builder.ready, []
    yield from ready


@dataclass(slots=True)
class Sniffed:
    """What the first bytes of a file say: the root element and the first text of each element."""

    root: str | None = None
    names: set[str] = field(default_factory=set)
    texts: dict[str, str] = field(default_factory=dict)
    refused: str | None = None  # why the safe parser stopped (an entity, an external DTD), if it did


def sniff(path: Path, limit: int = 16 * 1024) -> Sniffed:
    """Cheaply look at the first ``limit`` bytes (for ``can_read``); never raises on bad input.

    Uses the same refusing parser, so sniffing an unsafe file reads nothing from anywhere else.
    """
    found = Sniffed()
    try:
        with path.open("rb") as handle:
            head = handle.read(limit)
    except OSError:
        return found
    parser = _new_parser(path.name)
    current: list[str] = []

    def start(tag: str, attrib: dict[str, str]) -> None:
        name = local_name(_clark(tag))
        if found.root is None:
            found.root = name
        found.names.add(name)
        current.append(name)

    def end(tag: str) -> None:
        if current:
            current.pop()

    def characters(data: str) -> None:
        if current and data.strip():
            found.texts.setdefault(current[-1], data.strip())

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(head, False)
    except _Refused as exc:
        found.refused = str(exc)
    except (expat.ExpatError, RecursionError, ValueError):
        pass
    return found


def count_elements(path: Path, name: str, limit: int = 1024 * 1024 * 1024) -> int | None:
    """Roughly how many ``<name>`` elements a file has, by scanning its bytes (for a progress bar).

    No parsing, so it is fast and safe on any file; None when the file cannot be read or is over
    ``limit`` bytes. A match split across two reads is counted once.
    """
    pattern = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(name.encode("ascii")) + rb"[\s/>]")
    keep = len(name) + 64
    total = 0
    tail = b""
    try:
        with path.open("rb") as handle:
            read = 0
            while chunk := handle.read(CHUNK_BYTES * 16):
                read += len(chunk)
                if read > limit:
                    return None
                data = tail + chunk
                total += sum(1 for match in pattern.finditer(data) if match.end() > len(tail))
                tail = data[-keep:]
    except OSError:
        return None
    return total
