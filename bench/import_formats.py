"""Benchmark: every importer plugin's parse, on 100,000+ records, against a bare parse of the same file.

For each importer in ``importers.registered()`` it builds one large file (or, for FHIR, a few large
bundles), then times two phases, each in a fresh process so peak memory is its own:

- importer: ``for item in Importer().read(path, ImportOptions())`` counting items (streaming, no
  list, no database);
- baseline: the bare parse of the same file with no interpretation: ``csv.reader`` for CSV,
  ``xml.etree.ElementTree.iterparse`` (clearing each record) for XML, openpyxl read-only
  ``iter_rows(values_only=True)`` for XLSX and ``ijson.items(f, "entry.item")`` for FHIR.

Both rates are per source *record* (a CSV/XLSX data row, a ``<Child>``/``<Pupil>`` element, a
bundle entry), so the ratio is the ratio of times. The items column is what the importer yielded.

How the files are made (a record's IDs are changed in every copy so records stay distinct):

- One synthetic authority is written by ``generate_authority(..., formats="native")``
  (``--children``, default 1000, seed ``--seed``). One authority gives only a few thousand records
  per format, so each file is the generated records followed by copies of them until ``--records``
  is reached; copy ``k`` (k >= 1) suffixes ``-k`` to the IDs below.
- template: every ``template-*.csv`` concatenated; ``record_id`` and ``child_id`` suffixed.
- case-notes: ``case-notes.csv``; ``record_id`` and ``child_id`` suffixed.
- relationships: ``relationships.csv``; ``child_id`` and ``person_id`` suffixed.
- police: ``police-occurrences.csv``; ``occurrence_ref`` and ``nominal_id`` suffixed, whole
  occurrences only (so the count can pass ``--records`` by a few rows).
- school-log: every ``school-log-*.csv`` concatenated; ``incident_id`` suffixed.
- cin-census: the year file with most ``<Child>`` elements; its children copied with
  ``<LAchildID>`` suffixed.
- ctf: the school file with most ``<Pupil>`` elements; its pupils copied with the UPN's LA digits
  changed (``999`` becomes ``998``, ``997``, ...) and the check letter recomputed, so UPNs stay valid.
- fhir: the entries of all generated bundles, split over ``--bundles`` (default 4) bundles; in
  copies each ``urn:uuid:`` (fullUrl and references alike) gets its first 8 hex digits replaced by
  the copy number and each resource ``id`` is suffixed.
- ssda903 and annex-a (no generator writer yet): the real samples in
  ``/work/shared/samples/social-care/`` (read in place, never copied into the project) replicated
  with the child ID (``CHILD``; ``Child Unique ID`` / first column in each Annex A list) made
  ``<id><copy:05d>``. Annex A formulas (``=H2+5``) are copied as they are, so their row
  references point at the sample's rows.

Run: ``python bench/import_formats.py [--records N] [--only NAME ...]``. The whole run (all ten
importers at 100,000 records) takes about four and a half minutes on 2 cores (measured 252 s).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = Path("/work/shared/samples/social-care")
XML_RECORD = {"cin-census": "Child", "ctf": "Pupil"}


def peak_rss_mb() -> float:
    """This process's own peak RSS. ``ru_maxrss`` would not do: Linux carries it over from the
    parent through fork and exec, so every phase would show at least the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the two phases --------------------------------------------------------------------------------


def run_importer(name: str, paths: list[Path]) -> dict:
    import importers
    from importers.base import ImportOptions

    cls = importers.get(name)
    kinds: Counter[str] = Counter()
    start = time.perf_counter()
    for path in paths:
        for item in cls().read(path, ImportOptions()):
            kinds[type(item).__name__] += 1
    seconds = time.perf_counter() - start
    return {"items": sum(kinds.values()), "kinds": dict(kinds), "seconds": seconds, "peak_mb": peak_rss_mb()}


