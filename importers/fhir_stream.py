"""Reading a FHIR Bundle's JSON one entry at a time, so a bundle of tens of megabytes never sits in
memory whole.

Hospital systems export a patient's record as one JSON Bundle that can hold thousands of
resources. ``json.load`` would turn a 50 MB file into several hundred megabytes of Python objects;
this module instead walks the file with ijson's event parser (``basic_parse``, C backend) and
builds one ``entry`` at a time, handing each over and forgetting it. The bundle's other
top-level fields (``resourceType``, ``type``, ``id``, ...) are small and handed over as they come.

It builds the objects itself rather than using ``ijson.items``: ijson computes a dotted "prefix"
string for every event, and in a hostile file nested thousands of levels deep those prefixes grow
with the depth, so the memory needed grows with the square of the file. Here nesting deeper than
``MAX_DEPTH`` is refused as soon as it is seen, with an ImportFileError naming the entry.

If ijson is not installed the whole file is read with ``json.load`` (same results, more memory),
so the importer still works; the lead adds ijson to the project's dependencies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from chronology.events import ImportFileError

try:  # ijson streams; without it we fall back to json.load (see module docstring)
    import ijson
except ImportError:  # pragma: no cover - exercised by monkeypatching STREAMING in the tests
    ijson = None

__all__ = ["MAX_DEPTH", "STREAMING", "BundleField", "Entry", "check_size", "read_bundle"]

STREAMING = ijson is not None
MAX_DEPTH = 100  # FHIR resources nest a dozen or so levels; a hundred is a broken or hostile file
CHUNK_BYTES = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_QUOTE_LIMIT = 60


@dataclass(slots=True)
class BundleField:
    """A top-level field of the bundle other than ``entry`` (``resourceType``, ``type``, ``id``...)."""

    name: str
    value: Any


@dataclass(slots=True)
class Entry:
    """One element of ``Bundle.entry``, 0-based as FHIRPath counts (``Bundle.entry[0]``)."""

    index: int
    value: Any


def check_size(path: Path, max_bytes: int) -> int:
    """The file's size; ImportFileError when it is missing, empty or over the limit."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be opened: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise ImportFileError(
            f"{path.name} is {size:,} bytes, over the {max_bytes:,}-byte limit for one import; "
            "ask the sender to split the export (for example one bundle per patient)"
        )
    if size == 0:
        raise ImportFileError(f"{path.name} is empty: a FHIR Bundle file holds one JSON object")
    return size


def read_bundle(path: Path) -> Iterator[BundleField | Entry]:
    """Top-level fields and entries in file order. Raises ImportFileError for a file that is not
    a single JSON object, is not valid JSON, or nests deeper than MAX_DEPTH."""
    if STREAMING:
        yield from _stream(path)
    else:
        yield from _loaded(path)


# --- streaming with ijson ----------------------------------------------------------------------


class _CountingReader:
    """Wraps the file to know how far the parser has read, for error messages, and skips a BOM."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.offset = 0
        start = handle.read(len(_BOM))
        if start != _BOM:
            handle.seek(0)
        else:
            self.offset = len(_BOM)

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.offset += len(data)
        return data


class _Builder:
    """Turns ijson's flat events back into Python objects, one bundle entry at a time."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.stack: list[Any] = []  # containers being built, outermost first
        self.keys: list[str | None] = []  # the key each container is stored under in its parent
        self.key: str | None = None  # last map key seen
        self.top_key: str | None = None  # top-level key being read
        self.entry_index = -1

    def where(self) -> str:
        if self.top_key == "entry" and self.entry_index >= 0:
            return f"Bundle.entry[{self.entry_index}]"
        return f"Bundle.{self.top_key}" if self.top_key else "the top level"

    def handle(self, event: str, value: Any) -> BundleField | Entry | None:
        """Feed one parser event; a finished top-level field or entry when one completes."""
        depth = len(self.stack)
        if event == "map_key":
            if depth == 1:
                self.top_key = value
            self.key = value
            return None
        if event in ("start_map", "start_array"):
            return self._open({} if event == "start_map" else [], depth)
        if event in ("end_map", "end_array"):
            return self._close()
        return self._scalar(value, depth)

    def _open(self, container: dict | list, depth: int) -> None:
        if depth == 0 and not isinstance(container, dict):
            raise ImportFileError(
                f"{self.file_name} is not a FHIR Bundle: the file holds a JSON list, not one JSON object"
            )
        if depth == 2 and self.top_key == "entry":
            self.entry_index += 1
        if depth >= MAX_DEPTH:
            raise ImportFileError(
                f"{self.file_name}, {self.where()}: the JSON is nested more than {MAX_DEPTH} levels deep; "
                "FHIR resources are never this deep, so the file is refused as broken or hostile"
            )
        self.keys.append(self.key if depth and isinstance(self.stack[-1], dict) else None)
        self.stack.append(container)
        if depth == 1 and self.top_key == "entry" and isinstance(container, dict):
            raise ImportFileError(
                f"{self.file_name}: Bundle.entry is a JSON object, but FHIR requires a list of entries"
            )
        return None

    def _close(self) -> BundleField | Entry | None:
        done = self.stack.pop()
        key = self.keys.pop()
        depth = len(self.stack)
        if depth == 0:
            return None
        if depth == 1:
            return None if key == "entry" else BundleField(key or "", done)
        if depth == 2 and self.top_key == "entry":
            return Entry(self.entry_index, done)
        self._store(done, key)
        return None

    def _scalar(self, value: Any, depth: int) -> BundleField | Entry | None:
        if depth == 0:
            raise ImportFileError(
                f"{self.file_name} is not a FHIR Bundle: the file holds a single JSON value, not an object"
            )
        if depth == 1:
            return BundleField(self.key or "", value)
        if depth == 2 and self.top_key == "entry":
            self.entry_index += 1
            return Entry(self.entry_index, value)
        self._store(value, self.key)
        return None

    def _store(self, value: Any, key: str | None) -> None:
        parent = self.stack[-1]
        if isinstance(parent, dict):
            parent[key] = value
        else:
            parent.append(value)


