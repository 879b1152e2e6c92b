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


class _Where:
    """Where the reader is, for error messages: the top-level field and the entry number."""

    def __init__(self) -> None:
        self.top_key: str | None = None
        self.entry_index = -1

    def __str__(self) -> str:
        if self.top_key == "entry" and self.entry_index >= 0:
            return f"Bundle.entry[{self.entry_index}]"
        return f"Bundle.{self.top_key}" if self.top_key else "the top level"


def _too_deep(file_name: str, where: _Where) -> ImportFileError:
    return ImportFileError(
        f"{file_name}, {where}: the JSON is nested more than {MAX_DEPTH} levels deep; "
        "FHIR resources are never this deep, so the file is refused as broken or hostile"
    )


def _build(events: Iterator[tuple[str, Any]], first: str, level: int, file_name: str, where: _Where) -> Any:
    """The object or list that ``first`` (start_map / start_array) opens, at nesting ``level``.

    One tight loop (this is where nearly all the time goes): each container is put into its parent
    as soon as it opens, so only the stack of open containers is kept, never their keys."""
    root: Any = {} if first == "start_map" else []
    stack = [root]
    top, is_map, key = root, first == "start_map", None
    limit = MAX_DEPTH - level + 1
    for event, value in events:
        if event == "map_key":
            key = value
        elif event == "start_map" or event == "start_array":
            new: Any = {} if event == "start_map" else []
            if is_map:
                top[key] = new
            else:
                top.append(new)
            stack.append(new)
            if len(stack) > limit:
                raise _too_deep(file_name, where)
            top, is_map = new, event == "start_map"
        elif event == "end_map" or event == "end_array":
            stack.pop()
            if not stack:
                return root
            top = stack[-1]
            is_map = type(top) is dict
        elif is_map:
            top[key] = value
        else:
            top.append(value)
    return root  # the parser raises on a truncated file before this is reached


def _walk(events: Iterator[tuple[str, Any]], file_name: str, where: _Where) -> Iterator[BundleField | Entry]:
    """Top-level fields and entries from the parser's events."""
    event, _value = next(events, (None, None))
    if event is None:
        raise ImportFileError(f"{file_name} holds no JSON: a FHIR Bundle file holds one JSON object")
    if event != "start_map":
        kind = "a JSON list" if event == "start_array" else "a single JSON value"
        raise ImportFileError(f"{file_name} is not a FHIR Bundle: the file holds {kind}, not one JSON object")
    for event, value in events:
        if event == "end_map":
            break
        if event == "map_key":
            where.top_key = value
            continue
        name = where.top_key or ""
        if name == "entry" and event == "start_array":
            yield from _entries(events, file_name, where)
        elif name == "entry" and event == "start_map":
            raise ImportFileError(
                f"{file_name}: Bundle.entry is a JSON object, but FHIR requires a list of entries"
            )
        elif event in ("start_map", "start_array"):
            yield BundleField(name, _build(events, event, 2, file_name, where))
        else:
            yield BundleField(name, value)
    for _ in events:  # let the parser complain about anything after the bundle
        pass


def _entries(events: Iterator[tuple[str, Any]], file_name: str, where: _Where) -> Iterator[Entry]:
    for event, value in events:
        if event == "end_array":
            return
        where.entry_index += 1
        if event in ("start_map", "start_array"):
            yield Entry(where.entry_index, _build(events, event, 3, file_name, where))
        else:
            yield Entry(where.entry_index, value)


def _stream(path: Path) -> Iterator[BundleField | Entry]:
    where = _Where()
    try:
        with path.open("rb") as handle:
            reader = _CountingReader(handle)
            try:
                events = iter(ijson.basic_parse(reader, use_float=True, buf_size=CHUNK_BYTES))
                yield from _walk(events, path.name, where)
            except ijson.JSONError as exc:
                raise ImportFileError(_ijson_message(path.name, exc, reader.offset, where)) from None
            except UnicodeDecodeError:  # ijson decodes some strings (map keys) itself
                start = max(0, reader.offset - CHUNK_BYTES)
                raise ImportFileError(
                    f"{path.name} is not valid JSON: the text is not UTF-8 (FHIR JSON must be UTF-8) "
                    f"(in {where}, between bytes {start:,} and {reader.offset:,})"
                ) from None
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc


def _ijson_message(file_name: str, exc: Exception, offset: int, where: _Where) -> str:
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
    message = f"{file_name} is not valid JSON: {reason} (in {where}, between bytes {start:,} and {offset:,}"
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
        reason = exc.msg
        if exc.msg == "Extra data":
            reason = "there is more text after the end of the JSON object"
        elif exc.pos >= len(exc.doc.rstrip()):
            reason = "the file ends before the JSON is complete (is it cut short?)"
        raise ImportFileError(
            f"{path.name} is not valid JSON: {reason} (line {exc.lineno}, column {exc.colno})"
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