def _baseline_csv(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        return sum(1 for _ in reader)


def _baseline_xml(path: Path, tag: str) -> int:
    import xml.etree.ElementTree as ET

    count = 0
    for _event, elem in ET.iterparse(path, events=("end",)):
        if elem.tag == tag:
            count += 1
            elem.clear()
    return count


def _baseline_xlsx(path: Path) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    count = 0
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        next(rows, None)
        count += sum(1 for _ in rows)
    workbook.close()
    return count


def _baseline_json(path: Path) -> int:
    import ijson

    with path.open("rb") as handle:
        return sum(1 for _ in ijson.items(handle, "entry.item", use_float=True))


def run_baseline(name: str, paths: list[Path]) -> dict:
    start = time.perf_counter()
    records = 0
    for path in paths:
        if path.suffix == ".csv":
            records += _baseline_csv(path)
        elif path.suffix == ".xml":
            records += _baseline_xml(path, XML_RECORD[name])
        elif path.suffix == ".xlsx":
            records += _baseline_xlsx(path)
        else:
            records += _baseline_json(path)
    seconds = time.perf_counter() - start
    return {"records": records, "seconds": seconds, "peak_mb": peak_rss_mb()}


def phase_in_subprocess(phase: str, name: str, paths: list[Path]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--importer", name, "--file", *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- building the files ----------------------------------------------------------------------------


def _read_csv(paths: list[Path]) -> tuple[list[str], list[dict[str, str]]]:
    header: list[str] = []
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = header or list(reader.fieldnames or [])
            rows.extend(reader)
    return header, rows


def _copies(units: list, records: int, size: Callable[[object], int]) -> Iterator[tuple[int, object]]:
    """(copy number, unit) until ``records`` records have gone: copy 0 is the generated data."""
    if not units:
        raise SystemExit("nothing generated to replicate")
    done, k = 0, 0
    while True:
        for unit in units:
            yield k, unit
            done += size(unit)
            if done >= records:
                return
        k += 1


def _suffix(value: str, k: int) -> str:
    return f"{value}-{k}" if k and value else value


def build_csv(
    sources: list[Path], out: Path, records: int, suffixed: tuple[str, ...], group_by: str | None = None
) -> int:
    header, rows = _read_csv(sources)
    units: list[list[dict[str, str]]] = []
    if group_by:  # whole occurrences: rows sharing a key stay together
        groups: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            groups.setdefault(row[group_by], []).append(row)
        units = list(groups.values())
    else:
        units = [[row] for row in rows]
    written = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        for k, unit in _copies(units, records, len):
            for row in unit:
                writer.writerow({**row, **{col: _suffix(row[col], k) for col in suffixed}} if k else row)
                written += 1
    return written


def build_xml(
    sources: list[Path], out: Path, records: int, tag: str, change: Callable[[str, int], str]
) -> int:
    pattern = re.compile(rf"<{tag}>.*?</{tag}>\s*", re.DOTALL)
    texts = [path.read_text(encoding="utf-8") for path in sources]
    text = max(texts, key=lambda t: len(pattern.findall(t)))
    blocks = pattern.findall(text)
    head = text[: text.index(blocks[0])]
    tail = text[text.index(blocks[-1]) + len(blocks[-1]) :]
    written = 0
    with out.open("w", encoding="utf-8") as handle:
        handle.write(head)
        for k, block in _copies(blocks, records, lambda _: 1):
            handle.write(change(block, k) if k else block)
            written += 1
        handle.write(tail)
    return written


def _cin_child(block: str, k: int) -> str:
    return re.sub(r"<LAchildID>([^<]*)</LAchildID>", lambda m: f"<LAchildID>{m[1]}-{k}</LAchildID>", block)


def _ctf_pupil(block: str, k: int) -> str:
    from chronology.identifiers import upn_check_letter

    def upn(match: re.Match[str]) -> str:
        body = f"{(int(match[2][:3]) - k) % 1000:03d}{match[2][3:]}"
        return f"<{match[1]}>{upn_check_letter(body)}{body}</{match[1]}>"

    return re.sub(r"<(UPN|FormerUPN)>[A-Z]([0-9]{11}[0-9A-Z])</\1>", upn, block)


_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}")
_ID = re.compile(r'"id":"([^"]*)"')


def build_fhir(sources: list[Path], out_dir: Path, records: int, bundles: int) -> tuple[list[Path], int]:
    entries: list[str] = []
    for path in sources:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        entries.extend(json.dumps(entry, separators=(",", ":")) for entry in bundle.get("entry", []))
    per_bundle = -(-records // bundles)
    paths: list[Path] = []
    handle = None
    written = 0
    for k, entry in _copies(entries, records, lambda _: 1):
        if written % per_bundle == 0:
            if handle:
                handle.write("\n]}\n")
                handle.close()
            paths.append(out_dir / f"fhir-bench-{len(paths) + 1}.json")
            handle = paths[-1].open("w", encoding="utf-8")
            handle.write(
                f'{{"resourceType":"Bundle","id":"bench-{len(paths)}","type":"collection","entry":[\n'
            )
        elif handle:
            handle.write(",\n")
        if k:
            entry = _UUID.sub(f"urn:uuid:{k:08x}", entry)
            entry = _ID.sub(lambda m, k=k: f'"id":"{m[1]}-{k}"', entry)
        assert handle is not None
        handle.write(entry)
        written += 1
    if handle:
        handle.write("\n]}\n")
        handle.close()
    return paths, written


def build_ssda903(out: Path, records: int) -> int:
    header, rows = _read_csv([SAMPLES / "ssda903-episodes-2020.csv"])
    written = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        for k, row in _copies(rows, records, lambda _: 1):
            writer.writerow({**row, "CHILD": f"{row['CHILD']}{k:05d}"} if k else row)
            written += 1
    return written


def build_annex_a(out: Path, records: int) -> int:
    import openpyxl

    source = openpyxl.load_workbook(SAMPLES / "annex-a-sample.xlsx", read_only=True)
    sheets = [(ws.title, list(ws.iter_rows(values_only=True))) for ws in source.worksheets]
    source.close()
    per_copy = sum(len(rows) - 1 for _, rows in sheets)
    copies = -(-records // per_copy)
    workbook = openpyxl.Workbook(write_only=True)
    written = 0
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(rows[0])
        for k in range(copies):
            for row in rows[1:]:
                if k and row[0] is not None:
                    row = (
                        int(f"{row[0]}{k:05d}") if isinstance(row[0], int) else f"{row[0]}{k:05d}",
                        *row[1:],
                    )
                sheet.append(row)
                written += 1
    workbook.save(out)
    return written


def build(name: str, gen: Path, tmp: Path, records: int, bundles: int) -> tuple[list[Path], int, str]:
    """The file(s) for one importer, the records written and the source description."""
    out = tmp / f"{name}.csv"
    if name == "template":
        n = build_csv(sorted(gen.glob("template-*.csv")), out, records, ("record_id", "child_id"))
        return [out], n, "generated template-*.csv, replicated"
    if name == "case-notes":
        n = build_csv([gen / "case-notes.csv"], out, records, ("record_id", "child_id"))
        return [out], n, "generated case-notes.csv, replicated"
    if name == "relationships":
        n = build_csv([gen / "relationships.csv"], out, records, ("child_id", "person_id"))
        return [out], n, "generated relationships.csv, replicated"
    if name == "police":
        n = build_csv(
            [gen / "police-occurrences.csv"],
            out,
            records,
            ("occurrence_ref", "nominal_id"),
            group_by="occurrence_ref",
        )
        return [out], n, "generated police-occurrences.csv, replicated by occurrence"
    if name == "school-log":
        n = build_csv(sorted(gen.glob("school-log-*.csv")), out, records, ("incident_id",))
        return [out], n, "generated school-log-*.csv, replicated"
    if name == "cin-census":
        out = tmp / "cin-census.xml"
        n = build_xml(sorted(gen.glob("cin-census-*.xml")), out, records, "Child", _cin_child)
        return [out], n, "largest generated census year, children replicated"
    if name == "ctf":
        out = tmp / "ctf.xml"
        n = build_xml(sorted(gen.glob("ctf-*.xml")), out, records, "Pupil", _ctf_pupil)
        return [out], n, "largest generated CTF, pupils replicated"
    if name == "fhir":
        paths, n = build_fhir(sorted((gen / "fhir").glob("*.json")), tmp, records, bundles)
        return paths, n, f"generated bundles' entries, replicated into {len(paths)} bundles"
    if name == "ssda903":
        n = build_ssda903(out, records)
        return [out], n, "sample ssda903-episodes-2020.csv, replicated"
    if name == "annex-a":
        out = tmp / "annex-a.xlsx"
        n = build_annex_a(out, records)
        return [out], n, "sample annex-a-sample.xlsx, replicated"
    raise SystemExit(f"no file builder for importer {name!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records per importer (default 100000)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these importers")
    parser.add_argument("--children", type=int, default=1000, help="children in the generated authority")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--bundles", type=int, default=4, help="FHIR bundles to spread the entries over")
    parser.add_argument("--phase", choices=["importer", "baseline"])
    parser.add_argument("--importer")
    parser.add_argument("--file", type=Path, nargs="+")
    args = parser.parse_args()
    if args.phase:
        run = run_importer if args.phase == "importer" else run_baseline
        print(json.dumps(run(args.importer, args.file)))
        return

    import importers
    from generator import generate_authority

    names = list(importers.registered())
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown importer(s) {', '.join(unknown)} (known: {', '.join(sorted(names))})")
        names = [name for name in names if name in args.only]
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chronology-bench-") as tmp_name:
        tmp = Path(tmp_name)
        gen = tmp / "authority"
        start = time.perf_counter()
        generate_authority(gen, children=args.children, seed=args.seed, formats="native")
        print(
            f"generated a native authority of {args.children} children in {time.perf_counter() - start:.1f}s"
        )
        print(
            f"{'importer':<14} {'records':>8} {'MB':>5} {'build s':>7} {'base rec/s':>10} {'imp rec/s':>10} "
            f"{'ratio':>6} {'base MB':>7} {'imp MB':>7} {'items':>8}  rejected/warnings"
        )
        notes: list[str] = []
        for name in names:
            start = time.perf_counter()
            paths, records, how = build(name, gen, tmp, args.records, args.bundles)
            build_seconds = time.perf_counter() - start
            size_mb = sum(p.stat().st_size for p in paths) / 1e6
            base = phase_in_subprocess("baseline", name, paths)
            imp = phase_in_subprocess("importer", name, paths)
            if base["records"] != records:
                notes.append(f"{name}: baseline counted {base['records']} records, {records} written")
            base_rate = records / base["seconds"]
            imp_rate = records / imp["seconds"]
            kinds = imp["kinds"]
            print(
                f"{name:<14} {records:>8} {size_mb:>5.0f} {build_seconds:>7.1f} {base_rate:>10.0f} {imp_rate:>10.0f} "
                f"{imp['seconds'] / base['seconds']:>5.1f}x {base['peak_mb']:>7.0f} {imp['peak_mb']:>7.0f} "
                f"{imp['items']:>8}  {kinds.get('RejectedRow', 0)}/{kinds.get('ImportWarning', 0)}",
                flush=True,
            )
            notes.append(f"{name}: {how}; items {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}")
            for path in paths:
                path.unlink()
    print(f"ratio = importer time / baseline time; whole run {time.perf_counter() - began:.0f}s")
    for note in notes:
        print(f"  {note}")


if __name__ == "__main__":
    main()
