"""The shared safe XML reader: unsafe files are refused, bad XML is explained, memory stays flat.

Every fixture is written by the test itself, so each test shows the exact bytes it reads.
"""

from __future__ import annotations

import socket
import time
import tracemalloc
import urllib.request
from pathlib import Path

import pytest

from chronology.events import ImportFileError
from importers.xml_safety import (
    MAX_DEPTH,
    StrayText,
    XmlRecord,
    count_elements,
    local_name,
    read_records,
    sniff,
)

PATTERNS = ["Message/Header", "Message/Children/Child"]
BIG = 10 * 1024 * 1024


def write(tmp_path: Path, text: str, name: str = "return.xml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read_all(path: Path, **kwargs: object) -> list[XmlRecord | StrayText]:
    options = {"patterns": PATTERNS, "max_bytes": BIG, "expected_root": "Message", "indexed": {"Child"}}
    options.update(kwargs)
    return list(read_records(path, **options))  # type: ignore[arg-type]


def refused(path: Path, **kwargs: object) -> tuple[str, list[object]]:
    """The ImportFileError message, and whatever was yielded before it (which must hold no secret)."""
    seen: list[object] = []
    with pytest.raises(ImportFileError) as info:
        options = {"patterns": PATTERNS, "max_bytes": BIG, "expected_root": "Message", "indexed": {"Child"}}
        options.update(kwargs)
        seen.extend(read_records(path, **options))  # type: ignore[arg-type]
    return str(info.value), seen


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to open a network connection or fetch a URL."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the XML reader tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(urllib.request, "urlopen", forbidden)


GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header>
  <Children>
    <Child><LAchildID>A1</LAchildID><Dates><D>2021-01-01</D><D>2021-02-01</D></Dates></Child>
    <Child><LAchildID>A2</LAchildID></Child>
  </Children>
</Message>
"""


def test_records_stream_in_order_with_paths_and_lines(tmp_path: Path) -> None:
    items = read_all(write(tmp_path, GOOD))
    assert [(item.pattern, item.path) for item in items if isinstance(item, XmlRecord)] == [
        ("Message/Header", "Message/Header"),
        ("Message/Children/Child", "Message/Children/Child[1]"),
        ("Message/Children/Child", "Message/Children/Child[2]"),
    ]
    child = items[1].node  # type: ignore[union-attr]
    assert child.line == 5 and child.value("LAchildID") == "A1"
    dates = child.child("Dates")
    assert dates is not None
    assert [path for _, path in dates.with_paths("X/Dates")] == ["X/Dates/D[1]", "X/Dates/D[2]"]
    assert [node.text for node in dates.children_named("D")] == ["2021-01-01", "2021-02-01"]


def test_plain_doctype_without_entities_is_allowed(tmp_path: Path) -> None:
    text = GOOD.replace("<Message>", "<!DOCTYPE Message>\n<Message>", 1)
    assert len([i for i in read_all(write(tmp_path, text)) if isinstance(i, XmlRecord)]) == 3


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    ]
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE Message [\n'
        + "\n".join(levels)
        + "\n]>\n<Message><Children><Child><LAchildID>&lol9;</LAchildID></Child></Children></Message>"
    )
    started = time.perf_counter()
    message, seen = refused(write(tmp_path, text, "laughs.xml"))
    assert time.perf_counter() - started < 1
    assert message.startswith("laughs.xml, line 3:")
    assert "declares an XML entity ('lol0')" in message and "refused" in message
    assert seen == []


def test_quadratic_blowup_is_refused(tmp_path: Path) -> None:
    text = (
        f'<?xml version="1.0"?><!DOCTYPE Message [<!ENTITY a "{"x" * 50_000}">]>'
        f"<Message><Children><Child>{'&a;' * 5_000}</Child></Children></Message>"
    )
    message, seen = refused(write(tmp_path, text, "quadratic.xml"))
    assert "quadratic.xml" in message and "entity ('a')" in message
    assert seen == []


def test_external_entity_reading_a_local_file_is_refused(tmp_path: Path, no_network: None) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for target in ("file:///etc/passwd", secret.as_uri()):
        text = (
            f'<?xml version="1.0"?><!DOCTYPE Message [<!ENTITY xxe SYSTEM "{target}">]>'
            "<Message><Children><Child><LAchildID>&xxe;</LAchildID></Child></Children></Message>"
        )
        message, seen = refused(write(tmp_path, text, "xxe.xml"))
        assert "entity ('xxe')" in message
        assert "root:" not in message and "TOP-SECRET" not in message
        assert seen == []


def test_external_entity_over_http_is_refused_without_touching_the_network(
    tmp_path: Path, no_network: None
) -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE Message [<!ENTITY remote SYSTEM "http://example.invalid/x">]>'
        "<Message><Children><Child>&remote;</Child></Children></Message>"
    )
    message, _ = refused(write(tmp_path, text, "remote.xml"))
    assert "entity ('remote')" in message


def test_parameter_entity_and_external_dtd_are_refused(tmp_path: Path, no_network: None) -> None:
    parameter = (
        '<?xml version="1.0"?><!DOCTYPE Message [<!ENTITY % p SYSTEM "http://example.invalid/p.dtd"> %p;]>'
        "<Message/>"
    )
    assert "entity ('p')" in refused(write(tmp_path, parameter, "pe.xml"))[0]
    external = '<?xml version="1.0"?><!DOCTYPE Message SYSTEM "http://example.invalid/m.dtd"><Message/>'
    message, _ = refused(write(tmp_path, external, "dtd.xml"))
    assert "external DTD ('http://example.invalid/m.dtd')" in message


def test_undefined_entity_is_a_syntax_error_with_line(tmp_path: Path) -> None:
    text = "<Message>\n<Children>\n<Child>&nbsp;</Child></Children></Message>"
    message, _ = refused(write(tmp_path, text, "amp.xml"))
    assert message.startswith("amp.xml, line 3, column 8:")
    assert "&amp;" in message


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    text = "<Message>\n  <Children>\n    <Child><A>x</B></Child>\n  </Children>\n</Message>"
    message, _ = refused(write(tmp_path, text, "bad.xml"))
    assert message.startswith("bad.xml, line 3, column 18: the file is not well-formed XML")
    assert "wrong end tag" in message


def test_truncated_file_says_it_may_be_cut_short(tmp_path: Path) -> None:
    text = GOOD[: GOOD.index("<Child><LAchildID>A2")] + "<Child><LAchi"
    message, seen = refused(write(tmp_path, text, "cut.xml"))
    assert "cut.xml, line 6" in message and "cut short" in message
    assert [item.path for item in seen if isinstance(item, XmlRecord)][-1] == "Message/Children/Child[1]"
    message, _ = refused(write(tmp_path, GOOD[:-20], "cut2.xml"))
    assert "cut short" in message


def test_over_size_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, "large.xml")
    message, seen = refused(path, max_bytes=100)
    assert message == (
        f"large.xml is {path.stat().st_size:,} bytes, more than the 100-byte limit for one import; "
        "split the file or ask for the limit to be raised"
    )
    assert seen == []


def test_empty_missing_and_non_xml_files(tmp_path: Path) -> None:
    assert refused(write(tmp_path, "", "empty.xml"))[0] == "empty.xml is empty: there is no XML in it"
    assert "missing.xml cannot be read" in refused(tmp_path / "missing.xml")[0]
    message, _ = refused(write(tmp_path, "child_id,date\nA1,2021-01-01\n", "table.xml"))
    assert message.startswith("table.xml, line 1, column 1:") and "not XML" in message


def test_wrong_root_names_both(tmp_path: Path) -> None:
    message, _ = refused(write(tmp_path, "<CTfile><Header/></CTfile>", "ctf.xml"), what="a CIN census file")
    assert message == (
        "ctf.xml is not a CIN census file: its first element is <CTfile>, where <Message> was expected"
    )


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    depth = MAX_DEPTH + 10
    text = "<Message><Children><Child>" + "<a>" * depth + "</a>" * depth + "</Child></Children></Message>"
    message, _ = refused(write(tmp_path, text, "deep.xml"))
    assert f"nested more than {MAX_DEPTH} deep" in message


def test_namespaces_are_ignored_in_names_but_kept_in_tags(tmp_path: Path) -> None:
    text = (
        '<m:Message xmlns:m="urn:dfe:cin"><m:Children><m:Child><m:LAchildID>A1</m:LAchildID>'
        "</m:Child></m:Children></m:Message>"
    )
    (record,) = read_all(write(tmp_path, text))
    assert isinstance(record, XmlRecord)
    assert record.path == "Message/Children/Child[1]"
    assert record.node.tag == "{urn:dfe:cin}Child" and record.node.value("LAchildID") == "A1"
    assert local_name("{urn:x}Child") == local_name("x:Child") == "Child"


def test_stray_text_and_unexpected_elements_are_handed_over(tmp_path: Path) -> None:
    text = (
        "<Message>loose<Children>between<Child><A>1</A>tail</Child></Children>"
        "<Extra><B>2</B></Extra></Message>"
    )
    items = read_all(write(tmp_path, text))
    assert [(item.path, item.text) for item in items if isinstance(item, StrayText)] == [
        ("Message", "loose"),
        ("Message/Children", "between"),
    ]
    records = [item for item in items if isinstance(item, XmlRecord)]
    assert records[0].node.stray_text() == [("tail", "A")]
    assert (records[1].pattern, records[1].path, records[1].node.value("B")) == (None, "Message/Extra", "2")


def test_windows_1252_declared_encoding(tmp_path: Path) -> None:
    text = '<?xml version="1.0" encoding="windows-1252"?><Message><Children><Child><N>£5 – café</N></Child></Children></Message>'
    (record,) = read_all(write(tmp_path, text, encoding="cp1252"))
    assert record.node.value("N") == "£5 – café"  # type: ignore[union-attr]


def test_memory_stays_flat_over_many_records(tmp_path: Path) -> None:
    child = "<Child><LAchildID>A{n}</LAchildID><Note>" + "x" * 200 + "</Note></Child>\n"
    path = tmp_path / "many.xml"
    with path.open("w") as handle:
        handle.write("<Message><Children>\n")
        for n in range(15_000):
            handle.write(child.replace("{n}", str(n)))
        handle.write("</Children></Message>\n")
    size = path.stat().st_size
    tracemalloc.start()
    count = 0
    for item in read_records(path, patterns=PATTERNS, max_bytes=BIG):
        count += isinstance(item, XmlRecord)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 15_000
    assert peak < size / 4, f"peak {peak:,} bytes while streaming a {size:,}-byte file"


def test_count_elements_and_sniff(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert count_elements(path, "Child") == 2
    assert count_elements(tmp_path / "missing.xml", "Child") is None
    found = sniff(path)
    assert found.root == "Message" and found.texts["Collection"] == "CIN"
    unsafe = write(tmp_path, '<!DOCTYPE M [<!ENTITY x SYSTEM "file:///etc/passwd">]><M>&x;</M>', "u.xml")
    assert sniff(unsafe).root is None