def _stream(path: Path) -> Iterator[BundleField | Entry]:
    builder = _Builder(path.name)
    try:
        with path.open("rb") as handle:
            reader = _CountingReader(handle)
            try:
                for event, value in ijson.basic_parse(reader, use_float=True, buf_size=CHUNK_BYTES):
                    item = builder.handle(event, value)
                    if item is not None:
                        yield item
            except ijson.JSONError as exc:
                raise ImportFileError(_ijson_message(path.name, exc, reader.offset, builder)) from None
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc


def _ijson_message(file_name: str, exc: Exception, offset: int, builder: _Builder) -> str:
    """The parser's complaint in a sentence, with where it happened (the entry and byte range)."""
    text = str(exc)
    if text.startswith(("b'", 'b"')):  # ijson reports some errors as the repr of bytes
        text = text[2:-1].replace("\\n", "\n")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = lines[0] if lines else "the JSON is malformed"
    if "premature EOF" in reason:
        reason = "the file ends before the JSON is complete (is it cut short?)"
    elif "trailing garbage" in reason:
        reason = "there is more text after the end of the JSON object"
    elif "invalid bytes in UTF8" in reason:
        reason = "the text is not UTF-8 (FHIR JSON must be UTF-8)"
    near = _quote(lines[1]) if len(lines) > 2 else None
    start = max(0, offset - CHUNK_BYTES)
    where = f"in {builder.where()}, " if builder.stack else ""
    message = f"{file_name} is not valid JSON: {reason} ({where}between bytes {start:,} and {offset:,}"
    return message + (f", near {near})" if near else ")")


def _quote(text: str) -> str:
    text = "".join(char if char.isprintable() else "?" for char in text)
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return f"'{text}'"


# --- fallback: json.load -----------------------------------------------------------------------


def _loaded(path: Path) -> Iterator[BundleField | Entry]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not valid JSON: the text is not UTF-8 (FHIR JSON must be UTF-8) "
            f"at byte {exc.start:,}"
        ) from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ImportFileError(f"{path.name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        kind = "a JSON list" if isinstance(data, list) else "a single JSON value"
        raise ImportFileError(f"{path.name} is not a FHIR Bundle: the file holds {kind}, not one JSON object")
    entries = data.get("entry")
    if isinstance(entries, dict):
        raise ImportFileError(
            f"{path.name}: Bundle.entry is a JSON object, but FHIR requires a list of entries"
        )
    for name, value in data.items():
        if name == "entry" and isinstance(value, list):
            for index, entry in enumerate(value):
                _check_depth(path.name, entry, index)
                yield Entry(index, entry)
        else:
            yield BundleField(name, value)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"'{name}' is not allowed in JSON")


def _check_depth(file_name: str, value: Any, index: int) -> None:
    """The same depth limit the streaming reader applies (entry level is depth 3 there)."""
    pending: list[tuple[Any, int]] = [(value, 3)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise ImportFileError(
                    f"{file_name}, Bundle.entry[{index}]: the JSON is nested more than {MAX_DEPTH} levels "
                    "deep; FHIR resources are never this deep, so the file is refused as broken or hostile"
                )
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
