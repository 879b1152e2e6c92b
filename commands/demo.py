"""The README's demo: a synthetic authority through the real importers, then a chronology to read."""

from __future__ import annotations

import json
from pathlib import Path

import click

from chronology import settings
from chronology.record import find_child, load_child
from commands.display import print_record
from commands.importing import bring_up_to_date, import_file, plan
from commands.store import current_actor, open_store
from importers.base import ImportOptions


def run_demo(*, children: int, seed: int, directory: Path | None) -> str | None:
    """Returns the LA child ID (or other identifier) of the child it showed, if any."""
    from generator import generate_authority

    out = directory or settings.instance_dir() / "demo"
    click.echo(f"1. generating a synthetic authority of {children} children in {out}")
    generate_authority(out, children=children, seed=seed)
    engine = open_store()
    click.echo(f"2. importing every file into {engine.url.render_as_string(hide_password=True)}")
    reports = []
    for item in plan([out], None):
        if item.importer is None:
            continue
        report = import_file(
            engine, item.path, item.importer, ImportOptions(), actor=current_actor(), refresh=False
        )
        reports.append(report)
        click.echo(
            f"   {report.file_name}: {report.events_imported} events, {report.events_undated} undated, "
            f"{report.rows_rejected} rejected, {report.duplicates_skipped} duplicates, "
            f"{report.warnings} warnings, {report.merges} joined across agencies"
        )
    bring_up_to_date(engine, reports)  # links, incident clusters and the audit panel's flags
    child_id = _interesting_child(out)
    click.echo("3. one child's merged chronology (from the ground truth's planted patterns):")
    with engine.begin() as conn:
        person_id = find_child(conn, child_id) if child_id else None
        if person_id is None:
            click.echo("   (no planted child found)")
            return None
        record = load_child(conn, person_id)
    print_record(record, limit=40)
    click.echo(f"\nExport it: chronology export {child_id} --out chronology.csv")
    return child_id


def _interesting_child(out: Path) -> str | None:
    truth_path = out / "ground-truth.json"
    if not truth_path.exists():
        return None
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    children = truth.get("children") or truth.get("planted") or []
    if isinstance(children, dict):
        children = list(children.values())
    best = max(children, key=lambda c: len(c.get("patterns", [])), default=None)
    if not best:
        return None
    ids = best.get("ids", best)
    return ids.get("la_child_id") or ids.get("nhs_number") or ids.get("upn")
